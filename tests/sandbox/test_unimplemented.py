"""Real Zuora operations the sandbox lacks fail clearly, in Zuora's dialect, and change nothing."""

from __future__ import annotations

import httpx2
import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.errors import BillingError
from zuora_mcp.plan import RequestPlan
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

pytestmark = pytest.mark.anyio


async def test_a_zuora_read_the_sandbox_lacks_says_not_available(client: BillingClient) -> None:
    with pytest.raises(BillingError) as caught:
        await client.get("/v1/subscriptions/{subscriptionKey}", {"subscriptionKey": "A-S00000001"})
    assert caught.value.status == 200
    assert "not available in the sandbox" in caught.value.reasons[0].message
    assert "GET_Subscription" in caught.value.reasons[0].message or "subscriptions" in caught.value.reasons[0].message
    assert caught.value.request_id


async def test_a_zuora_write_the_sandbox_lacks_is_refused_without_effect(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    plan = RequestPlan(method="POST", path="/v1/payments", body={"accountId": "x", "amount": 1, "type": "External"})
    with pytest.raises(BillingError) as caught:
        await client.send(plan)
    assert "not available in the sandbox" in caught.value.reasons[0].message
    assert sandbox.counters.writes_applied == 0


async def test_an_unknown_path_is_still_a_404_and_needs_no_index(sandbox: RunningSandbox) -> None:
    async with httpx2.AsyncClient(base_url=sandbox.base_url) as http:
        response = await http.get("/v1/no-such-thing/here")
    assert response.status_code == 404


async def test_unimplemented_operations_still_need_a_token(sandbox: RunningSandbox) -> None:
    async with httpx2.AsyncClient(base_url=sandbox.base_url) as http:
        response = await http.get("/v1/subscriptions/A-S00000001")
    assert response.status_code == 401
