"""Fixtures for reconcile: real sandbox tenants on loopback, real ledgers (SQLite and PostgreSQL).

A write left open is made the way it happens: either through the real server (``Served``: the
catalog tool in ``auto`` mode, a tenant fault losing the answer), or — for a process killed between
intent and outcome — by committing the intent in the ledger and sending the write straight through
the shared client, with no outcome ever recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client

from tests.ledger.conftest import postgres_server, postgres_url  # noqa: F401 - fixtures used by name
from zuora_mcp.client import BillingClient
from zuora_mcp.config import Settings, load_settings
from zuora_mcp.ledger import Call, LedgerBase, open_ledger
from zuora_mcp.plan import Method, RequestPlan
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, ZohoSandboxOptions
from zuora_mcp.providers.zoho.sandbox import running_sandbox as zoho_sandbox
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions
from zuora_mcp.providers.zuora.sandbox import running_sandbox as zuora_sandbox
from zuora_mcp.reconcile import environment_of
from zuora_mcp.server import build_app, build_server

SECRET_KEY = "reconcile-test-signing-key-0123456789"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the ledger lives: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def sqlite_location(tmp_path: Path) -> str:
    return str(tmp_path / "ledger.db")


@pytest.fixture
async def zuora() -> AsyncIterator[RunningSandbox]:
    async with zuora_sandbox(SandboxOptions(port=0)) as running:
        yield running


@pytest.fixture
async def zoho() -> AsyncIterator[RunningZohoSandbox]:
    # The real clock: "since the intent" compares the tenant's times with the ledger's.
    async with zoho_sandbox(ZohoSandboxOptions(port=0)) as running:
        yield running


def zuora_environ(sandbox: RunningSandbox) -> dict[str, str]:
    return {
        "ZUORA_BASE_URL": sandbox.base_url,
        "ZUORA_CLIENT_ID": sandbox.client_id,
        "ZUORA_CLIENT_SECRET": sandbox.client_secret,
    }


def zoho_environ(sandbox: RunningZohoSandbox) -> dict[str, str]:
    return {
        "ZOHO_BASE_URL": sandbox.base_url,
        "ZOHO_ACCOUNTS_URL": sandbox.accounts_url,
        "ZOHO_CLIENT_ID": sandbox.client_id,
        "ZOHO_CLIENT_SECRET": sandbox.client_secret,
        "ZOHO_REFRESH_TOKEN": sandbox.refresh_token,
        "ZOHO_ORGANIZATION_ID": sandbox.organization_id,
    }


def settings_for(sandbox: RunningSandbox | RunningZohoSandbox, **environ: str) -> Settings:
    if isinstance(sandbox, RunningSandbox):
        provider, values = "zuora", zuora_environ(sandbox)
    else:
        provider, values = "zoho", zoho_environ(sandbox)
    values |= {"ZUORA_MCP_SECRET_KEY": SECRET_KEY, "ZUORA_MCP_TIMEOUT": "5", "ZUORA_MCP_MAX_RETRIES": "1"}
    return load_settings({"provider": provider, "mode": "auto"}, {**values, **environ})


@dataclass
class Tenant:
    """One tenant, its settings, the shared client and the ledger under test."""

    settings: Settings
    client: BillingClient
    ledger: LedgerBase

    @property
    def environment(self) -> str:
        return environment_of(self.settings)

    async def crashed_write(self, tool: str, natural_key: str | None, plan: RequestPlan) -> str:
        """A process that committed the intent, sent the write and died before recording the outcome."""
        intent = await self.record_intent(tool, natural_key)
        await self.client.send(plan)
        return intent

    async def record_intent(self, tool: str, natural_key: str | None, idempotency_key: str | None = None) -> str:
        call = Call(
            tool=tool,
            provider=self.settings.provider,
            environment=self.environment,
            arguments_hash=hashlib.sha256(f"{tool}:{natural_key}".encode()).hexdigest(),
        )
        return await self.ledger.record_intent(
            call, approval="auto", natural_key=natural_key, idempotency_key=idempotency_key
        )


@contextlib.asynccontextmanager
async def tenant(sandbox: RunningSandbox | RunningZohoSandbox, location: str) -> AsyncIterator[Tenant]:
    settings = settings_for(sandbox)
    ledger = await open_ledger(location)
    try:
        async with BillingClient(settings) as client:
            yield Tenant(settings, client, ledger)
    finally:
        await ledger.close()


def plan(method: Method, path: str, params: dict[str, str] | None = None, body: Any = None) -> RequestPlan:
    return RequestPlan(method=method, path=path, path_params=params or {}, body=body)


@contextlib.asynccontextmanager
async def served(t: Tenant) -> AsyncIterator[Client]:
    """The real server (auto mode) on ``t``'s client and ledger, behind the SDK's own client."""
    app = build_app(t.settings, t.client, ledger=t.ledger)
    async with Client(build_server(app)) as client:
        yield client
