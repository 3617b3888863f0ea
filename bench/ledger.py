"""What the write ledger adds to one write: intent before the send, outcome after, on each engine.

``measure_ledger(writes)`` times, per write, ``record_intent`` + ``record_outcome`` (every write
pays this) and ``claim`` + ``record_intent`` + ``record_outcome`` (a write confirmed by token pays
the claim too), on SQLite (WAL, synchronous=FULL, a file in a temp dir) and on PostgreSQL over
loopback. PostgreSQL comes from ``ZUORA_MCP_TEST_POSTGRES`` (or the ``postgres`` argument), else a
throwaway cluster from ``scripts/postgres.sh`` for the run; where none can be had the engine's
entry says why instead of a figure.

``measure_write_cost(writes, postgres)`` puts that beside the write's own time: ``reverse_invoice`` in
``auto`` mode through the in-process server (and an in-process sandbox tenant, each write on a fresh
invoice), with an in-memory ledger (the floor), a SQLite file and PostgreSQL, alternating write by
write in rounds; what a ledger adds per write is the median over rounds of its round median minus the
in-memory one's. ``measure_ledger_section`` runs both on one throwaway cluster (the bench's ``ledger``
section).

    python -m bench.ledger [WRITES]
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any

import anyio

from bench.stats import summarize
from zuora_mcp.ledger import Call, open_ledger

__all__ = ["measure_ledger", "measure_ledger_section", "measure_write_cost"]

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "postgres.sh"
WARMUP = 10


async def measure_ledger(writes: int = 200, postgres: str | None = None) -> dict[str, Any]:
    """Milliseconds per write on each engine: ``{"sqlite": {...}, "postgresql": {...}}``."""
    results: dict[str, Any] = {"writes": writes}
    with tempfile.TemporaryDirectory(prefix="zuora-mcp-bench-ledger-") as tmp:
        results["sqlite"] = await _measure(str(Path(tmp) / "ledger.db"), writes)
    url = postgres or os.environ.get("ZUORA_MCP_TEST_POSTGRES")
    if url:
        results["postgresql"] = await _measure(url, writes)
        return results
    with _cluster() as started:
        if isinstance(started, str) and started.startswith("postgresql://"):
            results["postgresql"] = await _measure(started, writes)
        else:
            results["postgresql"] = {"skipped": started}
    return results


async def _measure(location: str, writes: int) -> dict[str, Any]:
    async with await open_ledger(location) as ledger:
        plain: list[float] = []
        claimed: list[float] = []
        for i in range(WARMUP + writes):
            call = Call("bench_write", "bench", "bench", hashlib.sha256(f"{location}{i}".encode()).hexdigest())
            began = time.perf_counter()
            intent = await ledger.record_intent(call, approval="auto")
            await ledger.record_outcome(intent, "executed", request_id=f"r-{i}")
            middle = time.perf_counter()
            await ledger.claim(f"{call.arguments_hash}-nonce")
            intent = await ledger.record_intent(call, approval="token")
            await ledger.record_outcome(intent, "executed", request_id=f"r-{i}")
            if i >= WARMUP:
                plain.append((middle - began) * 1000)
                claimed.append((time.perf_counter() - middle) * 1000)
        intact = await ledger.verify() is None
    return {
        "intent_outcome_ms": summarize(plain).as_json(),
        "claim_intent_outcome_ms": summarize(claimed).as_json(),
        "chain_intact": intact,
    }


ENGINES = ("memory", "sqlite", "postgresql")


async def measure_write_cost(writes: int, postgres: str | None, rounds: int = 10) -> dict[str, Any]:
    """``reverse_invoice`` (auto mode) through the in-process server on each engine, interleaved."""
    import json

    from mcp.client import Client

    from bench.seed import reversible_number, write_seed
    from zuora_mcp.client import BillingClient
    from zuora_mcp.config import load_settings
    from zuora_mcp.providers.zuora.sandbox import SandboxOptions, running_sandbox
    from zuora_mcp.server import build_app, build_server

    engines = [e for e in ENGINES if e != "postgresql" or postgres]
    per_round = max(1, writes // rounds)
    needed = (WARMUP + per_round * rounds) * len(engines)
    samples: dict[str, list[float]] = {e: [] for e in engines}
    round_medians: dict[str, list[float]] = {e: [] for e in engines}
    outcomes: dict[str, dict[str, int]] = {e: {} for e in engines}
    with tempfile.TemporaryDirectory(prefix="zuora-mcp-bench-writes-") as tmp:
        seed = json.loads(write_seed(Path(tmp) / "seed.json", reversible=needed).read_text())
        async with running_sandbox(SandboxOptions(port=0, seed=seed)) as sandbox:
            settings = load_settings(
                {"base_url": sandbox.base_url, "client_id": sandbox.client_id, "client_secret": sandbox.client_secret},
                {"ZUORA_MCP_MODE": "auto", "HOME": tmp},
            )
            locations = {"sqlite": str(Path(tmp) / "ledger.db"), "postgresql": postgres}
            async with BillingClient(settings) as zuora, AsyncExitStack() as stack:
                clients: dict[str, Client] = {}
                for engine in engines:
                    location = locations.get(engine)
                    ledger = await stack.enter_async_context(await open_ledger(location)) if location else None
                    app = build_app(settings, zuora, ledger=ledger)
                    clients[engine] = await stack.enter_async_context(
                        Client(build_server(app), mode="legacy", cache=None)
                    )
                await clients["memory"].call_tool("get_invoice", {"invoiceKey": "INV00000001"})  # token, pool
                invoice = 0

                async def write(engine: str) -> float:
                    nonlocal invoice
                    arguments = {"invoiceKey": reversible_number(invoice)}
                    invoice += 1
                    began = time.perf_counter()
                    result = await clients[engine].call_tool("reverse_invoice", arguments)
                    elapsed = (time.perf_counter() - began) * 1000
                    status = str((result.structured_content or {}).get("status", "error"))
                    outcomes[engine][status] = outcomes[engine].get(status, 0) + 1
                    return elapsed

                for _ in range(WARMUP):
                    for engine in engines:
                        await write(engine)
                # Each round alternates the engines write by write, so drift on a shared machine hits all alike.
                for _ in range(rounds):
                    times: dict[str, list[float]] = {e: [] for e in engines}
                    for _ in range(per_round):
                        for engine in engines:
                            times[engine].append(await write(engine))
                    for engine in engines:
                        samples[engine].extend(times[engine])
                        round_medians[engine].append(summarize(times[engine]).p50)
    result: dict[str, Any] = {"writes_per_engine": per_round * rounds, "rounds": rounds}
    for engine in engines:
        summary = summarize(samples[engine]).as_json()
        medians = round_medians[engine]
        summary["round_p50_range"] = [round(min(medians), 3), round(max(medians), 3)]
        # What the ledger adds: per round, its median minus the in-memory ledger's in the same round.
        added = [m - floor for m, floor in zip(medians, round_medians["memory"], strict=True)]
        result[engine] = {
            "ms": summary,
            "added_ms_p50": round(summarize(added).p50, 3) + 0.0,
            "added_ms_round_range": [round(min(added), 3) + 0.0, round(max(added), 3) + 0.0],
            "outcomes": outcomes[engine],
        }
    if "postgresql" not in engines:
        result["postgresql"] = {"skipped": "no PostgreSQL"}
    return result


async def measure_ledger_section(writes: int = 200, server_writes: int = 100) -> dict[str, Any]:
    """The bench's ``ledger`` section: the ledger alone and a write through the server, on one cluster."""
    url = os.environ.get("ZUORA_MCP_TEST_POSTGRES")
    with _cluster() if not url else _given(url) as started:
        postgres = started if started.startswith("postgresql://") else None
        if postgres is None:
            print(f"bench: ledger on PostgreSQL left out: {started}", file=sys.stderr)
        alone = await measure_ledger(writes, postgres) if postgres else await _sqlite_only(writes, started)
        through = await measure_write_cost(server_writes, postgres)
    return {"ledger_alone": alone, "write_through_server": through}


