"""Concurrency: many MCP clients at once over streamable HTTP while the Zuora token keeps expiring.

A fresh sandbox (bearer tokens live ``token_lifetime`` seconds) and a fresh zuora-mcp HTTP server,
so every token request and TCP connection the sandbox counts belongs to the timed window. The
clients open their sessions first; then each calls ``get_invoice`` back to back until the window
closes. What zuora-mcp promises: no errors, one token fetch per expiry plus the first (the client
refreshes a token at 90 % of its life, single-flight), and no more connections than its pool
(``ZUORA_MCP_MAX_CONCURRENCY``, default 10).
"""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path
from typing import Any

import anyio
from mcp.client import Client

from bench import procs
from bench.direct import DirectZuora, counter_diff
from bench.seed import READ_INVOICE
from bench.stats import summarize
from zuora_mcp._auth import refresh_margin
from zuora_mcp.config import load_settings

__all__ = ["measure_concurrency"]


async def measure_concurrency(
    seed: Path, workdir: Path, clients: int, seconds: float, token_lifetime: int
) -> dict[str, Any]:
    async with procs.sandbox_process(seed, token_expires_in=token_lifetime) as sandbox:
        env = procs.server_env(sandbox, workdir)
        pool = load_settings({}, env).max_concurrency
        async with (
            procs.http_server(procs.OURS_HTTP, env) as (url, server_pid),
            DirectZuora(sandbox) as admin,
            contextlib.AsyncExitStack() as stack,
        ):
            sessions = [await stack.enter_async_context(Client(url, mode="legacy", cache=None)) for _ in range(clients)]
            before = await admin.counters()
            latencies: list[float] = []
            errors = {"is_error": 0, "exception": 0}
            first_error: list[str] = []
            cpu_before = procs.cpu_seconds(server_pid)
            client_cpu_before = time.process_time()
            began = time.perf_counter()
            deadline = began + seconds

            async def worker(client: Client) -> None:
                while time.perf_counter() < deadline:
                    start = time.perf_counter()
                    try:
                        result = await client.call_tool("get_invoice", {"invoiceKey": READ_INVOICE})
                    except Exception as exc:  # counted, not raised: a benchmark reports failures
                        errors["exception"] += 1
                        first_error[:] = first_error or [repr(exc)[:300]]
                        continue
                    latencies.append((time.perf_counter() - start) * 1000)
                    if result.is_error:
                        errors["is_error"] += 1
                        first_error[:] = first_error or [str(result.content)[:300]]

            async with anyio.create_task_group() as tg:
                for client in sessions:
                    tg.start_soon(worker, client)
            elapsed = time.perf_counter() - began
            server_cpu = procs.cpu_seconds(server_pid) - cpu_before
            client_cpu = time.process_time() - client_cpu_before
            diff = counter_diff(before, await admin.counters())

    usable = token_lifetime - refresh_margin(token_lifetime)
    expiries = math.floor(elapsed / token_lifetime)
    token_range = (1 + expiries, 1 + math.ceil(elapsed / usable))
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "token_lifetime_s": token_lifetime,
        "calls": len(latencies),
        "calls_per_second": round(len(latencies) / elapsed, 1),
        "latency_ms": summarize(latencies).as_json(),
        "server_cpu_percent": round(100 * server_cpu / elapsed, 1),
        "server_cpu_ms_per_call": round(1000 * server_cpu / max(1, len(latencies)), 3),
        # The clients share one process (and the machine's cores) with nothing else of ours: when
        # this is near 100 %, calls per second is the clients' limit, not the server's.
        "client_process_cpu_percent": round(100 * client_cpu / elapsed, 1),
        "errors": errors["is_error"] + errors["exception"],
        "errors_by_kind": errors,
        "first_error": first_error[0] if first_error else None,
        "token_requests": diff["token_requests"],
        "token_expiries": expiries,
        "token_requests_expected": list(token_range),
        "connections_accepted": diff["connections_accepted"],
        "pool_size": pool,
        "zuora_requests": diff["requests"] - diff["token_requests"],
    }
