"""Fleet soak: two stateless HTTP replicas on one PostgreSQL ledger, clients on both, faults on.

    python -m bench.fleet_soak [--minutes 1] [--clients 8] [--fault-rate 0.02] [--output PATH]
    make soak-fleet

Two ``zuora-mcp serve --transport http --stateless --mode auto`` processes share
``ZUORA_MCP_SECRET_KEY`` and one PostgreSQL ledger (``ZUORA_MCP_TEST_POSTGRES``, else a throwaway
cluster from ``scripts/postgres.sh``; when none can be had the run says why and exits 3). A sandbox
tenant runs in this process, so its records can be read afterwards; it answers ``--fault-rate`` of
requests with a 429 (Retry-After 1 s) and as many with a 500/502/503. ``--clients`` MCP clients over
streamable HTTP (kept-alive), spread evenly over both replicas, loop over :mod:`bench.soak`'s mix of
reads and writes (each write tagged uniquely) until the time is up.

Reported: writes the tenant applied (its counter) against the ``executed`` outcomes the ledger holds
(equal, unless some were ``outcome_unknown``: then the difference must not exceed them), the same
against what clients were told, duplicates (a tag applied twice; must be 0), intents without an
outcome, the chain verified, and each replica's RSS after a warm-up and at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from bench import procs
from bench.soak import _addresses, pick_call

__all__ = ["fleet_soak"]

REPLICAS = 2
WRITE_TOOLS = frozenset({"update_invoice", "create_invoice", "email_invoice"})
CALL_TIMEOUT = 120.0


@contextlib.contextmanager
def _postgres(url: str | None) -> Iterator[str]:
    """A PostgreSQL URL (given, from the environment, or a throwaway cluster), or a sentence saying why not."""
    from bench.ledger import _cluster

    given = url or os.environ.get("ZUORA_MCP_TEST_POSTGRES")
    if given:
        yield given
        return
    with _cluster() as started:
        yield started


async def _ledger_counts(url: str) -> dict[str, Any]:
    from zuora_mcp.ledger import Filters, open_ledger

    async with await open_ledger(url, create=False) as ledger:
        intents = await ledger.records(Filters(kind="intent"))
        outcomes = await ledger.records(Filters(kind="outcome"))
        settled = await ledger.records(Filters(kind="settlement"))
        broken = await ledger.verify()
        head = await ledger.head()
    answered = {r.intent_id for r in outcomes} | {r.intent_id for r in settled}
    return {
        "records": head.seq,
        "intents": {r.id for r in intents if r.tool in WRITE_TOOLS},
        "executed": {r.intent_id for r in outcomes if r.decision == "executed" and r.tool in WRITE_TOOLS},
        "unknown": {r.intent_id for r in outcomes if r.decision == "outcome_unknown" and r.tool in WRITE_TOOLS},
        "failed": {r.intent_id for r in outcomes if r.decision == "failed" and r.tool in WRITE_TOOLS},
        "open": {r.id for r in intents if r.tool in WRITE_TOOLS and r.id not in answered},
        "chain_broken_at": str(broken) if broken else None,
    }


async def fleet_soak(minutes: float, clients: int, fault_rate: float, seed: int, postgres: str) -> dict[str, Any]:
    from zuora_mcp.providers.zuora.sandbox import SandboxOptions, running_sandbox
    from zuora_mcp.providers.zuora.sandbox.faults import FaultRates

    outcomes: Counter[str] = Counter()
    told: Counter[str] = Counter()
    per_replica_calls: Counter[int] = Counter()
    latencies: list[float] = []
    secret_key = secrets.token_hex(32)
    with tempfile.TemporaryDirectory(prefix="zuora-mcp-fleet-soak-") as tmp:
        async with running_sandbox(SandboxOptions(port=0)) as sandbox, contextlib.AsyncExitStack() as stack:
            target = procs.Sandbox(sandbox.base_url, 0, sandbox.client_id, sandbox.client_secret)
            args = ("-m", "zuora_mcp", "serve", "--transport", "http", "--stateless", "--port", "0", "--mode", "auto")
            replicas: list[tuple[str, int]] = []
            for number in range(REPLICAS):
                workdir = Path(tmp) / f"replica{number}"
                workdir.mkdir()
                env = procs.server_env(
                    target,
                    workdir,
                    ZUORA_MCP_SECRET_KEY=secret_key,
                    ZUORA_MCP_LEDGER=postgres,
                    ZUORA_MCP_MAX_CONCURRENCY="20",
                )
                replicas.append(await stack.enter_async_context(procs.http_server(args, env)))
            http = await stack.enter_async_context(httpx2.AsyncClient(timeout=CALL_TIMEOUT))
            # A warm-up on each replica without faults, so the memory baseline has imports, pools and caches.
            for url, _pid in replicas:
                async with Client(streamable_http_client(url, http_client=http), cache=None) as warm:
                    for n in range(40):
                        name, arguments = pick_call(random.Random(n), f"warm{n}")
                        await warm.call_tool(name, arguments)
            before = await _ledger_counts(postgres)
            sandbox.counters.reset()
            sandbox.faults.set_rates(FaultRates(rate_429=fault_rate, rate_5xx=fault_rate, retry_after=1.0, seed=seed))
            rss_start = [procs.rss_kib(pid) for _url, pid in replicas]
            deadline = time.monotonic() + minutes * 60

            async def client_loop(number: int) -> None:
                rng = random.Random(seed * 1000 + number)
                replica = number % REPLICAS
                url = replicas[replica][0]
                async with (
                    httpx2.AsyncClient(timeout=CALL_TIMEOUT) as own,
                    Client(streamable_http_client(url, http_client=own), cache=None) as client,
                ):
                    for call in range(1, 1_000_000):  # bounded in count as well as in time
                        if time.monotonic() >= deadline:
                            break
                        name, arguments = pick_call(rng, f"soak-c{number}-n{call}")
                        began = time.perf_counter()
                        try:
                            with anyio.fail_after(CALL_TIMEOUT):
                                result = await client.call_tool(name, arguments)
                        except Exception as exc:  # a crash or protocol error is a finding, not a reason to stop
                            outcomes[f"exception {type(exc).__name__}"] += 1
                            continue
                        latencies.append(time.perf_counter() - began)
                        per_replica_calls[replica] += 1
                        content = result.structured_content or {}
                        if name in WRITE_TOOLS:
                            status = str(content.get("status"))
                            told[status] += 1
                            outcomes[f"write {status}"] += 1
                        else:
                            outcomes[
                                "read ok" if not result.is_error else f"read {content.get('status', 'error')}"
                            ] += 1

            began = time.monotonic()
            async with anyio.create_task_group() as tasks:
                for number in range(clients):
                    tasks.start_soon(client_loop, number)
            elapsed = time.monotonic() - began
            rss_end = [procs.rss_kib(pid) for _url, pid in replicas]
            sandbox.faults.set_rates(FaultRates())
            tags = Counter(
                i.comments for i in sandbox.tenant.invoices.values() if i.comments.startswith("soak-")
            ) + Counter(address.split("@")[0] for e in sandbox.tenant.emails for address in _addresses(e["to"]))
            duplicates = sum(n - 1 for tag, n in tags.items() if tag.startswith("soak-") and n > 1)
            applied = sandbox.counters.writes_applied
            counters = sandbox.counters.as_json()
        after = await _ledger_counts(postgres)
    ledger = {key: len(after[key] - before[key]) for key in ("intents", "executed", "unknown", "failed", "open")}
    latencies.sort()
    calls = sum(outcomes.values())
    unknown = max(ledger["unknown"], told["outcome_unknown"])
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
        "minutes": minutes,
        "replicas": REPLICAS,
        "clients": clients,
        "calls_per_replica": [per_replica_calls[n] for n in range(REPLICAS)],
        "fault_rate": {"429": fault_rate, "5xx": fault_rate},
        "seconds": round(elapsed, 1),
        "calls": calls,
        "calls_per_second": round(calls / elapsed, 1) if elapsed else None,
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else None,
        "outcomes": dict(sorted(outcomes.items())),
        "writes_applied_tenant": applied,
        "ledger": ledger,
        "ledger_records_total": after["records"],
        "ledger_chain_broken_at": after["chain_broken_at"],
        "writes_told_executed": told["executed"],
        "writes_told_unknown": told["outcome_unknown"],
        "applied_minus_ledger_executed": applied - ledger["executed"],
        "duplicates": duplicates,
        "faults_injected": counters["faults_injected"],
        "sandbox_requests": counters["requests"],
        "rss_mib_start": [round(k / 1024, 1) for k in rss_start],
        "rss_mib_end": [round(k / 1024, 1) for k in rss_end],
        "rss_growth_mib": [round((e - s) / 1024, 1) for s, e in zip(rss_start, rss_end, strict=True)],
        "ok": duplicates == 0
        and after["chain_broken_at"] is None
        and ledger["executed"] == told["executed"]
        and 0 <= applied - ledger["executed"] <= unknown,
    }


def render(figures: dict[str, Any]) -> str:
    ledger = figures["ledger"]
    return "\n".join(
        [
            f"fleet soak: {figures['replicas']} replicas, {figures['clients']} clients, {figures['seconds']:.0f} s, "
            f"faults 429 {figures['fault_rate']['429']:.0%} + 5xx {figures['fault_rate']['5xx']:.0%} "
            f"({figures['faults_injected']} injected)",
            f"  calls {figures['calls']} ({figures['calls_per_second']}/s; "
            f"per replica {figures['calls_per_replica']}), "
            f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms",
            f"  writes applied (tenant) {figures['writes_applied_tenant']} = ledger executed {ledger['executed']} "
            f"(told executed {figures['writes_told_executed']}); outcome unknown {ledger['unknown']}, "
            f"failed {ledger['failed']}, intents without outcome {ledger['open']}",
            f"  duplicates {figures['duplicates']}; chain "
            + (
                "intact"
                if figures["ledger_chain_broken_at"] is None
                else f"broken at {figures['ledger_chain_broken_at']}"
            ),
            f"  RSS per replica {figures['rss_mib_start']} -> {figures['rss_mib_end']} MiB "
            f"(growth {figures['rss_growth_mib']})",
            "  " + ("OK" if figures["ok"] else "FAILED"),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--fault-rate", type=float, default=0.02, help="share of 429s, and as many 5xx")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--postgres", help="postgresql://… (default: ZUORA_MCP_TEST_POSTGRES, else a throwaway cluster)"
    )
    parser.add_argument("--output", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args(argv)
    if not 0 < args.minutes <= 60 or not 1 <= args.clients <= 200:
        parser.error("--minutes must be in (0, 60] and --clients in [1, 200]")
    with _postgres(args.postgres) as url:
        if not url.startswith(("postgresql://", "postgres://")):
            print(f"fleet soak: no PostgreSQL, not run: {url}", file=sys.stderr)
            return 3
        figures = anyio.run(fleet_soak, args.minutes, args.clients, args.fault_rate, args.seed, url)
    if args.output:
        args.output.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    print(render(figures))
    if not figures["ok"]:
        print(
            "fleet soak: FAILED — duplicates, a broken chain, or writes applied without being recorded", file=sys.stderr
        )
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
