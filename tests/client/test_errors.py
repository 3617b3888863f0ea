"""Every way Zuora says no becomes one BillingError carrying Zuora's reasons and ids."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest

from zuora_mcp.errors import BillingError

from .fakes import Harness

pytestmark = pytest.mark.anyio


async def refusal(harness: Callable[..., Harness], response: httpx2.Response, **overrides: object) -> BillingError:
    h = harness(lambda request: response, **overrides)
    async with h.client() as client:
        with pytest.raises(BillingError) as caught:
            await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV-0001"}, track_id="track-abc")
    return caught.value


async def test_success_false_at_http_200_is_a_zuora_error(harness: Callable[..., Harness]) -> None:
    error = await refusal(
        harness,
        httpx2.Response(
            200,
            json={
                "success": False,
                "processId": "3F7EA3FD706C7E7C",
                "reasons": [{"code": 50000040, "message": "Cannot find entity by key: 'INV-0001'."}],
            },
            headers={"Zuora-Request-Id": "req-200-1"},
        ),
    )
    assert error.status == 200
    assert [(r.code, r.message) for r in error.reasons] == [("50000040", "Cannot find entity by key: 'INV-0001'.")]
    assert error.process_id == "3F7EA3FD706C7E7C"
    assert error.request_id == "req-200-1"
    assert error.track_id == "track-abc"
    assert error.method == "GET"
    assert error.path == "/v1/invoices/INV-0001"


async def test_404_with_reasons_is_a_zuora_error_without_retry(harness: Callable[..., Harness]) -> None:
    h = harness(
        lambda request: httpx2.Response(
            404,
            json={"success": False, "processId": "P1", "reasons": [{"code": "50000060", "message": "not found"}]},
            headers={"Zuora-Request-Id": "req-404"},
        )
    )
    async with h.client() as client:
        with pytest.raises(BillingError) as caught:
            await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV-0001"})
    assert caught.value.status == 404
    assert [(r.code, r.message) for r in caught.value.reasons] == [("50000060", "not found")]
    assert caught.value.process_id == "P1"
    assert caught.value.request_id == "req-404"
    assert len(h.fake.api_requests) == 1


async def test_500_on_a_read_is_a_zuora_error_after_retries(harness: Callable[..., Harness]) -> None:
    error = await refusal(
        harness,
        httpx2.Response(500, json={"success": False, "reasons": [{"code": 50000099, "message": "internal error"}]}),
        max_retries=1,
    )
    assert error.status == 500
    assert [(r.code, r.message) for r in error.reasons] == [("50000099", "internal error")]


async def test_capitalised_errors_shape_is_parsed(harness: Callable[..., Harness]) -> None:
    error = await refusal(
        harness,
        httpx2.Response(400, json={"Success": False, "Errors": [{"Code": "INVALID_VALUE", "Message": "invalid date"}]}),
    )
    assert [(r.code, r.message) for r in error.reasons] == [("INVALID_VALUE", "invalid date")]


async def test_capitalised_success_false_at_200_is_a_zuora_error(harness: Callable[..., Harness]) -> None:
    error = await refusal(
        harness, httpx2.Response(200, json={"Success": False, "Errors": [{"Code": "LOCK", "Message": "busy"}]})
    )
    assert error.status == 200
    assert [(r.code, r.message) for r in error.reasons] == [("LOCK", "busy")]


async def test_gateway_message_shape_is_parsed(harness: Callable[..., Harness]) -> None:
    error = await refusal(harness, httpx2.Response(403, json={"message": "Forbidden for this tenant"}))
    assert [(r.code, r.message) for r in error.reasons] == [("403", "Forbidden for this tenant")]


async def test_non_json_error_body_gets_a_reason_from_the_status_line(harness: Callable[..., Harness]) -> None:
    error = await refusal(harness, httpx2.Response(400, text="<html>Bad Request</html>"))
    assert [(r.code, r.message) for r in error.reasons] == [("400", "HTTP 400 Bad Request")]


async def test_several_reasons_are_kept_in_order(harness: Callable[..., Harness]) -> None:
    error = await refusal(
        harness,
        httpx2.Response(
            400,
            json={
                "success": False,
                "reasons": [{"code": 1, "message": "first"}, {"code": 2, "message": "second"}],
            },
        ),
    )
    assert [r.code for r in error.reasons] == ["1", "2"]
    assert "first" in str(error)
    assert "second" in str(error)


async def test_final_429_carries_the_servers_retry_after(harness: Callable[..., Harness]) -> None:
    error = await refusal(harness, httpx2.Response(429, headers={"Retry-After": "3"}), max_retries=0)
    assert error.status == 429
    assert error.retry_after == 3.0


async def test_success_true_is_returned_with_request_id(harness: Callable[..., Harness]) -> None:
    h = harness(
        lambda request: httpx2.Response(
            200, json={"success": True, "id": "8a8"}, headers={"Zuora-Request-Id": "req-ok", "Set-Cookie": "z=1"}
        )
    )
    async with h.client() as client:
        response = await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV-0001"})
    assert response.status == 200
    assert response.data == {"success": True, "id": "8a8"}
    assert response.text is None
    assert response.request_id == "req-ok"
    assert response.headers["zuora-request-id"] == "req-ok"
    assert "set-cookie" not in response.headers
    assert response.attempts == 1
    assert response.idempotency_key is None


async def test_non_json_success_body_comes_back_as_truncated_text(harness: Callable[..., Harness]) -> None:
    h = harness(lambda request: httpx2.Response(200, text="%PDF-" + "x" * 100_000))
    async with h.client() as client:
        response = await client.get("/v1/files/{fileId}", {"fileId": "f1"})
    assert response.data is None
    assert response.text is not None
    assert response.text.startswith("%PDF-")
    assert len(response.text) == 64 * 1024


async def test_empty_success_body_has_no_data(harness: Callable[..., Harness]) -> None:
    h = harness(lambda request: httpx2.Response(204))
    async with h.client() as client:
        response = await client.get("/v1/accounts/A-1")
    assert response.status == 204
    assert response.data is None
    assert response.text is None
