"""A small, valid one-page PDF of an invoice (``GET /invoices/{id}`` with ``Accept: application/pdf``
or ``?accept=pdf``): enough for a client to save, count bytes and check the ``%PDF`` magic."""

from __future__ import annotations

from zuora_mcp.providers.zoho.sandbox.dialect import money
from zuora_mcp.providers.zoho.sandbox.models import Invoice
from zuora_mcp.providers.zoho.sandbox.tenant import Tenant
from zuora_mcp.tenant_kit.pdf import text_pdf

__all__ = ["invoice_pdf"]


def invoice_pdf(tenant: Tenant, invoice: Invoice) -> bytes:
    customer = tenant.customers.get(invoice.customer_id)
    lines = [
        tenant.organization_name,
        f"Invoice {invoice.invoice_number}",
        f"Bill to: {customer.display_name if customer else invoice.customer_id}",
        f"Date: {invoice.date}   Due: {invoice.due_date}",
        *(f"{line.name}  x{line.quantity:g}  {money(line.item_total):.2f}" for line in invoice.line_items),
        f"Total: {invoice.currency_code} {money(invoice.total):.2f}",
        f"Balance due: {invoice.currency_code} {money(invoice.balance):.2f}",
        f"Status: {invoice.status(tenant.today())}",
    ]
    return text_pdf(lines)
