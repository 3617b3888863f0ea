"""The three explorer tools through the MCP SDK's own client, against the sandbox tenant.

The sandbox implements only the catalog's operations; an explorer call that reaches it for another
route gets its "not here" answer. That is enough to see what the guard lets through and how often.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.explorer.conftest import connected, sent
from zuora_mcp.context_size import count_tokens
from zuora_mcp.explorer.tools import EXPLORER_TOOLS
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

pytestmark = pytest.mark.anyio

CANCEL = {
    "operation_id": "PUT_CancelSubscription",
    "arguments": {"subscriptionKey": "A-S00000001", "cancellationPolicy": "EndOfCurrentTerm"},
}
CANCEL_ROUTE = "PUT /v1/subscriptions/A-S00000001/cancel"
CONTACT = {"operation_id": "PUT_Contact", "arguments": {"contactId": "2c92c0f9", "firstName": "Ann"}}


async def test_tools_list_shows_the_three_tools_under_1500_tokens(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        listed = (await h.client.list_tools()).tools
    explorer = [t for t in listed if t.name in EXPLORER_TOOLS]
    assert [t.name for t in explorer] == list(EXPLORER_TOOLS)
    text = json.dumps([t.model_dump(by_alias=True, exclude_none=True) for t in explorer])
    tokens = count_tokens(text)
    assert tokens is not None
    assert tokens < 1500
    annotations = {t.name: t.annotations for t in explorer}
    assert annotations["search_operations"].read_only_hint is True
    assert annotations["call_operation"].destructive_hint is True


@pytest.mark.parametrize(("toolsets", "expected"), [("catalog", 0), ("explorer", 3), ("catalog,explorer", 3)])
async def test_the_explorer_can_be_switched_off(sandbox: RunningSandbox, toolsets: str, expected: int) -> None:
    async with connected(sandbox, toolsets=toolsets) as h:
        names = [t.name for t in (await h.client.list_tools()).tools]
    assert sum(name in EXPLORER_TOOLS for name in names) == expected
    assert ("get_invoice" in names) == ("catalog" in toolsets)


async def test_search_finds_an_operation_from_plain_words(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        result = await h.call("search_operations", {"query": "cancel a subscription", "limit": 3})
    assert not result.is_error
    first = result.structured_content["operations"][0]
    assert first == {
        "operation_id": "PUT_CancelSubscription",
        "method": "PUT",
        "path": "/v1/subscriptions/{subscription-key}/cancel",
        "summary": "Cancel a subscription",
        "safety": "destructive",
    }
    assert "PUT_CancelSubscription" in result.content[0].text


async def test_search_points_curated_operations_to_their_tool(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        result = await h.call("search_operations", {"query": "reverse an invoice", "tag": "Invoices", "limit": 1})
    assert result.structured_content["operations"][0]["use_tool"] == "reverse_invoice"


async def test_search_filters_by_safety(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        result = await h.call("search_operations", {"query": "subscription", "safety": "read", "limit": 25})
    assert {op["safety"] for op in result.structured_content["operations"]} == {"read"}


async def test_describe_gives_schema_safety_and_preconditions(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        result = await h.call("describe_operation", {"operation_id": "PUT_CancelCreditMemo"})
    content = result.structured_content
    assert content["safety"] == "destructive"
    assert content["input_schema"]["required"] == ["creditMemoKey"]
    assert "Only credit memos with the Draft status can be cancelled." in content["preconditions"]
    assert "Only credit memos with the Draft status" in result.content[0].text


async def test_describe_collapses_a_huge_schema_and_expands_one_field(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        whole = await h.call("describe_operation", {"operation_id": "POST_Order"})
        collapsed = whole.structured_content["collapsed"]
        part = await h.call("describe_operation", {"operation_id": "POST_Order", "field": collapsed[0]})
    assert len(json.dumps(whole.structured_content["input_schema"])) < 13_000
    assert part.structured_content["input_schema"]["type"] == "object"
    assert part.structured_content["input_schema"]["properties"]


async def test_describe_of_an_unknown_operation_suggests_close_ones(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        result = await h.call("describe_operation", {"operation_id": "CancelSubscription"})
    assert result.is_error
    assert "PUT_CancelSubscription" in result.content[0].text


async def test_a_curated_operation_is_refused_with_the_tool_to_use(sandbox: RunningSandbox, tmp_path: Path) -> None:
    async with connected(sandbox) as h:
        result = await h.call("call_operation", {"operation_id": "Get_GetInvoice", "arguments": {"invoiceKey": "X"}})
        write = await h.call(
            "call_operation", {"operation_id": "PUT_ReverseInvoice", "arguments": {"invoiceKey": "INV00000001"}}
        )
    for answer, tool in ((result, "get_invoice"), (write, "reverse_invoice")):
        assert answer.is_error
        assert answer.structured_content["status"] == "refused"
        assert tool in answer.structured_content["message"]
        assert "Nothing was changed." in answer.structured_content["message"]
    assert sent(sandbox) == 0


async def test_invalid_arguments_name_the_field_and_send_nothing(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        result = await h.call(
            "call_operation",
            {"operation_id": "PUT_CancelSubscription", "arguments": {"subscriptionKey": "A-S1", "cancelPolicy": "x"}},
        )
    assert result.is_error
    problems = result.structured_content["invalid"]
    assert any("cancellationPolicy" in p for p in problems)
    assert any("cancelPolicy" in p for p in problems)
    assert sent(sandbox) == 0


async def test_a_path_value_that_escapes_its_segment_is_refused(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        result = await h.call(
            "call_operation", {"operation_id": "GET_SubscriptionsByAccount", "arguments": {"accountKey": "../x"}}
        )
    assert result.is_error
    assert sent(sandbox) == 0


async def test_a_read_is_sent_once_and_zuoras_refusal_comes_back(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        result = await h.call(
            "call_operation",
            {"operation_id": "GET_SubscriptionsByAccount", "arguments": {"accountKey": "A00000001", "pageSize": 5}},
        )
    # The sandbox serves only the catalog's routes: the read arrived, and its refusal is a tool error.
    assert result.is_error
    assert result.structured_content["status"] == "failed"
    assert result.structured_content["changed"] is False
    assert sent(sandbox, "GET /v1/subscriptions/accounts/A00000001") == 1


@pytest.mark.parametrize("era", ["legacy", "auto"])
@pytest.mark.parametrize("case", [CANCEL, CONTACT], ids=["destructive", "write"])
async def test_dry_run_previews_and_sends_nothing(sandbox: RunningSandbox, era: str, case: dict[str, Any]) -> None:
    async with connected(sandbox, era=era) as h:
        result = await h.call("call_operation", {**case, "dry_run": True})
    content = result.structured_content
    assert not result.is_error, result.content[0].text
    assert content["status"] == "preview"
    assert content["changed"] is False
    assert "Nothing was changed." in content["message"]
    assert content["preview"]["request"]["url"].startswith(sandbox.base_url)
    assert case["operation_id"] in content["preview"]["effect"]
    assert sent(sandbox) == 0


async def test_a_read_dry_run_sends_nothing(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        result = await h.call(
            "call_operation",
            {"operation_id": "GET_Refund", "arguments": {"refundKey": "R-1"}, "dry_run": True},
        )
    assert result.structured_content["status"] == "preview"
    assert result.structured_content["preview"]["request"]["url"] == f"{sandbox.base_url}/v1/refunds/R-1"
    assert sent(sandbox) == 0


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_a_confirmation_token_runs_the_write_exactly_once(
    sandbox: RunningSandbox, era: str, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    async with connected(sandbox, era=era, audit=audit) as h:
        first = await h.call("call_operation", CANCEL)
        assert first.structured_content["status"] == "confirmation_required", first.content[0].text
        assert sent(sandbox) == 0
        token = first.structured_content["confirmation_token"]
        with anyio.fail_after(10):
            ran = await h.call("call_operation", {**CANCEL, "confirmation_token": token})
        # It reached Zuora once; the sandbox does not implement subscriptions and says so.
        assert ran.structured_content["status"] == "failed"
        assert "not available in the sandbox" in ran.content[0].text
        assert sent(sandbox, CANCEL_ROUTE) == 1
        again = await h.call("call_operation", {**CANCEL, "confirmation_token": token})
    assert again.structured_content["status"] == "refused"
    assert "Nothing was changed." in again.structured_content["message"]
    assert sent(sandbox, CANCEL_ROUTE) == 1
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [r["decision"] for r in records] == ["previewed", "confirmed", "failed", "refused"]
    assert {r["operation"] for r in records} == {CANCEL["operation_id"]}


@pytest.mark.parametrize(
    "other",
    [
        {"operation_id": "PUT_RenewSubscription", "arguments": {"subscriptionKey": "A-S00000001"}},
        {**CANCEL, "arguments": {**CANCEL["arguments"], "cancellationPolicy": "SpecificDate"}},
    ],
    ids=["other operation", "other arguments"],
)
async def test_a_token_is_bound_to_operation_and_arguments(sandbox: RunningSandbox, other: dict[str, Any]) -> None:
    async with connected(sandbox) as h:
        first = await h.call("call_operation", CANCEL)
        token = first.structured_content["confirmation_token"]
        result = await h.call("call_operation", {**other, "confirmation_token": token})
    assert result.structured_content["status"] == "refused"
    assert "token" in result.structured_content["message"]
    assert sent(sandbox) == 0


async def test_read_only_mode_refuses_writes_and_still_reads(sandbox: RunningSandbox) -> None:
    async with connected(sandbox, mode="read-only") as h:
        names = [t.name for t in (await h.client.list_tools()).tools]
        write = await h.call("call_operation", CONTACT)
        read = await h.call("call_operation", {"operation_id": "GET_Refund", "arguments": {"refundKey": "R-1"}})
    assert "call_operation" in names
    assert write.structured_content["status"] == "refused"
    assert "read-only" in write.structured_content["message"]
    assert sent(sandbox, "PUT") == 0
    assert read.structured_content["status"] == "failed"  # sent; the sandbox has no refunds
    assert sent(sandbox, "GET /v1/refunds/R-1") == 1


async def test_the_policy_for_call_operation_applies_to_its_writes(sandbox: RunningSandbox, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[tools.call_operation]\nmode = "dry-run"\n')
    async with connected(sandbox, config=str(policy)) as h:
        result = await h.call("call_operation", CANCEL)
    assert result.structured_content["status"] == "preview"
    assert sent(sandbox) == 0


async def test_production_writes_are_refused(sandbox: RunningSandbox) -> None:
    async with connected(sandbox, production=True) as h:
        result = await h.call("call_operation", {**CANCEL, "dry_run": True})
    assert result.structured_content["status"] == "refused"
    assert "production" in result.structured_content["message"]
    assert sent(sandbox) == 0


async def test_an_operation_the_explorer_cannot_send_is_refused(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        # A CSV body: neither JSON nor a multipart form (POST_Usage is a form, and is sent: test_multipart).
        arguments = {"id": "job-1", "body": "a,b\n1,2\n"}
        result = await h.call(
            "call_operation", {"operation_id": "POST_UploadFileForCustomObjectBulkJob", "arguments": arguments}
        )
    assert result.structured_content["status"] == "refused"
    assert "text/csv" in result.structured_content["message"]
    assert sent(sandbox) == 0


async def test_in_read_only_mode_call_operation_is_listed_as_a_read_tool(sandbox: RunningSandbox) -> None:
    async with connected(sandbox, mode="read-only") as h:
        tools = {t.name: t for t in (await h.client.list_tools()).tools}
    call = tools["call_operation"]
    assert call.annotations is not None
    assert call.annotations.read_only_hint is True
    assert call.annotations.destructive_hint is False
    assert "refused" in (call.description or "")
