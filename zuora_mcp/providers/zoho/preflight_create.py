"""Preflight for creating an invoice: the natural key that stands in for Zoho's missing idempotency key.

Zoho takes no idempotency key, so a create whose answer was lost (a dropped connection, a timeout)
may or may not have made the invoice, and a plain retry could make a second. This tool therefore
requires a ``reference_number`` (a PO or order id, unique per invoice) and, before every create,
reads the customer's newest invoices: if one already carries that reference, the create is refused
naming it. A retry after an unknown outcome is then safe by construction — it either finds the
invoice the lost create made, or makes the only one. Only the newest :data:`RECENT` are read (one
GET each): a lost create is always among the newest, and a preflight must stay within Zoho's
per-minute budget. With ``ignore_auto_number_generation`` the caller's ``invoice_number`` must be
given (documented) and free in the organisation (Zoho's 1001 otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from zuora_mcp.preflight import PreflightReport, Reader, ReadFailed, fingerprint
from zuora_mcp.providers.zoho.checks import INVOICE, Progress, fmt, money, quoted, read_customer

__all__ = ["RECENT", "create_invoice"]

PAGE_SIZE = 200
MAX_PAGES = 10  # 2,000 invoices: a preflight read must stay bounded
RECENT = 10  # the customer's newest invoices whose reference_number is compared


async def _invoices(reader: Reader, query: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        data = await reader.read("/invoices", None, {**query, "page": page, "per_page": PAGE_SIZE})
        batch = data.get("invoices") if isinstance(data, dict) else None
        found += [i for i in batch or [] if isinstance(i, Mapping)]
        context = data.get("page_context") if isinstance(data, dict) else None
        if not isinstance(context, Mapping) or context.get("has_more_page") is not True:
            break
    return found


async def _holder_of(
    reader: Reader, invoices: list[Mapping[str, Any]], reference: str, progress: Progress
) -> str | None:
    """The number of one of the newest invoices that already carries ``reference``, or None.

    The list answer carries no reference_number (spec), so each of the newest is read.
    """
    newest = sorted(invoices, key=lambda i: (str(i.get("created_time") or ""), str(i.get("invoice_id"))), reverse=True)
    for summary in newest[:RECENT]:
        await progress(f"looking for reference {reference} on {summary.get('number')}")
        data = await reader.read(INVOICE, {"invoice_id": str(summary.get("invoice_id"))})
        invoice = data.get("invoice") if isinstance(data, dict) else None
        if isinstance(invoice, Mapping) and str(invoice.get("reference_number") or "").strip() == reference:
            return str(invoice.get("number") or invoice.get("invoice_id"))
    return None


def _items_total(items: Any) -> tuple[int, Decimal]:
    lines = [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []
    return len(lines), sum((money(i.get("quantity") or 1) * money(i.get("price")) for i in lines), Decimal(0))


def _recipients(customer: Mapping[str, Any], chosen: Any) -> list[str]:
    ids = None
    if isinstance(chosen, list):
        ids = {str(c.get("contactperson_id")) if isinstance(c, Mapping) else str(c) for c in chosen}
    return [
        str(c.get("email"))
        for c in customer.get("contactpersons") or []
        if isinstance(c, Mapping) and c.get("email") and (ids is None or str(c.get("contactperson_id")) in ids)
    ]


async def create_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect="Would create an invoice.")
    reference = str(args.get("reference_number") or "").strip()
    report.add(
        "A reference_number is given (this tool's rule: Zoho has no idempotency key)",
        bool(reference),
        quoted(reference) if reference else "pass a PO or order id, unique per invoice",
    )
    automatic = args.get("ignore_auto_number_generation") is not True
    chosen = "" if automatic else str(args.get("invoice_number") or "").strip()
    if not automatic:
        report.add("invoice_number is given (ignore_auto_number_generation=true)", bool(chosen), "required")
    customer = await read_customer(report, reader, args.get("customer_id"))
    if customer is None or not reference:
        return report
    name = quoted(customer.get("display_name"))
    try:
        mine = await _invoices(reader, {"customer_id": str(args.get("customer_id"))})
        holder = await _holder_of(reader, mine, reference, progress)
        report.add(
            f"No invoice of {name} carries reference {quoted(reference)} yet",
            holder is None,
            f"{holder} has it: if an earlier create's outcome was unknown, it did happen"
            if holder
            else f"the {min(len(mine), RECENT)} newest checked",
            inferred=True,
        )
        if chosen:
            await progress("checking the invoice number is free")
            taken = {str(i.get("number")) for i in await _invoices(reader, {"filter_by": "Status.All"})}
            # Zoho Invoice's 1001 "already exists"; Billing documents no code for it.
            free = chosen not in taken
            report.add(f"Invoice number {quoted(chosen)} is free", free, "Zoho's 1001 otherwise", inferred=True)
    except ReadFailed as exc:
        report.add("The customer's invoices can be read", False, exc.detail)
        return report
    currency = customer.get("currency_code")
    count, total = _items_total(args.get("invoice_items"))
    mail = " It is not emailed."
    if args.get("send") is True:
        to = ", ".join(_recipients(customer, args.get("contact_persons"))) or "the customer contacts"
        mail = f" With send=true Zoho emails it at once to {to}; that cannot be recalled."
    report.effect = (
        f"Creates an invoice for {name} dated {args.get('date')} with {count} line(s) totalling "
        f"{fmt(total, currency)} before tax, reference {quoted(reference)}"
        + (f", number {quoted(chosen)}" if chosen else "")
        + "."
        + mail
    )
    report.amount, report.currency = float(total), currency
    # The customer's invoices as they are now: once the create ran, the list holds one more, so a
    # replay of the same confirmation (on this replica or another) is refused.
    report.fingerprint = fingerprint(sorted(str(i.get("invoice_id")) for i in mine))
    return report
