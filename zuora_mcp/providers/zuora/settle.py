"""Settling a Zuora write whose outcome is unknown, by reading what it was meant to change.

The ledger holds, per write, the tool, the natural key (``invoiceKey=INV00000001``,
``creditMemoKey=…``, ``debitMemoKey=…``) and when the intent was committed — never the body. What
each write leaves behind in Zuora (its documented effect, as the sandbox tenant models it in
``sandbox/settlement_rules.py``, ``invoice_rules.py`` and ``memo_rules.py``):

=========================  ========================================================================
reverse_invoice            the invoice is ``reversed`` (object query) — permanent, so ``false`` is failed
                           (unless it has over 2,000 items: Zuora reverses those in the background)
write_off_invoice          a credit memo from the invoice, reason ``Write-off``, applied to it: balance 0
delete_invoice             the invoice is gone (404 / "Cannot find entity"); one of 100+ items still
                           there may be in Zuora's background deletion: a person looks later
write_off_debit_memo       the debit memo's whole balance is written off: balance 0
apply_credit_memo          the memo's applied amount grew, and the memo changed after the intent
update_invoice             the invoice changed after the intent (what changed cannot be checked)
=========================  ========================================================================

Writes that no read settles: ``email_invoice`` (Zuora keeps no email log the API reads; the
invoice's ``lastEmailSentDate`` is shown), creates (no record to read: ``create_invoice``,
``create_invoices``, memos from an invoice) and batches without a key (``update_invoices``). For a
POST Zuora honours the write's idempotency key for 24 hours — replaying the same request with it
answers the first outcome instead of applying it again — but the ledger keeps no bodies, so
reconcile does not replay; the ``how`` says so and until when.

Zuora's v1 timestamps (``yyyy-mm-dd hh:mm:ss``) are in the tenant's time zone; the object query
writes RFC 3339 with the offset. So times are compared in the offset the tenant's object query
shows, and when none can be learnt, only a difference of more than 14 hours counts.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from zuora_mcp.ledger import Record
from zuora_mcp.preflight import Reader, ReadFailed
from zuora_mcp.reconcile import CLOCK_SKEW, Settlement, intent_time, parse_time

__all__ = ["settle"]

INVOICE = "/v1/invoices/{invoiceKey}"
QUERY = "/object-query/invoices"
CREDIT_MEMO = "/v1/credit-memos/{creditMemoKey}"
DEBIT_MEMO = "/v1/debit-memos/{debitMemoKey}"
WRITE_OFF_REASON = "Write-off"
# Zuora deletes an invoice of 100+ items, and reverses one of 2,000+, in a background job (spec).
ASYNC_DELETE_ITEMS = 100
ASYNC_REVERSE_ITEMS = 2000
# The widest gap between a zone-less tenant time and UTC (UTC-12 … UTC+14).
ANY_ZONE = timedelta(hours=14)
_ZUORA_ID = re.compile(r"[0-9a-f]{32}")
_REPLAY_WINDOW = timedelta(hours=24)
# Writes Zuora receives as POST: the ones its idempotency key protects.
_POSTS = {"create_invoice", "create_invoices", "email_invoice", "create_credit_memo_from_invoice",
          "create_debit_memo_from_invoice"}  # fmt: skip

Settle = Callable[[Record, Reader, str], Awaitable[Settlement]]


async def settle(record: Record, reader: Reader) -> Settlement:
    """What the reads show about ``record``'s write: executed, failed, or None (a person decides)."""
    handler = _HANDLERS.get(record.tool)
    key = _key(record)
    if handler is None or key is None:
        return Settlement(None, _no_read(record))
    return await handler(record, reader, key)


def _key(record: Record) -> str | None:
    if not record.natural_key or "=" not in record.natural_key:
        return None
    return record.natural_key.partition("=")[2] or None


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        return Decimal(0)


def _not_found(exc: ReadFailed) -> bool:
    return exc.not_found or "cannot find entity" in exc.detail.lower()


def _replay_note(record: Record) -> str:
    if record.tool not in _POSTS or not record.idempotency_key:
        return ""
    until = intent_time(record) + _REPLAY_WINDOW
    still = "still" if datetime.now(UTC) < until else "no longer"
    return (
        f" Zuora answers a repeat of the same POST with idempotency key {record.idempotency_key} with the first "
        f"outcome until {until.isoformat(timespec='minutes')} ({still} open), but the ledger keeps no request "
        "bodies, so reconcile does not replay it."
    )


def _no_read(record: Record) -> str:
    since = intent_time(record).isoformat(timespec="seconds")
    what = {
        "create_invoice": f"list_invoices for the account, invoices created since {since}",
        "create_invoices": f"list_invoices for the accounts of the batch, invoices created since {since}",
        "update_invoices": "get_invoice for each invoice of the batch (the ledger does not name them)",
        "create_credit_memo_from_invoice": f"the credit memos of {record.natural_key or 'the invoice'} created "
        f"since {since}",
        "create_debit_memo_from_invoice": f"the debit memos of {record.natural_key or 'the invoice'} created "
        f"since {since}",
        "call_operation": "the operation's own GET for the same record (search_operations finds it)",
    }.get(record.tool, f"the record {record.natural_key or 'it names'}")
    return f"No read settles {record.tool} by itself: read {what} and decide.{_replay_note(record)}"


