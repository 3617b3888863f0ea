"""Settling a Zoho Billing write whose outcome is unknown, by reading the invoice it was meant to change.

Zoho takes no idempotency key, so after a lost answer nothing but a read can tell whether a write
happened — and no write may be repeated until one has. The ledger holds the tool, the natural key
(``invoice_id=…``; ``reference_number=…`` for a create) and when the intent was committed; never the
body. What each write leaves on the invoice (Zoho's documented effects, as the sandbox organisation
models them in ``sandbox/invoice_rules.py``, ``money_rules.py`` and ``item_rules.py``):

=============================  =====================================================================
create_invoice                 an invoice carrying the reference_number, created after the intent
                               (the list has no reference filter: the newest are read one by one)
collect_invoice_payment        a payment in mode ``autotransaction`` dated the intent's day or later
void_invoice                   status ``void``
mark_invoice_open              status no longer void/pending/draft
write_off_invoice              ``write_off_amount`` above 0
cancel_invoice_write_off       ``write_off_amount`` back to 0
delete_invoice                 the invoice is gone (404, Zoho's 1002)
apply_credits_to_invoice       a credit dated the intent's day or later, the invoice changed since
everything else on an invoice  failed when the invoice has not changed since the intent; else a
                               person compares (the ledger keeps no body to compare with)
email_invoice                  never by a read: Zoho's API has no email log; its history is quoted
=============================  =====================================================================

Where the effect is missing, ``failed`` is answered only when the invoice's history (Zoho's system
comments) shows no such action since the intent either: an applied write that was undone since is
left to a person, never recorded as failed. Zoho's days (payments, comments) are the organisation's
days, so "since the intent" for them starts the day before the intent's UTC day.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from zuora_mcp.ledger import Record
from zuora_mcp.preflight import Reader, ReadFailed
from zuora_mcp.reconcile import CLOCK_SKEW, Settlement, intent_time, parse_time

__all__ = ["settle"]

INVOICE = "/invoices/{invoice_id}"
PAGE_SIZE = 200
MAX_PAGES = 10
MAX_READS = 50  # invoices read one by one when looking for a reference (Zoho allows 100 calls a minute)
NEWEST = 10  # always compared, whatever their created_time says (as the create's preflight does)
NOT_FOUND = 1002  # Zoho's "Invoice does not exist."

Handler = Callable[[Record, Reader, str], Awaitable[Settlement]]


async def settle(record: Record, reader: Reader) -> Settlement:
    """What the reads show about ``record``'s write: executed, failed, or None (a person decides)."""
    name, _, value = (record.natural_key or "").partition("=")
    if record.tool == "create_invoice":
        if name != "reference_number" or not value:
            return Settlement(
                None,
                "the ledger holds no reference_number for this create; read list_invoices for the customer, "
                f"invoices created since {_since(record)}, and look for the reference.",
            )
        return await _create_invoice(record, reader, value)
    if record.tool == "email_invoice" and value:
        return await _email_invoice(record, reader, value)
    if name != "invoice_id" or not value:
        return Settlement(None, f"the ledger names no invoice for {record.tool}; read the invoice and decide.")
    handler = _HANDLERS.get(record.tool, _changed_or_not)
    return await handler(record, reader, value)


def _since(record: Record) -> str:
    return intent_time(record).isoformat(timespec="seconds")


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        return Decimal(0)


def _first_day(record: Record) -> date:
    """The first organisation day that can be on or after the intent (any time zone)."""
    return intent_time(record).date() - timedelta(days=1)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _recent(value: Any, record: Record) -> bool:
    day = _day(value)
    return day is not None and day >= _first_day(record)


def _changed_after(invoice: Mapping[str, Any], record: Record) -> bool | None:
    """Whether the invoice's last change is at or after the intent; None when it shows no time."""
    stamp = parse_time(invoice.get("last_modified_time") or invoice.get("updated_time"))
    if stamp is None or stamp.tzinfo is None:
        return None
    return stamp >= intent_time(record) - CLOCK_SKEW


def _history(invoice: Mapping[str, Any], record: Record, *words: str) -> list[str]:
    """Zoho's system comments since the intent's day whose text has every one of ``words``."""
    found = []
    for comment in invoice.get("comments") or []:
        if not isinstance(comment, Mapping):
            continue
        text = str(comment.get("description") or "")
        if _recent(comment.get("date"), record) and all(w in text.lower() for w in words):
            found.append(f"{comment.get('date')} {comment.get('time') or ''}".strip() + f" “{text[:80]}”")
    return found


