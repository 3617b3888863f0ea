"""Fixtures for the Zoho tools: a fresh Zoho tenant per test and the real server behind the SDK's client.

``connected`` wires exactly what ``zuora-mcp serve --provider zoho`` wires — settings from
``load_settings({"provider": "zoho"}, environ)`` with the tenant's ``ZOHO_*`` values, one
``BillingClient``, ``build_app``/``build_server`` — and talks to it through ``mcp.client.Client``
in memory. The client's ``sleep`` is a recorder, so a backoff is checked without being waited out.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client

from zuora_mcp.client import BillingClient
from zuora_mcp.config import Settings, load_settings
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, ZohoSandboxOptions, running_sandbox
from zuora_mcp.providers.zoho.sandbox.views import creditnote_json, invoice_json
from zuora_mcp.server import ServerApp, build_app, build_server

SECRET_KEY = "zoho-test-signing-key-0123456789abcdef"
# 2025-06-01 12:00:00 UTC, the tenant tests' day: statuses (sent, overdue) and dates are fixed.
CLOCK_START = 1748779200.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def fresh(**options: Any) -> contextlib.AbstractAsyncContextManager[RunningZohoSandbox]:
    return running_sandbox(ZohoSandboxOptions(clock_start=CLOCK_START, **options))


@pytest.fixture
async def zoho() -> AsyncIterator[RunningZohoSandbox]:
    async with fresh() as running:
        yield running


def zoho_environ(zoho: RunningZohoSandbox) -> dict[str, str]:
    return {
        "ZOHO_BASE_URL": zoho.base_url,
        "ZOHO_ACCOUNTS_URL": zoho.accounts_url,
        "ZOHO_CLIENT_ID": zoho.client_id,
        "ZOHO_CLIENT_SECRET": zoho.client_secret,
        "ZOHO_REFRESH_TOKEN": zoho.refresh_token,
        "ZOHO_ORGANIZATION_ID": zoho.organization_id,
    }


def settings_for(zoho: RunningZohoSandbox, audit: Path | None = None, **flags: Any) -> Settings:
    environ = {"ZUORA_MCP_SECRET_KEY": SECRET_KEY, **zoho_environ(zoho), **flags.pop("environ", {})}
    base: dict[str, Any] = {"provider": "zoho"}
    if audit is not None:
        base["audit_log"] = str(audit)
    return load_settings({**base, **flags}, environ)


def writes_sent(zoho: RunningZohoSandbox) -> int:
    """Requests that could change the tenant: anything but GET and the token endpoint."""
    return sum(
        n for route, n in zoho.counters.requests_by_route.items() if not route.startswith(("GET", "POST /oauth"))
    )


def api_requests(zoho: RunningZohoSandbox) -> int:
    """Every request to the Billing API (reads included), the token endpoint left out."""
    return sum(n for route, n in zoho.counters.requests_by_route.items() if "/billing/v1" in route)


def snapshot(zoho: RunningZohoSandbox) -> str:
    """Everything a write could change, as one string: compare before and after."""
    tenant = zoho.tenant
    state: dict[str, Any] = {
        "invoices": {i: invoice_json(tenant, v) for i, v in tenant.invoices.items()},
        "creditnotes": [creditnote_json(tenant, n) for n in tenant.credit_notes.values()],
        "credits": {c: v.unused_credits for c, v in tenant.customers.items()},
        "outbox": tenant.outbox,
        "charges": [c for c in tenant.charges if c["status"] == "approved"],
    }
    return json.dumps(state, sort_keys=True, default=str)


class SleepRecorder:
    """Stands in for ``asyncio.sleep`` in the client: remembers each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Harness:
    client: Client
    app: ServerApp
    zoho: RunningZohoSandbox
    sleeps: SleepRecorder = field(default_factory=SleepRecorder)

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        return await self.client.call_tool(name, arguments)


@contextlib.asynccontextmanager
async def connected(
    zoho: RunningZohoSandbox,
    *,
    audit: Path | None = None,
    clock: Callable[[], float] | None = None,
    client_clock: Callable[[], float] | None = None,
    **flags: Any,
) -> AsyncIterator[Harness]:
    settings = settings_for(zoho, audit, **flags)
    sleeps = SleepRecorder()
    extra: dict[str, Any] = {"clock": client_clock} if client_clock else {}
    async with BillingClient(settings, sleep=sleeps, **extra) as billing:
        app = build_app(settings, billing, clock=clock) if clock else build_app(settings, billing)
        async with Client(build_server(app), mode="legacy") as client:
            yield Harness(client, app, zoho, sleeps)


# ---- the fault matrix table ------------------------------------------------------------------------

MATRIX: dict[tuple[str, str], str] = {}


@pytest.fixture
def matrix_cell() -> dict[tuple[str, str], str]:
    """Where a fault-matrix test writes its cell; the table is printed in the terminal summary."""
    return MATRIX


def render_matrix(cells: dict[tuple[str, str], str]) -> str:
    tools = sorted({tool for tool, _ in cells})
    faults: list[str] = []
    for _, fault in cells:
        if fault not in faults:
            faults.append(fault)
    width = max(len(t) for t in tools) + 1
    columns = [max(len(f), *(len(cells.get((t, f), "")) for t in tools)) for f in faults]
    lines = [" " * width + " | ".join(f.ljust(w) for f, w in zip(faults, columns, strict=True))]
    lines.append("-" * len(lines[0]))
    for tool in tools:
        row = " | ".join(cells.get((tool, f), "").ljust(w) for f, w in zip(faults, columns, strict=True))
        lines.append(tool.ljust(width) + row)
    return "\n".join(lines)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not MATRIX:
        return
    terminalreporter.section("Zoho fault matrix: tool result / writes the tenant applied")
    terminalreporter.write_line(render_matrix(MATRIX))
    terminalreporter.write_line(
        "executed = applied and said so; failed = refused, 'Nothing was changed'; "
        "unknown = 'outcome unknown', names the read that settles it. ×N = writes applied."
    )
