"""Retries: backoff and server hints, bounded; writes never repeated when they may have been applied."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx2
import pytest

from zuora_mcp.errors import BillingError, OutcomeUnknown, TransportError
from zuora_mcp.plan import RequestPlan

from .fakes import Harness, ok

pytestmark = pytest.mark.anyio


def scripted(*answers: httpx2.Response | type[httpx2.RequestError]) -> Callable[[httpx2.Request], httpx2.Response]:
    """An API handler that plays ``answers`` in order (an exception class is raised), then answers 200."""
    queue: Iterator[httpx2.Response | type[httpx2.RequestError]] = iter(answers)

    def api(request: httpx2.Request) -> httpx2.Response:
        answer = next(queue, None)
        if answer is None:
            return ok({"success": True, "id": "done"})
        if isinstance(answer, httpx2.Response):
            return answer
        raise answer("simulated", request=request)

    return api


def post(idempotency_key: str | None = None) -> RequestPlan:
    return RequestPlan(
        method="POST",
        path="/v1/invoices/{invoiceKey}/reverse",
        path_params={"invoiceKey": "INV-0001"},
        body={"applyEffectiveDate": "2025-01-31"},
        idempotency_key=idempotency_key,
    )


def put() -> RequestPlan:
    return RequestPlan(
        method="PUT", path="/v1/invoices/{invoiceKey}", path_params={"invoiceKey": "INV-0001"}, body={"dueDate": "x"}
    )


def delete() -> RequestPlan:
    return RequestPlan(method="DELETE", path="/v1/invoices/{invoiceKey}", path_params={"invoiceKey": "INV-0001"})


async def test_429_waits_for_retry_after_seconds(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.Response(429, headers={"Retry-After": "7"})))
    async with h.client() as client:
        response = await client.get("/v1/accounts/A-1")
    assert h.time.sleeps == [7.0]
    assert response.attempts == 2
    assert client.stats.retries == 1


async def test_429_waits_for_retry_after_http_date(harness: Callable[..., Harness]) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    h = harness(scripted(httpx2.Response(429, headers={"Retry-After": when})))
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
    (delay,) = h.time.sleeps
    assert 17 <= delay <= 20


async def test_429_waits_for_ratelimit_reset(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.Response(429, headers={"RateLimit-Limit": "100", "RateLimit-Reset": "12"})))
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
    assert h.time.sleeps == [12.0]


async def test_503_ignores_ratelimit_reset_which_zuora_sends_on_every_answer(harness: Callable[..., Harness]) -> None:
    # RateLimit-Reset says when the rate window resets; waiting for it on a 503 could stall a call for a minute.
    h = harness(scripted(httpx2.Response(503, headers={"RateLimit-Limit": "100", "RateLimit-Reset": "55"})))
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
    (delay,) = h.time.sleeps
    assert delay <= 0.5


async def test_429_without_hints_backs_off_with_full_jitter(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(*[httpx2.Response(429)] * 4), max_retries=4)
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
    assert len(h.time.sleeps) == 4
    for index, delay in enumerate(h.time.sleeps):
        assert 0 <= delay <= min(8.0, 0.5 * 2**index)


async def test_get_is_retried_after_5xx_then_succeeds(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.Response(502), httpx2.Response(503), httpx2.Response(504), httpx2.Response(500)))
    async with h.client() as client:
        response = await client.get("/v1/accounts/A-1")
    assert response.data == {"success": True, "id": "done"}
    assert response.attempts == 5
    assert len(h.fake.api_requests) == 5


async def test_get_is_retried_after_read_timeout_and_connect_error(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.ReadTimeout, httpx2.ConnectError, httpx2.RemoteProtocolError))
    async with h.client() as client:
        response = await client.get("/v1/accounts/A-1")
    assert response.attempts == 4


async def test_retries_are_bounded_by_max_retries(harness: Callable[..., Harness]) -> None:
    h = harness(lambda request: httpx2.Response(503, text="busy"), max_retries=2)
    async with h.client() as client:
        with pytest.raises(BillingError) as caught:
            await client.get("/v1/accounts/A-1")
    assert caught.value.status == 503
    assert len(h.fake.api_requests) == 3
    assert len(h.time.sleeps) == 2


async def test_zero_max_retries_sends_once(harness: Callable[..., Harness]) -> None:
    h = harness(lambda request: httpx2.Response(503), max_retries=0)
    async with h.client() as client:
        with pytest.raises(BillingError):
            await client.get("/v1/accounts/A-1")
    assert len(h.fake.api_requests) == 1
    assert h.time.sleeps == []


async def test_retries_stop_when_the_time_budget_would_be_exceeded(harness: Callable[..., Harness]) -> None:
    h = harness(lambda request: httpx2.Response(429, headers={"Retry-After": "25"}), max_retries=10)
    async with h.client() as client:
        with pytest.raises(BillingError) as caught:
            await client.get("/v1/accounts/A-1")
    # 25 + 25 fits in the 60 s budget, a third wait would not.
    assert h.time.sleeps == [25.0, 25.0]
    assert caught.value.status == 429
    assert caught.value.retry_after == 25.0


async def test_get_that_never_gets_an_answer_raises_transport_error(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(*[httpx2.ReadTimeout] * 3), max_retries=2)
    async with h.client() as client:
        with pytest.raises(TransportError) as caught:
            await client.get("/v1/accounts/A-1")
    assert caught.value.sent is True
    assert len(h.fake.api_requests) == 3


async def test_get_that_never_connects_raises_transport_error_not_sent(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(*[httpx2.ConnectError] * 3), max_retries=2)
    async with h.client() as client:
        with pytest.raises(TransportError) as caught:
            await client.get("/v1/accounts/A-1")
    assert caught.value.sent is False


async def test_put_is_not_retried_after_it_was_sent(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.ReadTimeout))
    async with h.client() as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.send(put())
    assert len(h.fake.api_requests) == 1
    assert client.stats.requests == 1
    assert caught.value.method == "PUT"
    assert caught.value.path == "/v1/invoices/INV-0001"


async def test_put_is_retried_after_a_connect_error(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout))
    async with h.client() as client:
        response = await client.send(put())
    assert response.attempts == 4


async def test_put_is_retried_after_429(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.Response(429, headers={"Retry-After": "1"})))
    async with h.client() as client:
        response = await client.send(put())
    assert response.attempts == 2


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_put_that_may_have_been_processed_raises_outcome_unknown_unretried(
    harness: Callable[..., Harness], status: int
) -> None:
    h = harness(scripted(httpx2.Response(status, headers={"Zuora-Request-Id": "req-9"})))
    async with h.client() as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.send(put())
    assert caught.value.status == status
    assert len(h.fake.api_requests) == 1


async def test_put_503_is_a_refusal_and_not_retried(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.Response(503)))
    async with h.client() as client:
        with pytest.raises(BillingError) as caught:
            await client.send(put())
    assert caught.value.status == 503
    assert len(h.fake.api_requests) == 1


async def test_delete_is_retried_after_a_connect_error_only(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.ConnectError, httpx2.ReadError))
    async with h.client() as client:
        with pytest.raises(OutcomeUnknown):
            await client.send(delete())
    assert len(h.fake.api_requests) == 2


async def test_post_carries_one_idempotency_key_across_retries(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.Response(502), httpx2.ConnectError, httpx2.Response(429), httpx2.Response(503)))
    async with h.client() as client:
        response = await client.send(post())
    keys = [r.headers["Idempotency-Key"] for r in h.fake.api_requests]
    assert len(keys) == 5
    assert len(set(keys)) == 1
    assert response.idempotency_key == keys[0]
    assert len(keys[0]) >= 32


async def test_each_logical_post_gets_its_own_idempotency_key(harness: Callable[..., Harness]) -> None:
    h = harness()
    async with h.client() as client:
        await client.send(post())
        await client.send(post())
    first, second = (r.headers["Idempotency-Key"] for r in h.fake.api_requests)
    assert first != second


async def test_post_uses_the_plans_idempotency_key(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.Response(503)))
    async with h.client() as client:
        response = await client.send(post(idempotency_key="guard-key-123"))
    assert [r.headers["Idempotency-Key"] for r in h.fake.api_requests] == ["guard-key-123", "guard-key-123"]
    assert response.idempotency_key == "guard-key-123"


async def test_patch_carries_an_idempotency_key_and_put_and_get_do_not(harness: Callable[..., Harness]) -> None:
    h = harness()
    patch = RequestPlan(method="PATCH", path="/v1/invoices/{invoiceKey}", path_params={"invoiceKey": "I"}, body={})
    async with h.client() as client:
        await client.send(patch)
        await client.send(put())
        await client.get("/v1/accounts/A-1")
    assert ["Idempotency-Key" in r.headers for r in h.fake.api_requests] == [True, False, False]


async def test_post_read_timeout_raises_outcome_unknown_with_its_key(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.ReadTimeout))
    async with h.client() as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.send(post(idempotency_key="key-77"))
    assert caught.value.idempotency_key == "key-77"
    assert len(h.fake.api_requests) == 1


async def test_post_500_is_not_retried_and_outcome_is_unknown(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.Response(500, json={"success": False, "reasons": []})))
    async with h.client() as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.send(post())
    assert caught.value.status == 500
    assert len(h.fake.api_requests) == 1


async def test_post_final_502_after_retries_is_outcome_unknown(harness: Callable[..., Harness]) -> None:
    h = harness(lambda request: httpx2.Response(502), max_retries=2)
    async with h.client() as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.send(post())
    assert caught.value.status == 502
    assert caught.value.idempotency_key == h.fake.api_requests[0].headers["Idempotency-Key"]
    assert len(h.fake.api_requests) == 3


@pytest.mark.parametrize("status", [429, 503])
async def test_post_final_refusal_before_processing_is_a_zuora_error(
    harness: Callable[..., Harness], status: int
) -> None:
    h = harness(lambda request: httpx2.Response(status), max_retries=1)
    async with h.client() as client:
        with pytest.raises(BillingError) as caught:
            await client.send(post())
    assert caught.value.status == status
    assert len(h.fake.api_requests) == 2


async def test_post_refused_after_an_earlier_gateway_timeout_is_outcome_unknown(
    harness: Callable[..., Harness],
) -> None:
    h = harness(scripted(httpx2.Response(504), httpx2.Response(429)), max_retries=1)
    async with h.client() as client:
        with pytest.raises(OutcomeUnknown):
            await client.send(post())


async def test_post_that_never_connects_raises_transport_error_not_sent(harness: Callable[..., Harness]) -> None:
    h = harness(scripted(httpx2.ConnectError, httpx2.ConnectError), max_retries=1)
    async with h.client() as client:
        with pytest.raises(TransportError) as caught:
            await client.send(post())
    assert caught.value.sent is False
    assert len(h.fake.api_requests) == 2