async def _query_invoice(reader: Reader, key: str) -> dict[str, Any] | None:
    """The invoice as the object query shows it (``reversed``, RFC 3339 times), or None."""
    field = "id" if _ZUORA_ID.fullmatch(key) else "invoiceNumber"
    data = await reader.read(QUERY, None, {"filter[]": [f"{field}.EQ:{key}"], "pageSize": 1})
    found = data.get("data") if isinstance(data, dict) else None
    return found[0] if isinstance(found, list) and found and isinstance(found[0], dict) else None


def _changed_since(stamp: datetime | None, since: datetime, offset: timezone | None) -> bool | None:
    """Whether a vendor time is at or after ``since`` (with :data:`CLOCK_SKEW`); None when it cannot tell.

    A zone-less time is read in ``offset`` when known; otherwise only a gap wider than any zone counts.
    """
    if stamp is None:
        return None
    if stamp.tzinfo is None:
        if offset is None:
            if stamp.replace(tzinfo=UTC) >= since + ANY_ZONE:
                return True
            if stamp.replace(tzinfo=UTC) < since - ANY_ZONE - CLOCK_SKEW:
                return False
            return None
        stamp = stamp.replace(tzinfo=offset)
    return stamp >= since - CLOCK_SKEW


async def _tenant_offset(reader: Reader) -> timezone | None:
    """The tenant's UTC offset, as its object query writes it (Zuora's v1 times carry none)."""
    try:
        data = await reader.read(QUERY, None, {"pageSize": 1})
    except ReadFailed:
        return None
    rows = data.get("data") if isinstance(data, dict) else None
    for row in rows if isinstance(rows, list) else []:
        for name in ("updatedDate", "createdDate"):
            stamp = parse_time(row.get(name)) if isinstance(row, dict) else None
            if stamp is not None and stamp.tzinfo is not None and stamp.utcoffset() is not None:
                return timezone(stamp.utcoffset() or timedelta(0))
    return None


async def _has_at_least(reader: Reader, key: str, count: int) -> bool:
    """Whether the invoice has ``count`` items or more: one read of item number ``count``."""
    data = await reader.read(INVOICE + "/items", {"invoiceKey": key}, {"page": count, "pageSize": 1})
    return bool(data.get("invoiceItems")) if isinstance(data, dict) else False


# -- one function per tool ------------------------------------------------------------------------


async def _reverse_invoice(record: Record, reader: Reader, key: str) -> Settlement:
    try:
        invoice = await _query_invoice(reader, key)
    except ReadFailed as exc:
        if _not_found(exc):
            invoice = None
        else:
            raise
    if invoice is None:
        return Settlement(None, f"the object query finds no invoice {key}; read get_invoice({key}) and decide.")
    if invoice.get("reversed") is True:
        return Settlement(
            "executed", f"the object query shows invoice {key} reversed (balance {invoice.get('balance')})."
        )
    if invoice.get("reversed") is False and await _has_at_least(reader, key, ASYNC_REVERSE_ITEMS + 1):
        return Settlement(
            None,
            f"invoice {key} is not reversed yet, but it has more than {ASYNC_REVERSE_ITEMS:,} items and Zuora "
            "reverses such invoices in the background; read it again later.",
        )
    if invoice.get("reversed") is False:
        return Settlement(
            "failed",
            f"the object query shows invoice {key} not reversed (a reversal cannot be undone, so it did not run).",
        )
    return Settlement(None, f"the object query shows no reversed field for invoice {key}; read it and decide.")


async def _write_off_invoice(record: Record, reader: Reader, key: str) -> Settlement:
    invoice = await reader.read(INVOICE, {"invoiceKey": key})
    balance, invoice_id = _money(invoice.get("balance")), invoice.get("id")
    shown = f"{balance:.2f} {invoice.get('currency') or ''}".rstrip()
    parts = await reader.read(INVOICE + "/application-parts", {"invoiceKey": key})
    memo_ids = [p.get("creditMemoId") for p in (parts.get("applicationParts") or []) if p.get("creditMemoId")]
    write_offs = []
    for memo_id in dict.fromkeys(memo_ids):
        memo = await reader.read(CREDIT_MEMO, {"creditMemoKey": str(memo_id)})
        if memo.get("referredInvoiceId") == invoice_id and memo.get("reasonCode") == WRITE_OFF_REASON:
            write_offs.append(str(memo.get("number") or memo_id))
    if write_offs and balance == 0:
        return Settlement(
            "executed",
            f"invoice {key} has balance 0 and the write-off credit memo {', '.join(write_offs)} applied to it "
            "(get_invoice, its application parts and the memo).",
        )
    if not write_offs and balance > 0:
        return Settlement(
            "failed",
            f"invoice {key} still has balance {shown} and no write-off credit memo applied to it; a write-off "
            "zeroes the whole balance with one (get_invoice and its application parts).",
        )
    return Settlement(
        None,
        f"invoice {key} has balance {shown} and {len(write_offs)} write-off credit memo(s) applied; read its "
        "application parts and credit memos and decide.",
    )


