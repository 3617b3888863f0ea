"""Credit and debit memo writes and Zuora's rules for them (spec descriptions, seed 004).

As in :mod:`.invoice_rules`: every check first, then the changes, so a refusal changed nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from zuora_mcp.providers.zuora.sandbox.dialect import Refusal
from zuora_mcp.providers.zuora.sandbox.models import CreditMemo, DebitMemo, Invoice, InvoiceItem, MemoItem, dec, money
from zuora_mcp.providers.zuora.sandbox.settlement_rules import apply_memo_to_invoice
from zuora_mcp.providers.zuora.sandbox.tenant import Tenant, add_days, net_days
from zuora_mcp.providers.zuora.sandbox.views import credit_memo_view, debit_memo_view

__all__ = [
    "apply_credit_memo",
    "create_credit_memo_from_invoice",
    "create_debit_memo_from_invoice",
    "write_off_debit_memo",
]


def _source_invoice(tenant: Tenant, key: str, body: Mapping[str, Any], kind: str) -> Invoice:
    invoice = tenant.invoice(key)
    named = body.get("invoiceId")
    if named is not None and tenant.invoices.get(str(named)) is not invoice and str(named) != invoice.invoice_number:
        raise Refusal.invalid(kind, f"invoiceId '{named}' is not the invoice {invoice.invoice_number} in the path.")
    if invoice.status != "Posted":
        raise Refusal.rule(
            kind, f"Memos can only be created from posted invoices; {invoice.invoice_number} is {invoice.status}."
        )
    return invoice


def _memo_lines(
    tenant: Tenant, invoice: Invoice, body: Mapping[str, Any], kind: str, *, credit: bool
) -> list[tuple[InvoiceItem | None, MemoItem]]:
    """Check each requested memo item against what is left of its invoice item; build the memo items."""
    resource = f"{kind}_item"
    used: dict[str, Decimal] = {}
    used_tax: dict[str, Decimal] = {}
    lines: list[tuple[InvoiceItem | None, MemoItem]] = []
    for raw in body.get("items") or []:
        amount = dec(raw["amount"])
        if amount < 0:
            raise Refusal.invalid(resource, "The amount of a memo item must not be negative.")
        item: InvoiceItem | None = None
        if raw.get("invoiceItemId") is not None:
            item = invoice.items.find(str(raw["invoiceItemId"]))
            if item is None:
                raise Refusal.invalid(
                    resource, f"The invoice item '{raw['invoiceItemId']}' is not on invoice {invoice.invoice_number}."
                )
            done = item.credited if credit else item.debited
            used[item.id] = used.get(item.id, Decimal(0)) + amount
            if used[item.id] > item.amount - done:
                raise Refusal.rule(
                    resource,
                    f"The memo item amount {money(used[item.id])} exceeds the amount available on invoice "
                    f"item {item.id} ({money(item.amount - done)}).",
                )
        elif credit:
            raise Refusal(resource, "missing_field", "invoiceItemId is required for each item.")
        tax_total = Decimal(0)
        for raw_tax in raw.get("taxItems") or []:
            tax_amount = dec(raw_tax.get("amount", 0))
            source = raw_tax.get("sourceTaxItemId")
            if source is not None:
                tax = next((t for t in (item.taxation_items if item else []) if t.id == source), None)
                if tax is None:
                    raise Refusal.invalid(resource, f"The taxation item '{source}' is not on the invoice item.")
                used_tax[tax.id] = used_tax.get(tax.id, Decimal(0)) + tax_amount
                if credit and used_tax[tax.id] > tax.tax_amount - tax.credited:
                    raise Refusal.rule(
                        resource,
                        f"The tax amount {money(used_tax[tax.id])} exceeds the amount available on "
                        f"taxation item {tax.id} ({money(tax.tax_amount - tax.credited)}).",
                    )
            tax_total += tax_amount
        lines.append(
            (
                item,
                MemoItem(
                    id=tenant.new_id(resource),
                    amount=amount,
                    sku_name=str(raw.get("skuName", "")),
                    source_item_id=item.id if item else None,
                    description=str(raw.get("description", "")),
                    service_start_date=raw.get("serviceStartDate"),
                    service_end_date=raw.get("serviceEndDate"),
                    tax_amount=tax_total,
                    source_tax_item_ids=[
                        str(t["sourceTaxItemId"]) for t in raw.get("taxItems") or [] if "sourceTaxItemId" in t
                    ],
                ),
            )
        )
    if not credit:
        total = sum((m.amount for _, m in lines if m.source_item_id is None), Decimal(0))
        if total > invoice.amount_without_tax:
            raise Refusal.rule(resource, "The memo items exceed the amount of the invoice.")
    return lines


def _record_use(invoice: Invoice, lines: list[tuple[InvoiceItem | None, MemoItem]], *, credit: bool) -> None:
    for item, memo_item in lines:
        if item is None:
            continue
        if credit:
            item.credited += memo_item.amount
        else:
            item.debited += memo_item.amount
        for tax in item.taxation_items:
            if tax.id in memo_item.source_tax_item_ids and credit:
                tax.credited += memo_item.tax_amount


def create_credit_memo_from_invoice(tenant: Tenant, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /v1/credit-memos/invoice/{invoiceKey}: item amounts cannot exceed what is left to credit."""
    invoice = _source_invoice(tenant, key, body, "credit_memo")
    lines = _memo_lines(tenant, invoice, body, "credit_memo", credit=True)
    if not lines:
        raise Refusal("credit_memo", "missing_field", "items is required: name the invoice items to credit.")
    _record_use(invoice, lines, credit=True)
    now = tenant.clock.timestamp()
    posted = bool(body.get("autoPost", False))
    memo = CreditMemo(
        id=tenant.new_id("credit_memo"),
        number=tenant.next_number("credit_memo"),
        account_id=invoice.account_id,
        currency=invoice.currency,
        memo_date=str(body.get("effectiveDate") or tenant.clock.today()),
        items=[m for _, m in lines],
        status="Posted" if posted else "Draft",
        reason_code=str(body.get("reasonCode") or "Correcting invoice error"),
        comment=str(body.get("comment", "")),
        referred_invoice_id=invoice.id,
        auto_apply_upon_posting=bool(body.get("autoApplyToInvoiceUponPosting", False)),
        exclude_from_auto_apply_rules=bool(body.get("excludeFromAutoApplyRules", False)),
        created_date=now,
        updated_date=now,
        posted_on=now if posted else None,
    )
    tenant.credit_memos[memo.id] = memo
    if posted and memo.auto_apply_upon_posting and invoice.balance > 0:
        apply_memo_to_invoice(tenant, memo, invoice, min(memo.amount, invoice.balance))
    return credit_memo_view(memo, tenant.accounts[memo.account_id])


