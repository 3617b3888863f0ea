"""Small helpers shared by the preflight modules: money, reading records, counting items."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from zuora_mcp.preflight import PreflightReport, Reader, ReadFailed

# Zuora's list endpoints take at most 40 per page; "more than 2,000 items" is then one read of page 51.
PAGE_SIZE = 40
MAX_REVERSE_ITEMS = 2000


def money(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        return Decimal(0)


def fmt(amount: Decimal | float, currency: str | None) -> str:
    return f"{Decimal(str(amount)):.2f} {currency or ''}".strip()


async def read_record(
    report: PreflightReport, reader: Reader, what: str, path: str, params: Mapping[str, str]
) -> dict[str, Any] | None:
    """Read one record; on failure add a failed "exists" check and return None."""
    key = next(iter(params.values()))
    try:
        record = await reader.read(path, params)
    except ReadFailed as exc:
        report.add(f"{what} {key} exists", False, exc.detail)
        return None
    if not isinstance(record, dict):
        report.add(f"{what} {key} exists", False, "Zuora returned no record")
        return None
    return record


async def invoice_items(reader: Reader, invoice_key: str) -> list[dict[str, Any]]:
    """Every item of an invoice (all pages); used where amounts per item matter."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        data = await reader.read(
            "/v1/invoices/{invoiceKey}/items", {"invoiceKey": invoice_key}, {"page": page, "pageSize": PAGE_SIZE}
        )
        batch = data.get("invoiceItems", []) if isinstance(data, dict) else []
        items.extend(batch)
        if len(batch) < PAGE_SIZE or not data.get("nextPage") or page * PAGE_SIZE > MAX_REVERSE_ITEMS:
            return items
        page += 1


async def has_more_items_than(reader: Reader, invoice_key: str, limit: int) -> bool:
    """True when the invoice has more than ``limit`` items: one read of the page just past the limit."""
    page = limit // PAGE_SIZE + 1
    data = await reader.read(
        "/v1/invoices/{invoiceKey}/items", {"invoiceKey": invoice_key}, {"page": page, "pageSize": PAGE_SIZE}
    )
    return bool(data.get("invoiceItems")) if isinstance(data, dict) else False


def total(items: Any, field: str = "amount") -> Decimal:
    if not isinstance(items, list):
        return Decimal(0)
    return sum((money(item.get(field)) for item in items if isinstance(item, dict)), Decimal(0))
