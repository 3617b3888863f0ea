"""Keeps the benchmarks from rotting: the cheapest part of ``python -m bench --quick`` runs here.

The timed sections start processes and take a minute; ``make bench`` runs them. These tests run
the footprint section end to end (results file, table, verdicts) and check the floor server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client import Client

from bench.__main__ import main
from bench.bare_server import build_server
from bench.readme import update_readme
from bench.report import evaluate, render_table
from bench.stats import percentile
from zuora_mcp.catalog import load_catalog


def test_quick_footprint_run_writes_results_and_prints_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "results.json"
    assert main(["--quick", "--only", "footprint", "--output", str(output)]) == 0
    results = json.loads(output.read_text())
    footprint = results["footprint"]
    assert footprint["curated"]["tools"] == len(load_catalog())
    assert footprint["whole_server"]["tools"] >= footprint["curated"]["tools"]
    assert footprint["whole_server"]["bytes"] >= footprint["curated"]["bytes"] > 0
    assert [t["name"] for t in footprint["largest"]] == [t["name"] for t in footprint["per_tool"][:5]]
    verdicts = {v["target"]: v["verdict"] for v in results["targets"]}
    assert verdicts["context: curated tools"] in {"met", "MISSED"}
    assert verdicts["cold start"] == "not run"
    assert results["errors"] == {}
    assert "tools/list, curated" in capsys.readouterr().out


def test_the_floor_server_lists_fetch_and_echo_and_echoes() -> None:
    async def session() -> tuple[list[str], str]:
        with anyio.fail_after(10):
            async with Client(build_server(), mode="legacy", cache=None) as client:
                names = sorted(t.name for t in (await client.list_tools()).tools)
                result = await client.call_tool("echo", {"text": "hello"})
                return names, "".join(c.text for c in result.content if c.type == "text")

    assert anyio.run(session) == (["echo", "fetch"], "hello")


def test_the_readme_table_says_which_targets_were_met(tmp_path: Path) -> None:
    """The Performance block is rewritten from a run, and names every missed target plainly."""
    results: dict[str, Any] = {
        "machine": {"time": "T", "cpus": 2, "cpu": "c", "loadavg_at_start": [1.0]},
        "explorer": {
            "first_search_ms": {"median": 7.0},
            "warm_search_ms": {"median": 0.25},
            "rss_delta_mib": 1.0,
            "top3": 34,
            "queries": 35,
        },
    }
    results["targets"] = evaluate(results)
    readme = tmp_path / "README.md"
    readme.write_text("# x\n<!-- begin:performance -->\nold\n<!-- end:performance -->\ntail\n")
    assert update_readme(results, readme) == "performance block rewritten"
    text = readme.read_text()
    assert "old" not in text
    assert text.endswith("<!-- end:performance -->\ntail\n")
    assert "7.0 ms / 0.25 ms" in text
    assert "**Targets met: 4 of 4.** None missed." in text
    results["explorer"]["warm_search_ms"]["median"] = 3.0
    results["targets"] = evaluate(results)
    update_readme(results, readme)
    assert "**Targets met: 3 of 4.** Missed: explorer: warm search (3.00 ms, goal <= 2 ms)." in readme.read_text()


def test_percentiles_interpolate_between_closest_ranks() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 50) == pytest.approx(50.5)
    assert percentile(samples, 99) == pytest.approx(99.01)
    assert percentile([3.0], 99) == 3.0


def _zoho_and_ledger_results(fastmcp_runs: bool) -> dict[str, Any]:
    ms = {"p50": 5.0, "median": 5.0, "round_p50_range": [4.0, 6.0], "min": 4.0, "max": 6.0, "p99": 9.0}
    row = {"ms": ms, "ratio_to_bare": 1.02, "ratio_to_direct": 2.5, "server_cpu_ms_per_call": 1.0}
    fastmcp = {"runs": True, "tokens": 9_000, "tools": 18} if fastmcp_runs else {"runs": False, "why": "absent"}
    results: dict[str, Any] = {
        "machine": {"time": "T", "cpus": 2, "cpu": "c", "loadavg_at_start": [1.0]},
        "zoho": {
            "footprint": {
                "catalog": {"tokens": 6_900, "tools": 18, "bytes": 1},
                "whole_server": {"tokens": 7_100, "tools": 19, "bytes": 1},
                "fastmcp": fastmcp,
                "ratio_to_fastmcp": 0.79,
                "hosted_quoted": {"tokens": 30_000, "source": "users", "measured": False},
            },
            "cold_start": {"ours_ms": {"p50": 500.0}, "bare_ms": {"p50": 450.0}, "ratio_p50": 1.11},
            "per_call": {
                "stdio": {"ours": row, "bare": row},
                "http": {"ours": row, "bare": row},
                "direct_get_ms": ms,
            },
        },
        "ledger": {
            "ledger_alone": {
                "sqlite": {"intent_outcome_ms": {"p50": 1.5}, "claim_intent_outcome_ms": {"p50": 2.0}},
                "postgresql": {"skipped": "no PostgreSQL here"},
            },
            "write_through_server": {
                "memory": {"ms": ms, "added_ms_p50": 0.0},
                "sqlite": {"ms": ms, "added_ms_p50": 1.25},
                "postgresql": {"skipped": "no PostgreSQL here"},
            },
        },
    }
    results["targets"] = evaluate(results)
    return results


@pytest.mark.parametrize("fastmcp_runs", [True, False])
def test_zoho_and_ledger_rows_in_the_table_and_readme(tmp_path: Path, fastmcp_runs: bool) -> None:
    results = _zoho_and_ledger_results(fastmcp_runs)
    verdicts = {v["target"]: v["verdict"] for v in results["targets"]}
    assert verdicts["Zoho: cold start"] == "met"
    assert verdicts["Zoho: per call, stdio"] == "met"
    assert verdicts["Zoho: tools/list vs FastMCP"] == ("met" if fastmcp_runs else "not run")
    table = render_table(results)
    assert "Zoho tools/list, whole server" in table
    assert "quoted, not measured" in table
    assert "+1.25 ms over memory" in table
    assert "skipped" in table
    readme = tmp_path / "README.md"
    readme.write_text("<!-- begin:performance -->\n<!-- end:performance -->\n")
    update_readme(results, readme)
    text = readme.read_text()
    assert "~30,000 tokens per request" in text
    assert "**+1.25 ms** per write" in text
    assert "not run: no PostgreSQL here" in text
    assert ("9,000 tokens" in text) == fastmcp_runs
