"""The shared client speaking Zoho Billing's dialect to the local Zoho tenant over a real socket.

What a finance team relies on: tokens come from the data centre's accounts host within Zoho's cap,
every call names the organisation, a ``code`` other than 0 is a failure whatever the HTTP status, a
daily cap fails at once instead of sleeping for hours, and no write is repeated once it may have
reached Zoho (Zoho has no idempotency keys).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.config import Settings, load_settings
from zuora_mcp.errors import AuthenticationError, BillingError, ConfigError, OutcomeUnknown
from zuora_mcp.plan import RequestPlan
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, ZohoSandboxOptions, running_sandbox

pytestmark = pytest.mark.anyio

INVOICE = "/invoices/{invoice_id}"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Clock:
    """Fake time for the client: sleeps are recorded and advance the clock at once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def settings_for(zoho: RunningZohoSandbox, **environ: str) -> Settings:
    values = {
        "ZOHO_BASE_URL": zoho.base_url,
        "ZOHO_ACCOUNTS_URL": zoho.accounts_url,
        "ZOHO_CLIENT_ID": zoho.client_id,
        "ZOHO_CLIENT_SECRET": zoho.client_secret,
        "ZOHO_REFRESH_TOKEN": zoho.refresh_token,
        "ZOHO_ORGANIZATION_ID": zoho.organization_id,
        "ZUORA_MCP_MAX_RETRIES": "2",
        "ZUORA_MCP_TIMEOUT": "5",
        **environ,
    }
    return load_settings({"provider": "zoho"}, values)


@pytest.fixture
async def zoho() -> AsyncIterator[RunningZohoSandbox]:
    async with running_sandbox(ZohoSandboxOptions(port=0)) as sandbox:
        yield sandbox


def first_invoice_id(zoho: RunningZohoSandbox) -> str:
    from zuora_mcp.providers.zoho.sandbox import invoice_id

    return invoice_id(1)


async def test_a_read_sends_the_zoho_auth_scheme_and_the_organisation_and_unwraps_the_envelope(
    zoho: RunningZohoSandbox,
) -> None:
    clock = Clock()
    with anyio.fail_after(10):
        async with BillingClient(settings_for(zoho), sleep=clock.sleep, clock=clock) as client:
            answer = await client.get(INVOICE, {"invoice_id": first_invoice_id(zoho)})
    assert answer.data["code"] == 0
    assert answer.data["invoice"]["invoice_number"] == "INV-000001"
    assert zoho.counters.token_requests == 1
    assert client.stats.retries == 0


async def test_a_wrong_organisation_is_zohos_refusal_with_its_code(zoho: RunningZohoSandbox) -> None:
    with anyio.fail_after(10):
        async with BillingClient(settings_for(zoho, ZOHO_ORGANIZATION_ID="99999")) as client:
            with pytest.raises(BillingError) as caught:
                await client.get(INVOICE, {"invoice_id": first_invoice_id(zoho)})
    assert caught.value.status == 400
    assert [r.code for r in caught.value.reasons] == ["6041"]
    assert str(caught.value).startswith("Zoho Billing refused GET")


async def test_a_wrong_refresh_token_is_an_authentication_error_without_the_secret(zoho: RunningZohoSandbox) -> None:
    with anyio.fail_after(10):
        async with BillingClient(settings_for(zoho, ZOHO_REFRESH_TOKEN="1000.wrong.refresh-token")) as client:
            with pytest.raises(AuthenticationError) as caught:
                await client.get(INVOICE, {"invoice_id": first_invoice_id(zoho)})
    text = f"{caught.value} {caught.value!r}"
    assert "invalid_code" in text
    assert "1000.wrong.refresh-token" not in text
    assert zoho.client_secret not in text
    api_calls = {route: n for route, n in zoho.counters.requests_by_route.items() if "/billing/v1/" in route}
    assert api_calls == {}  # no API call went out without a token


async def test_http_200_with_a_nonzero_code_is_a_failure(zoho: RunningZohoSandbox) -> None:
    zoho.faults.once("code_nonzero_200", "GET", "/billing/v1/invoices/*")
    with anyio.fail_after(10):
        async with BillingClient(settings_for(zoho, ZUORA_MCP_MAX_RETRIES="0")) as client:
            with pytest.raises(BillingError) as caught:
                await client.get(INVOICE, {"invoice_id": first_invoice_id(zoho)})
    assert caught.value.status == 200
    assert caught.value.reasons[0].code == "1000"


async def test_the_daily_cap_fails_at_once_and_says_why(zoho: RunningZohoSandbox) -> None:
    zoho.faults.once("429_daily", "GET", "/billing/v1/invoices/*", count=5)
    clock = Clock()
    with anyio.fail_after(10):
        async with BillingClient(settings_for(zoho), sleep=clock.sleep, clock=clock) as client:
            with pytest.raises(BillingError) as caught:
                await client.get(INVOICE, {"invoice_id": first_invoice_id(zoho)})
    assert clock.sleeps == []  # never waited for the cap to clear
    assert client.stats.requests == 1
    assert any("daily" in r.message for r in caught.value.reasons)
    assert "45" in [r.code for r in caught.value.reasons]


async def test_the_per_minute_cap_is_waited_out_and_the_read_succeeds(zoho: RunningZohoSandbox) -> None:
    zoho.faults.once("429", "GET", "/billing/v1/invoices/*", seconds=2)
    clock = Clock()
    with anyio.fail_after(10):
        async with BillingClient(settings_for(zoho), sleep=clock.sleep, clock=clock) as client:
            answer = await client.get(INVOICE, {"invoice_id": first_invoice_id(zoho)})
    assert answer.data["code"] == 0
    assert clock.sleeps == [2.0]  # Zoho's Retry-After


