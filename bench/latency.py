"""Per-call latency, server CPU per call, result size and memory: ours beside floors and the peer.

Every path makes the same call, ``get_invoice`` of one invoice (one GET to the sandbox):

- ``ours``: zuora-mcp's ``get_invoice``;
- ``bare``: the floor, :mod:`bench.bare_server`'s ``fetch`` (the same GET with a pooled httpx2
  client, TCP_NODELAY on HTTP): what any MCP server making this call must spend;
- ``peer``: FastMCP's ``from_openapi`` server on the same operations (:mod:`bench.peers`), when
  installed (``make bench-peers``);
- ``direct``: the same GET straight from httpx2 with a token, no MCP at all;
- ``echo``: the bare server's trivial tool, the cost of MCP and the transport alone.

Transports: stdio; streamable HTTP with a kept-alive client (one pooled connection, as the official
SDK clients keep it); streamable HTTP with a fresh TCP connection per request. Clients use the SDK's
default protocol negotiation. The paths run in interleaved rounds, so drift on a shared machine hits
them alike; each figure is the median over all calls, with the range of the per-round medians.
Server CPU per call is read from ``/proc/PID/stat``; ours minus the bare server's is our own CPU.
Memory: VmRSS of the stdio servers idle (after tools/list) and after ``memory_calls`` calls.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp.client import Client
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from bench import procs
from bench.direct import DirectZuora
from bench.peers import GET_INVOICE_TOOL
from bench.seed import READ_INVOICE
from bench.stats import ratio, summarize
from zuora_mcp.context_size import count_tokens

__all__ = ["measure_latency"]

Call = Callable[[], Awaitable[bool]]  # one call; True when it succeeded
GET_INVOICE = {"invoiceKey": READ_INVOICE}


@dataclass
class Path_:
    """One measured path: how to make a call, and the server process (if any) whose CPU to read."""

    call: Call
    pid: int | None = None
    samples: list[float] = field(default_factory=list)
    round_medians: list[float] = field(default_factory=list)
    errors: int = 0


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


async def _timed(path: Path_, n: int, keep: bool) -> None:
    samples = []
    for _ in range(n):
        began = time.perf_counter()
        ok = await path.call()
        samples.append((time.perf_counter() - began) * 1000)
        path.errors += not ok
    if keep:
        path.samples += samples
        path.round_medians.append(summarize(samples).p50)


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
    sandbox: procs.Sandbox,
    workdir: Path,
    calls: int,
    warmup: int,
    memory_calls: int,
    peer_spec: Path | None = None,
    rounds: int = 10,
) -> dict[str, Any]:
    invoice_path = f"/v1/invoices/{READ_INVOICE}"
    env = procs.server_env(sandbox, workdir)
    paths: dict[str, Path_] = {}
    async with contextlib.AsyncExitStack() as stack:
        errlog = stack.enter_context((workdir / "latency.log").open("w"))
        direct = await stack.enter_async_context(DirectZuora(sandbox))
        await direct.authenticate()
        floor_env = {
            "PYTHONPATH": env["PYTHONPATH"],
            "BENCH_PROXY_URL": sandbox.base_url + "/v1/invoices/",
            "BENCH_PROXY_TOKEN": direct.token,
        }
        peer_env = {**floor_env, "BENCH_PEER_URL": sandbox.base_url, "BENCH_PEER_TOKEN": direct.token}
        # One kept-alive client (a pool of one connection) and one that opens a connection per request.
        kept_alive = await stack.enter_async_context(
            httpx2.AsyncClient(timeout=30.0, limits=httpx2.Limits(max_connections=1))
        )
        fresh = await stack.enter_async_context(
            httpx2.AsyncClient(timeout=30.0, limits=httpx2.Limits(max_keepalive_connections=0))
        )

        async def stdio_session(args: tuple[str, ...], environ: dict[str, str]) -> tuple[Client, int]:
            client = Client(stdio_client(procs.stdio_params(args, environ), errlog=errlog), cache=None)
            await stack.enter_async_context(client)
            await client.list_tools()
            return client, procs.child_pid(args)

        async def http_sessions(args: tuple[str, ...], environ: dict[str, str]) -> tuple[Client, Client, int]:
            url, pid = await stack.enter_async_context(procs.http_server(args, environ))
            sessions = []
            for http in (kept_alive, fresh):
                transport = streamable_http_client(url, http_client=http)
                sessions.append(await stack.enter_async_context(Client(transport, cache=None)))
            return sessions[0], sessions[1], pid

        servers: dict[str, tuple[tuple[str, ...], tuple[str, ...], dict[str, str], str, dict[str, Any]]] = {
            "ours": (procs.OURS_STDIO, procs.OURS_HTTP, env, "get_invoice", GET_INVOICE),
            "bare": (procs.BARE_STDIO, procs.BARE_HTTP, floor_env, "fetch", GET_INVOICE),
        }
        if peer_spec is not None:
            servers["peer"] = (
                procs.peer_args(peer_spec),
                procs.peer_args(peer_spec, http=True),
                peer_env,
                GET_INVOICE_TOOL,
                GET_INVOICE,
            )
        stdio_clients: dict[str, Client] = {}
        idle: dict[str, int] = {}
        for name, (stdio_args, http_args, environ, tool, arguments) in servers.items():
            client, pid = await stdio_session(stdio_args, environ)
            stdio_clients[name] = client
            idle[name] = procs.rss_kib(pid)
            paths[f"{name}_stdio"] = Path_(_tool_call(client, tool, arguments), pid)
            kept, once, http_pid = await http_sessions(http_args, environ)
            paths[f"{name}_http"] = Path_(_tool_call(kept, tool, arguments), http_pid)
            if name != "peer":  # the peer's HTTP calls take ~35 ms each: kept-alive only, to keep the run short
                paths[f"{name}_http_fresh"] = Path_(_tool_call(once, tool, arguments), http_pid)
        # echo on a process of its own, so the bare server's CPU per call is that of fetch alone.
        echo_args = (*procs.BARE_STDIO, "--proxy")
        echo_client, echo_pid = await stdio_session(echo_args, floor_env)
        paths["echo_stdio"] = Path_(_tool_call(echo_client, "echo", {"text": "x"}), echo_pid)
        paths["direct"] = Path_(_direct_call(direct, invoice_path))

        for path in paths.values():
            await _timed(path, warmup, keep=False)
        per_round = max(1, calls // rounds)
        # CPU is read around the rounds; the fresh-connection calls run in the same server process as
        # the kept-alive ones, so each server's CPU covers both: per call, it is divided by both counts.
        pids = {path.pid for path in paths.values() if path.pid is not None}
        cpu_before = {pid: procs.cpu_seconds(pid) for pid in pids}
        for _ in range(rounds):
            for path in paths.values():
                await _timed(path, per_round, keep=True)
        cpu_used = {pid: procs.cpu_seconds(pid) - cpu_before[pid] for pid in pids}
        sizes = await _result_sizes(stdio_clients, direct, invoice_path)
        validation_ms = await _client_validation_ms(stdio_clients["ours"])

        made = warmup + per_round * rounds
        top_up = max(0, memory_calls - made)
        for name in servers:
            paths[f"{name}_stdio"].errors += await _bulk(paths[f"{name}_stdio"].call, top_up, in_flight=4)
        loaded = {name: procs.rss_kib(paths[f"{name}_stdio"].pid or 0) for name in servers}

    n = per_round * rounds
    calls_by_pid: dict[int, int] = {}
    for path in paths.values():
        if path.pid is not None:
            calls_by_pid[path.pid] = calls_by_pid.get(path.pid, 0) + n
    per_call = _per_call(paths, servers, cpu_used, calls_by_pid, n, warmup)
    per_call["client_validation_ms"] = validation_ms
    return {
        "per_call": per_call,
        "memory": _memory(idle, loaded, memory_calls),
        "result_size": sizes,
    }


def _figure(path: Path_) -> dict[str, Any]:
    summary = summarize(path.samples).as_json()
    medians = path.round_medians
    summary["round_p50_range"] = [round(min(medians), 3), round(max(medians), 3)] if medians else None
    return summary


def _per_call(
    paths: dict[str, Path_],
    servers: dict[str, Any],
    cpu_used: dict[int, float],
    calls_by_pid: dict[int, int],
    n: int,
    warmup: int,
) -> dict[str, Any]:
    figures = {name: _figure(path) for name, path in paths.items()}
    direct = figures["direct"]["p50"]
    out: dict[str, Any] = {"calls_per_path": n, "warmup": warmup, "servers": sorted(servers)}
    for transport in ("stdio", "http", "http_fresh"):
        bare = figures[f"bare_{transport}"]["p50"]
        rows: dict[str, Any] = {}
        for name in servers:
            key = f"{name}_{transport}"
            if key not in paths:
                continue
            pid = paths[key].pid
            cpu = 1000 * cpu_used[pid] / calls_by_pid[pid] if pid is not None and calls_by_pid.get(pid) else None
            rows[name] = {
                "ms": figures[key],
                "ratio_to_bare": ratio(figures[key]["p50"], bare),
                "ratio_to_direct": ratio(figures[key]["p50"], direct),
                "server_cpu_ms_per_call": round(cpu, 3) if cpu is not None else None,
            }
        bare_cpu, ours_cpu = rows["bare"]["server_cpu_ms_per_call"], rows["ours"]["server_cpu_ms_per_call"]
        rows["ours"]["own_cpu_ms_per_call"] = (
            round(ours_cpu - bare_cpu, 3) if ours_cpu is not None and bare_cpu is not None else None
        )
        out[transport] = rows
    out["echo_stdio_ms"] = figures["echo_stdio"]
    out["direct_get_ms"] = figures["direct"]
    out["errors"] = {name: path.errors for name, path in paths.items()}
    return out


def _memory(idle: dict[str, int], loaded: dict[str, int], memory_calls: int) -> dict[str, Any]:
    return {
        "calls": memory_calls,
        "idle_kib": idle,
        "after_calls_kib": loaded,
        "ratio_idle": ratio(idle["ours"], idle["bare"]),
        "ratio_after_calls": ratio(loaded["ours"], loaded["bare"]),
        "peer_ratio_idle": ratio(idle["peer"], idle["bare"]) if "peer" in idle else None,
        "peer_ratio_after_calls": ratio(loaded["peer"], loaded["bare"]) if "peer" in loaded else None,
    }


async def _client_validation_ms(client: Client, repeat: int = 2000) -> float:
    """What the SDK client spends on each of our results before handing it over: it checks
    ``structuredContent`` against the tool's ``outputSchema`` with jsonschema (the bare server
    declares none, so its results skip this). Part of every stdio and HTTP figure above; ms per call."""
    result = await client.call_tool("get_invoice", GET_INVOICE)
    session = client.session
    await session.validate_tool_result("get_invoice", result)
    began = time.perf_counter()
    for _ in range(repeat):
        await session.validate_tool_result("get_invoice", result)
    return round((time.perf_counter() - began) * 1000 / repeat, 4)


def _tokens(result: Any) -> int:
    """Tokens of a tool result as a model reads it: structuredContent (when any) plus the text."""
    text = "".join(c.text for c in result.content if c.type == "text")
    tokens = count_tokens(text) or 0
    if result.structured_content is not None:
        structured = json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False)
        tokens += count_tokens(structured) or 0
    return tokens


async def _result_sizes(clients: dict[str, Client], direct: DirectZuora, path: str) -> dict[str, Any]:
    """Tokens of get_invoice's default result (structuredContent + text), ours and the peer's, vs the raw JSON."""
    result = await clients["ours"].call_tool("get_invoice", GET_INVOICE)
    text = "".join(c.text for c in result.content if c.type == "text")
    structured = json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False)
    raw = (await direct.get(path)).text
    ours_tokens = (count_tokens(structured) or 0) + (count_tokens(text) or 0)
    raw_tokens = count_tokens(raw) or 0
    raw_fields = json.loads(raw)
    sizes: dict[str, Any] = {
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
    if "peer" in clients:
        sizes["peer_tokens"] = _tokens(await clients["peer"].call_tool(GET_INVOICE_TOOL, GET_INVOICE))
    return sizes
