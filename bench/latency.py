"""Per-call latency, server CPU per call, result size and memory, on one set of long-lived sessions.

Paths, measured in interleaved rounds so drift on a shared machine hits them alike:

- ``ours_stdio`` / ``ours_http``: ``get_invoice`` through zuora-mcp (one GET to the sandbox);
- ``bare_stdio`` / ``bare_http``: the bare server's trivial ``echo`` (the MCP + transport floor);
- ``direct``: the same GET straight from httpx2 with a token (the network floor);
- ``proxy_stdio`` / ``proxy_http``: the bare server's ``fetch``, one httpx2 GET of the same URL
  inside the tool: not the floor, an attribution (ours minus proxy is what zuora-mcp adds).

Floor for a transport = bare round trip + direct GET. Memory: VmRSS of the bare and our stdio
servers when idle (after tools/list) and after ``memory_calls`` calls.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from mcp.client import Client
from mcp.client.stdio import stdio_client

from bench import procs
from bench.direct import DirectZuora
from bench.seed import READ_INVOICE
from bench.stats import ratio, summarize
from zuora_mcp.context_size import count_tokens

__all__ = ["measure_latency"]

Call = Callable[[], Awaitable[bool]]  # one call; True when it succeeded


def _tool_call(client: Client, name: str, arguments: dict[str, Any]) -> Call:
    async def call() -> bool:
        result = await client.call_tool(name, arguments)
        return not result.is_error

    return call


def _direct_call(direct: DirectZuora, path: str) -> Call:
    async def call() -> bool:
        await direct.get(path)
        return True

    return call


async def _timed(call: Call, n: int, samples: list[float]) -> int:
    errors = 0
    for _ in range(n):
        began = time.perf_counter()
        ok = await call()
        samples.append((time.perf_counter() - began) * 1000)
        errors += not ok
    return errors


async def _bulk(call: Call, n: int, in_flight: int) -> int:
    """``n`` calls, ``in_flight`` at a time; returns the number of errors."""
    errors = 0
    per_task, extra = divmod(n, in_flight)

    async def worker(count: int) -> None:
        nonlocal errors
        for _ in range(count):
            errors += not await call()

    async with anyio.create_task_group() as tg:
        for i in range(in_flight):
            tg.start_soon(worker, per_task + (i < extra))
    return errors


async def measure_latency(
    sandbox: procs.Sandbox, workdir: Path, calls: int, warmup: int, memory_calls: int, rounds: int = 10
) -> dict[str, Any]:
    invoice_path = f"/v1/invoices/{READ_INVOICE}"
    env = procs.server_env(sandbox, workdir)
    async with contextlib.AsyncExitStack() as stack:
        errlog = stack.enter_context((workdir / "latency.log").open("w"))
        direct = await stack.enter_async_context(DirectZuora(sandbox))
        await direct.authenticate()
        proxy_env = {
            "PYTHONPATH": env["PYTHONPATH"],
            "BENCH_PROXY_URL": sandbox.base_url + invoice_path,
            "BENCH_PROXY_TOKEN": direct.token,
        }

        async def stdio_session(args: tuple[str, ...], environ: dict[str, str] | None) -> tuple[Client, int]:
            client = Client(stdio_client(procs.stdio_params(args, environ), errlog=errlog), mode="legacy", cache=None)
            await stack.enter_async_context(client)
            await client.list_tools()
            return client, procs.child_pid(args)

        async def http_session(args: tuple[str, ...], environ: dict[str, str]) -> tuple[Client, int]:
            url, pid = await stack.enter_async_context(procs.http_server(args, environ))
            return await stack.enter_async_context(Client(url, mode="legacy", cache=None)), pid

        ours_stdio, ours_pid = await stdio_session(procs.OURS_STDIO, env)
        bare_stdio, bare_pid = await stdio_session(procs.BARE_STDIO, None)
        idle = {"ours": procs.rss_kib(ours_pid), "bare": procs.rss_kib(bare_pid)}
        proxy_stdio, proxy_pid = await stdio_session(procs.PROXY_STDIO, proxy_env)
        ours_http, ours_http_pid = await http_session(procs.OURS_HTTP, env)
        bare_http, bare_http_pid = await http_session(procs.BARE_HTTP, env)
        proxy_http, proxy_http_pid = await http_session(procs.PROXY_HTTP, proxy_env)

        get_invoice = {"invoiceKey": READ_INVOICE}
        echo = {"text": "x"}
        paths: dict[str, Call] = {
            "ours_stdio": _tool_call(ours_stdio, "get_invoice", get_invoice),
            "bare_stdio": _tool_call(bare_stdio, "echo", echo),
            "proxy_stdio": _tool_call(proxy_stdio, "fetch", {}),
            "ours_http": _tool_call(ours_http, "get_invoice", get_invoice),
            "bare_http": _tool_call(bare_http, "echo", echo),
            "proxy_http": _tool_call(proxy_http, "fetch", {}),
            "direct": _direct_call(direct, invoice_path),
        }
        pids = {
            "ours_stdio": ours_pid,
            "bare_stdio": bare_pid,
            "proxy_stdio": proxy_pid,
            "ours_http": ours_http_pid,
            "bare_http": bare_http_pid,
            "proxy_http": proxy_http_pid,
        }
        samples: dict[str, list[float]] = {name: [] for name in paths}
        errors = dict.fromkeys(paths, 0)
        for name, call in paths.items():
            errors[name] += await _timed(call, warmup, [])
        before = await direct.counters()
        cpu_before = {name: procs.cpu_seconds(pid) for name, pid in pids.items()}
        per_round = max(1, calls // rounds)
        for _ in range(rounds):
            for name, call in paths.items():
                errors[name] += await _timed(call, per_round, samples[name])
        cpu = {
            name: (procs.cpu_seconds(pid) - cpu_before[name]) * 1000 / (per_round * rounds)
            for name, pid in pids.items()
        }
        after = await direct.counters()
        sizes = await _result_size(ours_stdio, direct, invoice_path)

        made = warmup + per_round * rounds
        top_up = max(0, memory_calls - made)
        errors["ours_stdio"] += await _bulk(paths["ours_stdio"], top_up, in_flight=4)
        errors["bare_stdio"] += await _bulk(paths["bare_stdio"], top_up, in_flight=4)
        loaded = {"ours": procs.rss_kib(ours_pid), "bare": procs.rss_kib(bare_pid)}

    summaries = {name: summarize(values) for name, values in samples.items()}
    n = per_round * rounds
    per_call: dict[str, Any] = {"calls_per_path": n, "warmup": warmup}
    for transport in ("stdio", "http"):
        ours, bare, net = summaries[f"ours_{transport}"], summaries[f"bare_{transport}"], summaries["direct"]
        proxy = summaries[f"proxy_{transport}"]
        floor_p50, floor_p99 = bare.p50 + net.p50, bare.p99 + net.p99
        per_call[transport] = {
            "ours_ms": ours.as_json(),
            "bare_ms": bare.as_json(),
            "floor_p50_ms": round(floor_p50, 3),
            "floor_p99_ms": round(floor_p99, 3),
            "ratio_p50": ratio(ours.p50, floor_p50),
            "ratio_p99": ratio(ours.p99, floor_p99),
            "overhead_p50_ms": round(ours.p50 - floor_p50, 3),
            "proxy_ms": proxy.as_json(),
            "ratio_p50_to_proxy": ratio(ours.p50, proxy.p50),
            "proxy_ratio_p50_to_floor": ratio(proxy.p50, floor_p50),
            "zuora_mcp_own_p50_ms": round(ours.p50 - proxy.p50, 3),
            "server_cpu_ms_per_call": {
                "ours": round(cpu[f"ours_{transport}"], 3),
                "bare": round(cpu[f"bare_{transport}"], 3),
                "proxy": round(cpu[f"proxy_{transport}"], 3),
            },
        }
    per_call["direct_get_ms"] = summaries["direct"].as_json()
    per_call["errors"] = errors
    # Sandbox API requests in the timed rounds: direct GETs, proxy fetches, and get_invoice calls.
    per_call["sandbox_requests_per_get_invoice"] = round((after["requests"] - before["requests"] - 3 * n) / (2 * n), 3)
    memory = {
        "calls": memory_calls,
        "idle_kib": idle,
        "after_calls_kib": loaded,
        "ratio_idle": ratio(idle["ours"], idle["bare"]),
        "ratio_after_calls": ratio(loaded["ours"], loaded["bare"]),
    }
    return {"per_call": per_call, "memory": memory, "result_size": sizes}


async def _result_size(client: Client, direct: DirectZuora, path: str) -> dict[str, Any]:
    """Tokens of get_invoice's default result (structuredContent + text) vs Zuora's raw JSON."""
    result = await client.call_tool("get_invoice", {"invoiceKey": READ_INVOICE})
    text = "".join(c.text for c in result.content if c.type == "text")
    structured = json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False)
    raw = (await direct.get(path)).text
    ours_tokens = (count_tokens(structured) or 0) + (count_tokens(text) or 0)
    raw_tokens = count_tokens(raw) or 0
    raw_fields = json.loads(raw)
    return {
        "invoice": READ_INVOICE,
        "ours_tokens": ours_tokens,
        "ours_structured_tokens": count_tokens(structured),
        "ours_text_tokens": count_tokens(text),
        "ours_fields": len(result.structured_content or {}),
        "raw_tokens": raw_tokens,
        "raw_bytes": len(raw.encode()),
        "raw_fields": len(raw_fields) if isinstance(raw_fields, dict) else None,
        "share_of_raw": ratio(ours_tokens, raw_tokens),
    }
