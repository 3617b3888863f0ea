"""``python -m bench [--quick] [--only SECTION ...] [--output PATH] [--spec PATH] [--zoho-spec PATH] [--readme]``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import anyio

from bench import procs
from bench.report import evaluate, render_table, write_results

SECTIONS = ("footprint", "explorer", "cold_start", "latency", "writes", "concurrency", "zoho", "ledger")
DEFAULT_SPEC = procs.ROOT.parent / "shared" / "spec" / "zuora-openapi-2025-12-12-described.json"
DEFAULT_ZOHO_SPEC = procs.ROOT.parent / "shared" / "spec" / "zoho" / "zoho-billing-invoices.openapi.json"


@dataclass(frozen=True)
class Plan:
    """How much of everything to run."""

    cold_starts: int = 8
    calls: int = 400
    warmup: int = 30
    memory_calls: int = 2_000
    write_calls: int = 200
    clients: int = 50
    seconds: float = 10.0
    token_lifetime: int = 3
    explorer_runs: int = 5
    zoho_calls: int = 300
    ledger_writes: int = 200
    ledger_server_writes: int = 100


QUICK = Plan(
    cold_starts=3,
    calls=100,
    warmup=20,
    memory_calls=1000,
    write_calls=20,
    clients=20,
    seconds=4.0,
    token_lifetime=2,
    explorer_runs=3,
    zoho_calls=100,
    ledger_writes=50,
    ledger_server_writes=30,
)


def _peer(spec: Path, workdir: Path) -> tuple[Path | None, dict[str, Any]]:
    """The cut spec the FastMCP peer runs on, or None and why it does not run."""
    from bench.peers import available, catalog_operation_ids, subset_spec

    why = available(spec)
    if why is not None:
        print(f"bench: peer rows left out: {why}", file=sys.stderr)
        return None, {"runs": False, "why": why}
    import json
    from importlib.metadata import version

    cut = workdir / "peer-spec.json"
    cut.write_text(json.dumps(subset_spec(json.loads(spec.read_text()), set(catalog_operation_ids()))))
    return cut, {"runs": True, "name": "FastMCP from_openapi", "fastmcp": version("fastmcp")}


async def run(
    plan: Plan, sections: tuple[str, ...], spec: Path = DEFAULT_SPEC, zoho_spec: Path = DEFAULT_ZOHO_SPEC
) -> dict[str, Any]:
    from bench.seed import write_seed

    results: dict[str, Any] = {"plan": asdict(plan), "machine": procs.machine_facts(), "errors": {}}
    with tempfile.TemporaryDirectory(prefix="zuora-mcp-bench-") as tmp:
        workdir = Path(tmp)
        seed = write_seed(workdir / "seed.json", reversible=2 * plan.write_calls)
        peer_spec: Path | None = None
        if {"cold_start", "latency"} & set(sections):
            peer_spec, results["peer"] = _peer(spec, workdir)

        async def section(name: str, measure: Callable[[], Awaitable[dict[str, Any]]]) -> None:
            if name not in sections:
                return
            print(f"bench: {name} …", file=sys.stderr, flush=True)
            began = time.perf_counter()
            results.setdefault("loadavg_at_section_start", {})[name] = [round(x, 2) for x in os.getloadavg()]
            try:
                results[name] = await measure()
            except Exception:  # a benchmark reports what broke and goes on with the rest
                results["errors"][name] = traceback.format_exc(limit=8)
                print(results["errors"][name], file=sys.stderr)
            results.setdefault("section_seconds", {})[name] = round(time.perf_counter() - began, 1)

        from bench.footprint import measure_footprint

        await section("footprint", measure_footprint)
        from bench.explorer import measure_explorer

        await section("explorer", lambda: measure_explorer(plan.explorer_runs))
        if {"cold_start", "latency", "writes"} & set(sections):
            async with procs.sandbox_process(seed) as sandbox:
                from bench.cold_start import measure_cold_start
                from bench.latency import measure_latency
                from bench.writes import measure_writes

                await section("cold_start", lambda: measure_cold_start(sandbox, workdir, plan.cold_starts, peer_spec))
                await section(
                    "latency",
                    lambda: measure_latency(
                        sandbox, workdir, plan.calls, plan.warmup, plan.memory_calls, peer_spec=peer_spec
                    ),
                )
                await section("writes", lambda: measure_writes(sandbox, workdir, plan.write_calls))
        from bench.concurrency import measure_concurrency

        await section(
            "concurrency",
            lambda: measure_concurrency(seed, workdir, plan.clients, plan.seconds, plan.token_lifetime),
        )
        from bench.zoho import measure_zoho

        await section(
            "zoho", lambda: measure_zoho(workdir, plan.zoho_calls, plan.warmup, plan.cold_starts, spec_path=zoho_spec)
        )
        from bench.ledger import measure_ledger_section

        await section("ledger", lambda: measure_ledger_section(plan.ledger_writes, plan.ledger_server_writes))
    results["targets"] = evaluate(results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run of about a minute (fewer, shorter runs)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results.json"))
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="Zuora's spec, for the FastMCP peer")
    parser.add_argument(
        "--zoho-spec", type=Path, default=DEFAULT_ZOHO_SPEC, help="Zoho's spec, for FastMCP's tools/list of it"
    )
    parser.add_argument("--readme", action="store_true", help="rewrite README.md's Performance section from the run")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else Plan()
    began = time.perf_counter()
    results = anyio.run(run, plan, tuple(args.only or SECTIONS), args.spec, args.zoho_spec)
    results["quick"] = args.quick
    results["seconds"] = round(time.perf_counter() - began, 1)
    write_results(results, args.output)
    print(render_table(results))
    print(f"\n{results['seconds']:.0f} s; results in {args.output}")
    if args.readme:
        from bench.readme import update_readme

        fleet = args.output.with_name("fleet-soak.json")
        if fleet.is_file():  # the last `make soak-fleet`, a run of its own, shown beside this one
            import json

            results["fleet_soak"] = json.loads(fleet.read_text())

        print(f"README.md: {update_readme(results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