def create_debit_memo_from_invoice(tenant: Tenant, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /v1/debit-memos/invoice/{invoiceKey}: item amounts cannot exceed the invoice items' amounts."""
    invoice = _source_invoice(tenant, key, body, "debit_memo")
    lines = _memo_lines(tenant, invoice, body, "debit_memo", credit=False)
    if not lines:
        raise Refusal("debit_memo", "missing_field", "items is required: name the amounts to charge.")
    _record_use(invoice, lines, credit=False)
    now = tenant.clock.timestamp()
    posted = bool(body.get("autoPost", False))
    memo_date = str(body.get("effectiveDate") or tenant.clock.today())
    account = tenant.accounts[invoice.account_id]
    memo = DebitMemo(
        id=tenant.new_id("debit_memo"),
        number=tenant.next_number("debit_memo"),
        account_id=invoice.account_id,
        currency=invoice.currency,
        memo_date=memo_date,
        due_date=add_days(memo_date, net_days(account.payment_term)),
        items=[m for _, m in lines],
        status="Posted" if posted else "Draft",
        reason_code=str(body.get("reasonCode") or "Correcting invoice error"),
        comment=str(body.get("comment", "")),
        referred_invoice_id=invoice.id,
        auto_pay=bool(body.get("autoPay", False)),
        payment_term=account.payment_term,
        created_date=now,
        updated_date=now,
        posted_on=now if posted else None,
    )
    memo.balance = memo.amount
    tenant.debit_memos[memo.id] = memo
    return debit_memo_view(memo, account)


def apply_credit_memo(tenant: Tenant, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """PUT /v1/credit-memos/{creditMemoKey}/apply.

    The memo must be Posted; each amount must be positive and within its target's balance, and the
    total within the memo's unapplied amount. Targets must be posted and on the memo's account.
    """
    memo = tenant.credit_memo(key)
    if memo.status != "Posted":
        raise Refusal.rule("credit_memo", f"Only posted credit memos can be applied; {memo.number} is {memo.status}.")
    invoices = list(body.get("invoices") or [])
    debit_memos = list(body.get("debitMemos") or [])
    if not invoices and not debit_memos:
        raise Refusal("credit_memo", "missing_field", "Name at least one invoice or debit memo to apply the memo to.")
    wanted: dict[str, Decimal] = {}
    plan_invoices: list[tuple[Invoice, Decimal]] = []
    plan_debits: list[tuple[DebitMemo, Decimal]] = []
    for raw in invoices:
        target = _target(tenant.invoice, str(raw["invoiceId"]), "invoice")
        amount = _positive(raw["amount"])
        wanted[target.id] = wanted.get(target.id, Decimal(0)) + amount
        _check_target(memo, target.account_id, target.status, target.invoice_number)
        if wanted[target.id] > target.balance:
            raise Refusal.rule(
                "credit_memo",
                f"The amount {money(wanted[target.id])} exceeds the balance of invoice "
                f"{target.invoice_number} ({money(target.balance)}).",
            )
        plan_invoices.append((target, amount))
    for raw in debit_memos:
        debit = _target(tenant.debit_memo, str(raw["debitMemoId"]), "debit memo")
        amount = _positive(raw["amount"])
        wanted[debit.id] = wanted.get(debit.id, Decimal(0)) + amount
        _check_target(memo, debit.account_id, debit.status, debit.number)
        if wanted[debit.id] > debit.balance:
            raise Refusal.rule(
                "credit_memo",
                f"The amount {money(wanted[debit.id])} exceeds the balance of debit memo {debit.number} "
                f"({money(debit.balance)}).",
            )
        plan_debits.append((debit, amount))
    total = sum(wanted.values(), Decimal(0))
    if total > memo.unapplied_amount:
        raise Refusal.rule(
            "credit_memo",
            f"The total amount {money(total)} exceeds the unapplied amount of credit memo {memo.number} "
            f"({money(memo.unapplied_amount)}).",
        )
    for invoice, amount in plan_invoices:
        apply_memo_to_invoice(tenant, memo, invoice, amount)
    for debit, amount in plan_debits:
        memo.applied_amount += amount
        debit.balance -= amount
        debit.updated_date = tenant.clock.timestamp()
    memo.updated_date = tenant.clock.timestamp()
    return credit_memo_view(memo, tenant.accounts[memo.account_id])


def _target(lookup: Any, key: str, what: str) -> Any:
    try:
        return lookup(key)
    except Refusal:
        raise Refusal.invalid("credit_memo", f"Invalid {what} id: '{key}'.") from None


def _positive(value: Any) -> Decimal:
    amount = dec(value)
    if amount <= 0:
        raise Refusal.invalid("credit_memo", "The amount to apply must be greater than 0.")
    return amount


def _check_target(memo: CreditMemo, account_id: str, status: str, number: str) -> None:
    if account_id != memo.account_id:
        raise Refusal.rule("credit_memo", f"{number} belongs to another account than credit memo {memo.number}.")
    if status != "Posted":
        raise Refusal.rule(
            "credit_memo", f"A credit memo can only be applied to posted documents; {number} is {status}."
        )


def write_off_debit_memo(tenant: Tenant, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """PUT /v1/debit-memos/{debitMemoKey}/write-off: a credit memo for the balance, applied to the debit memo."""
    debit = tenant.debit_memo(key)
    if debit.status != "Posted":
        raise Refusal.rule(
            "debit_memo", f"Only posted debit memos can be written off; {debit.number} is {debit.status}."
        )
    if debit.balance <= 0:
        raise Refusal.rule("debit_memo", f"The debit memo {debit.number} has no open balance to write off.")
    known = {item.id for item in debit.items}
    for raw in body.get("items") or []:
        if raw.get("debitMemoItemId") is not None and str(raw["debitMemoItemId"]) not in known:
            raise Refusal.invalid("debit_memo_item", f"Invalid debitMemoItemId: '{raw['debitMemoItemId']}'.")
    if "amount" in body and dec(body["amount"]) != debit.balance:
        raise Refusal.rule(
            "debit_memo",
            f"The write-off amount {body['amount']} must equal the debit memo balance {money(debit.balance)}.",
        )
    now = tenant.clock.timestamp()
    amount = debit.balance
    memo = CreditMemo(
        id=tenant.new_id("credit_memo"),
        number=tenant.next_number("credit_memo"),
        account_id=debit.account_id,
        currency=debit.currency,
        memo_date=str(body.get("memoDate") or tenant.clock.today()),
        items=[MemoItem(id=tenant.new_id("credit_memo_item"), amount=amount, sku_name="Write-off")],
        status="Posted",
        reason_code=str(body.get("reasonCode") or "Write-off"),
        comment=str(body.get("comment", "")),
        source_type="DebitMemo",
        created_date=now,
        updated_date=now,
        posted_on=now,
    )
    memo.applied_amount = amount
    tenant.credit_memos[memo.id] = memo
    debit.balance = Decimal(0)
    debit.updated_date = now
    return {"creditMemo": {"id": memo.id}, "success": True}
