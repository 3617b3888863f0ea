"""The write path: ``reverse_invoice`` as a dry run, as a confirmation preview, and confirmed.

Each phase runs on its own block of calls so the sandbox's counters say exactly how many HTTP
requests one call of that phase makes to Zuora. Every reversal gets its own fresh Posted invoice
(see :mod:`bench.seed`); the confirmed call passes the token its preview returned, as a client
without elicitation does. The network floor of a reversal: the same PUT sent straight from httpx2,
on other fresh invoices.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from mcp.client import Client
from mcp.client.stdio import stdio_client

from bench import procs
from bench.direct import DirectZuora, counter_diff
from bench.seed import reversible_number
from bench.stats import summarize

__all__ = ["measure_writes"]


async def measure_writes(sandbox: procs.Sandbox, workdir: Path, calls: int) -> dict[str, Any]:
    """``calls`` reversals through zuora-mcp (invoices 0..calls-1) and ``calls`` direct ones after them."""
    env = procs.server_env(sandbox, workdir)
    phases: dict[str, list[float]] = {"dry_run": [], "preview": [], "confirmed": []}
    outcomes: dict[str, dict[str, int]] = {name: {} for name in phases}
    requests: dict[str, Any] = {}
    tokens: list[str] = []
    with (workdir / "writes.log").open("w") as errlog:
        params = procs.stdio_params(procs.OURS_STDIO, env)
        async with (
            Client(stdio_client(params, errlog=errlog), mode="legacy", cache=None) as client,
            DirectZuora(sandbox) as direct,
        ):
            await direct.authenticate()
            await client.call_tool("get_invoice", {"invoiceKey": "INV00000001"})  # token and pool warm

            async def phase(name: str, extra: dict[str, Any] | None = None) -> None:
                before = await direct.counters()
                for i in range(calls):
                    arguments = {"invoiceKey": reversible_number(i)}
                    if extra is not None:
                        arguments |= extra
                    if name == "confirmed":
                        arguments["confirmation_token"] = tokens[i]
                    began = time.perf_counter()
                    result = await client.call_tool("reverse_invoice", arguments)
                    phases[name].append((time.perf_counter() - began) * 1000)
                    status = str((result.structured_content or {}).get("status", "error" if result.is_error else "?"))
                    outcomes[name][status] = outcomes[name].get(status, 0) + 1
                    if name == "preview":
                        tokens.append(str((result.structured_content or {}).get("confirmation_token", "")))
                diff = counter_diff(before, await direct.counters())
                requests[name] = {
                    "per_call": round((diff["requests"] - diff["token_requests"]) / calls, 2),
                    "writes_per_call": round(diff["writes_applied"] / calls, 2),
                    "by_route": {k: round(v / calls, 2) for k, v in diff["requests_by_route"].items()},
                }

            await phase("dry_run", {"dry_run": True})
            await phase("preview")
            await phase("confirmed")
            direct_put: list[float] = []
            for i in range(calls, 2 * calls):
                began = time.perf_counter()
                await direct.put(f"/v1/invoices/{reversible_number(i)}/reverse", {}, uuid.uuid4().hex)
                direct_put.append((time.perf_counter() - began) * 1000)

    result: dict[str, Any] = {"calls_per_phase": calls}
    for name, samples in phases.items():
        result[name] = {
            "ms": summarize(samples).as_json(),
            "outcomes": outcomes[name],
            "zuora_requests": requests[name],
        }
    result["direct_put_ms"] = summarize(direct_put).as_json()
    return result
