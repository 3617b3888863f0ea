"""A small, valid one-page PDF of an invoice (``GET /invoices/{id}`` with ``Accept: application/pdf``
or ``?accept=pdf``): enough for a client to save, count bytes and check the ``%PDF`` magic."""

from __future__ import annotations

from zuora_mcp.providers.zoho.sandbox.dialect import money
from zuora_mcp.providers.zoho.sandbox.models import Invoice
from zuora_mcp.providers.zoho.sandbox.tenant import Tenant

__all__ = ["invoice_pdf"]


def _escape(line: str) -> str:
    return (
        line.replace("\\", "\\\\")
        .replace("(", "\\(")
        .replace(")", "\\)")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


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
    text = "BT /F1 12 Tf 72 760 Td 16 TL " + " ".join(f"({_escape(line)}) '" for line in lines) + " ET"
    stream = text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
