"""The accounts server: refresh-token grant, Zoho's refusals, the refresh cap, token lifetime."""

from __future__ import annotations

import httpx2
import pytest

from zuora_mcp.providers.zoho.sandbox import (
    DEFAULT_CLIENT_ID,
    DEFAULT_ORGANIZATION_ID,
    RunningZohoSandbox,
    ZohoSandboxOptions,
    invoice_id,
    running_sandbox,
)

from .conftest import CLOCK_START, grant, headers_for, token_for

pytestmark = pytest.mark.anyio


async def test_refresh_grant_in_the_query_returns_a_bearer_token_for_the_api_domain(
    zoho: RunningZohoSandbox, bare: httpx2.AsyncClient
) -> None:
    answer = await bare.post("/oauth/v2/token", params=grant(zoho))
    body = answer.json()
    assert answer.status_code == 200
    assert set(body) == {"access_token", "expires_in", "api_domain", "token_type"}
    assert (body["expires_in"], body["token_type"], body["api_domain"]) == (3600, "Bearer", zoho.accounts_url)
    assert body["access_token"].startswith("1000.")


async def test_refresh_grant_as_a_form_body_works_too(zoho: RunningZohoSandbox, bare: httpx2.AsyncClient) -> None:
    answer = await bare.post("/oauth/v2/token", data=grant(zoho))
    assert "access_token" in answer.json()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_id": "1000.WRONG"}, "invalid_client"),
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"refresh_token": "1000.revoked"}, "invalid_code"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ],
)
async def test_wrong_credentials_get_zohos_error_body_with_http_200(
    zoho: RunningZohoSandbox, bare: httpx2.AsyncClient, change: dict[str, str], error: str
) -> None:
    answer = await bare.post("/oauth/v2/token", params=grant(zoho, **change))
    assert (answer.status_code, answer.json()) == (200, {"error": error})
    assert (zoho.counters.token_requests, zoho.counters.token_refusals) == (1, 1)


async def test_the_eleventh_token_in_ten_minutes_is_refused_until_the_window_moves(
    zoho: RunningZohoSandbox, bare: httpx2.AsyncClient
) -> None:
    for _ in range(10):
        assert "access_token" in (await bare.post("/oauth/v2/token", params=grant(zoho))).json()
    refused = await bare.post("/oauth/v2/token", params=grant(zoho))
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "Access Denied",
        "error_description": "You have made too many requests continuously. Please try again after some time.",
    }
    zoho.tenant.clock.advance(601)
    assert "access_token" in (await bare.post("/oauth/v2/token", params=grant(zoho))).json()
    assert (zoho.counters.token_requests, zoho.counters.token_refusals) == (12, 1)


async def test_the_refresh_cap_and_token_lifetime_are_options() -> None:
    options = ZohoSandboxOptions(refresh_cap=(2, 30), token_expires_in=120, clock_start=CLOCK_START)
    async with running_sandbox(options) as zoho, httpx2.AsyncClient(base_url=zoho.accounts_url) as http:
        answers = [await http.post("/oauth/v2/token", params=grant(zoho)) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 400]
        assert answers[0].json()["expires_in"] == 120
        zoho.tenant.clock.advance(31)
        assert (await http.post("/oauth/v2/token", params=grant(zoho))).status_code == 200


async def test_an_expired_token_gets_401_code_57(zoho: RunningZohoSandbox, bare: httpx2.AsyncClient) -> None:
    headers = headers_for(zoho, await token_for(zoho, bare))
    path = f"/billing/v1/invoices/{invoice_id(1)}"
    assert (await bare.get(path, headers=headers)).status_code == 200
    zoho.tenant.clock.advance(3600)
    answer = await bare.get(path, headers=headers)
    assert (answer.status_code, answer.json()) == (
        401,
        {"code": 57, "message": "You are not authorized to perform this operation"},
    )


@pytest.mark.parametrize("authorization", [None, "Zoho-oauthtoken 1000.unknown", "Bearer {token}"])
async def test_missing_unknown_or_bearer_prefixed_tokens_are_refused(
    zoho: RunningZohoSandbox, bare: httpx2.AsyncClient, authorization: str | None
) -> None:
    token = await token_for(zoho, bare)
    headers = {"X-com-zoho-subscriptions-organizationid": zoho.organization_id}
    if authorization:
        headers["Authorization"] = authorization.format(token=token)
    answer = await bare.get("/billing/v1/invoices", headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (401, 57)


async def test_expire_tokens_stops_every_issued_token(zoho: RunningZohoSandbox, bare: httpx2.AsyncClient) -> None:
    headers = headers_for(zoho, await token_for(zoho, bare))
    await bare.post("/_sandbox/expire-tokens")
    assert (await bare.get("/billing/v1/invoices", headers=headers)).status_code == 401


async def test_credentials_come_from_the_environment_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOHO_CLIENT_ID", "1000.FROMENV")
    monkeypatch.setenv("ZOHO_ORGANIZATION_ID", "777")
    monkeypatch.delenv("ZOHO_CLIENT_SECRET", raising=False)
    credentials = ZohoSandboxOptions().credentials()
    assert (credentials.client_id, credentials.organization_id) == ("1000.FROMENV", "777")
    monkeypatch.delenv("ZOHO_CLIENT_ID")
    monkeypatch.delenv("ZOHO_ORGANIZATION_ID")
    defaults = ZohoSandboxOptions().credentials()
    assert (defaults.client_id, defaults.organization_id) == (DEFAULT_CLIENT_ID, DEFAULT_ORGANIZATION_ID)
    assert "sandbox-client-secret" not in repr(defaults)
