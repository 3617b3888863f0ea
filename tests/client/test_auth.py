"""OAuth tokens: fetched once, shared, reused until near expiry, refreshed once on a 401."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qs

import anyio
import httpx2
import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.config import Secret
from zuora_mcp.errors import AuthenticationError, BillingError, ConfigError

from .fakes import SECRET, Harness, ok, token_value

pytestmark = pytest.mark.anyio


def bearer(request: httpx2.Request) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


async def test_hundred_concurrent_callers_cause_exactly_one_token_request(harness: Callable[..., Harness]) -> None:
    h = harness(max_concurrency=100)
    async with h.client() as client:
        with anyio.fail_after(5):
            responses = await asyncio.gather(*(client.get("/v1/accounts/A-1") for _ in range(100)))
    assert len(h.fake.token_requests) == 1
    assert client.stats.token_requests == 1
    assert {bearer(r) for r in h.fake.api_requests} == {token_value(1)}
    assert all(r.status == 200 for r in responses)


async def test_token_request_posts_client_credentials_as_a_form(harness: Callable[..., Harness]) -> None:
    h = harness()
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
    (request,) = h.fake.token_requests
    assert request.method == "POST"
    assert str(request.url) == "https://zuora.test/oauth/token"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "client_id": ["client-id-1"],
        "client_secret": [SECRET],
        "grant_type": ["client_credentials"],
    }


async def test_token_is_reused_until_near_expiry_then_refreshed(harness: Callable[..., Harness]) -> None:
    h = harness()
    h.fake.token_lifetime = 3600  # refresh margin: min(60 s, 10%) = 60 s
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
        h.time.now += 3539
        await client.get("/v1/accounts/A-1")
        assert len(h.fake.token_requests) == 1
        h.time.now += 1
        await client.get("/v1/accounts/A-1")
    assert len(h.fake.token_requests) == 2
    assert [bearer(r) for r in h.fake.api_requests] == [token_value(1), token_value(1), token_value(2)]


async def test_short_lived_token_is_refreshed_ten_percent_before_expiry(harness: Callable[..., Harness]) -> None:
    h = harness()
    h.fake.token_lifetime = 100  # margin 10 s
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
        h.time.now += 89.9
        await client.get("/v1/accounts/A-1")
        h.time.now += 0.1
        await client.get("/v1/accounts/A-1")
    assert len(h.fake.token_requests) == 2


async def test_401_refreshes_the_token_once_and_retries_the_call(harness: Callable[..., Harness]) -> None:
    def api(request: httpx2.Request) -> httpx2.Response:
        if bearer(request) == token_value(1):
            return httpx2.Response(401, json={"message": "Authentication error"})
        return ok({"success": True, "id": "A-1"})

    h = harness(api)
    async with h.client() as client:
        response = await client.get("/v1/accounts/A-1")
    assert response.data == {"success": True, "id": "A-1"}
    assert response.attempts == 2
    assert len(h.fake.token_requests) == 2
    assert [bearer(r) for r in h.fake.api_requests] == [token_value(1), token_value(2)]
    assert client.stats.refreshes == 1
    assert client.stats.retries == 0


async def test_second_401_after_refresh_raises_authentication_error(harness: Callable[..., Harness]) -> None:
    h = harness(lambda request: httpx2.Response(401, json={"message": "Authentication error"}))
    async with h.client() as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get("/v1/accounts/A-1")
    assert caught.value.status == 401
    assert [(r.code, r.message) for r in caught.value.reasons] == [("401", "Authentication error")]
    assert len(h.fake.api_requests) == 2
    assert len(h.fake.token_requests) == 2


async def test_concurrent_401s_cause_one_refresh(harness: Callable[..., Harness]) -> None:
    arrived = 0
    all_arrived = asyncio.Event()
    new_token_used = asyncio.Event()

    async def api(request: httpx2.Request) -> httpx2.Response:
        nonlocal arrived
        if bearer(request) == token_value(1):
            # Hold every first attempt until all 100 are in flight, so the 401s land together...
            arrived += 1
            place = arrived
            if arrived == 100:
                all_arrived.set()
            await all_arrived.wait()
            # ...except that half of them land only after the refreshed token is already in use.
            if place > 50:
                await new_token_used.wait()
            return httpx2.Response(401, json={"message": "Authentication error"})
        new_token_used.set()
        return ok()

    h = harness(api, max_concurrency=100)
    async with h.client() as client:
        with anyio.fail_after(5):
            await asyncio.gather(*(client.get("/v1/accounts/A-1") for _ in range(100)))
    assert len(h.fake.token_requests) == 2
    assert client.stats.refreshes == 1
    assert len(h.fake.api_requests) == 200


async def test_token_endpoint_refusal_raises_authentication_error_with_zuoras_reasons(
    harness: Callable[..., Harness],
) -> None:
    h = harness()
    h.fake.token_answer = lambda request: httpx2.Response(
        401,
        json={"success": False, "reasons": [{"code": 90000011, "message": "invalid client credentials"}]},
        headers={"Zuora-Request-Id": "req-tok-1"},
    )
    async with h.client() as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get("/v1/accounts/A-1")
    error = caught.value
    assert error.status == 401
    assert [(r.code, r.message) for r in error.reasons] == [("90000011", "invalid client credentials")]
    assert error.request_id == "req-tok-1"
    assert error.path == "/oauth/token"
    assert h.fake.api_requests == []


async def test_token_endpoint_400_with_oauth_error_raises_authentication_error(
    harness: Callable[..., Harness],
) -> None:
    h = harness()
    h.fake.token_answer = lambda request: httpx2.Response(
        400, json={"error": "invalid_client", "error_description": "Bad client credentials"}
    )
    async with h.client() as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get("/v1/accounts/A-1")
    assert [(r.code, r.message) for r in caught.value.reasons] == [("invalid_client", "Bad client credentials")]
    assert len(h.fake.token_requests) == 1


async def test_token_response_without_a_token_is_an_authentication_error(harness: Callable[..., Harness]) -> None:
    h = harness()
    h.fake.token_answer = lambda request: httpx2.Response(200, json={"token_type": "bearer"})
    async with h.client() as client:
        with pytest.raises(AuthenticationError):
            await client.get("/v1/accounts/A-1")
    assert h.fake.api_requests == []


async def test_token_endpoint_success_false_keeps_zuoras_reasons(harness: Callable[..., Harness]) -> None:
    h = harness()
    h.fake.token_answer = lambda request: httpx2.Response(
        200, json={"success": False, "reasons": [{"code": 90000011, "message": "tenant locked"}]}
    )
    async with h.client() as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get("/v1/accounts/A-1")
    assert [(r.code, r.message) for r in caught.value.reasons] == [("90000011", "tenant locked")]


async def test_rate_limited_token_endpoint_is_retried(harness: Callable[..., Harness]) -> None:
    answers = iter([httpx2.Response(429, headers={"Retry-After": "2"})])
    h = harness()

    def token_answer(request: httpx2.Request) -> httpx2.Response:
        return next(answers, httpx2.Response(200, json={"access_token": token_value(9), "expires_in": 3600}))

    h.fake.token_answer = token_answer
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
    assert h.time.sleeps == [2.0]
    assert client.stats.token_requests == 2
    assert bearer(h.fake.api_requests[0]) == token_value(9)


async def test_failed_token_fetch_is_shared_then_tried_afresh(harness: Callable[..., Harness]) -> None:
    h = harness(max_concurrency=20)
    h.fake.token_answer = lambda request: httpx2.Response(401, json={"message": "Bad credentials"})
    async with h.client() as client:
        with anyio.fail_after(5):
            results = await asyncio.gather(*(client.get("/v1/accounts/A-1") for _ in range(20)), return_exceptions=True)
        assert all(isinstance(r, AuthenticationError) for r in results)
        assert len(h.fake.token_requests) == 1
        h.fake.token_answer = None
        await client.get("/v1/accounts/A-1")
    assert len(h.fake.token_requests) == 2


async def test_pre_issued_token_is_sent_and_401_fails_without_a_token_request(
    harness: Callable[..., Harness],
) -> None:
    h = harness(
        lambda request: httpx2.Response(401, json={"message": "Authentication error"}),
        client_id=None,
        client_secret=None,
        access_token=Secret("pre-issued-tok-5e5e"),
    )
    async with h.client() as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get("/v1/accounts/A-1")
    assert caught.value.status == 401
    assert h.fake.token_requests == []
    assert [bearer(r) for r in h.fake.api_requests] == ["pre-issued-tok-5e5e"]


async def test_pre_issued_token_serves_calls(harness: Callable[..., Harness]) -> None:
    h = harness(client_id=None, client_secret=None, access_token=Secret("pre-issued-tok-5e5e"))
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
        await client.get("/v1/accounts/A-2")
    assert h.fake.token_requests == []
    assert client.stats.token_requests == 0


async def test_settings_without_credentials_raise_config_error_before_sending(
    harness: Callable[..., Harness],
) -> None:
    h = harness(client_id=None, client_secret=None)
    async with h.client() as client:
        with pytest.raises(ConfigError):
            await client.get("/v1/accounts/A-1")
    assert h.fake.token_requests == []
    assert h.fake.api_requests == []


async def test_token_endpoint_5xx_that_persists_is_a_zuora_error(harness: Callable[..., Harness]) -> None:
    h = harness(max_retries=2)
    h.fake.token_answer = lambda request: httpx2.Response(503, text="Service Unavailable")
    async with h.client() as client:
        with pytest.raises(BillingError) as caught:
            await client.get("/v1/accounts/A-1")
    assert not isinstance(caught.value, AuthenticationError)
    assert caught.value.status == 503
    assert len(h.fake.token_requests) == 3


async def test_client_can_be_closed_without_ever_sending(harness: Callable[..., Harness]) -> None:
    client: BillingClient = harness().client()
    await client.aclose()
