"""Preflight for memo writes: credit and debit memos from an invoice, applying a credit memo, and
writing off a debit memo (seed 004).

A memo created from an invoice may not credit or charge more per item than the invoice item
allows; applying a credit memo may not exceed the memo's unapplied amount nor any target's balance.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from zuora_mcp.preflight import PreflightFn, PreflightReport, Reader, ReadFailed, fingerprint
from zuora_mcp.providers.zuora.preflight.common import fmt, invoice_items, money, read_record

Progress = Callable[[str], Awaitable[None]]


async def _memo_from_invoice(args: Mapping[str, Any], reader: Reader, kind: str) -> PreflightReport:
    key = str(args["invoiceKey"])
    report = PreflightReport(effect=f"Would create a {kind} memo from invoice {key}.")
    invoice = await read_record(report, reader, "Invoice", "/v1/invoices/{invoiceKey}", {"invoiceKey": key})
    if invoice is None:
        return report
    currency, number = invoice.get("currency"), invoice.get("invoiceNumber") or key
    report.add("Invoice is Posted", invoice.get("status") == "Posted", f"status is {invoice.get('status')}")
    wanted = [i for i in args.get("items") or [] if isinstance(i, dict)]
    try:
        existing = {str(item.get("id")): item for item in await invoice_items(reader, key)}
    except ReadFailed as exc:
        report.add("Invoice items could be read", False, exc.detail)
        return report
    total = Decimal(0)
    for item in wanted:
        amount = money(item.get("amount"))
        total += amount
        item_id = str(item.get("invoiceItemId") or "")
        source = existing.get(item_id)
        if not item_id:
            continue  # a debit memo item may be a new charge without a source item
        if source is None:
            report.add(f"Item {item_id} belongs to invoice {number}", False, "no such item on the invoice")
            continue
        # Credit is limited by what is still creditable; a debit memo by the item's charge amount.
        limit_field = "availableToCreditAmount" if kind == "credit" else "chargeAmount"
        limit = money(source.get(limit_field, source.get("chargeAmount")))
        report.add(
            f"Item {item_id} amount is within the invoice item",
            0 < amount <= limit,
            f"{fmt(amount, currency)} requested, at most {fmt(limit, currency)}",
        )
    memo_date = args.get("effectiveDate") or date.today().isoformat()
    verb = "crediting" if kind == "credit" else "charging"
    report.effect = (
        f"Creates a {kind} memo of {fmt(total, currency)} before tax from invoice {number} dated {memo_date}, "
        f"{verb} {len(wanted)} item(s)" + (" and posting it." if args.get("autoPost") else " as a Draft memo.")
    )
    report.amount, report.currency = float(total), currency
    report.fingerprint = fingerprint(invoice.get("balance"), invoice.get("updatedDate"), invoice.get("status"))
    return report


async def create_credit_memo_from_invoice(
    args: Mapping[str, Any], reader: Reader, progress: Progress
) -> PreflightReport:
    return await _memo_from_invoice(args, reader, "credit")


async def create_debit_memo_from_invoice(
    args: Mapping[str, Any], reader: Reader, progress: Progress
) -> PreflightReport:
    return await _memo_from_invoice(args, reader, "debit")


async def apply_credit_memo(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    key = str(args["creditMemoKey"])
    report = PreflightReport(effect=f"Would apply credit memo {key}.")
    memo = await read_record(report, reader, "Credit memo", "/v1/credit-memos/{creditMemoKey}", {"creditMemoKey": key})
    if memo is None:
        return report
    currency, unapplied = memo.get("currency"), money(memo.get("unappliedAmount"))
    report.add("Credit memo is Posted", memo.get("status") == "Posted", f"status is {memo.get('status')}")
    targets: list[tuple[str, str, str, Decimal]] = [
        ("Invoice", "/v1/invoices/{invoiceKey}", str(t.get("invoiceId")), money(t.get("amount")))
        for t in args.get("invoices") or []
    ] + [
        ("Debit memo", "/v1/debit-memos/{debitMemoKey}", str(t.get("debitMemoId")), money(t.get("amount")))
        for t in args.get("debitMemos") or []
    ]
    report.add("Something to apply to", bool(targets), f"{len(targets)} invoice(s) or debit memo(s)")
    total = sum((amount for *_, amount in targets), Decimal(0))
    report.add(
        "Total is within the memo's unapplied amount",
        total <= unapplied,
        f"{fmt(total, currency)} requested, {fmt(unapplied, currency)} unapplied",
    )
    states = [memo.get("unappliedAmount"), memo.get("updatedDate")]
    names = []
    for what, path, target_key, amount in targets:
        param = "invoiceKey" if what == "Invoice" else "debitMemoKey"
        record = await read_record(report, reader, what, path, {param: target_key})
        if record is None:
            continue
        balance = money(record.get("balance"))
        label = record.get("invoiceNumber") or record.get("number") or target_key
        names.append(f"{fmt(amount, currency)} to {label}")
        report.add(
            f"{what} {label} balance covers the amount",
            0 < amount <= balance,
            f"{fmt(amount, currency)} requested, balance {fmt(balance, currency)}",
        )
        states.append(record.get("balance"))
    number = memo.get("number") or key
    report.effect = (
        f"Applies credit memo {number} (unapplied {fmt(unapplied, currency)}): " + ", ".join(names) + "; "
        f"{fmt(unapplied - total, currency)} stays unapplied."
    )
    report.amount, report.currency, report.fingerprint = float(total), currency, fingerprint(states)
    return report


async def write_off_debit_memo(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    key = str(args["debitMemoKey"])
    report = PreflightReport(effect=f"Would write off debit memo {key}.")
    memo = await read_record(report, reader, "Debit memo", "/v1/debit-memos/{debitMemoKey}", {"debitMemoKey": key})
    if memo is None:
        return report
    currency, balance = memo.get("currency"), money(memo.get("balance"))
    report.add("Debit memo is Posted", memo.get("status") == "Posted", f"status is {memo.get('status')}")
    report.add("Debit memo has an open balance", balance > 0, f"balance is {fmt(balance, currency)}")
    amount = money(args["amount"]) if args.get("amount") is not None and not args.get("items") else balance
    if args.get("amount") is not None and not args.get("items"):
        report.add("Amount is within the balance", 0 < amount <= balance, f"{fmt(amount, currency)} requested")
    memo_date = args.get("memoDate") or date.today().isoformat()
    report.effect = (
        f"Writes off {fmt(amount, currency)} of debit memo {memo.get('number') or key} "
        f"(balance {fmt(balance, currency)}) by creating a credit memo dated {memo_date} and applying it; "
        f"the balance becomes {fmt(balance - amount, currency)}."
    )
    report.amount, report.currency = float(amount), currency
    report.fingerprint = fingerprint(memo.get("balance"), memo.get("updatedDate"), memo.get("status"))
    report.money = {
        "label": f"Balance of {memo.get('number') or key}",
        "before": f"{balance:.2f}",
        "after": f"{balance - amount:.2f}",
        "currency": str(currency or ""),
    }
    return report


MEMO_PREFLIGHTS: dict[str, PreflightFn] = {
    "create_credit_memo_from_invoice": create_credit_memo_from_invoice,
    "create_debit_memo_from_invoice": create_debit_memo_from_invoice,
    "apply_credit_memo": apply_credit_memo,
    "write_off_debit_memo": write_off_debit_memo,
}
