"""Zuora's dialect: the token endpoint, 401s, error bodies, headers and strict request checks."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx2
import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.errors import AuthenticationError, BillingError
from zuora_mcp.plan import RequestPlan
from zuora_mcp.providers.zuora.sandbox import DEFAULT_CLIENT_ID, RunningSandbox, SandboxOptions, running_sandbox

pytestmark = pytest.mark.anyio


def form(sandbox: RunningSandbox, **overrides: str) -> dict[str, str]:
    return {
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "grant_type": "client_credentials",
        **overrides,
    }


async def test_token_endpoint_issues_an_expiring_bearer_token(sandbox: RunningSandbox) -> None:
    async with httpx2.AsyncClient(base_url=sandbox.base_url) as http:
        answer = await http.post("/oauth/token", data=form(sandbox))
    assert answer.status_code == 200
    token = answer.json()
    assert (token["token_type"], token["expires_in"]) == ("bearer", 3600)
    assert re.fullmatch(r"[0-9a-f]{32}", token["access_token"])
    assert sandbox.counters.token_requests == 1


@pytest.mark.parametrize("field", ["client_id", "client_secret"])
async def test_token_endpoint_refuses_other_credentials(sandbox: RunningSandbox, field: str) -> None:
    async with httpx2.AsyncClient(base_url=sandbox.base_url) as http:
        answer = await http.post("/oauth/token", data=form(sandbox, **{field: "wrong"}))
    assert answer.status_code == 401
    body = answer.json()
    assert body["success"] is False
    assert body["reasons"][0]["code"] == 90000011
    assert "wrong" not in answer.text


async def test_client_reports_refused_credentials(
    sandbox: RunningSandbox, make_client: Callable[..., BillingClient]
) -> None:
    from zuora_mcp.config import Secret

    async with make_client(client_secret=Secret("not-it")) as client:
        with pytest.raises(AuthenticationError):
            await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV00000001"})


async def test_credentials_come_from_options_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZUORA_CLIENT_ID", "from-env")
    monkeypatch.delenv("ZUORA_CLIENT_SECRET", raising=False)
    assert SandboxOptions().credentials() == ("from-env", "sandbox-client-secret")
    assert SandboxOptions(client_id="given", client_secret="s").credentials() == ("given", "s")
    monkeypatch.delenv("ZUORA_CLIENT_ID")
    assert SandboxOptions().credentials()[0] == DEFAULT_CLIENT_ID


async def test_request_without_token_gets_zuoras_401(sandbox: RunningSandbox) -> None:
    async with httpx2.AsyncClient(base_url=sandbox.base_url) as http:
        answer = await http.get("/v1/invoices/INV00000001", headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401
    assert answer.json()["reasons"][0] == {"code": 90000011, "message": "Authentication error"}
    assert sandbox.counters.writes_applied == 0


async def test_expired_token_is_refused_and_the_client_refreshes_once(
    sandbox: RunningSandbox, client: BillingClient
) -> None:
    await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV00000001"})
    sandbox.tenant.clock.advance(3601)  # past expires_in on the sandbox clock; the client has not noticed
    await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV00000001"})
    assert sandbox.counters.token_requests == 2


async def test_token_lifetime_is_configurable() -> None:
    options = SandboxOptions(token_expires_in=5)
    async with running_sandbox(options) as sandbox, httpx2.AsyncClient(base_url=sandbox.base_url) as http:
        token = (await http.post("/oauth/token", data=form(sandbox))).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert token["expires_in"] == 5
        assert (await http.get("/v1/invoices/INV00000001", headers=headers)).status_code == 200
        sandbox.tenant.clock.advance(5)
        assert (await http.get("/v1/invoices/INV00000001", headers=headers)).status_code == 401


async def test_every_answer_has_request_id_rate_limit_and_echoed_track_id(raw: httpx2.AsyncClient) -> None:
    for answer in (
        await raw.get("/v1/invoices/INV00000001", headers={"Zuora-Track-Id": "trace-1"}),
        await raw.get("/v1/invoices/NOPE", headers={"Zuora-Track-Id": "trace-1"}),
        await raw.put("/v1/invoices/INV00000002/reverse", json={}, headers={"Zuora-Track-Id": "trace-1"}),
    ):
        assert str(uuid.UUID(answer.headers["zuora-request-id"])) == answer.headers["zuora-request-id"]
        assert answer.headers["zuora-track-id"] == "trace-1"
        for name in ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"):
            assert name in answer.headers


async def test_business_refusal_is_http_200_with_success_false(raw: httpx2.AsyncClient) -> None:
    answer = await raw.put("/v1/invoices/INV00000002/reverse", json={})
    body = answer.json()
    assert answer.status_code == 200
    assert body["success"] is False
    assert re.fullmatch(r"[0-9A-F]{16}", body["processId"])
    assert re.fullmatch(r"\d{8}", str(body["reasons"][0]["code"]))
    assert body["requestId"] == answer.headers["zuora-request-id"]


async def test_unknown_path_and_method_answer_404_and_405(raw: httpx2.AsyncClient) -> None:
    assert (await raw.get("/v1/nothing-here")).status_code == 404
    assert (await raw.post("/v1/invoices/INV00000001/reverse", json={})).status_code == 405


@pytest.mark.parametrize(
    ("body", "category"),
    [
        ({"comment": "x", "surprise": 1}, "21"),  # unknown field
        ({"memoDate": "1 March"}, "20"),  # wrong format
        ({"comment": 5}, "20"),  # wrong type
    ],
)
async def test_strict_bodies_refuse_unknown_and_mistyped_fields(
    client: BillingClient, sandbox: RunningSandbox, body: dict[str, object], category: str
) -> None:
    plan = RequestPlan(
        method="PUT", path="/v1/invoices/{invoiceKey}/reverse", path_params={"invoiceKey": "INV00000001"}, body=body
    )
    with pytest.raises(BillingError) as caught:
        await client.send(plan)
    assert caught.value.reasons[0].code[-2:] == category
    assert sandbox.tenant.invoice("INV00000001").balance == 165


async def test_strict_bodies_refuse_missing_required_fields(client: BillingClient) -> None:
    plan = RequestPlan(
        method="POST",
        path="/v1/credit-memos/invoice/{invoiceKey}",
        path_params={"invoiceKey": "INV00000001"},
        body={"items": []},
    )
    with pytest.raises(BillingError) as caught:
        await client.send(plan)
    assert caught.value.reasons[0].code.endswith("22")


@pytest.mark.parametrize("query", ["pageSize=41", "pageSize=abc", "sortBy=amount"])
async def test_strict_query_parameters(raw: httpx2.AsyncClient, query: str) -> None:
    body = (await raw.get(f"/v1/invoices/INV00000001/items?{query}")).json()
    assert body["success"] is False
    assert str(body["reasons"][0]["code"])[-2:] in {"20", "21"}


async def test_malformed_json_is_refused(raw: httpx2.AsyncClient, sandbox: RunningSandbox) -> None:
    answer = await raw.put(
        "/v1/invoices/INV00000001/reverse", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["success"] is False
    assert sandbox.tenant.invoice("INV00000001").balance == 165
