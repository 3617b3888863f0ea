"""Reconcile against the Zuora sandbox: what a read shows settles the write, and nothing else does."""

from __future__ import annotations

from datetime import timedelta

import anyio
import pytest

from tests.reconcile.conftest import Tenant, plan, served, tenant
from zuora_mcp.ledger import Filters
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, demo_id
from zuora_mcp.reconcile import Row, reconcile, unsettled_elsewhere

pytestmark = pytest.mark.anyio

NOW = timedelta(0)


async def run(t: Tenant, *, apply: bool = True, quiet: timedelta = NOW) -> list[Row]:
    with anyio.fail_after(30):
        return await reconcile(
            t.ledger, t.client, provider="zuora", environment=t.environment, apply=apply, quiet=quiet
        )


async def test_a_reversal_whose_answer_was_lost_is_settled_as_executed(zuora: RunningSandbox, location: str) -> None:
    async with tenant(zuora, location) as t, served(t) as client:
        zuora.faults.once("drop_after_commit", "PUT", "/v1/invoices/*/reverse")
        with anyio.fail_after(30):
            result = await client.call_tool("reverse_invoice", {"invoiceKey": "INV00000001"})
        assert result.structured_content["status"] == "outcome_unknown"
        assert zuora.counters.writes_applied == 1

        [row] = await run(t)

        assert (row.tool, row.natural_key, row.last) == ("reverse_invoice", "invoiceKey=INV00000001", "outcome_unknown")
        assert row.verdict == "executed"
        assert row.recorded
        assert "reversed" in row.how
        assert await t.ledger.unsettled() == []
        [settlement] = await t.ledger.records(Filters(kind="settlement"))
        assert (settlement.decision, settlement.tool, settlement.detail) == ("executed", "reverse_invoice", row.how)
        assert await t.ledger.verify() is None
        assert await run(t) == []  # settled once; a second run finds nothing


async def test_a_write_off_that_never_reached_the_tenant_is_settled_failed_only_after_the_quiet_period(
    zuora: RunningSandbox, location: str
) -> None:
    async with tenant(zuora, location) as t, served(t) as client:
        zuora.faults.once("drop_before_commit", "PUT", "/v1/invoices/*/write-off")
        with anyio.fail_after(30):
            result = await client.call_tool("write_off_invoice", {"invoiceKey": "INV00000001"})
        assert result.structured_content["status"] == "outcome_unknown"
        assert zuora.counters.writes_applied == 0

        [young] = await run(t, quiet=timedelta(minutes=10))
        assert young.verdict == "needs a person"
        assert not young.recorded
        assert "could still land" in young.how
        assert len(await t.ledger.unsettled()) == 1

        [row] = await run(t)
        assert row.verdict == "failed"
        assert row.recorded
        assert "balance 165.00 USD" in row.how
        assert await t.ledger.unsettled() == []


async def test_writes_of_a_process_killed_between_intent_and_outcome_are_settled_from_what_the_tenant_shows(
    zuora: RunningSandbox, location: str
) -> None:
    async with tenant(zuora, location) as t:
        with anyio.fail_after(30):
            sent = {
                await t.crashed_write(
                    "delete_invoice",
                    "invoiceKey=INV00000003",
                    plan("DELETE", "/v1/invoices/{invoiceKey}", {"invoiceKey": "INV00000003"}),
                ): "executed",
                await t.crashed_write(
                    "write_off_debit_memo",
                    "debitMemoKey=DM00000001",
                    plan("PUT", "/v1/debit-memos/{debitMemoKey}/write-off", {"debitMemoKey": "DM00000001"}, {}),
                ): "executed",
                await t.crashed_write(
                    "apply_credit_memo",
                    "creditMemoKey=CM00000001",
                    plan(
                        "PUT",
                        "/v1/credit-memos/{creditMemoKey}/apply",
                        {"creditMemoKey": "CM00000001"},
                        {"invoices": [{"invoiceId": demo_id("INV00000001"), "amount": 10}]},
                    ),
                ): "executed",
                await t.crashed_write(
                    "write_off_invoice",
                    "invoiceKey=INV00000002",
                    plan("PUT", "/v1/invoices/{invoiceKey}/write-off", {"invoiceKey": "INV00000002"}, {}),
                ): "executed",
                # Killed after the intent, before anything was sent:
                await t.record_intent("reverse_invoice", "invoiceKey=INV00000006"): "failed",
                await t.record_intent("delete_invoice", "invoiceKey=INV00000009"): "failed",
            }
        assert zuora.counters.writes_applied == 4

        rows = await run(t)

        assert {row.intent_id: row.verdict for row in rows} == sent, [r.how for r in rows]
        assert all(row.recorded and row.last == "no outcome recorded" for row in rows)
        assert await t.ledger.unsettled() == []
        assert zuora.counters.writes_applied == 4  # reconcile only read


