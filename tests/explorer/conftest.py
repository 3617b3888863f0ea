"""Fixtures: a fresh sandbox tenant per test and the real server behind the SDK's own client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client

from zuora_mcp.client import ZuoraClient
from zuora_mcp.config import load_settings
from zuora_mcp.sandbox import RunningSandbox, SandboxOptions, running_sandbox
from zuora_mcp.server import ServerApp, build_app, build_server

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "zuora-openapi-2025-12-12-described.json"
needs_spec = pytest.mark.skipif(not SPEC.is_file(), reason="Zuora's spec is not beside the repo")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(SandboxOptions(port=0)) as running:
        yield running


def sent(sandbox: RunningSandbox, route_prefix: str = "") -> int:
    """API requests the sandbox received (the token endpoint left out), optionally for one route prefix."""
    return sum(
        n
        for route, n in sandbox.counters.requests_by_route.items()
        if not route.startswith("POST /oauth") and route.startswith(route_prefix)
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
    sandbox: RunningSandbox, *, era: str = "legacy", audit: Path | None = None, **flags: Any
) -> AsyncIterator[Harness]:
    base: dict[str, Any] = {
        "base_url": sandbox.base_url,
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
    }
    if audit is not None:
        base["audit_log"] = str(audit)
    settings = load_settings({**base, **flags}, environ={"ZUORA_MCP_SECRET_KEY": "explorer-test-key-0123456789"})
    async with ZuoraClient(settings) as zuora:
        app = build_app(settings, zuora)
        async with Client(build_server(app), mode=era) as client:  # type: ignore[arg-type]
            yield Harness(client, app, sandbox)
