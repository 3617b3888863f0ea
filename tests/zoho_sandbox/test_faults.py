"""Fault injection: Zoho's 429s, 5xx, the 200 that says failure, drops and delays around the commit,
latency, seeded rates; the admin API."""

from __future__ import annotations

import anyio
import httpx2
import pytest

from zuora_mcp.providers.zoho.sandbox import (
    FaultRates,
    RunningZohoSandbox,
    ZohoSandboxOptions,
    invoice_id,
    running_sandbox,
)
from zuora_mcp.providers.zoho.sandbox.demo_data import CARD_4242

from .conftest import CLOCK_START, grant, snapshot

pytestmark = pytest.mark.anyio

COLLECT = f"/invoices/{invoice_id(1)}/collect"
COLLECT_GLOB = "/billing/v1/invoices/*/collect"
CARD = {"card_id": CARD_4242}


@pytest.mark.parametrize(
    ("fault", "code", "retry_after"),
    [("429", 44, "7"), ("429_daily", 45, None), ("429_concurrency", 1070, "7")],
)
async def test_429s_carry_zohos_codes_and_change_nothing(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, fault: str, code: int, retry_after: str | None
) -> None:
    before = snapshot(zoho)
    zoho.faults.once(fault, "POST", COLLECT_GLOB, seconds=7)  # type: ignore[arg-type]
    answer = await api.post(COLLECT, json=CARD)
    assert (answer.status_code, answer.json()["code"]) == (429, code)
    assert answer.headers.get("retry-after") == retry_after
    assert snapshot(zoho) == before
    assert (zoho.counters.faults_injected, zoho.tenant.charges) == (1, [])


async def test_500_is_zohos_internal_error_and_502_503_are_html_from_the_front(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox
) -> None:
    for fault in ("500", "502", "503"):
        zoho.faults.once(fault, "GET")  # type: ignore[arg-type]
    internal = await api.get(f"/invoices/{invoice_id(1)}")
    assert (internal.status_code, internal.json()["code"]) == (500, 1000)
    for status in (502, 503):
        answer = await api.get(f"/invoices/{invoice_id(1)}")
        assert answer.status_code == status
        assert answer.headers["content-type"].startswith("text/html")


async def test_code_nonzero_200_says_failure_with_http_200_and_changes_nothing(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox
) -> None:
    before = snapshot(zoho)
    zoho.faults.once("code_nonzero_200", "POST", COLLECT_GLOB)
    answer = await api.post(COLLECT, json=CARD)
    assert answer.status_code == 200
    assert answer.json()["code"] != 0
    assert "payment" not in answer.json()
    assert snapshot(zoho) == before


async def test_drop_before_commit_charges_nothing(api: httpx2.AsyncClient, zoho: RunningZohoSandbox) -> None:
    zoho.faults.once("drop_before_commit", "POST", COLLECT_GLOB)
    with pytest.raises(httpx2.TransportError):
        await api.post(COLLECT, json=CARD)
    assert (zoho.counters.writes_applied, zoho.counters.charges, zoho.tenant.charges) == (0, 0, [])
    assert zoho.tenant.invoices[invoice_id(1)].balance == 240.0


async def test_drop_after_commit_charges_the_card_but_loses_the_answer(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox
) -> None:
    zoho.faults.once("drop_after_commit", "POST", COLLECT_GLOB)
    with pytest.raises(httpx2.TransportError):
        await api.post(COLLECT, json=CARD)
    assert (zoho.counters.writes_applied, zoho.counters.charges) == (1, 1)
    assert zoho.tenant.invoices[invoice_id(1)].balance == 0.0
    # Zoho takes no request key: a blind retry is refused only because the invoice is now paid.
    again = await api.post(COLLECT, json=CARD)
    assert again.json()["code"] == 990001
    assert len(zoho.tenant.charges) == 1


@pytest.mark.parametrize(("fault", "applied"), [("delay_after_commit", True), ("delay_before_commit", False)])
async def test_a_read_timeout_lands_before_or_after_the_commit(
    zoho: RunningZohoSandbox, api: httpx2.AsyncClient, fault: str, applied: bool
) -> None:
    zoho.faults.once(fault, "POST", COLLECT_GLOB, seconds=0.4)  # type: ignore[arg-type]
    with pytest.raises(httpx2.ReadTimeout):
        await api.post(COLLECT, json=CARD, timeout=0.1)
    assert (zoho.counters.charges == 1) is applied
    with anyio.fail_after(5):
        await zoho.counters.wait_for(lambda c: c.writes_applied == 1)
    assert zoho.tenant.invoices[invoice_id(1)].balance == 0.0


