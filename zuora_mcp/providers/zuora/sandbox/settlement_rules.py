"""Reverse and write-off: Zuora's settlement of a posted invoice by a credit memo (seed 000, 004).

Both create a posted credit memo and apply it to the invoice at once. As everywhere in the
sandbox, every check runs before anything changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from zuora_mcp.providers.zuora.sandbox.dialect import Refusal
from zuora_mcp.providers.zuora.sandbox.models import Application, CreditMemo, Invoice, InvoiceItem, MemoItem, dec, money
from zuora_mcp.providers.zuora.sandbox.tenant import Tenant, settle_items

__all__ = ["MAX_SETTLEMENT_ITEMS", "apply_memo_to_invoice", "reverse_invoice", "write_off_invoice"]

MAX_SETTLEMENT_ITEMS = 2000  # reverse and write-off: invoice + discount + taxation items


def apply_memo_to_invoice(tenant: Tenant, memo: CreditMemo, invoice: Invoice, amount: Decimal) -> None:
    """Apply ``amount`` of a posted credit memo to an invoice: balances, totals, application part."""
    memo.applied_amount += amount
    memo.updated_date = tenant.clock.timestamp()
    invoice.balance -= amount
    invoice.credit_memo_amount += amount
    settle_items(invoice, amount, kind="credit")
    invoice.applications.append(Application(amount, tenant.clock.timestamp(), credit_memo_id=memo.id))
    invoice.updated_date = tenant.clock.timestamp()


def _memo_for(
    tenant: Tenant,
    invoice: Invoice,
    lines: list[tuple[InvoiceItem, Decimal, Decimal]],
    body: Mapping[str, Any],
    reason: str,
) -> CreditMemo:
    """A posted credit memo mirroring ``lines`` (item, amount, tax) of ``invoice``."""
    now = tenant.clock.timestamp()
    memo_items = []
    for item, amount, tax in lines:
        item.credited += amount
        for tax_item in item.taxation_items:
            tax_item.credited += tax_item.balance if reason == "Write-off" else tax_item.tax_amount
        memo_items.append(
            MemoItem(
                id=tenant.new_id("credit_memo_item"),
                amount=amount,
                sku_name=item.sku or item.charge_name,
                source_item_id=item.id,
                description=item.description,
                service_start_date=item.service_start_date,
                service_end_date=item.service_end_date,
                tax_amount=tax,
                source_tax_item_ids=[t.id for t in item.taxation_items],
            )
        )
    memo = CreditMemo(
        id=tenant.new_id("credit_memo"),
        number=tenant.next_number("credit_memo"),
        account_id=invoice.account_id,
        currency=invoice.currency,
        memo_date=str(body.get("memoDate") or tenant.clock.today()),
        items=memo_items,
        status="Posted",
        reason_code=str(body.get("reasonCode") or reason),
        comment=str(body.get("comment", "")),
        referred_invoice_id=invoice.id,
        created_date=now,
        updated_date=now,
        posted_on=now,
    )
    tenant.credit_memos[memo.id] = memo
    return memo


def reverse_invoice(tenant: Tenant, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """PUT /v1/invoices/{invoiceKey}/reverse.

    Refused when the invoice is not Posted, has payments or credit memos applied, is split, is
    negative, or has more than 2,000 items in total. Otherwise a posted credit memo for the whole
    invoice is created and applied to it: the invoice stays Posted with balance 0.
    """
    invoice = tenant.invoice(key)
    number = invoice.invoice_number
    if invoice.status != "Posted":
        raise Refusal.rule("invoice", f"Only posted invoices can be reversed; {number} is {invoice.status}.")
    if invoice.payment_amount > 0 or invoice.credit_memo_amount > 0 or invoice.reversed:
        raise Refusal.rule(
            "invoice", f"The invoice {number} has payments or credit memos applied and cannot be reversed."
        )
    if invoice.split:
        raise Refusal.rule("invoice", f"The invoice {number} is split and cannot be reversed.")
    if invoice.amount < 0:
        raise Refusal.rule("invoice", f"The invoice {number} is a negative invoice and cannot be reversed.")
    count = invoice.item_count()
    if count > MAX_SETTLEMENT_ITEMS:
        raise Refusal.rule(
            "invoice",
            f"The invoice {number} has {count} items in total (invoice, discount and taxation items); "
            f"an invoice with more than {MAX_SETTLEMENT_ITEMS:,} items cannot be reversed.",
        )
    lines = [(invoice.items.find(i.id) or i, i.amount, i.tax_amount) for i in invoice.items]
    memo = _memo_for(tenant, invoice, lines, body, "Invoice Reversal")
    apply_memo_to_invoice(tenant, memo, invoice, memo.amount)
    invoice.reversed = True
    return {"creditMemo": {"id": memo.id}, "success": True}


def write_off_invoice(tenant: Tenant, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """PUT /v1/invoices/{invoiceKey}/write-off: a credit memo for the whole open balance, applied at once.

    Refused when the invoice is not Posted, has no open balance, or has more than 2,000 items;
    when ``items`` is given it must name every item of the invoice (the whole balance is written off).
    """
    invoice = tenant.invoice(key)
    number = invoice.invoice_number
    if invoice.status != "Posted":
        raise Refusal.rule("invoice", f"Only posted invoices can be written off; {number} is {invoice.status}.")
    count = invoice.item_count()
    if count > MAX_SETTLEMENT_ITEMS:
        raise Refusal.rule(
            "invoice",
            f"The invoice {number} has {count} items in total; an invoice with more than "
            f"{MAX_SETTLEMENT_ITEMS:,} items cannot be written off.",
        )
    if invoice.balance <= 0:
        raise Refusal.rule("invoice", f"The invoice {number} has no open balance to write off.")
    given = body.get("items")
    if given is not None:
        named = {str(raw.get("invoiceItemId")) for raw in given}
        unknown = sorted(n for n in named if invoice.items.find(n) is None)
        if unknown:
            raise Refusal.invalid("invoice_item", f"Invalid invoiceItemId: {', '.join(unknown)}.")
        if named != {item.id for item in invoice.items}:
            raise Refusal.rule(
                "invoice_item",
                "If you specify items, you must specify all the items of the invoice; "
                "the entire balance is written off.",
            )
    if "amount" in body and dec(body["amount"]) != invoice.balance:
        raise Refusal.rule(
            "invoice", f"The write-off amount {body['amount']} must equal the invoice balance {money(invoice.balance)}."
        )
    lines = []
    for item in invoice.items:
        tax_balance = sum((t.balance for t in item.taxation_items), Decimal(0))
        if item.balance > 0 or tax_balance > 0:
            lines.append((invoice.items.find(item.id) or item, item.balance, tax_balance))
    memo = _memo_for(tenant, invoice, lines, body, "Write-off")
    apply_memo_to_invoice(tenant, memo, invoice, memo.amount)
    return {"creditMemo": {"id": memo.id}, "success": True}