async def test_a_write_is_never_repeated_after_a_502_and_its_outcome_is_unknown(zoho: RunningZohoSandbox) -> None:
    zoho.faults.once("502", "POST", "/billing/v1/invoices/*/writeoff")
    plan = RequestPlan(
        method="POST",
        path="/invoices/{invoice_id}/writeoff",
        path_params={"invoice_id": first_invoice_id(zoho)},
        idempotency_key="would-be-a-key",
    )
    with anyio.fail_after(10):
        async with BillingClient(settings_for(zoho)) as client:
            with pytest.raises(OutcomeUnknown) as caught:
                await client.send(plan)
    assert client.stats.requests == 1  # one attempt, no retry
    assert caught.value.idempotency_key is None  # Zoho takes no key, so none was claimed


async def test_no_idempotency_header_is_sent_to_zoho(zoho: RunningZohoSandbox) -> None:
    seen: list[dict[str, str]] = []
    settings = settings_for(zoho)

    import httpx2

    async def record(request: httpx2.Request) -> None:
        seen.append(dict(request.headers))

    plan = RequestPlan(method="POST", path="/invoices/{invoice_id}/writeoff", path_params={"invoice_id": "x1"})
    with anyio.fail_after(10):
        async with BillingClient(settings) as client:
            client._http.event_hooks["request"].append(record)  # observe what goes on the wire
            with pytest.raises(BillingError):
                await client.send(plan)
    api = [headers for headers in seen if "authorization" in headers]
    assert api, seen
    assert all("idempotency-key" not in headers for headers in api)
    assert all(headers["authorization"].startswith("Zoho-oauthtoken ") for headers in api)
    assert all(headers["x-com-zoho-subscriptions-organizationid"] == zoho.organization_id for headers in api)


async def test_tokens_stay_within_zohos_cap_of_ten_per_ten_minutes(zoho: RunningZohoSandbox) -> None:
    clock = Clock()
    with anyio.fail_after(20):
        async with BillingClient(settings_for(zoho), sleep=clock.sleep, clock=clock) as client:
            for _ in range(10):
                zoho.expire_tokens()  # every call now needs a fresh token
                await client.get(INVOICE, {"invoice_id": first_invoice_id(zoho)})
            zoho.expire_tokens()
            with pytest.raises(AuthenticationError) as caught:
                await client.get(INVOICE, {"invoice_id": first_invoice_id(zoho)})
    assert zoho.counters.token_requests == 10  # the 11th was never asked for
    assert zoho.counters.token_refusals == 0
    assert caught.value.reasons[0].code == "token_budget"
    assert "10 access tokens per 600 s" in caught.value.reasons[0].message


async def test_a_token_that_frees_up_within_seconds_is_waited_for(zoho: RunningZohoSandbox) -> None:
    clock = Clock()
    with anyio.fail_after(20):
        async with BillingClient(settings_for(zoho), sleep=clock.sleep, clock=clock) as client:
            for _ in range(10):
                zoho.expire_tokens()
                await client.get(INVOICE, {"invoice_id": first_invoice_id(zoho)})
                clock.now += 59.0  # ten tokens over nine minutes and a bit, on both sides' clocks
                zoho.tenant.clock.advance(59.0)
            zoho.expire_tokens()
            zoho.tenant.clock.advance(10.0)  # the client waits about 10 s for its oldest token to age out
            answer = await client.get(INVOICE, {"invoice_id": first_invoice_id(zoho)})
    assert answer.data["code"] == 0
    assert len(clock.sleeps) == 1
    assert 0 < clock.sleeps[0] <= 15
    assert zoho.counters.token_refusals == 0


def test_settings_name_what_is_missing() -> None:
    with pytest.raises(ConfigError, match="No Zoho credentials"):
        load_settings({"provider": "zoho"}, {})
    with pytest.raises(ConfigError, match="ZOHO_ORGANIZATION_ID"):
        load_settings(
            {"provider": "zoho"},
            {"ZOHO_CLIENT_ID": "1000.X", "ZOHO_CLIENT_SECRET": "s", "ZOHO_REFRESH_TOKEN": "r"},
        )
    with pytest.raises(ConfigError, match="not a Zoho data centre; set it to one of: us, eu, in, au, jp, ca, cn, sa"):
        load_settings({"provider": "zoho"}, {"ZOHO_DATA_CENTER": "mars"}, require_credentials=False)


@pytest.mark.parametrize(
    ("dc", "api", "accounts"),
    [
        ("eu", "https://www.zohoapis.eu/billing/v1", "https://accounts.zoho.eu"),
        ("ca", "https://www.zohoapis.ca/billing/v1", "https://accounts.zohocloud.ca"),
        ("au", "https://www.zohoapis.com.au/billing/v1", "https://accounts.zoho.com.au"),
    ],
)
def test_a_data_centre_sets_both_hosts_and_is_production(dc: str, api: str, accounts: str) -> None:
    settings = load_settings({"provider": "zoho"}, {"ZOHO_DATA_CENTER": dc}, require_credentials=False)
    details: Any = settings.connection
    assert (settings.base_url, details.accounts_url, settings.production) == (api, accounts, True)


def test_an_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="Unknown provider 'sap'; known providers: zuora, zoho"):
        load_settings({"provider": "sap"}, {})
