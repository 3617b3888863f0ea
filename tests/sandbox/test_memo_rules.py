"""Credit and debit memos against the sandbox through the real client."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.errors import BillingError
from zuora_mcp.plan import Method, RequestPlan
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

pytestmark = pytest.mark.anyio

CM_FROM_INVOICE = "/v1/credit-memos/invoice/{invoiceKey}"
DM_FROM_INVOICE = "/v1/debit-memos/invoice/{invoiceKey}"


async def call(client: BillingClient, method: Method, path: str, params: dict[str, str], body: Any = None) -> Any:
    return (await client.send(RequestPlan(method=method, path=path, path_params=params, body=body))).data


def items_of(sandbox: RunningSandbox, invoice: str) -> list[Any]:
    return list(sandbox.tenant.invoice(invoice).items)


def credit_body(sandbox: RunningSandbox, amount: float, **extra: Any) -> dict[str, Any]:
    first = items_of(sandbox, "INV00000001")[0]
    return {
        "invoiceId": sandbox.tenant.invoice("INV00000001").id,
        "items": [{"invoiceItemId": first.id, "amount": amount, "skuName": "SKU-PLATFORM-SUB"}],
        **extra,
    }


async def test_credit_memo_from_invoice_gets_a_zuora_number_and_id(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    memo = await call(client, "POST", CM_FROM_INVOICE, {"invoiceKey": "INV00000001"}, credit_body(sandbox, 40))
    assert memo["number"] == "CM00000003"
    assert len(memo["id"]) == 32
    assert (memo["amount"], memo["status"], memo["referredInvoiceId"]) == (
        40.0,
        "Draft",
        sandbox.tenant.invoice("INV00000001").id,
    )
    fetched = (await client.get("/v1/credit-memos/{creditMemoKey}", {"creditMemoKey": "CM00000003"})).data
    assert fetched["id"] == memo["id"]


async def test_credit_memo_amount_cannot_exceed_the_invoice_item(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    with pytest.raises(BillingError) as caught:
        await call(client, "POST", CM_FROM_INVOICE, {"invoiceKey": "INV00000001"}, credit_body(sandbox, 100.01))
    assert caught.value.reasons[0].code.endswith("30")
    assert len(sandbox.tenant.credit_memos) == 2


async def test_credit_memos_together_cannot_exceed_the_invoice_item(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    await call(client, "POST", CM_FROM_INVOICE, {"invoiceKey": "INV00000001"}, credit_body(sandbox, 70))
    with pytest.raises(BillingError):
        await call(client, "POST", CM_FROM_INVOICE, {"invoiceKey": "INV00000001"}, credit_body(sandbox, 31))
    assert items_of(sandbox, "INV00000001")[0].credited == Decimal(70)


async def test_credit_memo_auto_posted_and_applied_lowers_the_balance(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    body = credit_body(sandbox, 25, autoPost=True, autoApplyToInvoiceUponPosting=True)
    memo = await call(client, "POST", CM_FROM_INVOICE, {"invoiceKey": "INV00000001"}, body)
    assert (memo["status"], memo["appliedAmount"], memo["unappliedAmount"]) == ("Posted", 25.0, 0.0)
    assert sandbox.tenant.invoice("INV00000001").balance == Decimal("140.00")


async def test_credit_memo_refuses_a_draft_invoice(client: BillingClient, sandbox: RunningSandbox) -> None:
    item = items_of(sandbox, "INV00000003")[0]
    body = {
        "invoiceId": sandbox.tenant.invoice("INV00000003").id,
        "items": [{"invoiceItemId": item.id, "amount": 1, "skuName": "x"}],
    }
    with pytest.raises(BillingError) as caught:
        await call(client, "POST", CM_FROM_INVOICE, {"invoiceKey": "INV00000003"}, body)
    assert caught.value.reasons[0].code.endswith("30")


async def test_debit_memo_from_invoice_is_numbered_and_has_a_balance(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    item = items_of(sandbox, "INV00000006")[0]
    body = {
        "invoiceId": sandbox.tenant.invoice("INV00000006").id,
        "autoPost": True,
        "items": [{"invoiceItemId": item.id, "amount": 50, "skuName": "Lizenz"}],
    }
    memo = await call(client, "POST", DM_FROM_INVOICE, {"invoiceKey": "INV00000006"}, body)
    assert (memo["number"], memo["currency"], memo["balance"], memo["status"]) == ("DM00000003", "EUR", 50.0, "Posted")
    assert memo["dueDate"] == "2025-06-15"


async def test_debit_memo_amount_cannot_exceed_the_invoice_item(client: BillingClient, sandbox: RunningSandbox) -> None:
    item = items_of(sandbox, "INV00000006")[0]
    body = {
        "invoiceId": sandbox.tenant.invoice("INV00000006").id,
        "items": [{"invoiceItemId": item.id, "amount": 500.01, "skuName": "Lizenz"}],
    }
    with pytest.raises(BillingError) as caught:
        await call(client, "POST", DM_FROM_INVOICE, {"invoiceKey": "INV00000006"}, body)
    assert caught.value.reasons[0].code.endswith("30")


APPLY = "/v1/credit-memos/{creditMemoKey}/apply"


async def test_apply_credit_memo_moves_money_to_invoice_and_debit_memo(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    body = {
        "invoices": [{"invoiceId": sandbox.tenant.invoice("INV00000001").id, "amount": 20}],
        "debitMemos": [{"debitMemoId": sandbox.tenant.debit_memo("DM00000001").id, "amount": 10}],
    }
    memo = await call(client, "PUT", APPLY, {"creditMemoKey": "CM00000001"}, body)
    assert (memo["appliedAmount"], memo["unappliedAmount"]) == (30.0, 0.0)
    assert sandbox.tenant.invoice("INV00000001").balance == Decimal("145.00")
    assert sandbox.tenant.debit_memo("DM00000001").balance == Decimal("30.00")


@pytest.mark.parametrize(
    ("memo", "invoice", "amount"),
    [
        ("CM00000001", "INV00000001", 30.01),  # more than the memo's unapplied amount
        ("CM00000002", "INV00000001", 5),  # draft memo
        ("CM00000001", "INV00000006", 5),  # another account
    ],
)
async def test_apply_credit_memo_refuses_amounts_outside_the_rules(
    client: BillingClient, sandbox: RunningSandbox, memo: str, invoice: str, amount: float
) -> None:
    body = {"invoices": [{"invoiceId": sandbox.tenant.invoice(invoice).id, "amount": amount}]}
    with pytest.raises(BillingError) as caught:
        await call(client, "PUT", APPLY, {"creditMemoKey": memo}, body)
    assert caught.value.reasons[0].code.endswith("30")
    assert sandbox.counters.writes_applied == 0


async def test_apply_refuses_more_than_the_invoice_balance(client: BillingClient, sandbox: RunningSandbox) -> None:
    # Give the memo enough to exceed INV00000002's 60.00 balance without exceeding itself.
    sandbox.tenant.credit_memo("CM00000001").items[0].amount = Decimal(100)
    body = {"invoices": [{"invoiceId": "INV00000002", "amount": 60.01}]}
    with pytest.raises(BillingError) as caught:
        await call(client, "PUT", APPLY, {"creditMemoKey": "CM00000001"}, body)
    assert "balance of invoice" in caught.value.reasons[0].message


async def test_debit_memo_write_off_creates_an_applied_credit_memo(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    answer = await call(client, "PUT", "/v1/debit-memos/{debitMemoKey}/write-off", {"debitMemoKey": "DM00000001"}, {})
    memo = sandbox.tenant.credit_memos[answer["creditMemo"]["id"]]
    assert (memo.amount, memo.applied_amount, memo.status) == (Decimal(40), Decimal(40), "Posted")
    fetched = (await client.get("/v1/debit-memos/{debitMemoKey}", {"debitMemoKey": "DM00000001"})).data
    assert fetched["balance"] == 0.0


@pytest.mark.parametrize("debit_memo", ["DM00000002"])
async def test_debit_memo_write_off_refuses_a_draft(client: BillingClient, debit_memo: str) -> None:
    with pytest.raises(BillingError) as caught:
        await call(client, "PUT", "/v1/debit-memos/{debitMemoKey}/write-off", {"debitMemoKey": debit_memo}, {})
    assert caught.value.reasons[0].code.endswith("30")


async def test_debit_memo_write_off_refuses_a_second_time(client: BillingClient) -> None:
    path = "/v1/debit-memos/{debitMemoKey}/write-off"
    await call(client, "PUT", path, {"debitMemoKey": "DM00000001"}, {})
    with pytest.raises(BillingError) as caught:
        await call(client, "PUT", path, {"debitMemoKey": "DM00000001"}, {})
    assert "no open balance" in caught.value.reasons[0].message
