"""Per-call latency, result size and memory, on one set of long-lived sessions.

Paths, measured in interleaved rounds so drift on a shared machine hits them alike:

- ``ours_stdio`` / ``ours_http``: ``get_invoice`` through zuora-mcp (one GET to the sandbox);
- ``bare_stdio`` / ``bare_http``: the bare server's trivial ``echo`` (the MCP + transport floor);
- ``direct``: the same GET straight from httpx2 with a token (the network floor).

Floor for a transport = bare round trip + direct GET. Memory: VmRSS of the two stdio servers when
idle (after tools/list) and after ``memory_calls`` calls.
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

        async def stdio_session(args: tuple[str, ...], environ: dict[str, str] | None) -> tuple[Client, int]:
            client = Client(stdio_client(procs.stdio_params(args, environ), errlog=errlog), mode="legacy", cache=None)
            await stack.enter_async_context(client)
            await client.list_tools()
            return client, procs.child_pid(args)

        ours_stdio, ours_pid = await stdio_session(procs.OURS_STDIO, env)
        bare_stdio, bare_pid = await stdio_session(procs.BARE_STDIO, None)
        idle = {"ours": procs.rss_kib(ours_pid), "bare": procs.rss_kib(bare_pid)}
        ours_url, _ = await stack.enter_async_context(procs.http_server(procs.OURS_HTTP, env))
        bare_url, _ = await stack.enter_async_context(procs.http_server(procs.BARE_HTTP, env))
        ours_http = await stack.enter_async_context(Client(ours_url, mode="legacy", cache=None))
        bare_http = await stack.enter_async_context(Client(bare_url, mode="legacy", cache=None))
        direct = await stack.enter_async_context(DirectZuora(sandbox))
        await direct.authenticate()

        get_invoice = {"invoiceKey": READ_INVOICE}
        echo = {"text": "x"}
        paths: dict[str, Call] = {
            "ours_stdio": _tool_call(ours_stdio, "get_invoice", get_invoice),
            "bare_stdio": _tool_call(bare_stdio, "echo", echo),
            "ours_http": _tool_call(ours_http, "get_invoice", get_invoice),
            "bare_http": _tool_call(bare_http, "echo", echo),
            "direct": _direct_call(direct, invoice_path),
        }
        samples: dict[str, list[float]] = {name: [] for name in paths}
        errors = dict.fromkeys(paths, 0)
        for name, call in paths.items():
            errors[name] += await _timed(call, warmup, [])
        before = await direct.counters()
        per_round = max(1, calls // rounds)
        for _ in range(rounds):
            for name, call in paths.items():
                errors[name] += await _timed(call, per_round, samples[name])
        after = await direct.counters()
        sizes = await _result_size(ours_stdio, direct, invoice_path)

        made = warmup + per_round * rounds
        top_up = max(0, memory_calls - made)
        errors["ours_stdio"] += await _bulk(paths["ours_stdio"], top_up, in_flight=4)
        errors["bare_stdio"] += await _bulk(paths["bare_stdio"], top_up, in_flight=4)
        loaded = {"ours": procs.rss_kib(ours_pid), "bare": procs.rss_kib(bare_pid)}

    summaries = {name: summarize(values) for name, values in samples.items()}
    per_call: dict[str, Any] = {"calls_per_path": per_round * rounds, "warmup": warmup}
    for transport in ("stdio", "http"):
        ours, bare, net = summaries[f"ours_{transport}"], summaries[f"bare_{transport}"], summaries["direct"]
        floor_p50, floor_p99 = bare.p50 + net.p50, bare.p99 + net.p99
        per_call[transport] = {
            "ours_ms": ours.as_json(),
            "bare_ms": bare.as_json(),
            "floor_p50_ms": round(floor_p50, 3),
            "floor_p99_ms": round(floor_p99, 3),
            "ratio_p50": ratio(ours.p50, floor_p50),
            "ratio_p99": ratio(ours.p99, floor_p99),
            "overhead_p50_ms": round(ours.p50 - floor_p50, 3),
        }
    per_call["direct_get_ms"] = summaries["direct"].as_json()
    per_call["errors"] = errors
    api = after["requests"] - before["requests"]
    per_call["sandbox_requests_per_get_invoice"] = round((api - per_round * rounds) / (2 * per_round * rounds), 3)
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
    raw_compact = count_tokens(json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False)) or 0
    return {
        "invoice": READ_INVOICE,
        "ours_tokens": ours_tokens,
        "ours_structured_tokens": count_tokens(structured),
        "ours_text_tokens": count_tokens(text),
        "raw_tokens": raw_tokens,
        "raw_compact_tokens": raw_compact,
        "raw_bytes": len(raw.encode()),
        "share_of_raw": ratio(ours_tokens, raw_tokens),
        "share_of_raw_compact": ratio(ours_tokens, raw_compact),
    }
