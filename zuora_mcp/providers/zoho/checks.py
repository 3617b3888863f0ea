"""What the Zoho preflight modules share: reading the invoice and the customer, money, statuses, state.

Zoho publishes no status × action matrix (notes §6): most allowed-status lists in the spec's
``x-zoho-status-rules`` are marked *inferred*. They are checked all the same, and each such check is
added with ``inferred=True`` so the preview says the rule is ours, not Zoho's documentation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from zuora_mcp.preflight import PreflightReport, Reader, ReadFailed, fingerprint

__all__ = [
    "CUSTOMER",
    "INVOICE",
    "Progress",
    "fmt",
    "invoice_state",
    "label",
    "money",
    "quoted",
    "read_customer",
    "read_invoice",
    "status_allows",
]

Progress = Callable[[str], Awaitable[None]]
INVOICE = "/invoices/{invoice_id}"
# One read outside the 18 operations: the customer with its saved cards, bank accounts and contacts.
CUSTOMER = "/customers/{customer_id}"
VENDOR = "Zoho Billing"


def money(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        return Decimal(0)


def fmt(amount: Decimal | float, currency: Any) -> str:
    return f"{Decimal(str(amount)):.2f} {currency or ''}".strip()


def quoted(value: Any) -> str:
    """Text someone typed (a name, a reference), quoted so a preview shows it as data."""
    text = str(value)
    return '"' + (text[:80] + ("…" if len(text) > 80 else "")).replace('"', "'") + '"'


def label(invoice: Mapping[str, Any]) -> str:
    """``INV-000001 of "Bowman Furniture"``: how every effect names an invoice."""
    number = invoice.get("number") or invoice.get("invoice_number") or invoice.get("invoice_id") or "?"
    customer = invoice.get("customer_name")
    return f"{number} of {quoted(customer)}" if customer else str(number)


async def _record(
    report: PreflightReport, reader: Reader, what: str, path: str, key: str, value: str, resource: str
) -> dict[str, Any] | None:
    try:
        data = await reader.read(path, {key: value})
    except ReadFailed as exc:
        report.add(f"{what} {value} exists", False, exc.detail)
        return None
    record = data.get(resource) if isinstance(data, dict) else None
    if not isinstance(record, dict):
        report.add(f"{what} {value} exists", False, f"{VENDOR} returned no {resource}")
        return None
    return record


async def read_invoice(report: PreflightReport, reader: Reader, args: Mapping[str, Any]) -> dict[str, Any] | None:
    """The invoice the write names; on failure a failed "exists" check and None."""
    return await _record(report, reader, "Invoice", INVOICE, "invoice_id", str(args["invoice_id"]), "invoice")


async def read_customer(report: PreflightReport, reader: Reader, customer_id: Any) -> dict[str, Any] | None:
    """The customer with its saved payment methods and contacts; on failure a failed check and None."""
    return await _record(report, reader, "Customer", CUSTOMER, "customer_id", str(customer_id), "customer")


def status_allows(
    report: PreflightReport,
    invoice: Mapping[str, Any],
    allowed: Sequence[str],
    action: str,
    *,
    inferred: bool,
    code: int | None = None,
) -> bool:
    """``code``: Zoho's own error code for this refusal, when one is known."""
    status = invoice.get("status")
    return report.add(
        f"Status allows {action}" + (f" (Zoho's {code})" if code else ""),
        status in allowed,
        f"status is {status}; {action} needs " + (allowed[0] if len(allowed) == 1 else f"one of {', '.join(allowed)}"),
        inferred=inferred,
    )


# Everything a write on an invoice depends on. A confirmation token binds this hash: once the write
# ran (here or on another replica) the invoice changed, so the same token is refused.
_STATE_FIELDS = (
    "status",
    "total",
    "balance",
    "payment_made",
    "credits_applied",
    "write_off_amount",
    "last_modified_time",
    "updated_time",
    "is_emailed",
    "invoice_items",
    "payments",
    "credits",
    "documents",
    "custom_fields",
    "billing_address",
    "shipping_address",
    "customer_id",
)


def invoice_state(invoice: Mapping[str, Any], *more: Any) -> str:
    return fingerprint({name: invoice.get(name) for name in _STATE_FIELDS}, *more)
