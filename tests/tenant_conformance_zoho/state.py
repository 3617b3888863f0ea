"""The Zoho tenant's records as plain data, so two moments compare by content."""

from __future__ import annotations

from typing import Any

from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dict__"):
        return {k: _plain(v) for k, v in vars(value).items()}
    return value


def tenant_state(sandbox: RunningZohoSandbox) -> Any:
    """Every record a write may change, with the outbox and the charges ledger; the id sequence aside
    (a refused write may draw an id, as a real server's sequence may)."""
    tenant = sandbox.tenant
    return _plain(
        {
            "customers": tenant.customers,
            "products": tenant.products,
            "credit_notes": tenant.credit_notes,
            "custom_fields": tenant.custom_fields,
            "invoices": tenant.invoices,
            "next_number": tenant._next_number,
            "outbox": tenant.outbox,
            "charges": tenant.charges,
        }
    )