async def test_latency_is_added(zoho: RunningZohoSandbox, api: httpx2.AsyncClient) -> None:
    zoho.faults.once("latency", "GET", seconds=0.2)
    began = anyio.current_time()
    await api.get(f"/invoices/{invoice_id(1)}")
    assert anyio.current_time() - began >= 0.2


async def test_the_token_endpoint_can_be_faulted_too(zoho: RunningZohoSandbox, bare: httpx2.AsyncClient) -> None:
    zoho.faults.once("503", "POST", "/oauth/v2/token")
    assert (await bare.post("/oauth/v2/token")).status_code == 503


async def test_seeded_rates_repeat_exactly() -> None:
    async def run_once() -> list[int]:
        options = ZohoSandboxOptions(
            fault_rates=FaultRates(rate_429=0.2, rate_5xx=0.2, seed=7), clock_start=CLOCK_START
        )
        async with running_sandbox(options) as zoho, httpx2.AsyncClient(base_url=zoho.base_url) as http:
            return [(await http.get("/invoices")).status_code for _ in range(30)]

    first, second = await run_once(), await run_once()
    assert first == second
    assert {429, 401} <= set(first)
    assert any(status >= 500 for status in first)


async def test_unknown_fault_names_are_refused(zoho: RunningZohoSandbox) -> None:
    with pytest.raises(ValueError, match="fault must be one of"):
        zoho.faults.once("explode")  # type: ignore[arg-type]


async def test_admin_api_configures_faults_and_reports_counters(
    zoho: RunningZohoSandbox, api: httpx2.AsyncClient
) -> None:
    admin = zoho.accounts_url + "/_sandbox"
    rule = {"fault": "503", "method": "GET", "path": "/billing/v1/invoices/*", "count": 1}
    assert (await api.post(f"{admin}/faults", json=rule)).json()["rules"][0]["fault"] == "503"
    assert (await api.get(f"/invoices/{invoice_id(1)}")).status_code == 503
    assert (await api.get(f"/invoices/{invoice_id(1)}")).status_code == 200
    counters = (await api.get(f"{admin}/counters")).json()
    assert (counters["faults_injected"], counters["requests_by_route"]["GET /billing/v1/invoices/{invoice_id}"]) == (
        1,
        2,
    )
    assert (await api.post(f"{admin}/faults", json={"fault": "explode"})).status_code == 400
    await api.post(f"{admin}/faults", json={"token_expires_in": 60, "rates": {"latency": 0.0}})
    assert zoho.faults.token_expires_in == 60
    assert (await api.post(f"{zoho.accounts_url}/oauth/v2/token", params=grant(zoho))).json()["expires_in"] == 60
    assert (await api.delete(f"{admin}/faults")).json()["rules"] == []
    assert (await api.get(f"{admin}/nothing")).status_code == 404


async def test_admin_reset_restores_the_seed_and_clears_outbox_ledger_and_counters(
    zoho: RunningZohoSandbox, api: httpx2.AsyncClient
) -> None:
    before = snapshot(zoho)
    await api.post(COLLECT, json=CARD)
    assert len((await api.get(f"{zoho.accounts_url}/_sandbox/charges")).json()["charges"]) == 1
    assert (await api.post(f"{zoho.accounts_url}/_sandbox/reset")).json() == {"reset": True}
    assert snapshot(zoho) == before
    assert (zoho.tenant.charges, zoho.counters.writes_applied) == ([], 0)
    assert (await api.get(f"/invoices/{invoice_id(1)}")).status_code == 401  # tokens were cleared too


async def test_the_admin_clock_makes_a_sent_invoice_overdue(zoho: RunningZohoSandbox, api: httpx2.AsyncClient) -> None:
    answer = await api.post(f"{zoho.accounts_url}/_sandbox/clock", json={"advance": 26 * 86400})
    assert answer.json()["today"] == "2025-06-27"
    assert zoho.tenant.invoices[invoice_id(1)].status(zoho.tenant.today()) == "overdue"
