"""Zoho's rate and token limits as the Zoho tools meet them: the daily cap fails fast, the refresh
cap is never passed (the 11th token of a window is never asked for)."""

from __future__ import annotations

import anyio
import pytest

from tests.zoho.cases import inv
from tests.zoho.conftest import connected
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox

pytestmark = pytest.mark.anyio


async def test_the_daily_cap_fails_a_read_at_once_saying_why_without_waiting(zoho: RunningZohoSandbox) -> None:
    zoho.faults.once("429_daily", "GET", "/billing/v1/invoices/*")
    with anyio.fail_after(5):
        async with connected(zoho) as h:
            result = await h.call("get_invoice", {"invoice_id": inv(1)})
    assert result.is_error
    text = result.content[0].text
    assert "daily Zoho API calls" in text
    assert "45" in text
    assert h.sleeps.waits == []
    assert zoho.counters.requests_by_route["GET /billing/v1/invoices/{invoice_id}"] == 1


async def test_a_per_minute_cap_is_waited_out_as_zoho_asks_and_the_read_succeeds(zoho: RunningZohoSandbox) -> None:
    zoho.faults.once("429", "GET", "/billing/v1/invoices")
    with anyio.fail_after(10):
        async with connected(zoho) as h:
            result = await h.call("list_invoices", {"per_page": 2})
    assert not result.is_error, result.content[0].text
    assert h.sleeps.waits == [1.0]


async def test_eleven_token_refreshes_in_ten_minutes_never_reach_zoho(zoho: RunningZohoSandbox) -> None:
    """Each call after expire_tokens gets 401 and needs a new token; Zoho mints 10 per refresh token
    per 10 minutes. With the client's clock standing still the window never frees, so the client
    stops itself before an 11th request: the tenant sees 10 token requests and refuses none."""
    outcomes = []
    with anyio.fail_after(20):
        async with connected(zoho, client_clock=lambda: 10_000.0) as h:
            for _ in range(11):
                result = await h.call("get_invoice", {"invoice_id": inv(1)})
                outcomes.append(result)
                zoho.expire_tokens()
    assert [r.is_error for r in outcomes] == [False] * 10 + [True]
    refusal = outcomes[-1].content[0].text
    assert "10 access tokens per 600 s" in refusal
    assert "Nothing was sent" in refusal
    assert zoho.counters.token_requests == 10
    assert zoho.counters.token_refusals == 0
    assert all(wait <= 15 for wait in h.sleeps.waits)  # never slept toward the window's end
