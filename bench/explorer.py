"""The explorer's search: the first ``search_operations`` after start-up, a warm one, and the memory it takes.

Each run is a fresh process (``python -m bench.explorer``), so "first" pays what a user's first
search pays: reading the operation index and preparing the search (the explorer's modules are
imported at server start, so their import is reported apart). Warm: every committed query
(``tests/explorer/search_queries.json``) searched repeatedly; the median per search. Memory: VmRSS
after the first search minus before it. Quality: how many committed queries find their operation in
the top 3, so a faster search that ranks worse shows here too.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import procs
from bench.stats import summarize

__all__ = ["measure_explorer", "probe"]

QUERIES = procs.ROOT / "tests" / "explorer" / "search_queries.json"
WARM_REPEATS = 20
PROBE_TIMEOUT = 60.0


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def probe() -> dict[str, Any]:
    """One fresh process's figures (this runs in the child)."""
    began = time.perf_counter()
    from zuora_mcp.explorer.index import load_index
    from zuora_mcp.explorer.search import SearchIndex
    from zuora_mcp.providers.zuora import INDEX_FILE

    imported = time.perf_counter()
    rss_before = _rss_kib()
    start = time.perf_counter()
    index = load_index(INDEX_FILE)
    loaded = time.perf_counter()
    search = SearchIndex(index.operations.values())
    search.search("cancel a subscription")
    first = time.perf_counter()
    rss_after = _rss_kib()
    cases = json.loads(QUERIES.read_text())["queries"]
    warm: list[float] = []
    found = 0
    for case in cases:
        top = [hit.operation.operation_id for hit in search.search(case["query"], limit=3)]
        found += case["expected"] in top
    for _ in range(WARM_REPEATS):
        for case in cases:
            t = time.perf_counter()
            search.search(case["query"])
            warm.append((time.perf_counter() - t) * 1000)
    return {
        "import_ms": (imported - began) * 1000,
        "load_ms": (loaded - start) * 1000,
        "first_search_ms": (first - start) * 1000,
        "warm_search_ms": statistics.median(warm),
        "rss_delta_kib": rss_after - rss_before,
        "operations": len(index.operations),
        "top3": found,
        "queries": len(cases),
    }


def _run_probe() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.explorer"],
        cwd=str(procs.ROOT),
        env={"PYTHONPATH": str(procs.ROOT), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def measure_explorer(runs: int) -> dict[str, Any]:
    probes = [_run_probe() for _ in range(runs)]

    def summary(key: str) -> dict[str, Any]:
        values = [float(p[key]) for p in probes]
        return summarize(values).as_json() | {"median": round(statistics.median(values), 3)}

    return {
        "runs": runs,
        "operations": probes[0]["operations"],
        "import_ms": summary("import_ms"),
        "load_ms": summary("load_ms"),
        "first_search_ms": summary("first_search_ms"),
        "warm_search_ms": summary("warm_search_ms"),
        "rss_delta_mib": round(statistics.median(p["rss_delta_kib"] for p in probes) / 1024, 2),
        "top3": probes[0]["top3"],
        "queries": probes[0]["queries"],
    }


if __name__ == "__main__":
    print(json.dumps(probe()))
