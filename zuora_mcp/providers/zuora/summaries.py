"""One or two readable lines about a shaped result, per kind of record."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from zuora_mcp.catalog.recipe import Summarizer

__all__ = ["account", "document", "listing", "memo_created"]


_IDENTIFIER = re.compile(r"[\w.:/#-]{1,64}")


def _ident(value: Any) -> str:
    """A number or status as it reads in a summary: bare when it looks like an identifier, else quoted.

    Some identifiers are chosen by callers (``invoiceNumber`` on create); text that is not an
    identifier stays quoted data in the summary, never words a model might take as instructions.
    """
    text = str(value)
    return text if _IDENTIFIER.fullmatch(text) else json.dumps(text[:80], ensure_ascii=False)


def _money(value: Any, currency: Any) -> str:
    return f"{value} {currency}" if currency else str(value)


def document(kind: str, number_field: str, date_field: str) -> Summarizer:
    """A summary for an invoice, credit memo or debit memo record."""

    def summarize(shaped: Mapping[str, Any]) -> str:
        number = shaped.get(number_field) or shaped.get("number") or shaped.get("id") or "?"
        line = f"{kind} {_ident(number)}" + (f" ({_ident(shaped['status'])})" if shaped.get("status") else "")
        currency = shaped.get("currency")
        details = []
        # The structured content holds every field; the line says what a person asks first.
        for name, label in (("balance", "balance"), ("unappliedAmount", "unapplied")):
            if name in shaped:
                total = f" of {_money(shaped['amount'], None)}" if "amount" in shaped else ""
                details.append(f"{label} {_money(shaped[name], None)}{total} {currency or ''}".rstrip())
                break
        else:
            if "amount" in shaped:
                details.append(f"amount {_money(shaped['amount'], currency)}")
        if shaped.get("dueDate"):
            details.append(f"due {shaped['dueDate']}")
        elif shaped.get(date_field):
            details.append(f"dated {shaped[date_field]}")
        return f"{line}, {', '.join(details)}." if details else f"{line}."

    return summarize


def listing(noun: str) -> Summarizer:
    """A summary for a page of records: how many, and how to get the next page."""

    def summarize(shaped: Mapping[str, Any]) -> str:
        records = next((value for value in shaped.values() if isinstance(value, list)), [])
        count = len(records)
        text = f"{count} {noun}{'' if count == 1 else 's'}"
        # Name the first few by their number so a text-only client still sees which ones.
        found = [r.get("invoiceNumber") or r.get("number") for r in records[:5] if isinstance(r, Mapping)]
        names = [_ident(name) for name in found if name]
        if names:
            text += ": " + ", ".join(names) + (f" and {count - len(names)} more" if count > len(names) else "")
        text += "."
        following = shaped.get("nextPage")
        if following is None:
            return text
        key = "cursor" if isinstance(following, str) else "page"
        return f"{text} More are available: call again with {key}={following}."

    return summarize


def account(shaped: Mapping[str, Any]) -> str:
    """A summary for an account."""
    info = shaped.get("basicInfo") or {}
    billing = shaped.get("billingAndPayment") or {}
    metrics = shaped.get("metrics") or {}
    number = info.get("accountNumber") or info.get("id") or "?"
    # A name is free text from Zuora: quoted (and escaped) so it reads as data, never as instructions.
    name = json.dumps(str(info["name"])[:80], ensure_ascii=False) if info.get("name") else "no name"
    line = f"Account {_ident(number)} ({name}, {_ident(info.get('status') or 'status unknown')})"
    if "balance" in metrics:
        return f"{line}: balance {_money(metrics['balance'], billing.get('currency'))}."
    return f"{line}."


def memo_created(kind: str) -> Summarizer:
    """A summary for a write whose result names a created memo (reverse, write-off)."""

    def summarize(shaped: Mapping[str, Any]) -> str:
        memo = shaped.get("creditMemo") or {}
        parts = []
        if isinstance(memo, Mapping) and memo.get("id"):
            parts.append(f"credit memo {memo['id']}")
        debit = shaped.get("debitMemo") or {}
        if isinstance(debit, Mapping) and debit.get("id"):
            parts.append(f"debit memo {debit['id']}")
        if shaped.get("jobId"):
            parts.append(f"job {shaped['jobId']} ({shaped.get('jobStatus') or 'status unknown'})")
        return f"{kind}: " + (", ".join(parts) if parts else "done") + "."

    return summarize
