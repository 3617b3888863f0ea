"""Fixtures: a fresh sandbox tenant per test and the real server behind the SDK's own client."""

from __future__ import annotations

from pathlib import Path

import pytest

# The same harness as the server's tests: fixtures and the connected() client, one definition.
from tests.server.conftest import Harness, anyio_backend, connected, sandbox
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

__all__ = ["SPEC", "Harness", "anyio_backend", "connected", "needs_spec", "sandbox", "sent"]

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "zuora-openapi-2025-12-12-described.json"
needs_spec = pytest.mark.skipif(not SPEC.is_file(), reason="Zuora's spec is not beside the repo")


def sent(sandbox: RunningSandbox, route_prefix: str = "") -> int:
    """API requests the sandbox received (the token endpoint left out), optionally for one route prefix."""
    return sum(
        n
        for route, n in sandbox.counters.requests_by_route.items()
        if not route.startswith("POST /oauth") and route.startswith(route_prefix)
    )
