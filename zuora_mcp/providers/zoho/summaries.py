"""One or two readable lines about a shaped Zoho result, per kind of record.

Anything a person or a caller typed (customer names, reference numbers, custom field values,
addresses) is quoted as JSON so it reads as data in the summary, never as words a model might take
as instructions; numbers and statuses that look like identifiers stay bare.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from zuora_mcp.catalog.recipe import Summarizer

__all__ = ["address", "credits_applied", "custom_fields", "done", "invoice", "listing", "payment"]

_IDENTIFIER = re.compile(r"[\w.:/#-]{1,64}")


def _ident(value: Any) -> str:
    text = str(value)
    return text if _IDENTIFIER.fullmatch(text) else _quoted(text)


def _quoted(value: Any) -> str:
    return json.dumps(str(value)[:80], ensure_ascii=False)


def _record(shaped: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    inner = shaped.get(key)
    return inner if isinstance(inner, Mapping) else {}


def invoice(shaped: Mapping[str, Any]) -> str:
    """``{"invoice": {...}}`` from get, create, update and add-lines."""
    record = _record(shaped, "invoice")
    number = record.get("number") or record.get("invoice_number") or record.get("invoice_id") or "?"
    line = f"Invoice {_ident(number)}"
    if record.get("status"):
        line += f" ({_ident(record['status'])})"
    if record.get("customer_name"):
        line += f" for {_quoted(record['customer_name'])}"
    currency = record.get("currency_code") or ""
    details = []
    if "balance" in record:
        total = f" of {record['total']}" if "total" in record else ""
        details.append(f"balance {record['balance']}{total} {currency}".rstrip())
    if record.get("due_date"):
        details.append(f"due {record['due_date']}")
    if record.get("reference_number"):
        details.append(f"reference {_quoted(record['reference_number'])}")
    return f"{line}: {', '.join(details)}." if details else f"{line}."


def listing(noun: str) -> Summarizer:
    """A page of records: how many, the first few numbers, and how to get the next page."""

    def summarize(shaped: Mapping[str, Any]) -> str:
        records = next((value for value in shaped.values() if isinstance(value, list)), [])
        count = len(records)
        text = f"{count} {noun}{'' if count == 1 else 's'}"
        found = [r.get("number") for r in records[:5] if isinstance(r, Mapping) and r.get("number")]
        if found:
            names = ", ".join(_ident(name) for name in found)
            text += ": " + names + (f" and {count - len(found)} more" if count > len(found) else "")
        text += "."
        following = shaped.get("nextPage")
        return f"{text} More are available: call again with page={following}." if following else text

    return summarize


def payment(shaped: Mapping[str, Any]) -> str:
    """``{"payment": {...}}`` from collect."""
    record = _record(shaped, "payment")
    amount = f"{record.get('amount', '?')} {record.get('currency_code') or ''}".rstrip()
    line = f"Payment {_ident(record.get('payment_id') or '?')} of {amount} collected"
    auto = record.get("autotransaction")
    if isinstance(auto, Mapping) and auto.get("gateway_transaction_id"):
        line += f", gateway transaction {_ident(auto['gateway_transaction_id'])}"
    invoices = record.get("invoices")
    if isinstance(invoices, list) and invoices and isinstance(invoices[0], Mapping):
        first = invoices[0]
        line += f"; invoice {_ident(first.get('invoice_number') or '?')} balance now {first.get('balance_amount')}"
    return line + "."


def custom_fields(shaped: Mapping[str, Any]) -> str:
    fields = shaped.get("custom_fields")
    if not isinstance(fields, list) or not fields:
        return "Custom fields updated."
    pairs = [f"{_quoted(f.get('label'))}={_quoted(f.get('value'))}" for f in fields[:6] if isinstance(f, Mapping)]
    return "Custom fields now: " + ", ".join(pairs) + "."


def credits_applied(shaped: Mapping[str, Any]) -> str:
    applied = shaped.get("apply_creditnotes")
    if not isinstance(applied, list) or not applied:
        return "Credits applied."
    parts = [
        f"{a.get('amount_applied')} from credit note {_ident(a.get('creditnote_id') or '?')}"
        for a in applied
        if isinstance(a, Mapping)
    ]
    return "Credits applied: " + ", ".join(parts) + "."


def address(shaped: Mapping[str, Any]) -> str:
    addresses = _record(shaped, "invoice_address")
    parts = []
    for key, label in (("billing_address", "billing"), ("shipping_address", "shipping")):
        value = addresses.get(key)
        if isinstance(value, Mapping) and value:
            text = ", ".join(str(value[k]) for k in ("address", "street", "city", "country") if value.get(k))
            parts.append(f"{label} {_quoted(text)}")
    return "Invoice address updated" + (": " + "; ".join(parts) if parts else "") + "."


def done(sentence: str) -> Summarizer:
    """For writes whose answer is only Zoho's ``{code, message}``: the sentence says what happened."""

    def summarize(shaped: Mapping[str, Any]) -> str:
        return sentence

    return summarize
