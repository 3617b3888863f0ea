"""Fixtures for the Zoho tenant tests: a fresh tenant per test and raw HTTP clients speaking to it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, ZohoSandboxOptions, running_sandbox
from zuora_mcp.providers.zoho.sandbox.views import creditnote_json, invoice_json

# 2025-06-01 12:00:00 UTC: a fixed tenant clock makes dates and statuses predictable.
CLOCK_START = 1748779200.0
TODAY = "2025-06-01"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def zoho() -> AsyncIterator[RunningZohoSandbox]:
    async with running_sandbox(ZohoSandboxOptions(clock_start=CLOCK_START)) as running:
        yield running


def grant(zoho: RunningZohoSandbox, **changes: str) -> dict[str, str]:
    params = {
        "grant_type": "refresh_token",
        "client_id": zoho.client_id,
        "client_secret": zoho.client_secret,
        "refresh_token": zoho.refresh_token,
    }
    params.update(changes)
    return params


async def token_for(zoho: RunningZohoSandbox, http: httpx2.AsyncClient) -> str:
    answer = await http.post(f"{zoho.accounts_url}/oauth/v2/token", params=grant(zoho))
    return str(answer.json()["access_token"])


def headers_for(zoho: RunningZohoSandbox, token: str) -> dict[str, str]:
    return {
        "Authorization": f"Zoho-oauthtoken {token}",
        "X-com-zoho-subscriptions-organizationid": zoho.organization_id,
    }


@pytest.fixture
async def api(zoho: RunningZohoSandbox) -> AsyncIterator[httpx2.AsyncClient]:
    """A client on ``base_url`` with a fresh access token and the organisation header."""
    async with httpx2.AsyncClient(base_url=zoho.base_url, timeout=5.0) as http:
        http.headers.update(headers_for(zoho, await token_for(zoho, http)))
        yield http


@pytest.fixture
async def bare(zoho: RunningZohoSandbox) -> AsyncIterator[httpx2.AsyncClient]:
    """A client on ``accounts_url`` with no credentials (token endpoint, admin API, refusals)."""
    async with httpx2.AsyncClient(base_url=zoho.accounts_url, timeout=5.0) as http:
        yield http


def snapshot(zoho: RunningZohoSandbox) -> str:
    """Everything a write could change, as one string: compare before and after a refusal."""
    tenant = zoho.tenant
    state: dict[str, Any] = {
        "invoices": {i: invoice_json(tenant, v) for i, v in tenant.invoices.items()},
        "creditnotes": [creditnote_json(tenant, n) for n in tenant.credit_notes.values()],
        "credits": {c: v.unused_credits for c, v in tenant.customers.items()},
        "outbox": tenant.outbox,
        "approved": [c for c in tenant.charges if c["status"] == "approved"],
    }
    return json.dumps(state, sort_keys=True, default=str)