async def _sqlite_only(writes: int, why: str) -> dict[str, Any]:
    results: dict[str, Any] = {"writes": writes}
    with tempfile.TemporaryDirectory(prefix="zuora-mcp-bench-ledger-") as tmp:
        results["sqlite"] = await _measure(str(Path(tmp) / "ledger.db"), writes)
    results["postgresql"] = {"skipped": why}
    return results


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


@contextmanager
def _cluster() -> Iterator[str]:
    """A throwaway cluster's URL, or a sentence saying why there is none."""
    try:
        done = subprocess.run(  # noqa: S603 - our own script
            ["/bin/bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=900, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        yield f"scripts/postgres.sh could not run: {exc}"
        return
    values = dict(shlex.split(line)[0].split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    if done.returncode != 0 or "ZUORA_MCP_TEST_POSTGRES" not in values:
        yield f"scripts/postgres.sh start failed: {done.stderr.strip()[-300:]}"
        return
    try:
        yield values["ZUORA_MCP_TEST_POSTGRES"]
    finally:
        stop = values["ZUORA_MCP_TEST_POSTGRES_STOP"].split()
        subprocess.run(["/bin/bash", *stop], capture_output=True, timeout=120, check=False)  # noqa: S603


def render(results: dict[str, Any]) -> str:
    lines = [f"Ledger cost per write over {results['writes']} writes (ms: median [min – max], p99)"]
    for engine in ("sqlite", "postgresql"):
        entry = results.get(engine, {})
        if "skipped" in entry:
            lines.append(f"  {engine:<11} skipped: {entry['skipped']}")
            continue
        for label, key in (("intent+outcome", "intent_outcome_ms"), ("+ claim", "claim_intent_outcome_ms")):
            s = entry[key]
            lines.append(
                f"  {engine:<11} {label:<15} {s['p50']:7.3f} [{s['min']:.3f} – {s['max']:.3f}]  p99 {s['p99']:.3f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    writes = int(args[0]) if args else 200
    print(render(anyio.run(measure_ledger, writes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
