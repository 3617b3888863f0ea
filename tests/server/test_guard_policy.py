"""The guard under each mode and policy, with tokens misused, and with a person asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mcp.types as types
import pytest
from mcp.shared.exceptions import MCPError

from tests.server.cases import WRITE_CASES
from tests.server.conftest import connected, writes_sent
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


async def token_for(h: Any, tool: str, arguments: dict[str, Any]) -> str:
    result = await h.call(tool, arguments)
    assert result.structured_content["status"] == "confirmation_required", result.content[0].text
    return str(result.structured_content["confirmation_token"])


async def test_a_token_is_refused_for_other_arguments(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        token = await token_for(h, "write_off_invoice", {"invoiceKey": "INV00000001"})
        result = await h.call("write_off_invoice", {"invoiceKey": "INV00000006", "confirmation_token": token})
    assert result.structured_content["status"] == "refused"
    assert "different arguments" in result.structured_content["message"]
    assert writes_sent(sandbox) == 0


async def test_an_expired_token_is_refused(sandbox: RunningSandbox) -> None:
    clock = Clock()
    async with connected(sandbox, clock=clock) as h:
        token = await token_for(h, "reverse_invoice", {"invoiceKey": "INV00000001"})
        clock.now += 301  # the default lifetime is five minutes
        result = await h.call("reverse_invoice", {"invoiceKey": "INV00000001", "confirmation_token": token})
    assert result.structured_content["status"] == "refused"
    assert "expired" in result.structured_content["message"]
    assert writes_sent(sandbox) == 0


async def test_a_token_is_refused_in_another_environment(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        token = await token_for(h, "reverse_invoice", {"invoiceKey": "INV00000001"})
    async with running_sandbox(SandboxOptions(port=0)) as other, connected(other) as h2:
        result = await h2.call("reverse_invoice", {"invoiceKey": "INV00000001", "confirmation_token": token})
        assert result.structured_content["status"] == "refused"
        assert "another environment" in result.structured_content["message"]
        assert writes_sent(other) == 0


async def test_a_forged_token_is_refused(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        token = await token_for(h, "reverse_invoice", {"invoiceKey": "INV00000001"})
        for forged in (token[:-4], token.replace(".", ".x", 1), "eyJ0b2tlbiI6MX0.c2ln"):
            result = await h.call("reverse_invoice", {"invoiceKey": "INV00000001", "confirmation_token": forged})
            assert result.structured_content["status"] == "refused", forged
    assert writes_sent(sandbox) == 0


async def test_a_token_is_refused_when_the_record_changed_after_the_preview(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        stale = await token_for(h, "update_invoice", {"invoiceKey": "INV00000001", "comments": "one"})
        other = await token_for(h, "apply_credit_memo", WRITE_CASES["apply_credit_memo"])
        applied = await h.call("apply_credit_memo", {**WRITE_CASES["apply_credit_memo"], "confirmation_token": other})
        assert applied.structured_content["status"] == "executed"
        result = await h.call(
            "update_invoice", {"invoiceKey": "INV00000001", "comments": "one", "confirmation_token": stale}
        )
    assert result.structured_content["status"] == "refused"
    assert "changed since the preview" in result.structured_content["message"]
    assert sandbox.counters.writes_applied == 1


@pytest.mark.parametrize(
    ("invoice", "failed_check"),
    [
        ("INV00000002", "No payment or credit memo is applied"),
        ("INV00000003", "Invoice is Posted"),
        ("INV00000005", "At most 2,000 items including taxation items"),
        ("INV00000008", "Invoice is not negative"),
    ],
)
async def test_a_reversal_zuora_would_refuse_is_refused_before_sending(
    sandbox: RunningSandbox, invoice: str, failed_check: str
) -> None:
    async with connected(sandbox) as h:
        result = await h.call("reverse_invoice", {"invoiceKey": invoice})
    content = result.structured_content
    assert result.is_error
    assert content["status"] == "refused"
    assert "Nothing was changed." in content["message"]
    failed = [c["check"] for c in content["preview"]["preflight"] if not c["ok"]]
    assert failed_check in failed
    assert writes_sent(sandbox) == 0


async def test_write_off_of_an_invoice_without_balance_is_refused(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        result = await h.call("write_off_invoice", {"invoiceKey": "INV00000004"})  # paid in full
    assert result.structured_content["status"] == "refused"
    assert "Invoice has an open balance" in result.content[0].text
    assert writes_sent(sandbox) == 0


async def test_a_credit_memo_above_the_item_amount_is_refused(sandbox: RunningSandbox) -> None:
    args = WRITE_CASES["create_credit_memo_from_invoice"]
    too_much = {**args, "items": [{**args["items"][0], "amount": 1000}]}
    async with connected(sandbox) as h:
        result = await h.call("create_credit_memo_from_invoice", too_much)
    assert result.structured_content["status"] == "refused"
    assert "within the invoice item" in result.content[0].text
    assert writes_sent(sandbox) == 0


async def test_read_only_mode_hides_writes_and_refuses_them(sandbox: RunningSandbox) -> None:
    async with connected(sandbox, mode="read-only") as h:
        tools = (await h.client.list_tools()).tools
        assert tools
        assert all(t.annotations and t.annotations.read_only_hint for t in tools)
        result = await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
    assert result.structured_content["status"] == "refused"
    assert "read-only" in result.structured_content["message"]
    assert writes_sent(sandbox) == 0


async def test_dry_run_mode_previews_every_write(sandbox: RunningSandbox) -> None:
    async with connected(sandbox, mode="dry-run") as h:
        result = await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
    assert result.structured_content["status"] == "preview"
    assert writes_sent(sandbox) == 0


async def test_auto_mode_runs_without_confirmation(sandbox: RunningSandbox) -> None:
    async with connected(sandbox, mode="auto") as h:
        result = await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
    assert result.structured_content["status"] == "executed"
    assert sandbox.counters.writes_applied == 1


async def test_production_writes_are_refused_unless_allowed(sandbox: RunningSandbox) -> None:
    async with connected(sandbox, environ={"ZUORA_PRODUCTION": "true"}, mode="auto") as h:
        refused = await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
        read = await h.call("get_invoice", {"invoiceKey": "INV00000001"})
    assert refused.structured_content["status"] == "refused"
    assert "production" in refused.structured_content["message"]
    assert not read.is_error
    assert writes_sent(sandbox) == 0
    allowed = {"ZUORA_PRODUCTION": "true", "ZUORA_MCP_ALLOW_PRODUCTION_WRITES": "true"}
    async with connected(sandbox, environ=allowed, mode="auto") as h:
        done = await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
    assert done.structured_content["status"] == "executed"


async def test_a_policy_limit_refuses_larger_amounts(sandbox: RunningSandbox, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('mode = "auto"\n[tools.write_off_invoice]\nmax_amount = 100\n')
    async with connected(sandbox, config=str(policy)) as h:
        result = await h.call("write_off_invoice", {"invoiceKey": "INV00000001"})  # balance 165.00
    assert result.structured_content["status"] == "refused"
    assert "above the policy limit of 100.00" in result.structured_content["message"]
    assert writes_sent(sandbox) == 0


async def test_require_human_fails_closed_without_elicitation(sandbox: RunningSandbox) -> None:
    async with connected(sandbox, environ={"ZUORA_MCP_REQUIRE_HUMAN": "true"}) as h:
        result = await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
    assert result.structured_content["status"] == "refused"
    assert "person" in result.structured_content["message"]
    assert "confirmation_token" not in result.structured_content
    assert writes_sent(sandbox) == 0


def answering(action: str, approve: bool = True) -> Any:
    asked: list[str] = []

    async def callback(context: Any, params: Any) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action=action, content={"approve": approve} if action == "accept" else None)  # type: ignore[arg-type]

    callback.asked = asked  # type: ignore[attr-defined]
    return callback


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_elicitation_accept_runs_the_write_once(sandbox: RunningSandbox, era: str) -> None:
    person = answering("accept")
    async with connected(sandbox, era=era, elicitation=person) as h:
        result = await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
    assert result.structured_content["status"] == "executed", result.content[0].text
    assert sandbox.counters.writes_applied == 1
    assert "Reverses invoice INV00000001" in person.asked[0]
    assert "Nothing has been changed yet." in person.asked[0]


@pytest.mark.parametrize("era", ["legacy", "auto"])
@pytest.mark.parametrize(("action", "approve"), [("decline", False), ("cancel", False), ("accept", False)])
async def test_elicitation_decline_or_cancel_changes_nothing(
    sandbox: RunningSandbox, era: str, action: str, approve: bool
) -> None:
    async with connected(sandbox, era=era, elicitation=answering(action, approve)) as h:
        result = await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
    assert result.structured_content["status"] == "declined"
    assert "Nothing was changed." in result.structured_content["message"]
    assert writes_sent(sandbox) == 0


async def test_invalid_arguments_name_each_field_and_send_nothing(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        result = await h.call("write_off_invoice", {"invoiceKey": 12, "amount": "lots", "colour": "red"})
    text = result.content[0].text
    assert result.is_error
    assert "nothing was sent to Zuora" in text
    for field in ("invoiceKey", "amount", "colour"):
        assert field in text
    assert sandbox.counters.requests == 0


async def test_unsafe_path_values_are_refused_before_anything_is_sent(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        for key in ("../accounts/A00000001", "INV 1", "INV%2F1", "INV\uff0f1"):
            result = await h.call("get_invoice", {"invoiceKey": key})
            assert result.is_error, key
            assert "invoiceKey" in result.content[0].text
    assert sandbox.counters.requests == 0


async def test_an_unknown_tool_is_a_protocol_error(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        with pytest.raises(MCPError) as caught:
            await h.call("drop_tables", {})
    assert caught.value.error.code == types.INVALID_PARAMS


async def test_a_zuora_error_carries_reasons_and_request_id(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        result = await h.call("get_invoice", {"invoiceKey": "INV99999999"})
    content = result.structured_content
    assert result.is_error
    assert content["error"]["reasons"]
    assert content["zuora"]["request_id"]
    assert content["zuora"]["track_id"].startswith("zmcp-")


async def test_annotations_follow_the_safety_class(sandbox: RunningSandbox) -> None:
    from zuora_mcp.catalog import load_catalog

    safety = {t.name: t.safety for t in load_catalog()}
    async with connected(sandbox) as h:
        tools = (await h.client.list_tools()).tools
    for tool in tools:
        if tool.name not in safety:
            continue
        hints = tool.annotations
        assert hints is not None
        expected = {
            "read": (True, False, True),
            "write": (False, False, False),
            "destructive": (False, True, False),
        }[safety[tool.name]]
        assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == expected, tool.name
        assert hints.open_world_hint is True


async def test_the_read_path_refuses_a_write_plan_so_nothing_bypasses_the_guard(sandbox: RunningSandbox) -> None:
    from dataclasses import replace

    from zuora_mcp.catalog import get_tool

    async with connected(sandbox) as h:
        mislabelled = replace(get_tool("reverse_invoice"), safety="read")
        outcome = await h.app.executor.read(mislabelled, {"invoiceKey": "INV00000001"})
    assert outcome.is_error
    assert outcome.structured["status"] == "refused"
    assert "Nothing was changed." in outcome.structured["message"]
    assert writes_sent(sandbox) == 0
