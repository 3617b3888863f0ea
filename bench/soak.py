"""Soak: many clients for minutes, faults on, mixed reads and writes; nothing lost, nothing twice.

    python -m bench.soak [--minutes 5] [--clients 20] [--fault-rate 0.02] [--output PATH]

A sandbox tenant and the real server (one shared Zuora client, ``auto`` mode so writes are sent at
once) run in this process; each of ``--clients`` MCP sessions loops over a seeded mix of reads
(get_invoice, list_invoices, get_account, list_invoice_items) and writes (update_invoice,
create_invoice, email_invoice) until the time is up. The sandbox answers ``--fault-rate`` of requests
with a 429 (Retry-After 1 s) and as many with a 500/502/503.

Reported: calls and errors by kind; writes the sandbox applied against writes the server reported
``executed`` (equal unless a write was reported ``outcome_unknown``: then the difference must not
exceed the unknowns); duplicates (every created invoice and every email carries a tag unique to its
call: a tag seen twice is a write applied twice; must be 0); and the process's resident memory after
a warm-up and at the end. The tenant itself grows by one invoice per create, in this same process.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from mcp.client import Client

from zuora_mcp.client import BillingClient
from zuora_mcp.config import load_settings
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox
from zuora_mcp.providers.zuora.sandbox.demo_data import demo_id
from zuora_mcp.providers.zuora.sandbox.faults import FaultRates
from zuora_mcp.server import build_app, build_server

READ_SHARE = 0.7
POSTED = ["INV00000001", "INV00000002", "INV00000004", "INV00000006"]


def rss_mib() -> float:
    """Current resident set size of this process (Linux /proc), else the peak from getrusage."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pick_call(rng: random.Random, tag: str) -> tuple[str, dict[str, Any]]:
    if rng.random() < READ_SHARE:
        reads: list[tuple[str, dict[str, Any]]] = [
            ("get_invoice", {"invoiceKey": rng.choice(POSTED)}),
            ("list_invoices", {"accountId": demo_id("A00000001"), "pageSize": 20}),
            ("get_account", {"accountKey": "A00000001"}),
            ("list_invoice_items", {"invoiceKey": "INV00000001"}),
        ]
        return rng.choice(reads)
    kind = rng.choice(["update_invoice", "create_invoice", "email_invoice"])
    if kind == "update_invoice":
        return kind, {"invoiceKey": rng.choice(POSTED), "comments": tag}
    if kind == "create_invoice":
        item = {"amount": 1.5, "serviceStartDate": "2026-11-01", "chargeName": "Soak"}
        return kind, {
            "accountNumber": "A00000001",
            "invoiceDate": "2026-11-01",
            "comments": tag,
            "invoiceItems": [item],
        }
    return kind, {"invoiceKey": rng.choice(POSTED), "emailAddresses": f"{tag}@example.com"}


@asynccontextmanager
async def serving(sandbox: RunningSandbox) -> AsyncIterator[Any]:
    settings = load_settings(
        {"base_url": sandbox.base_url, "client_id": sandbox.client_id, "client_secret": sandbox.client_secret},
        {"ZUORA_MCP_MODE": "auto", "ZUORA_MCP_MAX_CONCURRENCY": "20"},
    )
    async with BillingClient(settings) as zuora:
        yield build_app(settings, zuora)


async def soak(minutes: float, clients: int, fault_rate: float, seed: int) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    writes: Counter[str] = Counter()
    latencies: list[float] = []
    async with running_sandbox(SandboxOptions(port=0)) as sandbox, serving(sandbox) as app:
        # A warm-up without faults, so the memory baseline includes imports, pools and caches.
        async with Client(build_server(app), mode="legacy") as warm:
            for n in range(50):
                name, arguments = pick_call(random.Random(n), f"warm{n}")
                await warm.call_tool(name, arguments)
        sandbox.counters.reset()
        sandbox.faults.set_rates(FaultRates(rate_429=fault_rate, rate_5xx=fault_rate, retry_after=1.0, seed=seed))
        rss_start = rss_mib()
        deadline = time.monotonic() + minutes * 60

        async def client_loop(number: int) -> None:
            rng = random.Random(seed * 1000 + number)
            async with Client(build_server(app), mode="legacy") as client:
                call = 0
                while time.monotonic() < deadline:
                    call += 1
                    name, arguments = pick_call(rng, f"soak-c{number}-n{call}")
                    began = time.perf_counter()
                    try:
                        with anyio.fail_after(120):
                            result = await client.call_tool(name, arguments)
                    except Exception as exc:  # a crash or protocol error is a finding, not a reason to stop
                        outcomes[f"exception {type(exc).__name__}"] += 1
                        continue
                    latencies.append(time.perf_counter() - began)
                    content = result.structured_content or {}
                    if name in {"update_invoice", "create_invoice", "email_invoice"}:
                        status = str(content.get("status"))
                        writes[status] += 1
                        outcomes[f"write {status}"] += 1
                    else:
                        outcomes["read ok" if not result.is_error else f"read {content.get('status', 'error')}"] += 1

        began = time.monotonic()
        async with anyio.create_task_group() as tasks:
            for number in range(clients):
                tasks.start_soon(client_loop, number)
        elapsed = time.monotonic() - began
        rss_end = rss_mib()
        tags = Counter(
            i.comments for i in sandbox.tenant.invoices.values() if i.comments.startswith("soak-")
        ) + Counter(address.split("@")[0] for e in sandbox.tenant.emails for address in _addresses(e["to"]))
        duplicates = sum(n - 1 for tag, n in tags.items() if tag.startswith("soak-") and n > 1)
        applied = sandbox.counters.writes_applied
        counters = sandbox.counters.as_json()
    latencies.sort()
    calls = sum(outcomes.values())
    return {
        "minutes": minutes,
        "clients": clients,
        "fault_rate": {"429": fault_rate, "5xx": fault_rate},
        "seconds": round(elapsed, 1),
        "calls": calls,
        "calls_per_second": round(calls / elapsed, 1) if elapsed else None,
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else None,
        "outcomes": dict(sorted(outcomes.items())),
        "writes_confirmed": writes["executed"],
        "writes_unknown": writes["outcome_unknown"],
        "writes_applied": applied,
        "applied_minus_confirmed": applied - writes["executed"],
        "duplicates": duplicates,
        "faults_injected": counters["faults_injected"],
        "sandbox_requests": counters["requests"],
        "token_requests": counters["token_requests"],
        "rss_mib_start": round(rss_start, 1),
        "rss_mib_end": round(rss_end, 1),
        "rss_growth_mib": round(rss_end - rss_start, 1),
        "ok": duplicates == 0 and 0 <= applied - writes["executed"] <= writes["outcome_unknown"],
    }


def _addresses(to: Any) -> list[str]:
    if isinstance(to, str):
        return [a.strip() for a in to.split(",")]
    return [str(a) for a in to] if isinstance(to, list) else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--fault-rate", type=float, default=0.02, help="share of 429s, and as many 5xx")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args(argv)
    figures = anyio.run(soak, args.minutes, args.clients, args.fault_rate, args.seed)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    if not figures["ok"]:
        print("soak: FAILED — duplicates, or writes applied without being reported", file=sys.stderr)
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
