"""Zoho Billing's preconditions, checked against the live invoice before a write is sent.

Each rule comes from the spec's ``x-zoho-status-rules`` and keeps its confidence: a rule the spec
marks *documented* is a plain check, one it marks *inferred* is still checked and flagged
``inferred=True`` (the preview says so). This module holds the invoice's own lifecycle (update,
delete, void, re-open, write-off and its cancel, lines, address, custom fields) and the table;
money and mail (collect, credits, email) are in :mod:`.preflight_money`, the create's natural key
in :mod:`.preflight_create`, the attachment's file checks in :mod:`.preflight_files`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from zuora_mcp.preflight import PreflightFn, PreflightReport, Reader
from zuora_mcp.providers.zoho.checks import (
    Progress,
    fmt,
    invoice_state,
    label,
    money,
    quoted,
    read_invoice,
    status_allows,
)
from zuora_mcp.providers.zoho.preflight_create import create_invoice
from zuora_mcp.providers.zoho.preflight_files import attach_file_to_invoice
from zuora_mcp.providers.zoho.preflight_money import apply_credits_to_invoice, collect_invoice_payment, email_invoice

__all__ = ["PREFLIGHTS"]

# Allowed statuses, as the spec's x-zoho-status-rules give them (confidence beside each).
UPDATABLE = ("draft", "pending", "sent", "overdue")  # inferred
DELETABLE = ("draft", "pending", "sent", "overdue", "void")  # inferred (the payment rule is documented)
VOIDABLE = ("sent", "overdue", "partially_paid", "paid", "pending")  # inferred
REOPENABLE = ("void", "pending")  # documented (KB P6, help P7)
WRITE_OFF = ("sent", "overdue", "partially_paid")  # inferred
CANCEL_WRITE_OFF = ("paid",)  # inferred
PENDING = ("pending",)  # documented (Zoho's 102028 otherwise)


def _unapplied(report: PreflightReport, invoice: Mapping[str, Any], action: str, *, inferred: bool) -> None:
    currency = invoice.get("currency_code")
    paid, credited = money(invoice.get("payment_made")), money(invoice.get("credits_applied"))
    report.add(
        f"No payment or credit is applied ({action})",
        paid == 0 and credited == 0,
        f"payments {fmt(paid, currency)}, credits {fmt(credited, currency)}",
        inferred=inferred,
    )


def _lines(items: Any, currency: Any) -> tuple[str, Decimal]:
    """``2 × "Pro" @ 120.00 USD`` for each line, and the total before tax."""
    parts, total = [], Decimal(0)
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        quantity, price = money(item.get("quantity") or 1), money(item.get("price"))
        total += quantity * price
        name = item.get("name") or item.get("code") or item.get("product_id") or "line"
        parts.append(f"{quantity.normalize():f} × {quoted(name)} @ {fmt(price, currency)}")
    return "; ".join(parts), total


_PLAIN_FIELDS = ("customer_id", "reference_number", "date", "due_date", "payment_terms", "notes", "terms")


def _changes(invoice: Mapping[str, Any], args: Mapping[str, Any]) -> str:
    parts = []
    for name in _PLAIN_FIELDS:
        if name in args and args[name] != invoice.get(name):
            parts.append(f"{name} {quoted(invoice.get(name) or '')} → {quoted(args[name])}")
    if args.get("invoice_number"):
        parts.append(f"number {invoice.get('number')} → {quoted(args['invoice_number'])}")
    # The update's lines carry no id (spec): the list given replaces every existing line.
    existing = [quoted(i.get("name")) for i in invoice.get("invoice_items") or [] if isinstance(i, Mapping)]
    lines, total = _lines(args.get("invoice_items"), invoice.get("currency_code"))
    parts.append(
        f"its {len(existing)} line(s) ({', '.join(existing)}) are replaced by: {lines} "
        f"(total {fmt(total, invoice.get('currency_code'))} before tax)"
    )
    return "; ".join(parts)


async def update_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would update invoice {args['invoice_id']}.")
    if args.get("ignore_auto_number_generation") is True:
        report.add(
            "invoice_number is given (ignore_auto_number_generation=true)", bool(args.get("invoice_number")), "required"
        )
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    status_allows(report, invoice, UPDATABLE, "editing", inferred=True)
    _unapplied(report, invoice, "Zoho's 3009/3010", inferred=True)
    report.effect = f"Updates invoice {label(invoice)} ({invoice.get('status')}): {_changes(invoice, args)}."
    report.fingerprint = invoice_state(invoice)
    return report


async def delete_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would delete invoice {args['invoice_id']}.")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    _unapplied(report, invoice, "Zoho's 4001/12008", inferred=False)
    status_allows(report, invoice, DELETABLE, "deleting", inferred=True)
    total = fmt(money(invoice.get("total")), invoice.get("currency_code"))
    report.effect = (
        f"Deletes invoice {label(invoice)} ({invoice.get('status')}, total {total}) permanently: Zoho can't restore it."
    )
    report.fingerprint = invoice_state(invoice)
    return report


async def void_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would void invoice {args['invoice_id']}.")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    status_allows(report, invoice, VOIDABLE, "voiding", inferred=True)
    currency = invoice.get("currency_code")
    paid, credited = money(invoice.get("payment_made")), money(invoice.get("credits_applied"))
    moved = ""
    if paid or credited:
        moved = (
            f" Payments of {fmt(paid, currency)} and credits of {fmt(credited, currency)} are detached and become "
            f"credit of {quoted(invoice.get('customer_name'))}; re-opening does not re-apply them."
        )
    report.effect = (
        f"Voids invoice {label(invoice)} ({invoice.get('status')}, total {fmt(money(invoice.get('total')), currency)}, "
        f"balance {fmt(money(invoice.get('balance')), currency)}): the customer can no longer pay it.{moved}"
    )
    report.amount, report.currency = float(paid + credited), currency
    report.fingerprint = invoice_state(invoice)
    return report


async def mark_invoice_open(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would mark invoice {args['invoice_id']} open.")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    status_allows(report, invoice, REOPENABLE, "marking open", inferred=False)
    currency = invoice.get("currency_code")
    report.effect = (
        f"Makes invoice {label(invoice)} ({invoice.get('status')}) open: the customer owes "
        f"{fmt(money(invoice.get('balance')), currency)} again. Zoho may then send reminders or charge a saved "
        "card automatically, depending on the organisation's settings (unknown)."
    )
    report.fingerprint = invoice_state(invoice)
    return report


async def write_off_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would write off invoice {args['invoice_id']}.")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    currency, balance = invoice.get("currency_code"), money(invoice.get("balance"))
    status_allows(report, invoice, WRITE_OFF, "a write-off", inferred=True)
    report.add("Invoice has an unpaid balance", balance > 0, f"balance is {fmt(balance, currency)}", inferred=True)
    reason = f" Reason: {quoted(args['reason'])}." if isinstance(args.get("reason"), str) and args["reason"] else ""
    report.effect = (
        f"Writes off {fmt(balance, currency)} owed by {quoted(invoice.get('customer_name'))} on "
        f"{invoice.get('number')}; it then shows as paid and is no longer collected "
        f"(cancel_invoice_write_off undoes it).{reason}"
    )
    report.amount, report.currency = float(balance), currency
    report.fingerprint = invoice_state(invoice)
    return report


async def cancel_invoice_write_off(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would cancel the write-off of invoice {args['invoice_id']}.")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    currency, written = invoice.get("currency_code"), money(invoice.get("write_off_amount"))
    status_allows(report, invoice, CANCEL_WRITE_OFF, "cancelling a write-off", inferred=True)
    report.add("Invoice has been written off", written > 0, f"written off {fmt(written, currency)}", inferred=True)
    report.effect = (
        f"Cancels the write-off of {fmt(written, currency)} on {label(invoice)}: "
        f"{quoted(invoice.get('customer_name'))} owes it again."
    )
    report.amount, report.currency = float(written), currency
    report.fingerprint = invoice_state(invoice)
    return report


async def add_invoice_line_items(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would add lines to invoice {args['invoice_id']}.")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    status_allows(report, invoice, PENDING, "changing lines", inferred=False, code=102028)
    currency = invoice.get("currency_code")
    lines, total = _lines(args.get("invoice_items"), currency)
    report.effect = (
        f"Adds to pending invoice {label(invoice)}: {lines}; the total grows by about {fmt(total, currency)} "
        f"before tax (from {fmt(money(invoice.get('total')), currency)})."
    )
    report.amount, report.currency = float(total), currency
    report.fingerprint = invoice_state(invoice)
    return report


async def delete_invoice_line_item(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would remove line {args.get('line_item_id')} of invoice {args['invoice_id']}.")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    status_allows(report, invoice, PENDING, "changing lines", inferred=False, code=102028)
    wanted = str(args.get("line_item_id"))
    lines = [i for i in invoice.get("invoice_items") or [] if isinstance(i, Mapping)]
    line = next((i for i in lines if str(i.get("item_id")) == wanted), None)
    # That the path takes the line's item_id is the spec's reading of an ambiguous example (inferred).
    report.add(
        f"Line {wanted} is on the invoice",
        line is not None,
        f"lines: {', '.join(str(i.get('item_id')) for i in lines) or 'none'}",
        inferred=True,
    )
    if line is not None:
        currency = invoice.get("currency_code")
        report.effect = (
            f"Removes line {quoted(line.get('name'))} ({fmt(money(line.get('item_total')), currency)}) "
            f"from pending invoice {label(invoice)}."
        )
    report.fingerprint = invoice_state(invoice)
    return report


def _address_text(value: Any) -> str:
    if not isinstance(value, Mapping) or not value:
        return "(none)"
    keys = ("attention", "address", "street", "street2", "city", "state", "zip", "country")
    return quoted(", ".join(str(value[k]) for k in keys if value.get(k)))


async def update_invoice_address(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would change the address on invoice {args['invoice_id']}.")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    changes = [
        f"{kind} address {_address_text(invoice.get(name))} → {_address_text(args[name])}"
        for kind, name in (("billing", "billing_address"), ("shipping", "shipping_address"))
        if name in args
    ]
    report.add("An address is given", bool(changes), "billing_address or shipping_address")
    report.effect = (
        f"Changes on invoice {label(invoice)} only (not the customer's record): " + ("; ".join(changes) or "nothing")
    ) + "."
    report.fingerprint = invoice_state(invoice)
    return report


def _field_changes(invoice: Mapping[str, Any], entries: Any, key: str) -> str:
    current = {
        str(f.get(key) if key == "customfield_id" else str(f.get("label", "")).lower()): f
        for f in invoice.get("custom_fields") or []
        if isinstance(f, Mapping)
    }
    parts = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        name = str(entry.get(key))
        before = current.get(name if key == "customfield_id" else name.lower())
        shown = before.get("label") if before else name
        old = quoted(before.get("value")) if before else "(empty)"
        parts.append(f"{quoted(shown)} {old} → {quoted(entry.get('value'))}")
    return "; ".join(parts) or "nothing"


async def update_invoice_custom_fields(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would set custom fields on invoice {args['invoice_id']}.")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    changes = _field_changes(invoice, args.get("body"), "customfield_id")
    report.effect = f"Sets custom fields on invoice {label(invoice)}: {changes}."
    report.fingerprint = invoice_state(invoice)
    return report


async def set_invoice_custom_fields_by_label(
    args: Mapping[str, Any], reader: Reader, progress: Progress
) -> PreflightReport:
    report = PreflightReport(effect=f"Would set custom fields on invoice {args['invoice_id']}.")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    changes = _field_changes(invoice, args.get("custom_fields"), "label")
    report.effect = (
        f"Sets custom fields on invoice {label(invoice)}: {changes}. Zoho refuses a label the organisation has not "
        "defined."
    )
    report.fingerprint = invoice_state(invoice)
    return report


PREFLIGHTS: dict[str, PreflightFn] = {
    "create_invoice": create_invoice,
    "update_invoice": update_invoice,
    "delete_invoice": delete_invoice,
    "update_invoice_custom_fields": update_invoice_custom_fields,
    "mark_invoice_open": mark_invoice_open,
    "void_invoice": void_invoice,
    "email_invoice": email_invoice,
    "collect_invoice_payment": collect_invoice_payment,
    "write_off_invoice": write_off_invoice,
    "cancel_invoice_write_off": cancel_invoice_write_off,
    "update_invoice_address": update_invoice_address,
    "set_invoice_custom_fields_by_label": set_invoice_custom_fields_by_label,
    "apply_credits_to_invoice": apply_credits_to_invoice,
    "add_invoice_line_items": add_invoice_line_items,
    "delete_invoice_line_item": delete_invoice_line_item,
    "attach_file_to_invoice": attach_file_to_invoice,
}
