"""Preflight for the Zoho writes that reach money or people: collect, apply credits, email.

Collect names the card or bank account it charges. The caller must give exactly one of ``card_id``
or ``account_id`` (the spec's ``oneOf``): the id then is part of the arguments the confirmation
token is bound to, so the method a person approved is the method charged. Taking "the customer's
default" at send time would charge whatever is default then — and Zoho's own API has no default
either. Without an id (or with one the customer has not saved) the preview is refused and lists the
customer's saved methods, the default first, so the next call can name one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from zuora_mcp.preflight import PreflightReport, Reader, ReadFailed
from zuora_mcp.providers.zoho.checks import (
    Progress,
    fmt,
    invoice_state,
    label,
    money,
    quoted,
    read_customer,
    read_invoice,
    status_allows,
)

__all__ = ["apply_credits_to_invoice", "collect_invoice_payment", "email_invoice"]

OPEN_WITH_BALANCE = ("sent", "overdue", "partially_paid")  # inferred: "open with a balance" (notes §3)
EMAILABLE = ("pending", "sent", "overdue", "partially_paid", "paid")  # inferred: "any non-void"


def _method_text(method: Mapping[str, Any]) -> str:
    if "card_id" in method:
        brand = str(method.get("card_type") or "card").replace("_", " ").title()
        return f"card ending {method.get('last_four_digits')} ({brand})"
    bank = method.get("bank_name")
    return f"bank account ending {method.get('last_four_digits')}" + (f" ({bank})" if bank else "")


def _saved(customer: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = [m for m in customer.get("cards") or [] if isinstance(m, Mapping)]
    found += [m for m in customer.get("bank_accounts") or [] if isinstance(m, Mapping)]
    return sorted(found, key=lambda m: not m.get("is_primary"))


def _listing(customer: Mapping[str, Any]) -> str:
    rows = []
    for method in _saved(customer):
        key = "card_id" if "card_id" in method else "account_id"
        default = ", default" if method.get("is_primary") else ""
        rows.append(f"{key}={method.get(key)}: {_method_text(method)}{default}")
    return "; ".join(rows) or "none saved"


def _usable(method: Mapping[str, Any]) -> tuple[bool, str]:
    if str(method.get("status") or "active") != "active":
        return False, f"it is {method.get('status')}"
    if "card_id" in method:
        today = datetime.now(UTC).date()
        try:
            expiry = (int(method.get("expiry_year") or 0), int(method.get("expiry_month") or 0))
        except (TypeError, ValueError):
            return True, "expiry unknown"
        if expiry < (today.year, today.month):
            return False, f"it expired {expiry[1]:02d}/{expiry[0]}"
        return True, f"active, expires {expiry[1]:02d}/{expiry[0]}"
    return True, "active"


async def collect_invoice_payment(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would charge the balance of invoice {args['invoice_id']}.")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    currency, balance = invoice.get("currency_code"), money(invoice.get("balance"))
    status_allows(report, invoice, OPEN_WITH_BALANCE, "collecting", inferred=True)
    report.add("Invoice has an unpaid balance", balance > 0, f"balance is {fmt(balance, currency)}", inferred=True)
    report.amount, report.currency = float(balance), currency
    await progress("reading the customer's saved payment methods")
    customer = await read_customer(report, reader, invoice.get("customer_id"))
    if customer is None:
        return report
    name = quoted(customer.get("display_name") or invoice.get("customer_name"))
    card_id, account_id = args.get("card_id"), args.get("account_id")
    chosen: Mapping[str, Any] | None = None
    if (card_id is None) == (account_id is None):
        report.add(
            "Exactly one of card_id or account_id names the method to charge",
            False,
            f"{name}'s saved methods: {_listing(customer)}",
        )
    else:
        key, wanted = ("card_id", card_id) if card_id is not None else ("account_id", account_id)
        chosen = next((m for m in _saved(customer) if key in m and str(m.get(key)) == str(wanted)), None)
        kind = "card" if key == "card_id" else "bank account"
        report.add(
            f"The {kind} is saved for {name}",
            chosen is not None,
            _method_text(chosen) if chosen is not None else f"{key}={wanted} is not; saved: {_listing(customer)}",
        )
        if chosen is not None:
            usable, why = _usable(chosen)
            report.add("The payment method can be charged", usable, why, inferred=True)
    target = _method_text(chosen) if chosen is not None else "a saved method"
    report.effect = (
        f"Charges {fmt(balance, currency)} to {target} of {name} for invoice {invoice.get('number')}; "
        "only a refund (outside these tools) gives it back."
    )
    report.fingerprint = invoice_state(invoice, dict(chosen or {}))
    return report


async def _credit_notes(reader: Reader, customer_id: Any) -> dict[str, Mapping[str, Any]]:
    data = await reader.read("/creditnotes", None, {"customer_id": str(customer_id)})
    notes = data.get("creditnotes") if isinstance(data, dict) else None
    return {str(n.get("creditnote_id")): n for n in notes or [] if isinstance(n, Mapping)}


async def apply_credits_to_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would apply credits to invoice {args['invoice_id']}.")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    currency, balance = invoice.get("currency_code"), money(invoice.get("balance"))
    status_allows(report, invoice, OPEN_WITH_BALANCE, "applying credits", inferred=True)
    report.add("Invoice has an unpaid balance", balance > 0, f"balance is {fmt(balance, currency)}", inferred=True)
    try:
        notes = await _credit_notes(reader, invoice.get("customer_id"))
    except ReadFailed as exc:
        report.add("The customer's credit notes can be read", False, exc.detail)
        return report
    wanted: dict[str, Decimal] = {}
    for entry in args.get("apply_creditnotes") or []:
        if isinstance(entry, Mapping):
            key = str(entry.get("creditnote_id"))
            wanted[key] = wanted.get(key, Decimal(0)) + money(entry.get("amount_applied"))
    parts = []
    for key, amount in wanted.items():
        note = notes.get(key)
        number = note.get("creditnote_number") if note else key
        if note is None:
            customer = quoted(invoice.get("customer_name"))
            report.add(f"Credit note {key} belongs to {customer}", False, "not among its credit notes", inferred=True)
            continue
        left = money(note.get("balance"))
        status = note.get("status")
        report.add(f"Credit note {number} is open", status == "open", f"status is {status}", inferred=True)
        report.add(
            f"{fmt(amount, currency)} fits credit note {number}",
            0 < amount <= left,
            f"{fmt(left, currency)} left on it",
            inferred=True,
        )
        parts.append(f"{fmt(amount, currency)} of {number}")
    total = sum(wanted.values(), Decimal(0))
    report.add(
        "The credits fit the invoice balance",
        total <= balance,
        f"{fmt(total, currency)} of {fmt(balance, currency)}",
        inferred=True,
    )
    report.effect = (
        f"Applies {', '.join(parts) or 'no credit'} to invoice {label(invoice)}: the balance goes from "
        f"{fmt(balance, currency)} to {fmt(balance - total, currency)}; nothing is charged."
    )
    report.amount, report.currency = float(total), currency
    report.fingerprint = invoice_state(invoice, {k: str(n.get("balance")) for k, n in notes.items() if k in wanted})
    return report


def _contacts(customer: Mapping[str, Any] | None) -> set[str]:
    if customer is None:
        return set()
    found = {str(c.get("email")).lower() for c in customer.get("contactpersons") or [] if isinstance(c, Mapping)}
    if customer.get("email"):
        found.add(str(customer["email"]).lower())
    return found


async def email_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would email invoice {args['invoice_id']}.")
    to = [str(a) for a in args.get("to_mail_ids") or []]
    cc = [str(a) for a in args.get("cc_mail_ids") or []]
    report.add("A recipient is given", bool(to), ", ".join(to) or "to_mail_ids is empty")
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    status_allows(report, invoice, EMAILABLE, "emailing", inferred=True)
    customer = await read_customer(report, reader, invoice.get("customer_id"))
    known = _contacts(customer)
    strangers = [a for a in to + cc if a.lower() not in known]
    files = [d for d in invoice.get("documents") or [] if isinstance(d, Mapping)]
    # Zoho keeps a system comment per email sent. Sending again is a normal reminder, so it is not
    # refused; but after an unknown outcome the person must see that the first email went out.
    sent = [
        f"{c.get('date') or ''} {quoted(c.get('description'))}".strip()
        for c in invoice.get("comments") or []
        if isinstance(c, Mapping) and "emailed to" in str(c.get("description") or "").lower()
    ]
    report.effect = (
        f"Emails invoice {label(invoice)} to {', '.join(to)}"
        + (f", cc {', '.join(cc)}" if cc else "")
        + f", subject {quoted(args.get('subject') or '')}"
        + (f", with {len(files)} attachment(s) if the invoice sends them" if files else "")
        + ". It cannot be recalled."
        + (f" Not contacts of {quoted(invoice.get('customer_name'))}: {', '.join(strangers)}." if strangers else "")
        + (f" Already emailed before: {'; '.join(sent[-3:])}." if sent else "")
    )
    report.fingerprint = invoice_state(invoice)
    return report
