"""Fixtures: a fresh sandbox tenant per test and the real server behind the SDK's own client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client

from zuora_mcp.client import BillingClient
from zuora_mcp.config import Settings, load_settings
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox
from zuora_mcp.server import ServerApp, build_app, build_server

SECRET_KEY = "test-signing-key-0123456789abcdef"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(SandboxOptions(port=0)) as running:
        yield running


def settings_for(sandbox: RunningSandbox, audit: Path | None = None, **flags: Any) -> Settings:
    environ = {"ZUORA_MCP_SECRET_KEY": SECRET_KEY, **flags.pop("environ", {})}
    base = {"base_url": sandbox.base_url, "client_id": sandbox.client_id, "client_secret": sandbox.client_secret}
    if audit is not None:
        base["audit_log"] = str(audit)
    return load_settings({**base, **flags}, environ)


def writes_sent(sandbox: RunningSandbox) -> int:
    """Requests that could change the tenant: anything but GET and the token endpoint."""
    return sum(
        n for route, n in sandbox.counters.requests_by_route.items() if not route.startswith(("GET", "POST /oauth"))
    )


@dataclass
class Harness:
    client: Client
    app: ServerApp
    sandbox: RunningSandbox

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        return await self.client.call_tool(name, arguments)


@contextlib.asynccontextmanager
async def connected(
    sandbox: RunningSandbox,
    *,
    era: str = "legacy",
    elicitation: Callable[..., Any] | None = None,
    audit: Path | None = None,
    clock: Callable[[], float] | None = None,
    **flags: Any,
) -> AsyncIterator[Harness]:
    settings = settings_for(sandbox, audit, **flags)
    async with BillingClient(settings) as zuora:
        app = build_app(settings, zuora, clock=clock) if clock else build_app(settings, zuora)
        async with Client(build_server(app), mode=era, elicitation_callback=elicitation) as client:  # type: ignore[arg-type]
            yield Harness(client, app, sandbox)
