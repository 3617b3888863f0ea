"""Cold start: from spawning the process to the first tools/list answer over stdio.

Ours (``python -m zuora_mcp serve``, pointed at the sandbox) against the floor (``python -m
bench.bare_server``: the SDK, httpx2 and two tools: a server that can make the call), and the
FastMCP peer when installed. Runs alternate between them so a noisy neighbour slows all alike; one
untimed start of each warms the page cache first.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, TextIO

from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from bench import procs
from bench.stats import ratio, summarize

__all__ = ["measure_cold_start"]


async def _start_to_tools_list(params: StdioServerParameters, errlog: TextIO) -> tuple[float, int]:
    began = time.perf_counter()
    async with Client(stdio_client(params, errlog=errlog), cache=None) as client:
        tools = (await client.list_tools()).tools
        elapsed = (time.perf_counter() - began) * 1000
    return elapsed, len(tools)


async def measure_cold_start(
    sandbox: procs.Sandbox, workdir: Path, runs: int, peer_spec: Path | None = None
) -> dict[str, Any]:
    servers = {
        "ours": procs.stdio_params(procs.OURS_STDIO, procs.server_env(sandbox, workdir)),
        "bare": procs.stdio_params(procs.BARE_STDIO),
    }
    if peer_spec is not None:
        peer_env = {"PYTHONPATH": str(procs.ROOT), "BENCH_PEER_URL": sandbox.base_url, "BENCH_PEER_TOKEN": "-"}
        servers["peer"] = procs.stdio_params(procs.peer_args(peer_spec), peer_env)
    samples: dict[str, list[float]] = {name: [] for name in servers}
    with (workdir / "cold-start.log").open("w") as errlog:
        for params in servers.values():
            await _start_to_tools_list(params, errlog)
        for _ in range(runs):
            for name, params in servers.items():
                elapsed, _count = await _start_to_tools_list(params, errlog)
                samples[name].append(elapsed)
    summaries = {name: summarize(values) for name, values in samples.items()}
    bare = summaries["bare"].p50
    result: dict[str, Any] = {
        "runs": runs,
        "ours_ms": summaries["ours"].as_json(),
        "bare_ms": summaries["bare"].as_json(),
        "ratio_p50": ratio(summaries["ours"].p50, bare),
        "extra_ms_p50": round(summaries["ours"].p50 - bare, 1),
    }
    if "peer" in summaries:
        result["peer_ms"] = summaries["peer"].as_json()
        result["peer_ratio_p50"] = ratio(summaries["peer"].p50, bare)
    return result
