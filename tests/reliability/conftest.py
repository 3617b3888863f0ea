"""Fixtures for the reliability suite: the real server on a sandbox, tenant snapshots, the fault table.

``harness`` is ``tests.server.conftest.connected`` with two more seams: the shared client's ``sleep``
is swapped for a recorder, so a ``Retry-After: 1`` is checked (the client asked to wait 1 s) without
the suite waiting for it, and its transport keeps the raw target of every request it sends.
``snapshot`` turns the whole sandbox tenant into plain data, so a test can compare it with the
tenant before a write and with the tenant after the same write applied once.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx2
import pytest
from mcp.client import Client

from tests.server.conftest import settings_for
from zuora_mcp.client import BillingClient
from zuora_mcp.providers.zuora.sandbox import RunningSandbox
from zuora_mcp.providers.zuora.sandbox.models import ItemStore
from zuora_mcp.providers.zuora.sandbox.tenant import Tenant
from zuora_mcp.server import ServerApp, build_app, build_server

# A fixed sandbox clock: ids, numbers and dates of a write are then the same in every run.
CLOCK_START = 1_893_456_000.0  # 2030-01-01


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class SleepRecorder:
    """Stands in for ``asyncio.sleep`` in the client: remembers each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class RecordingTransport(httpx2.AsyncHTTPTransport):
    """The real network transport, keeping the raw target (path and query) of every request sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.sent.append((request.method, request.url.raw_path.decode("ascii")))
        return await super().handle_async_request(request)


@dataclass
class Harness:
    client: Client
    app: ServerApp
    sandbox: RunningSandbox
    sleeps: SleepRecorder = field(default_factory=SleepRecorder)
    wire: RecordingTransport = field(default_factory=RecordingTransport)

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        return await self.client.call_tool(name, arguments)


@contextlib.asynccontextmanager
async def harness(sandbox: RunningSandbox, *, era: str = "legacy", **flags: Any) -> AsyncIterator[Harness]:
    """The real server (catalog and explorer) over the SDK's in-memory client, on ``sandbox``."""
    settings = settings_for(sandbox, None, **flags)
    sleeps, wire = SleepRecorder(), RecordingTransport()
    async with BillingClient(settings, sleep=sleeps, transport=wire) as zuora:
        app = build_app(settings, zuora)
        async with Client(build_server(app), mode=era) as client:  # type: ignore[arg-type]
            yield Harness(client, app, sandbox, sleeps, wire)


def plain(value: Any) -> Any:
    """Records as plain, comparable data (dataclasses and item stores included)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, ItemStore):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value.normalize())
    return value


def snapshot(tenant: Tenant) -> dict[str, Any]:
    """Everything a write could change in the tenant, as plain data."""
    return plain(
        {
            "accounts": tenant.accounts,
            "invoices": tenant.invoices,
            "credit_memos": tenant.credit_memos,
            "debit_memos": tenant.debit_memos,
            "emails": tenant.emails,
            "deleted_invoices": tenant.deleted_invoices,
            "numbers": dict(tenant._numbers),
            "ids": tenant._id_seq,
        }
    )


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
    terminalreporter.section("fault matrix: tool result / writes the sandbox applied")
    terminalreporter.write_line(render_matrix(MATRIX))
    terminalreporter.write_line(
        "executed = applied and said so; failed = refused, 'Nothing was changed'; "
        "unknown = 'outcome unknown', names the read tool that settles it. ×N = writes applied."
    )
