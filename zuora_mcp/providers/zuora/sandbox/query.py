"""Listing: the object query over invoices (``filter[]``, ``cursor``) and v1 page/pageSize paging.

Object query filters are ``field.OP:value`` (OP in EQ NE LT GT LE GE SW IN, ``IN:[a,b]``), joined
with AND; field names are case-insensitive as in Zuora. Null fields are left out unless
``includeNullFields=true``. The cursor is opaque to clients (base64 of an offset).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from urllib.parse import urlencode

from zuora_mcp.providers.zuora.sandbox.dialect import Refusal
from zuora_mcp.providers.zuora.sandbox.models import Invoice
from zuora_mcp.providers.zuora.sandbox.tenant import Tenant
from zuora_mcp.providers.zuora.sandbox.views import invoice_query_view

__all__ = ["OPERATORS", "page_of", "query_invoices"]

OPERATORS = ("EQ", "NE", "LT", "GT", "LE", "GE", "SW", "IN")
T = TypeVar("T")


def _fields(tenant: Tenant) -> dict[str, tuple[str, Callable[[Invoice], Any]]]:
    """lower-case name → (kind, getter). Kinds: str, num, date."""

    def account_number(invoice: Invoice) -> str:
        return tenant.accounts[invoice.account_id].account_number

    return {
        "id": ("str", lambda i: i.id),
        "invoicenumber": ("str", lambda i: i.invoice_number),
        "accountid": ("str", lambda i: i.account_id),
        "accountnumber": ("str", account_number),
        "account.accountnumber": ("str", account_number),
        "account.id": ("str", lambda i: i.account_id),
        "status": ("str", lambda i: i.status),
        "currency": ("str", lambda i: i.currency),
        "invoicedate": ("date", lambda i: i.invoice_date),
        "duedate": ("date", lambda i: i.due_date),
        "balance": ("num", lambda i: i.balance),
        "amount": ("num", lambda i: i.amount),
        "reversed": ("str", lambda i: "true" if i.reversed else "false"),
    }


def _invalid(message: str) -> Refusal:
    return Refusal("object_query", "invalid", message, status=400)


def _coerce(kind: str, text: str, field: str) -> Any:
    if kind == "num":
        try:
            return Decimal(text)
        except InvalidOperation:
            raise _invalid(f"filter[] {field}: '{text}' is not a number.") from None
    if kind == "date":
        try:
            return date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            raise _invalid(f"filter[] {field}: '{text}' is not a date (yyyy-mm-dd).") from None
    return text


def _predicate(tenant: Tenant, clause: str) -> Callable[[Invoice], bool]:
    head, sep, raw_value = clause.partition(":")
    field, dot, op = head.rpartition(".")
    if not sep or not dot or not field:
        raise _invalid(f"filter[] '{clause}' is not of the form field.OPERATOR:value.")
    op = op.upper()
    if op not in OPERATORS:
        raise _invalid(f"filter[] '{clause}': unknown operator {op}; use one of {', '.join(OPERATORS)}.")
    known = _fields(tenant)
    entry = known.get(field.lower())
    if entry is None:
        raise _invalid(f"filter[] '{clause}': {field} is not a filterable field.")
    kind, getter = entry
    if op == "SW" and kind != "str":
        raise _invalid(f"filter[] '{clause}': SW works on text fields only.")
    if op == "IN":
        if not (raw_value.startswith("[") and raw_value.endswith("]")):
            raise _invalid(f"filter[] '{clause}': IN takes a list like [a,b].")
        values = [_coerce(kind, v.strip(), field) for v in raw_value[1:-1].split(",") if v.strip()]
        return lambda i: getter(i) in values
    value = _coerce(kind, raw_value, field)
    tests: dict[str, Callable[[Any], bool]] = {
        "EQ": lambda v: v == value,
        "NE": lambda v: v != value,
        "LT": lambda v: v < value,
        "GT": lambda v: v > value,
        "LE": lambda v: v <= value,
        "GE": lambda v: v >= value,
        "SW": lambda v: str(v).startswith(str(value)),
    }
    test = tests[op]
    return lambda i: test(getter(i))


def _decode_cursor(cursor: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
        offset = int(data["offset"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise _invalid("cursor is not a cursor this API gave out.") from None
    if offset < 0:
        raise _invalid("cursor is not a cursor this API gave out.")
    return offset


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def query_invoices(tenant: Tenant, query: dict[str, list[str]]) -> dict[str, Any]:
    """GET /object-query/invoices → ``{"data": [...], "nextPage": cursor | null}``."""
    page_size = _int_param(query, "pageSize", 10, 1, 99, status=400)
    offset = _decode_cursor(query["cursor"][0]) if query.get("cursor") else 0
    predicates = [_predicate(tenant, clause) for clause in query.get("filter[]", [])]
    rows = [i for i in tenant.invoices.values() if all(p(i) for p in predicates)]
    for spec in reversed(query.get("sort[]", [])):
        field, _, direction = spec.rpartition(".")
        if direction.upper() not in {"ASC", "DESC"} or not field:
            field, direction = spec, "ASC"
        entry = _fields(tenant).get(field.lower())
        if entry is None:
            raise _invalid(f"sort[] '{spec}': {field} is not a sortable field.")
        rows.sort(key=entry[1], reverse=direction.upper() == "DESC")
    expand = frozenset(e.lower() for e in query.get("expand[]", []))
    wanted = {f.strip().split(".")[-1] for entry in query.get("fields[]", []) for f in entry.split(",") if f.strip()}
    include_null = query.get("includeNullFields", ["false"])[0].lower() == "true"
    data = []
    for invoice in rows[offset : offset + page_size]:
        view = invoice_query_view(invoice, tenant.accounts[invoice.account_id], expand)
        if wanted:
            view = {k: v for k, v in view.items() if k in wanted or k in {"id", "account"}}
        if not include_null:
            view = {k: v for k, v in view.items() if v is not None}
        data.append(view)
    more = offset + page_size < len(rows)
    return {"data": data, "nextPage": _encode_cursor(offset + page_size) if more else None}


def _int_param(query: dict[str, list[str]], name: str, default: int, low: int, high: int, status: int = 200) -> int:
    values = query.get(name)
    if not values:
        return default
    try:
        number = int(values[0])
    except ValueError:
        raise Refusal("unknown", "invalid", f"{name} must be a whole number.", status=status) from None
    if not low <= number <= high:
        raise Refusal("unknown", "invalid", f"{name} must be between {low} and {high}.", status=status)
    return number


def page_of(
    rows: Sequence[T] | Callable[[int, int], list[T]],
    total: int,
    query: dict[str, list[str]],
    url: str,
    max_page_size: int = 40,
) -> tuple[list[T], str | None]:
    """v1 paging: ``page`` (from 1) and ``pageSize`` (default 20); ``nextPage`` is a URL or None."""
    page = _int_param(query, "page", 1, 1, 10**9)
    size = _int_param(query, "pageSize", 20, 1, max_page_size)
    offset = (page - 1) * size
    chunk = rows(offset, size) if callable(rows) else list(rows[offset : offset + size])
    next_url = f"{url}?{urlencode({'page': page + 1, 'pageSize': size})}" if offset + size < total else None
    return chunk, next_url
