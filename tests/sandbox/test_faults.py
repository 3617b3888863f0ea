"""Fault injection: 429 and 5xx, dropped connections and delays around the commit, rates, admin API."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import httpx2
import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.errors import BillingError, OutcomeUnknown, TransportError
from zuora_mcp.plan import RequestPlan
from zuora_mcp.providers.zuora.sandbox import FaultRates, RunningSandbox, SandboxOptions, running_sandbox

from .conftest import Sleeps

pytestmark = pytest.mark.anyio

INVOICE = "/v1/invoices/{invoiceKey}"
REVERSE = RequestPlan(
    method="PUT", path="/v1/invoices/{invoiceKey}/reverse", path_params={"invoiceKey": "INV00000001"}, body={}
)


def create(key: str) -> RequestPlan:
    return RequestPlan(
        method="POST",
        path="/v1/invoices",
        idempotency_key=key,
        body={"accountNumber": "A00000001", "invoiceDate": "2025-06-01"},
    )


async def test_429_carries_retry_after_and_changes_nothing(client: BillingClient, sandbox: RunningSandbox) -> None:
    sandbox.faults.once("429", "PUT", "/v1/invoices/*/reverse", seconds=7)
    with pytest.raises(BillingError) as caught:
        await client.send(REVERSE)
    assert (caught.value.status, caught.value.retry_after) == (429, 7)
    assert sandbox.tenant.invoice("INV00000001").balance == 165


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_faults_answer_that_status(client: BillingClient, sandbox: RunningSandbox, status: int) -> None:
    sandbox.faults.once(str(status), "GET")  # type: ignore[arg-type]
    with pytest.raises(BillingError) as caught:
        await client.get(INVOICE, {"invoiceKey": "INV00000001"})
    assert caught.value.status == status
    assert sandbox.counters.faults_injected == 1


async def test_client_retries_through_one_shot_faults(
    sandbox: RunningSandbox, make_client: Callable[..., BillingClient], sleeps: Sleeps
) -> None:
    sandbox.faults.once("503", "GET", "/v1/invoices/*", count=2, seconds=1)
    async with make_client(max_retries=3) as client:
        answer = await client.get(INVOICE, {"invoiceKey": "INV00000001"})
    assert answer.attempts == 3
    assert sleeps.calls == [1.0, 1.0]


async def test_drop_before_commit_applies_nothing(client: BillingClient, sandbox: RunningSandbox) -> None:
    sandbox.faults.once("drop_before_commit", "PUT")
    with pytest.raises((OutcomeUnknown, TransportError)):
        await client.send(REVERSE)
    assert sandbox.tenant.invoice("INV00000001").balance == 165
    assert sandbox.counters.writes_applied == 0


async def test_drop_after_commit_applies_the_write_but_loses_the_answer(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    sandbox.faults.once("drop_after_commit", "PUT")
    with pytest.raises(OutcomeUnknown):
        await client.send(REVERSE)
    assert sandbox.tenant.invoice("INV00000001").balance == 0
    assert sandbox.counters.writes_applied == 1


async def test_resending_a_dropped_post_with_its_key_returns_the_first_result(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    sandbox.faults.once("drop_after_commit", "POST", "/v1/invoices")
    with pytest.raises(OutcomeUnknown):
        await client.send(create("resend-1"))
    answer = await client.send(create("resend-1"))
    assert answer.data["invoiceNumber"] == "INV00000010"
    assert len(sandbox.tenant.invoices) == 10
    assert sandbox.counters.writes_applied == 1


@pytest.mark.parametrize(("fault", "applied"), [("delay_after_commit", True), ("delay_before_commit", False)])
async def test_read_timeout_lands_before_or_after_the_commit(
    sandbox: RunningSandbox, make_client: Callable[..., BillingClient], fault: str, applied: bool
) -> None:
    sandbox.faults.once(fault, "PUT", seconds=0.4)  # type: ignore[arg-type]
    async with make_client(timeout_seconds=0.1) as client:
        with pytest.raises(OutcomeUnknown):
            await client.send(REVERSE)
        # At the client's timeout the write is applied only when the delay came after the commit.
        assert (sandbox.tenant.invoice("INV00000001").balance == 0) is applied
        with anyio.fail_after(5):
            await sandbox.counters.wait_for(lambda c: c.writes_applied == 1)
    assert sandbox.tenant.invoice("INV00000001").balance == 0


async def test_latency_is_added(client: BillingClient, sandbox: RunningSandbox) -> None:
    sandbox.faults.once("latency", "GET", seconds=0.2)
    began = anyio.current_time()
    await client.get(INVOICE, {"invoiceKey": "INV00000001"})
    assert anyio.current_time() - began >= 0.2


async def test_one_shot_rules_hit_only_matching_requests(client: BillingClient, sandbox: RunningSandbox) -> None:
    sandbox.faults.once("500", "GET", "/v1/invoices/INV00000002")
    await client.get(INVOICE, {"invoiceKey": "INV00000001"})
    with pytest.raises(BillingError):
        await client.get(INVOICE, {"invoiceKey": "INV00000002"})
    await client.get(INVOICE, {"invoiceKey": "INV00000002"})
    assert sandbox.faults.rules == []


async def test_seeded_rates_repeat_exactly() -> None:
    async def run_once() -> list[int]:
        options = SandboxOptions(fault_rates=FaultRates(rate_429=0.2, rate_5xx=0.2, seed=7))
        async with running_sandbox(options) as sandbox, httpx2.AsyncClient(base_url=sandbox.base_url) as http:
            return [(await http.get("/v1/invoices/INV00000001")).status_code for _ in range(30)]

    first, second = await run_once(), await run_once()
    assert first == second
    assert {429, 401} <= set(first)
    assert any(status >= 500 for status in first)


async def test_admin_api_configures_faults_and_reports_counters(
    sandbox: RunningSandbox, raw: httpx2.AsyncClient
) -> None:
    rule = {"fault": "503", "method": "GET", "path": "/v1/invoices/*", "count": 1}
    assert (await raw.post("/_sandbox/faults", json=rule)).json()["rules"][0]["fault"] == "503"
    assert (await raw.get("/v1/invoices/INV00000001")).status_code == 503
    assert (await raw.get("/v1/invoices/INV00000001")).status_code == 200
    counters = (await raw.get("/_sandbox/counters")).json()
    assert counters["requests_by_route"]["GET /v1/invoices/{invoiceKey}"] == 2
    assert counters["faults_injected"] == 1
    bad = await raw.post("/_sandbox/faults", json={"fault": "explode"})
    assert bad.status_code == 400
    await raw.post("/_sandbox/faults", json={"token_expires_in": 60})
    assert sandbox.faults.token_expires_in == 60


async def test_admin_reset_restores_the_seed(sandbox: RunningSandbox, raw: httpx2.AsyncClient) -> None:
    await raw.put("/v1/invoices/INV00000001/reverse", json={})
    assert sandbox.tenant.invoice("INV00000001").balance == 0
    assert (await raw.post("/_sandbox/reset")).status_code == 200
    assert sandbox.tenant.invoice("INV00000001").balance == 165
    assert sandbox.counters.writes_applied == 0


async def test_admin_expire_tokens_forces_401(raw: httpx2.AsyncClient) -> None:
    await raw.post("/_sandbox/expire-tokens")
    assert (await raw.get("/v1/invoices/INV00000001")).status_code == 401
