"""What a rule gets (:class:`Call`) and the checks rules share: statuses, numbers, lines, emails.

A rule reads ``call``, raises :class:`~.dialect.ZohoError` to refuse (before it changes anything),
sets ``call.wrote`` when it changed the tenant and returns the answer body (a dict, or a
:class:`RawAnswer` for a file).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from zuora_mcp.providers.zoho.sandbox.dialect import STATUS_NOT_ALLOWED, ZohoError, invalid_value
from zuora_mcp.providers.zoho.sandbox.models import Invoice, LineItem
from zuora_mcp.providers.zoho.sandbox.tenant import Tenant

__all__ = ["Call", "RawAnswer", "number", "parse_lines", "require_status", "text", "truthy"]

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Line fields the spec accepts that the tenant keeps as given and answers back (views.line_json).
LINE_KEPT = ("project_id", "time_entry_ids", "expense_id", "item_order", "tax_exemption_id", "discount", "tax_type")
PERCENT = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*%\s*$")


@dataclass
class RawAnswer:
    """A non-JSON answer (the invoice PDF)."""

    body: bytes
    content_type: str
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Call:
    tenant: Tenant
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    raw: bytes = b""
    content_type: str = ""
    accept: str = ""
    attachment_max_bytes: int = 5 * 1024 * 1024
    force_decline: bool = False  # the gateway_decline fault is armed for this request
    wrote: bool = False
    status: int = 200
    charged: int = 0  # approved gateway charges made by this call
    declined: int = 0

    def invoice(self) -> Invoice:
        return self.tenant.invoice(self.params["invoice_id"])

    def json_object(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise invalid_value("JSONString")
        return self.body

    def flag(self, name: str) -> bool:
        return truthy(self.query.get(name))


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def text(data: dict[str, Any], name: str, *, required: bool = False, max_length: int | None = None) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip() and required):
        if required:
            raise invalid_value(name)
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise invalid_value(name)
    value = str(value)
    if max_length is not None and len(value) > max_length:
        raise invalid_value(name)
    return value


def number(data: dict[str, Any], name: str, *, required: bool = False, minimum: float | None = None) -> float | None:
    value = data.get(name)
    if value is None:
        if required:
            raise invalid_value(name)
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise invalid_value(name) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_value(name)
    if minimum is not None and value < minimum:
        raise invalid_value(name)
    return float(value)


def date(data: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = text(data, name, required=required)
    if value is not None and not DATE.match(value):
        raise invalid_value(name)
    return value


def emails(value: Any, name: str, *, required: bool) -> list[str]:
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value):
        raise invalid_value(name)
    if not all(isinstance(v, str) and EMAIL.match(v) for v in value):
        raise invalid_value(name)
    return list(value)


def require_status(call: Call, invoice: Invoice, allowed: Iterable[str], action: str) -> str:
    """Refuse unless the invoice's status is one of ``allowed`` (the spec's ``allowed_statuses``)."""
    status = invoice.status(call.tenant.today())
    if status not in set(allowed):
        raise ZohoError(STATUS_NOT_ALLOWED, f"The invoice is {status}: it cannot be {action}.")
    return status


def _discount(raw: Any, gross: float) -> float:
    if raw is None or raw == "":
        return 0.0
    if isinstance(raw, str) and (match := PERCENT.match(raw)):
        return round(gross * float(match.group(1)) / 100, 2)
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise invalid_value("discount") from None


def parse_lines(
    tenant: Tenant, raw: Any, *, require_quantity: bool, keep: Iterable[LineItem] = (), by_code: bool = False
) -> list[LineItem]:
    """``invoice_items`` as lines. ``product_id`` (or, for usage lines, ``code``) names a product of
    the organisation; ``price`` is required except on usage lines, where the product's price is the
    default (spec: items require ``product_id, price(, quantity)``, taken from the cross-check).
    Callers parse lines after their other checks: new lines take ids from the tenant's sequence."""
    if not isinstance(raw, list) or not raw:
        raise invalid_value("invoice_items")
    existing = {line.item_id: line for line in keep}
    lines: list[LineItem] = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise invalid_value("invoice_items")
        product_id = text(entry, "product_id")
        product = tenant.products.get(product_id) if product_id else None
        if product is None and by_code and (code := text(entry, "code")):
            product = next((p for p in tenant.products.values() if p.code == code), None)
        if product is None:
            raise invalid_value("product_id")
        price = number(entry, "price", required=not by_code, minimum=0)
        quantity = number(entry, "quantity", required=require_quantity, minimum=0)
        price = product.price if price is None else price
        quantity = 1.0 if quantity is None else quantity
        item_id = text(entry, "item_id")
        line = LineItem(
            item_id=item_id if item_id in existing else "",
            product_id=product.product_id,
            name=text(entry, "name") or product.name,
            price=price,
            quantity=quantity,
            code=product.code,
            description=text(entry, "description") or "",
            unit=text(entry, "unit", max_length=100) or "",
            tax_id=text(entry, "tax_id") or "",
            tax_name=text(entry, "tax_name") or "",
            tax_percentage=number(entry, "tax_percentage", minimum=0) or 0.0,
            extra={name: entry[name] for name in LINE_KEPT if entry.get(name) is not None},
        )
        line.discount_amount = _discount(entry.get("discount"), price * quantity)
        lines.append(line)
    for line in lines:  # new ids only once every line is valid: a refusal leaves the sequence alone
        line.item_id = line.item_id or tenant.new_id()
    return lines


def need_text(data: dict[str, Any], name: str, *, max_length: int | None = None) -> str:
    value = text(data, name, required=True, max_length=max_length)
    if value is None:
        raise invalid_value(name)
    return value


def need_number(data: dict[str, Any], name: str) -> float:
    value = number(data, name, required=True)
    if value is None:
        raise invalid_value(name)
    return value
