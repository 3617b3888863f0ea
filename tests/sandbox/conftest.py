"""Fixtures for the sandbox tests: a fresh sandbox per test, the project's real client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import fields, replace
from typing import Any

import httpx2
import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.config import Secret, Settings
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox
from zuora_mcp.providers.zuora.settings import ZuoraConnection

# 2025-06-01 12:00:00 UTC: a fixed sandbox clock makes dates in answers predictable.
CLOCK_START = 1748779200.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(SandboxOptions(clock_start=CLOCK_START)) as running:
        yield running


class Sleeps:
    """The client's ``sleep``: records each backoff instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def settings_for(sandbox: RunningSandbox, **overrides: Any) -> Settings:
    """Settings for the sandbox; Zuora's own fields (entity_ids, ...) go to its connection."""
    connection = ZuoraConnection(client_id=sandbox.client_id, client_secret=Secret(sandbox.client_secret))
    mine = {key: overrides.pop(key) for key in list(overrides) if key in {f.name for f in fields(ZuoraConnection)}}
    values: dict[str, Any] = {
        "environment": "custom",
        "base_url": sandbox.base_url,
        "production": False,
        "connection": replace(connection, **mine),
        "max_retries": 0,
        "timeout_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def client(sandbox: RunningSandbox, sleeps: Sleeps) -> AsyncIterator[BillingClient]:
    """The real client, retries off, so faults and refusals show up raw."""
    async with BillingClient(settings_for(sandbox), sleep=sleeps) as zuora:
        yield zuora


@pytest.fixture
def make_client(sandbox: RunningSandbox, sleeps: Sleeps) -> Callable[..., BillingClient]:
    """``make_client(**settings_overrides)``; the test closes it."""

    def build(**overrides: Any) -> BillingClient:
        return BillingClient(settings_for(sandbox, **overrides), sleep=sleeps)

    return build


@pytest.fixture
async def raw(sandbox: RunningSandbox) -> AsyncIterator[httpx2.AsyncClient]:
    """A bare HTTP client with a valid bearer token, for requests the real client refuses to build."""
    async with httpx2.AsyncClient(base_url=sandbox.base_url, timeout=5.0) as http:
        answer = await http.post(
            "/oauth/token",
            data={
                "client_id": sandbox.client_id,
                "client_secret": sandbox.client_secret,
                "grant_type": "client_credentials",
            },
        )
        http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        yield http


TokenFetcher = Callable[..., Awaitable[httpx2.Response]]