async def test_writes_no_read_can_settle_stay_unsettled_and_name_the_read_to_make(
    zuora: RunningSandbox, sqlite_location: str
) -> None:
    async with tenant(zuora, sqlite_location) as t:
        email = await t.record_intent("email_invoice", "invoiceKey=INV00000001")
        create = await t.record_intent("create_invoice", None, idempotency_key="5f1c0ffee")
        batch = await t.record_intent("update_invoices", None)

        rows = {row.intent_id: row for row in await run(t)}

        assert {row.verdict for row in rows.values()} == {"needs a person"}
        assert not any(row.recorded for row in rows.values())
        assert len(await t.ledger.unsettled()) == 3
        assert "no email log" in rows[email].how
        assert "lastEmailSentDate" not in rows[email].how
        assert rows[email].settle_read == "get_invoice(invoiceKey='INV00000001')"
        assert "idempotency key 5f1c0ffee" in rows[create].how
        assert "does not replay" in rows[create].how
        assert rows[create].settle_read == "list_invoices"
        assert "each invoice of the batch" in rows[batch].how


async def test_a_dry_run_makes_the_reads_and_records_nothing(zuora: RunningSandbox, sqlite_location: str) -> None:
    async with tenant(zuora, sqlite_location) as t:
        await t.record_intent("delete_invoice", "invoiceKey=INV00000009")
        head = await t.ledger.head()

        [row] = await run(t, apply=False)

        assert row.verdict == "failed"
        assert not row.recorded
        assert await t.ledger.head() == head
        assert len(await t.ledger.unsettled()) == 1


async def test_writes_of_another_tenant_are_left_for_a_reconcile_configured_for_it(
    zuora: RunningSandbox, sqlite_location: str
) -> None:
    async with tenant(zuora, sqlite_location) as t:
        mine = await t.record_intent("delete_invoice", "invoiceKey=INV00000009")
        t.settings = t.settings.__class__(**{**t.settings.__dict__, "base_url": "https://rest.zuora.example"})
        theirs = await t.record_intent("delete_invoice", "invoiceKey=INV00000009")
        t.settings = t.settings.__class__(**{**t.settings.__dict__, "base_url": zuora.base_url})

        rows = await run(t, apply=False)

        assert [row.intent_id for row in rows] == [mine]
        assert [r.id for r in await unsettled_elsewhere(t.ledger, "zuora", t.environment)] == [theirs]


async def test_a_large_invoice_zuora_changes_in_the_background_is_never_called_failed(
    zuora: RunningSandbox, sqlite_location: str
) -> None:
    # INV00000005 has 2,001 items: Zuora deletes (100+) and reverses (2,000+) such invoices in a job.
    async with tenant(zuora, sqlite_location) as t:
        await t.record_intent("delete_invoice", "invoiceKey=INV00000005")
        await t.record_intent("reverse_invoice", "invoiceKey=INV00000005")

        rows = await run(t)

        assert [row.verdict for row in rows] == ["needs a person", "needs a person"]
        assert all("in the background" in row.how for row in rows)
        assert len(await t.ledger.unsettled()) == 2
