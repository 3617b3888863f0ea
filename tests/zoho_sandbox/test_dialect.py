"""Zoho's dialect: the organisation header, envelopes, URLs, bodies, timestamps, the loopback socket."""

from __future__ import annotations

import re

import httpx2
import pytest

from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, invoice_id, running_sandbox

from .conftest import headers_for, token_for

pytestmark = pytest.mark.anyio

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$")


@pytest.mark.parametrize("organization", [None, "99999999"])
async def test_a_missing_or_wrong_organisation_header_gets_code_6041(
    zoho: RunningZohoSandbox, bare: httpx2.AsyncClient, organization: str | None
) -> None:
    headers = headers_for(zoho, await token_for(zoho, bare))
    del headers["X-com-zoho-subscriptions-organizationid"]
    if organization:
        headers["X-com-zoho-subscriptions-organizationid"] = organization
    answer = await bare.get("/billing/v1/invoices", headers=headers)
    assert (answer.status_code, answer.json()) == (
        400,
        {"code": 6041, "message": "This user is not associated with the CompanyID/CompanyName."},
    )


async def test_answers_are_envelopes_with_code_0_and_a_sandbox_request_id(api: httpx2.AsyncClient) -> None:
    answer = await api.get(f"/invoices/{invoice_id(1)}")
    body = answer.json()
    assert (body["code"], body["message"]) == (0, "success")
    assert body["invoice"]["invoice_id"] == invoice_id(1)
    assert answer.headers["content-type"].startswith("application/json")
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-sandbox-request-id"])


async def test_dates_are_plain_days_timestamps_carry_an_offset_without_colon_and_money_is_numeric(
    api: httpx2.AsyncClient,
) -> None:
    invoice = (await api.get(f"/invoices/{invoice_id(2)}")).json()["invoice"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", invoice["date"])
    assert TIMESTAMP.match(invoice["created_time"])
    assert (invoice["total"], invoice["tax_total"], invoice["balance"]) == (55.0, 5.0, 55.0)


async def test_unknown_urls_get_404_and_wrong_methods_405_with_code_5(api: httpx2.AsyncClient) -> None:
    missing = await api.get("/estimates")
    assert (missing.status_code, missing.json()["code"]) == (404, 5)
    wrong = await api.patch(f"/invoices/{invoice_id(1)}", json={})
    assert (wrong.status_code, wrong.json()["code"]) == (405, 5)


async def test_an_unknown_invoice_gets_404_code_1002(api: httpx2.AsyncClient) -> None:
    answer = await api.get("/invoices/123")
    assert (answer.status_code, answer.json()) == (404, {"code": 1002, "message": "Invoice does not exist."})


async def test_a_body_that_is_not_json_gets_code_4(api: httpx2.AsyncClient) -> None:
    answer = await api.put(
        f"/invoices/{invoice_id(1)}/address", content=b"{broken", headers={"content-type": "application/json"}
    )
    assert (answer.status_code, answer.json()["code"]) == (400, 4)


async def test_a_form_body_with_jsonstring_is_read_like_json(api: httpx2.AsyncClient) -> None:
    answer = await api.put(
        f"/invoices/{invoice_id(1)}/address", data={"JSONString": '{"billing_address": {"city": "Oslo"}}'}
    )
    assert answer.json()["invoice_address"]["billing_address"] == {"city": "Oslo"}


async def test_the_tenant_listens_on_loopback_and_stops_cleanly() -> None:
    async with running_sandbox() as zoho:
        assert zoho.accounts_url == f"http://127.0.0.1:{zoho.port}"
        assert zoho.base_url == f"{zoho.accounts_url}/billing/v1"
        async with httpx2.AsyncClient(base_url=zoho.accounts_url) as http:
            assert (await http.get("/_sandbox/counters")).status_code == 200
    async with httpx2.AsyncClient(base_url=zoho.accounts_url) as http:
        with pytest.raises(httpx2.ConnectError):
            await http.get("/_sandbox/counters")


async def test_counters_count_connections_requests_and_routes(
    zoho: RunningZohoSandbox, api: httpx2.AsyncClient
) -> None:
    for _ in range(2):
        await api.get(f"/invoices/{invoice_id(1)}")
    await api.get("/invoices")
    counters = (await api.get(f"{zoho.accounts_url}/_sandbox/counters")).json()
    assert counters["connections_accepted"] == 1  # one keep-alive connection
    assert (counters["token_requests"], counters["requests"], counters["writes_applied"]) == (1, 4, 0)
    assert counters["requests_by_route"] == {
        "GET /billing/v1/invoices": 1,
        "GET /billing/v1/invoices/{invoice_id}": 2,
        "POST /oauth/v2/token": 1,
    }