async def _invoice(reader: Reader, invoice_id: str) -> dict[str, Any] | None:
    """The invoice, or None when Zoho says it does not exist."""
    try:
        data = await reader.read(INVOICE, {"invoice_id": invoice_id})
    except ReadFailed as exc:
        if exc.not_found or "does not exist" in exc.detail.lower():
            return None
        raise
    invoice = data.get("invoice") if isinstance(data, dict) else None
    if not isinstance(invoice, dict):
        raise ReadFailed(f"Zoho Billing returned no invoice for {invoice_id}")
    return invoice


def _gone(invoice_id: str) -> Settlement:
    return Settlement(None, f"get_invoice({invoice_id}) finds no such invoice (deleted since?); a person decides.")


# -- a state each write leaves ------------------------------------------------------------------


@dataclass(frozen=True)
class _Effect:
    shows: Callable[[Mapping[str, Any]], bool]  # the invoice shows the write's effect
    effect: str  # the effect, in words
    words: tuple[str, ...]  # words of Zoho's system comment for the action


_EFFECTS: dict[str, _Effect] = {
    "void_invoice": _Effect(lambda i: i.get("status") == "void", "status void", ("void",)),
    "mark_invoice_open": _Effect(
        lambda i: i.get("status") not in ("void", "pending", "draft", None), "status open", ("open",)
    ),
    "write_off_invoice": _Effect(
        lambda i: _money(i.get("write_off_amount")) > 0, "a write-off amount", ("written off",)
    ),
    "cancel_invoice_write_off": _Effect(
        lambda i: _money(i.get("write_off_amount")) == 0 and i.get("status") != "void",
        "no write-off amount",
        ("write off", "cancel"),
    ),
}


def _state(invoice: Mapping[str, Any]) -> str:
    return (
        f"status {invoice.get('status')}, balance {invoice.get('balance')}, write-off {invoice.get('write_off_amount')}"
    )


async def _by_effect(record: Record, reader: Reader, invoice_id: str) -> Settlement:
    effect = _EFFECTS[record.tool]
    invoice = await _invoice(reader, invoice_id)
    if invoice is None:
        return _gone(invoice_id)
    read = f"get_invoice({invoice_id}) shows {_state(invoice)}"
    if effect.shows(invoice):
        return Settlement("executed", f"{read}: {effect.effect}, as {record.tool} leaves it.")
    undone = _history(invoice, record, *effect.words)
    if undone:
        return Settlement(
            None,
            f"{read}, without {effect.effect}; yet its history since the intent shows {'; '.join(undone)} — it may "
            "have run and been undone since: a person decides.",
        )
    return Settlement(
        "failed", f"{read}, without {effect.effect}, and its history shows no such action since the intent."
    )


async def _delete_invoice(record: Record, reader: Reader, invoice_id: str) -> Settlement:
    invoice = await _invoice(reader, invoice_id)
    if invoice is None:
        return Settlement("executed", f"get_invoice({invoice_id}) answers that the invoice does not exist: deleted.")
    return Settlement(
        "failed",
        f"get_invoice({invoice_id}) still finds it ({invoice.get('status')}); a deletion cannot be undone, so it did "
        "not run.",
    )


async def _collect(record: Record, reader: Reader, invoice_id: str) -> Settlement:
    invoice = await _invoice(reader, invoice_id)
    if invoice is None:
        return _gone(invoice_id)
    payments = [p for p in invoice.get("payments") or [] if isinstance(p, Mapping)]
    charged = [
        p
        for p in payments
        if (p.get("payment_mode") == "autotransaction" or p.get("autotransaction")) and _recent(p.get("date"), record)
    ]
    balance = _money(invoice.get("balance"))
    if charged:
        listed = ", ".join(f"{p.get('amount')} on {p.get('date')} (payment {p.get('payment_id')})" for p in charged)
        return Settlement(
            "executed",
            f"get_invoice({invoice_id}) lists a charge of a saved method since the intent: {listed}; balance now "
            f"{balance}.",
        )
    if balance > 0:
        return Settlement(
            "failed",
            f"get_invoice({invoice_id}) lists no charge of a saved method (payment mode autotransaction) since the "
            f"intent, and the balance is still {balance}: nothing was collected.",
        )
    return Settlement(
        None,
        f"get_invoice({invoice_id}) shows balance 0 but no charge of a saved method since the intent; read its "
        "payments and the customer's before charging again.",
    )


