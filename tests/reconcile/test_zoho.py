"""Reconcile against the Zoho Billing sandbox: Zoho has no idempotency key, so only a read can tell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest

from tests.reconcile.conftest import Tenant, served, tenant
from zuora_mcp.catalog import load_catalog
from zuora_mcp.plan import RequestPlan
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox
from zuora_mcp.providers.zoho.sandbox.demo_data import BOWMAN, CARD_4242, PRO, invoice_id
from zuora_mcp.reconcile import Row, reconcile

pytestmark = pytest.mark.anyio

TOOLS = {tool.name: tool for tool in load_catalog("zoho")}


def zoho_plan(tool: str, arguments: dict[str, Any]) -> RequestPlan:
    """The exact request the catalog tool sends."""
    return TOOLS[tool].plan(arguments)


def new_invoice(reference: str) -> dict[str, Any]:
    return {
        "customer_id": BOWMAN,
        "date": datetime.now(UTC).date().isoformat(),
        "reference_number": reference,
        "invoice_items": [{"product_id": PRO, "price": 120, "quantity": 1}],
    }


async def run(t: Tenant, *, apply: bool = True) -> list[Row]:
    with anyio.fail_after(30):
        return await reconcile(
            t.ledger, t.client, provider="zoho", environment=t.environment, apply=apply, quiet=timedelta(0)
        )


async def test_a_void_whose_answer_was_lost_is_settled_executed_from_the_invoice_status(
    zoho: RunningZohoSandbox, location: str
) -> None:
    async with tenant(zoho, location) as t, served(t) as client:
        zoho.faults.once("drop_after_commit", "POST", "/billing/v1/invoices/*/void")
        with anyio.fail_after(30):
            result = await client.call_tool("void_invoice", {"invoice_id": invoice_id(1)})
        assert result.structured_content["status"] == "outcome_unknown"

        [row] = await run(t)

        assert (row.tool, row.verdict, row.recorded, row.last) == ("void_invoice", "executed", True, "outcome_unknown")
        assert "status void" in row.how
        assert await t.ledger.unsettled() == []


async def test_a_charge_whose_answer_was_lost_is_found_among_the_invoices_payments(
    zoho: RunningZohoSandbox, sqlite_location: str
) -> None:
    async with tenant(zoho, sqlite_location) as t, served(t) as client:
        zoho.faults.once("drop_after_commit", "POST", "/billing/v1/invoices/*/collect")
        with anyio.fail_after(30):
            result = await client.call_tool(
                "collect_invoice_payment", {"invoice_id": invoice_id(1), "card_id": CARD_4242}
            )
        assert result.structured_content["status"] == "outcome_unknown"
        assert sum(1 for c in zoho.tenant.charges if c["status"] == "approved") == 1

        [row] = await run(t)

        assert row.verdict == "executed"
        assert row.recorded
        assert "charge of a saved method" in row.how
        assert "balance now 0" in row.how


async def test_a_charge_that_never_reached_zoho_is_settled_failed_and_nothing_was_charged(
    zoho: RunningZohoSandbox, sqlite_location: str
) -> None:
    async with tenant(zoho, sqlite_location) as t, served(t) as client:
        zoho.faults.once("drop_before_commit", "POST", "/billing/v1/invoices/*/collect")
        with anyio.fail_after(30):
            result = await client.call_tool(
                "collect_invoice_payment", {"invoice_id": invoice_id(1), "card_id": CARD_4242}
            )
        assert result.structured_content["status"] == "outcome_unknown"
        assert zoho.tenant.charges == []

        [row] = await run(t)

        assert row.verdict == "failed"
        assert row.recorded
        assert "nothing was collected" in row.how


async def test_writes_of_a_process_killed_between_intent_and_outcome_are_settled_from_the_invoices(
    zoho: RunningZohoSandbox, location: str
) -> None:
    async with tenant(zoho, location) as t:
        with anyio.fail_after(30):
            expected = {
                await t.crashed_write(
                    "create_invoice", "reference_number=PO-77", zoho_plan("create_invoice", new_invoice("PO-77"))
                ): "executed",
                await t.crashed_write(
                    "write_off_invoice",
                    f"invoice_id={invoice_id(2)}",
                    zoho_plan("write_off_invoice", {"invoice_id": invoice_id(2), "reason": "Goodwill"}),
                ): "executed",
                await t.crashed_write(
                    "delete_invoice",
                    f"invoice_id={invoice_id(6)}",
                    zoho_plan("delete_invoice", {"invoice_id": invoice_id(6)}),
                ): "executed",
                await t.crashed_write(
                    "cancel_invoice_write_off",
                    f"invoice_id={invoice_id(8)}",
                    zoho_plan("cancel_invoice_write_off", {"invoice_id": invoice_id(8)}),
                ): "executed",
                # Killed after the intent, before anything was sent:
                await t.record_intent("create_invoice", "reference_number=PO-78"): "failed",
                await t.record_intent("mark_invoice_open", f"invoice_id={invoice_id(5)}"): "failed",
                await t.record_intent("void_invoice", f"invoice_id={invoice_id(3)}"): "failed",
            }
        writes = zoho.counters.writes_applied

        rows = await run(t)

        assert {row.intent_id: row.verdict for row in rows} == expected, [(r.tool, r.how) for r in rows]
        assert all(row.recorded for row in rows)
        assert await t.ledger.unsettled() == []
        assert zoho.counters.writes_applied == writes  # reconcile only read
        [create] = [row for row in rows if row.natural_key == "reference_number=PO-77"]
        assert "carries reference PO-77" in create.how


async def test_an_email_is_never_settled_by_a_read_but_its_history_is_quoted(
    zoho: RunningZohoSandbox, sqlite_location: str
) -> None:
    arguments = {
        "invoice_id": invoice_id(1),
        "to_mail_ids": ["benjamin.george@bowmanfurniture.com"],
        "subject": "Invoice INV-000001",
        "body": "Please find the invoice attached.",
    }
    async with tenant(zoho, sqlite_location) as t:
        with anyio.fail_after(30):
            await t.crashed_write("email_invoice", f"invoice_id={invoice_id(1)}", zoho_plan("email_invoice", arguments))
        no_key = await t.record_intent("create_invoice", None)

        rows = {row.intent_id: row for row in await run(t)}

        assert {row.verdict for row in rows.values()} == {"needs a person"}
        assert len(await t.ledger.unsettled()) == 2
        [email] = [row for row in rows.values() if row.tool == "email_invoice"]
        assert "no email log" in email.how
        assert "benjamin.george@bowmanfurniture.com" in email.how
        assert email.settle_read == f"get_invoice(invoice_id='{invoice_id(1)}')"
        assert "no reference_number" in rows[no_key].how
