"""``Idempotency-Key`` on POST: one effect per key, 422 for a changed request, 409 while in flight."""

from __future__ import annotations

from typing import Any

import anyio
import httpx2
import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.errors import BillingError
from zuora_mcp.plan import RequestPlan
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

pytestmark = pytest.mark.anyio

CREATE = "/v1/invoices"


def create_plan(key: str, comment: str = "first") -> RequestPlan:
    body: dict[str, Any] = {"accountNumber": "A00000001", "invoiceDate": "2025-06-01", "comments": comment}
    return RequestPlan(method="POST", path=CREATE, body=body, idempotency_key=key)


async def test_same_key_and_request_returns_the_first_answer_without_a_second_invoice(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    first = await client.send(create_plan("key-1"))
    second = await client.send(create_plan("key-1"))
    assert second.data == first.data
    assert second.request_id == first.request_id
    assert len(sandbox.tenant.invoices) == 10
    assert (sandbox.counters.writes_applied, sandbox.counters.idempotent_replays) == (1, 1)


async def test_same_key_with_a_different_body_is_refused(client: BillingClient, sandbox: RunningSandbox) -> None:
    await client.send(create_plan("key-2"))
    with pytest.raises(BillingError) as caught:
        await client.send(create_plan("key-2", comment="changed"))
    assert caught.value.status == 422
    assert len(sandbox.tenant.invoices) == 10


async def test_a_refusal_is_remembered_too(client: BillingClient, sandbox: RunningSandbox) -> None:
    plan = RequestPlan(
        method="POST", path=CREATE, body={"accountNumber": "A404", "invoiceDate": "2025-06-01"}, idempotency_key="key-3"
    )
    for _ in range(2):
        with pytest.raises(BillingError):
            await client.send(plan)
    assert sandbox.counters.idempotent_replays == 1


async def test_keys_are_forgotten_after_24_hours(client: BillingClient, sandbox: RunningSandbox) -> None:
    await client.send(create_plan("key-4"))
    sandbox.tenant.clock.advance(24 * 3600)
    await client.send(create_plan("key-4"))
    assert len(sandbox.tenant.invoices) == 11


async def test_put_is_not_deduplicated(raw: httpx2.AsyncClient, sandbox: RunningSandbox) -> None:
    # Zuora honours keys on POST and PATCH only.
    headers = {"Idempotency-Key": "key-5"}
    await raw.put("/v1/invoices/INV00000003", json={"comments": "a"}, headers=headers)
    await raw.put("/v1/invoices/INV00000003", json={"comments": "a"}, headers=headers)
    assert sandbox.counters.writes_applied == 2


async def test_a_key_in_flight_answers_409(raw: httpx2.AsyncClient, sandbox: RunningSandbox) -> None:
    sandbox.faults.once("delay_before_commit", "POST", CREATE, seconds=0.3)
    body = {"accountNumber": "A00000001", "invoiceDate": "2025-06-01"}
    headers = {"Idempotency-Key": "key-6"}
    statuses: list[int] = []

    async def first() -> None:
        statuses.append((await raw.post(CREATE, json=body, headers=headers)).status_code)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            group.start_soon(first)
            # The key is taken in the same step that counts the request (no latency configured).
            await sandbox.counters.wait_for(lambda c: c.requests_by_route["POST /v1/invoices"] == 1)
            statuses.append((await raw.post(CREATE, json=body, headers=headers)).status_code)
    assert statuses == [409, 200]
    assert len(sandbox.tenant.invoices) == 10


async def test_overlong_key_is_refused(raw: httpx2.AsyncClient) -> None:
    answer = await raw.post(CREATE, json={}, headers={"Idempotency-Key": "k" * 256})
    assert answer.status_code == 400