async def _delete_invoice(record: Record, reader: Reader, key: str) -> Settlement:
    try:
        invoice = await reader.read(INVOICE, {"invoiceKey": key})
    except ReadFailed as exc:
        if _not_found(exc):
            return Settlement("executed", f"get_invoice({key}) answers that Zuora cannot find it: it was deleted.")
        raise
    if await _has_at_least(reader, key, ASYNC_DELETE_ITEMS):
        return Settlement(
            None,
            f"get_invoice({key}) still finds it, but it has {ASYNC_DELETE_ITEMS} items or more and Zuora deletes such "
            "invoices in the background; read it again later.",
        )
    return Settlement(
        "failed",
        f"get_invoice({key}) still finds it ({invoice.get('status')}); a deletion cannot be undone, so it did not run.",
    )


async def _write_off_debit_memo(record: Record, reader: Reader, key: str) -> Settlement:
    memo = await reader.read(DEBIT_MEMO, {"debitMemoKey": key})
    balance = _money(memo.get("balance"))
    if balance == 0:
        return Settlement(
            "executed",
            f"get_debit_memo({key}) shows balance 0: the write-off credits the whole balance "
            "(a credit memo or payment applied since would read the same; the debit memo names none).",
        )
    return Settlement(
        "failed",
        f"get_debit_memo({key}) shows balance {balance:.2f} {memo.get('currency') or ''}".rstrip()
        + "; a write-off leaves 0, so it did not run.",
    )


async def _apply_credit_memo(record: Record, reader: Reader, key: str) -> Settlement:
    memo = await reader.read(CREDIT_MEMO, {"creditMemoKey": key})
    applied, unapplied = _money(memo.get("appliedAmount")), _money(memo.get("unappliedAmount"))
    currency = memo.get("currency") or ""
    shown = f"credit memo {key} has {applied:.2f} {currency} applied and {unapplied:.2f} unapplied"
    if applied == 0:
        return Settlement("failed", f"get_credit_memo: {shown}; an apply of a positive amount did not happen.")
    offset = await _tenant_offset(reader)
    changed = _changed_since(parse_time(memo.get("updatedDate")), intent_time(record), offset)
    updated = f"last changed {memo.get('updatedDate')} (tenant time)"
    if changed is False:
        return Settlement("failed", f"get_credit_memo: {shown}, {updated}, before the write's intent: it did not run.")
    if changed:
        return Settlement("executed", f"get_credit_memo: {shown}, {updated}, after the write's intent.")
    return Settlement(
        None,
        f"get_credit_memo: {shown}, {updated}; the tenant's time zone is unknown, so whether that was this write "
        "cannot be told; compare with the amounts the person asked to apply.",
    )


async def _update_invoice(record: Record, reader: Reader, key: str) -> Settlement:
    invoice = await _query_invoice(reader, key)
    if invoice is None:
        return Settlement(None, f"the object query finds no invoice {key}; read get_invoice({key}) and decide.")
    changed = _changed_since(parse_time(invoice.get("updatedDate")), intent_time(record), None)
    if changed is False:
        return Settlement(
            "failed",
            f"the object query shows invoice {key} last changed {invoice.get('updatedDate')}, before the write's "
            "intent: the update did not run.",
        )
    return Settlement(
        None,
        f"invoice {key} last changed {invoice.get('updatedDate')}, too close to or after the write's intent to rule "
        f"it out; the ledger keeps no body, so read get_invoice({key}) and compare with the change that was asked.",
    )


async def _email_invoice(record: Record, reader: Reader, key: str) -> Settlement:
    invoice = await reader.read(INVOICE, {"invoiceKey": key})
    sent = invoice.get("lastEmailSentDate")
    since = intent_time(record).isoformat(timespec="seconds")
    shown = (
        f"shows the last email sent {sent} (tenant time): if that is after {since}, it went out"
        if sent
        else "shows no email ever sent, though Zuora may still be sending it"
    )
    return Settlement(
        None,
        f"Zuora keeps no email log the API reads; get_invoice({key}) {shown}. Ask the recipient before sending "
        f"again.{_replay_note(record)}",
    )


_HANDLERS: Mapping[str, Settle] = {
    "reverse_invoice": _reverse_invoice,
    "write_off_invoice": _write_off_invoice,
    "delete_invoice": _delete_invoice,
    "write_off_debit_memo": _write_off_debit_memo,
    "apply_credit_memo": _apply_credit_memo,
    "update_invoice": _update_invoice,
    "email_invoice": _email_invoice,
}
