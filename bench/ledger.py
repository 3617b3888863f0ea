"""What the write ledger adds to one write: intent before the send, outcome after, on each engine.

``measure_ledger(writes)`` times, per write, ``record_intent`` + ``record_outcome`` (every write
pays this) and ``claim`` + ``record_intent`` + ``record_outcome`` (a write confirmed by token pays
the claim too), on SQLite (WAL, synchronous=FULL, a file in a temp dir) and on PostgreSQL over
loopback. PostgreSQL comes from ``ZUORA_MCP_TEST_POSTGRES`` (or the ``postgres`` argument), else a
throwaway cluster from ``scripts/postgres.sh`` for the run; where none can be had the engine's
entry says why instead of a figure.

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
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio

from bench.stats import summarize
from zuora_mcp.ledger import Call, open_ledger

__all__ = ["measure_ledger"]

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
