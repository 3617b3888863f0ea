"""One or two readable lines about a shaped result, per kind of record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zuora_mcp.catalog.recipe import Summarizer

__all__ = ["account", "document", "listing", "memo_created"]


def _money(value: Any, currency: Any) -> str:
    return f"{value} {currency}" if currency else str(value)


def document(kind: str, number_field: str, date_field: str) -> Summarizer:
    """A summary for an invoice, credit memo or debit memo record."""

    def summarize(shaped: Mapping[str, Any]) -> str:
        number = shaped.get(number_field) or shaped.get("number") or shaped.get("id") or "?"
        parts = [f"{kind} {number}"]
        if shaped.get("status"):
            parts.append(f"({shaped['status']})")
        line = " ".join(parts)
        details = []
        currency = shaped.get("currency")
        if "amount" in shaped:
            details.append(f"amount {_money(shaped['amount'], currency)}")
        for name in ("balance", "unappliedAmount"):
            if name in shaped:
                details.append(f"{'balance' if name == 'balance' else 'unapplied'} {_money(shaped[name], currency)}")
        if shaped.get(date_field):
            details.append(f"dated {shaped[date_field]}")
        if shaped.get("dueDate"):
            details.append(f"due {shaped['dueDate']}")
        return f"{line}: {', '.join(details)}." if details else f"{line}."

    return summarize


def listing(noun: str) -> Summarizer:
    """A summary for a page of records: how many, and how to get the next page."""

    def summarize(shaped: Mapping[str, Any]) -> str:
        records = next((value for value in shaped.values() if isinstance(value, list)), [])
        count = len(records)
        text = f"{count} {noun}{'' if count == 1 else 's'}."
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
    line = f"Account {number} ({info.get('name') or 'no name'}, {info.get('status') or 'status unknown'})"
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