async def _apply_credits(record: Record, reader: Reader, invoice_id: str) -> Settlement:
    invoice = await _invoice(reader, invoice_id)
    if invoice is None:
        return _gone(invoice_id)
    changed = _changed_after(invoice, record)
    credits = [
        c for c in invoice.get("credits") or [] if isinstance(c, Mapping) and _recent(c.get("credited_date"), record)
    ]
    if changed is False:
        return Settlement(
            "failed", f"get_invoice({invoice_id}) shows the invoice unchanged since the intent: no credit was applied."
        )
    if credits and changed:
        listed = ", ".join(f"{c.get('creditnotes_number')} {c.get('credited_amount')}" for c in credits)
        return Settlement("executed", f"get_invoice({invoice_id}) lists credits applied since the intent: {listed}.")
    return Settlement(
        None, f"get_invoice({invoice_id}) lists {len(credits)} credit(s) since the intent; read its credits and decide."
    )


async def _changed_or_not(record: Record, reader: Reader, invoice_id: str) -> Settlement:
    """Edits whose body the ledger does not keep: only "nothing changed since" is certain."""
    invoice = await _invoice(reader, invoice_id)
    if invoice is None:
        return _gone(invoice_id)
    changed = _changed_after(invoice, record)
    stamp = invoice.get("last_modified_time") or invoice.get("updated_time")
    if changed is False:
        return Settlement(
            "failed",
            f"get_invoice({invoice_id}) shows the invoice last changed {stamp}, before the intent: {record.tool} did "
            "not run.",
        )
    return Settlement(
        None,
        f"get_invoice({invoice_id}) shows the invoice last changed {stamp}, too close to or after the intent to rule "
        f"the write out; the ledger keeps no body, so compare the invoice with what {record.tool} was asked to do.",
    )


async def _email_invoice(record: Record, reader: Reader, invoice_id: str) -> Settlement:
    invoice = await _invoice(reader, invoice_id)
    if invoice is None:
        return _gone(invoice_id)
    emails = _history(invoice, record, "emailed")
    shown = "; ".join(emails) if emails else "none"
    return Settlement(
        None,
        f"Zoho's API has no email log; the invoice's history since the intent shows these emails: {shown}. A person "
        "decides (ask the recipient) before sending again.",
    )


# -- a create: found by its reference_number ----------------------------------------------------


async def _create_invoice(record: Record, reader: Reader, reference: str) -> Settlement:
    since = intent_time(record) - CLOCK_SKEW
    candidates: list[Mapping[str, Any]] = []
    complete = False
    for page in range(1, MAX_PAGES + 1):
        data = await reader.read("/invoices", None, {"page": page, "per_page": PAGE_SIZE})
        batch = [i for i in (data.get("invoices") or []) if isinstance(i, Mapping)] if isinstance(data, dict) else []
        older = False
        for summary in batch:
            created_since = _created_since(summary, since)
            older = older or created_since is False
            if len(candidates) < NEWEST or created_since is not False:
                candidates.append(summary)
        context = data.get("page_context") if isinstance(data, dict) else None
        more = isinstance(context, Mapping) and context.get("has_more_page") is True
        newest_first = (
            isinstance(context, Mapping)
            and context.get("sort_column") == "created_time"
            and str(context.get("sort_order", "D")).upper().startswith("D")
        )
        if not more or (newest_first and older):
            complete = True
            break
    seen = {str(i.get("invoice_id")): i for i in candidates}
    if len(seen) > MAX_READS:
        return Settlement(
            None,
            f"{len(seen)} invoices were created since the intent, too many to read one by one; read list_invoices for "
            f"the customer and look for reference {reference}.",
        )
    for invoice_id in seen:
        invoice = await _invoice(reader, invoice_id)
        if invoice is not None and str(invoice.get("reference_number") or "").strip() == reference:
            return Settlement(
                "executed",
                f"invoice {invoice.get('number') or invoice_id} (id {invoice_id}) carries reference {reference}, "
                f"created {invoice.get('created_time')}: the create happened.",
            )
    if complete:
        return Settlement(
            "failed",
            f"none of the {len(seen)} newest invoices (every one created since the intent) carries reference "
            f"{reference} (list_invoices, then get_invoice of each): the create did not happen.",
        )
    return Settlement(
        None,
        f"no invoice among the {len(seen)} read carries reference {reference}, but the list was not read to the "
        "intent's time; read list_invoices for the customer and decide.",
    )


def _created_since(summary: Mapping[str, Any], since: Any) -> bool | None:
    stamp = parse_time(summary.get("created_time"))
    if stamp is None or stamp.tzinfo is None:
        return None
    return bool(stamp >= since)


_HANDLERS: Mapping[str, Handler] = {
    **{tool: _by_effect for tool in _EFFECTS},
    "delete_invoice": _delete_invoice,
    "collect_invoice_payment": _collect,
    "apply_credits_to_invoice": _apply_credits,
}
