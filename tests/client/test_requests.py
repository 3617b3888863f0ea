"""What goes on the wire: URLs, headers, bodies, the concurrency limit, and no secret anywhere."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
from collections.abc import Callable

import anyio
import httpx2
import pytest

from zuora_mcp import __version__
from zuora_mcp.client import BillingClient, new_track_id
from zuora_mcp.config import Secret
from zuora_mcp.errors import InvalidPathValue, ZuoraMCPError
from zuora_mcp.plan import RequestPlan

from .fakes import SECRET, Harness, ok, token_value

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("value", ["INV 1", "../x", "..", "INV%2F", "INV／1", "INV/1", "INV?x", "", "INV\u200b1"])
async def test_unsafe_path_values_are_refused_before_anything_is_sent(
    harness: Callable[..., Harness], value: str
) -> None:
    h = harness()
    async with h.client() as client:
        with pytest.raises(InvalidPathValue):
            await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": value})
        with pytest.raises(InvalidPathValue):
            await client.send(
                RequestPlan(method="POST", path="/v1/invoices/{invoiceKey}/reverse", path_params={"invoiceKey": value})
            )
    assert h.fake.token_requests == []
    assert h.fake.api_requests == []
    assert client.stats.requests == 0


async def test_path_value_is_encoded_into_its_segment(harness: Callable[..., Harness]) -> None:
    h = harness()
    async with h.client() as client:
        await client.get("/v1/invoices/{invoiceKey}/items", {"invoiceKey": "INV-0001"}, {"page": 2, "pageSize": 40})
        await client.get("/v1/accounts/{accountKey}", {"accountKey": "Café:1"})
    first, second = h.fake.api_requests
    assert first.url.raw_path == b"/v1/invoices/INV-0001/items?page=2&pageSize=40"
    assert str(first.url).startswith("https://zuora.test/v1/")
    assert second.url.raw_path == b"/v1/accounts/Caf%C3%A9%3A1"


async def test_every_api_call_carries_zuoras_headers(harness: Callable[..., Harness]) -> None:
    h = harness(entity_ids=("ent-1", "ent-2"), org_ids=("org-9",), zuora_version="341.0")
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
    (request,) = h.fake.api_requests
    assert request.headers["Authorization"] == f"Bearer {token_value(1)}"
    assert request.headers["Zuora-Entity-Ids"] == "ent-1,ent-2"
    assert request.headers["Zuora-Org-Ids"] == "org-9"
    assert request.headers["Zuora-Version"] == "341.0"
    assert request.headers["Accept-Encoding"] == "gzip"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == f"zuora-mcp/{__version__}"
    assert request.headers["Zuora-Track-Id"].startswith("zmcp-")
    assert "Content-Type" not in request.headers


async def test_entity_and_org_headers_are_absent_when_not_set(harness: Callable[..., Harness]) -> None:
    h = harness()
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
    (request,) = h.fake.api_requests
    assert "Zuora-Entity-Ids" not in request.headers
    assert "Zuora-Org-Ids" not in request.headers


async def test_body_is_sent_as_json(harness: Callable[..., Harness]) -> None:
    h = harness()
    plan = RequestPlan(
        method="POST",
        path="/v1/invoices/{invoiceKey}/write-off",
        path_params={"invoiceKey": "INV-0001"},
        body={"comment": "bad debt – Müller", "amount": 10.5},
    )
    async with h.client() as client:
        await client.send(plan)
    (request,) = h.fake.api_requests
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"comment": "bad debt – Müller", "amount": 10.5}


async def test_track_id_is_stable_across_retries_and_returned(harness: Callable[..., Harness]) -> None:
    answers = iter([httpx2.Response(503), httpx2.Response(429)])
    h = harness(lambda request: next(answers, ok()))
    async with h.client() as client:
        response = await client.get("/v1/accounts/A-1")
    track_ids = {r.headers["Zuora-Track-Id"] for r in h.fake.api_requests}
    assert len(h.fake.api_requests) == 3
    assert track_ids == {response.track_id}


async def test_callers_track_id_is_sent_and_each_call_gets_its_own_otherwise(harness: Callable[..., Harness]) -> None:
    h = harness()
    async with h.client() as client:
        mine = await client.get("/v1/accounts/A-1", track_id="chat-42")
        a = await client.get("/v1/accounts/A-1")
        b = await client.get("/v1/accounts/A-1")
    assert mine.track_id == "chat-42"
    assert h.fake.api_requests[0].headers["Zuora-Track-Id"] == "chat-42"
    assert a.track_id != b.track_id


async def test_track_id_fits_zuoras_limit() -> None:
    track_id = new_track_id()
    assert len(track_id) <= 64
    assert track_id.startswith("zmcp-")
    assert new_track_id() != track_id


async def test_overlong_track_id_is_refused(harness: Callable[..., Harness]) -> None:
    h = harness()
    async with h.client() as client:
        with pytest.raises(ValueError, match="track_id"):
            await client.get("/v1/accounts/A-1", track_id="x" * 65)
    assert h.fake.api_requests == []


async def test_gzip_responses_are_decoded(harness: Callable[..., Harness]) -> None:
    payload = gzip.compress(json.dumps({"success": True, "invoices": [{"id": "i1"}] * 50}).encode())
    h = harness(
        lambda request: httpx2.Response(
            200, content=payload, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
        )
    )
    async with h.client() as client:
        response = await client.get("/v1/invoices")
    assert response.data["invoices"][0] == {"id": "i1"}


async def test_never_more_requests_in_flight_than_max_concurrency(harness: Callable[..., Harness]) -> None:
    in_flight = 0
    peak = 0

    async def api(request: httpx2.Request) -> httpx2.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        # Yield several times so every other caller gets the chance to pile in.
        for _ in range(10):
            await asyncio.sleep(0)
        in_flight -= 1
        return ok()

    h = harness(api, max_concurrency=3)
    async with h.client() as client:
        with anyio.fail_after(5):
            await asyncio.gather(*(client.get("/v1/accounts/A-1") for _ in range(30)))
    assert peak == 3
    assert client.stats.requests == 30


async def test_backoff_waits_do_not_hold_a_concurrency_slot(harness: Callable[..., Harness]) -> None:
    gate = asyncio.Event()
    first = True

    def api(request: httpx2.Request) -> httpx2.Response:
        nonlocal first
        if first:
            first = False
            return httpx2.Response(503)
        return ok()

    h = harness(api, max_concurrency=1)

    waiting = asyncio.Event()

    async def slow_sleep(seconds: float) -> None:
        h.time.sleeps.append(seconds)
        waiting.set()
        await gate.wait()

    client = BillingClient(h.settings, transport=httpx2.MockTransport(h.fake), sleep=slow_sleep, clock=h.time.clock)
    async with client:
        with anyio.fail_after(5):
            retrying = asyncio.ensure_future(client.get("/v1/accounts/A-1"))
            await waiting.wait()
            # The first call is waiting out its backoff; a second call still gets through.
            await client.get("/v1/accounts/A-2")
            gate.set()
            await retrying
    assert len(h.fake.api_requests) == 3


async def test_repr_of_client_shows_the_base_url_only(harness: Callable[..., Harness]) -> None:
    h = harness()
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
        text = repr(client)
    assert text == "BillingClient(base_url='https://zuora.test')"


async def test_secret_and_tokens_never_appear_in_logs_errors_or_reprs(
    harness: Callable[..., Harness], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    answers = iter(
        [
            httpx2.Response(401, json={"message": f"token {token_value(1)} expired"}),
            httpx2.Response(503),
            httpx2.Response(404, json={"success": False, "reasons": [{"code": 1, "message": f"echo {SECRET}"}]}),
            httpx2.Response(502),
        ]
    )

    def api(request: httpx2.Request) -> httpx2.Response:
        answer = next(answers, None)
        if answer is None:
            raise httpx2.ReadTimeout(f"timed out with {request.headers['Authorization']}", request=request)
        return answer

    h = harness(api, max_retries=0)
    async with h.client() as client:
        for plan in (
            RequestPlan(method="GET", path="/v1/accounts/A-1"),
            RequestPlan(method="GET", path="/v1/accounts/A-1"),
            RequestPlan(method="POST", path="/v1/invoices/I-1/reverse", body={}),
            RequestPlan(method="PUT", path="/v1/invoices/I-1", body={}),
        ):
            try:
                response = await client.send(plan)
                seen.append(repr(response))
            except ZuoraMCPError as exc:
                seen.extend([str(exc), repr(exc)])
        seen.extend([repr(client), repr(client.stats), caplog.text])

    h.fake.token_answer = lambda request: httpx2.Response(401, json={"message": f"bad secret {SECRET}"})
    async with h.client() as client:
        try:
            await client.get("/v1/accounts/A-1")
        except ZuoraMCPError as exc:
            seen.extend([str(exc), repr(exc)])
    seen.append(caplog.text)

    assert h.fake.token_requests, "the scenario must have fetched tokens"
    issued = {token_value(n) for n in range(1, len(h.fake.token_requests) + 1)}
    everything = "\n".join(seen)
    assert "Zuora refused" in everything
    assert SECRET not in everything
    for token in issued:
        assert token not in everything


async def test_pre_issued_token_never_appears_in_errors(harness: Callable[..., Harness]) -> None:
    h = harness(
        lambda request: httpx2.Response(401, json={"message": "bad token pre-issued-tok-5e5e"}),
        client_id=None,
        client_secret=None,
        access_token=Secret("pre-issued-tok-5e5e"),
    )
    async with h.client() as client:
        with pytest.raises(ZuoraMCPError) as caught:
            await client.get("/v1/accounts/A-1")
    assert "pre-issued-tok-5e5e" not in str(caught.value)
    assert "pre-issued-tok-5e5e" not in repr(caught.value)


async def test_requests_carry_explicit_timeouts(harness: Callable[..., Harness]) -> None:
    h = harness(timeout_seconds=12.5)
    async with h.client() as client:
        await client.get("/v1/accounts/A-1")
    (request,) = h.fake.api_requests
    assert request.extensions["timeout"] == {"connect": 10.0, "read": 12.5, "write": 12.5, "pool": 12.5}


async def test_each_attempt_is_logged_with_template_status_ids_and_attempt(
    harness: Callable[..., Harness], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="zuora_mcp.client")
    answers = iter([httpx2.Response(503, headers={"Zuora-Request-Id": "req-a"})])
    h = harness(lambda request: next(answers, ok(headers={"Zuora-Request-Id": "req-b"})))
    async with h.client() as client:
        response = await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV-0001"}, track_id="trk-1")
    lines = [r.getMessage() for r in caplog.records if r.name == "zuora_mcp.client"]
    attempts = [line for line in lines if line.startswith("GET /v1/invoices/{invoiceKey} ->")]
    assert len(attempts) == 2
    assert "-> 503" in attempts[0]
    assert "attempt 1" in attempts[0]
    assert "req-a" in attempts[0]
    assert "-> 200" in attempts[1]
    assert "attempt 2" in attempts[1]
    assert "req-b" in attempts[1]
    assert all("trk-1" in line for line in attempts)
    assert all(" ms " in line for line in attempts)
    assert response.request_id == "req-b"
