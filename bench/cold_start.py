"""Cold start: from spawning the process to the first tools/list answer over stdio.

Ours (``python -m zuora_mcp serve``, pointed at the sandbox) against the floor (``python -m
bench.bare_server``: the SDK and one trivial tool). Runs alternate between the two so a noisy
neighbour slows both alike; one untimed start of each warms the page cache first.
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
    async with Client(stdio_client(params, errlog=errlog), mode="legacy", cache=None) as client:
        tools = (await client.list_tools()).tools
        elapsed = (time.perf_counter() - began) * 1000
    return elapsed, len(tools)


async def measure_cold_start(sandbox: procs.Sandbox, workdir: Path, runs: int) -> dict[str, Any]:
    ours = procs.stdio_params(procs.OURS_STDIO, procs.server_env(sandbox, workdir))
    bare = procs.stdio_params(procs.BARE_STDIO)
    samples: dict[str, list[float]] = {"ours": [], "bare": []}
    with (workdir / "cold-start.log").open("w") as errlog:
        for params in (ours, bare):
            await _start_to_tools_list(params, errlog)
        for _ in range(runs):
            for name, params in (("ours", ours), ("bare", bare)):
                elapsed, _count = await _start_to_tools_list(params, errlog)
                samples[name].append(elapsed)
    ours_s, bare_s = summarize(samples["ours"]), summarize(samples["bare"])
    return {
        "runs": runs,
        "ours_ms": ours_s.as_json(),
        "bare_ms": bare_s.as_json(),
        "ratio_p50": ratio(ours_s.p50, bare_s.p50),
        "extra_ms_p50": round(ours_s.p50 - bare_s.p50, 1),
    }
