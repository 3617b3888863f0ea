"""Every Zoho write tool, through the SDK's client: previews without sending, runs once with its
token, and refuses a token used again, with other arguments or on another tool."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tests.zoho.cases import BLOCKED, WRITE_CASES, blocked, inv
from tests.zoho.conftest import connected, snapshot, writes_sent
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox

pytestmark = pytest.mark.anyio

TOOLS = sorted(WRITE_CASES)


def cases() -> list[Any]:
    return [pytest.param(tool, marks=blocked(tool)) for tool in TOOLS]


@pytest.mark.parametrize("tool", cases())
async def test_a_write_previews_without_sending_then_runs_once_with_its_token(
    tool: str, zoho: RunningZohoSandbox
) -> None:
    with anyio.fail_after(20):
        async with connected(zoho) as h:
            before = snapshot(zoho)
            dry = await h.call(tool, {**WRITE_CASES[tool], "dry_run": True})
            assert dry.structured_content["status"] == "preview", dry.content[0].text
            asked = await h.call(tool, WRITE_CASES[tool])
            assert asked.structured_content["status"] == "confirmation_required", asked.content[0].text
            assert writes_sent(zoho) == 0
            assert snapshot(zoho) == before

            token = asked.structured_content["confirmation_token"]
            done = await h.call(tool, {**WRITE_CASES[tool], "confirmation_token": token})
            assert done.structured_content["status"] == "executed", done.content[0].text
            assert done.structured_content["changed"] is True
            assert (writes_sent(zoho), zoho.counters.writes_applied) == (1, 1)
            after = snapshot(zoho)

            again = await h.call(tool, {**WRITE_CASES[tool], "confirmation_token": token})
            assert again.structured_content["status"] == "refused"
            assert "Nothing was changed." in again.structured_content["message"]
            assert (writes_sent(zoho), snapshot(zoho)) == (1, after)


def _other_arguments(tool: str) -> dict[str, Any]:
    args = dict(WRITE_CASES[tool])
    if "invoice_id" in args:
        args["invoice_id"] = inv(9) if args["invoice_id"] != inv(9) else inv(1)
    else:
        args["reference_number"] = "PO-SOMETHING-ELSE"
    return args


# Token misuse sends nothing, so only a tool whose arguments cannot even be validated is blocked.
ACCEPTED = [t for t in TOOLS if t != "attach_file_to_invoice" or "attach_file_to_invoice" not in BLOCKED]


@pytest.mark.parametrize("tool", ACCEPTED)
async def test_a_token_is_refused_with_other_arguments_and_on_another_tool(tool: str, zoho: RunningZohoSandbox) -> None:
    other_tool = ACCEPTED[(ACCEPTED.index(tool) + 1) % len(ACCEPTED)]
    with anyio.fail_after(20):
        async with connected(zoho) as h:
            before = snapshot(zoho)
            asked = await h.call(tool, WRITE_CASES[tool])
            token = asked.structured_content["confirmation_token"]
            changed = await h.call(tool, {**_other_arguments(tool), "confirmation_token": token})
            elsewhere = await h.call(other_tool, {**WRITE_CASES[other_tool], "confirmation_token": token})
            for result in (changed, elsewhere):
                assert result.structured_content["status"] == "refused", result.content[0].text
                assert "confirmation token was not accepted" in result.structured_content["message"]
            assert writes_sent(zoho) == 0
            assert snapshot(zoho) == before


async def test_the_collect_preview_names_the_card_the_amount_and_the_customer(zoho: RunningZohoSandbox) -> None:
    with anyio.fail_after(10):
        async with connected(zoho) as h:
            result = await h.call(
                "collect_invoice_payment", {**WRITE_CASES["collect_invoice_payment"], "dry_run": True}
            )
    effect = result.structured_content["preview"]["effect"]
    assert effect.startswith('Charges 240.00 USD to card ending 4242 (Visa) of "Bowman Furniture"'), effect
    assert result.structured_content["preview"]["request"]["body"] == {
        "card_id": WRITE_CASES["collect_invoice_payment"]["card_id"]
    }


async def test_the_email_preview_names_every_recipient_and_flags_strangers(zoho: RunningZohoSandbox) -> None:
    args = {**WRITE_CASES["email_invoice"], "cc_mail_ids": ["auditor@example.org"], "dry_run": True}
    with anyio.fail_after(10):
        async with connected(zoho) as h:
            result = await h.call("email_invoice", args)
    effect = result.structured_content["preview"]["effect"]
    assert (
        'Emails invoice INV-000001 of "Bowman Furniture" to benjamin.george@bowmanfurniture.com, cc auditor@' in effect
    )
    assert 'Not contacts of "Bowman Furniture": auditor@example.org.' in effect


async def test_a_create_that_sends_names_the_contacts_it_emails(zoho: RunningZohoSandbox) -> None:
    with anyio.fail_after(10):
        async with connected(zoho) as h:
            result = await h.call("create_invoice", {**WRITE_CASES["create_invoice"], "send": True, "dry_run": True})
    effect = result.structured_content["preview"]["effect"]
    assert "emails it at once to benjamin.george@bowmanfurniture.com, paul@bowmanfurniture.com" in effect
    assert result.structured_content["preview"]["request"]["url"].endswith("/invoices?send=true")


async def test_inferred_rules_are_checked_and_say_so_in_the_preview(zoho: RunningZohoSandbox) -> None:
    with anyio.fail_after(10):
        async with connected(zoho) as h:
            result = await h.call("write_off_invoice", {**WRITE_CASES["write_off_invoice"], "dry_run": True})
    checks = result.structured_content["preview"]["preflight"]
    assert checks
    assert all(check.get("inferred") is True for check in checks)
    assert "(inferred rule)" in result.content[0].text


async def test_a_confirmed_charge_the_gateway_declines_changes_nothing_and_says_so(zoho: RunningZohoSandbox) -> None:
    args = {**WRITE_CASES["collect_invoice_payment"], "card_id": "460000000000012"}  # Visa 0002 declines
    with anyio.fail_after(10):
        async with connected(zoho, mode="auto") as h:
            before = snapshot(zoho)
            result = await h.call("collect_invoice_payment", args)
    assert result.structured_content["status"] == "failed"
    assert "Nothing was changed." in result.structured_content["message"]
    assert "declined" in result.structured_content["message"]
    assert snapshot(zoho) == before
    assert zoho.counters.charges == 0
    assert zoho.counters.charges_declined == 1


async def test_a_replayed_confirmation_is_refused_once_the_invoice_changed_elsewhere(zoho: RunningZohoSandbox) -> None:
    """Two replicas share the signing key, not their spent-token lists: the invoice's state stops the replay."""
    with anyio.fail_after(10):
        async with connected(zoho) as first, connected(zoho) as second:
            asked = await first.call("collect_invoice_payment", WRITE_CASES["collect_invoice_payment"])
            token = asked.structured_content["confirmation_token"]
            ran = await first.call(
                "collect_invoice_payment", {**WRITE_CASES["collect_invoice_payment"], "confirmation_token": token}
            )
            replay = await second.call(
                "collect_invoice_payment", {**WRITE_CASES["collect_invoice_payment"], "confirmation_token": token}
            )
    assert ran.structured_content["status"] == "executed"
    assert replay.structured_content["status"] == "refused", replay.content[0].text
    assert zoho.counters.charges == 1
    assert len([c for c in zoho.tenant.charges if c["status"] == "approved"]) == 1
