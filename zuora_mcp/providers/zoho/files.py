"""Zoho Billing's invoice PDF as an MCP resource: ``zoho://invoices/{invoice_id}/pdf``.

Zoho returns an invoice as a PDF for ``GET /invoices/{invoice_id}`` with ``Accept: application/pdf``;
the request needs the organisation's token, so the PDF is read through the server, never by URL.
"""

from __future__ import annotations

from collections.abc import Mapping

from zuora_mcp.plan import RequestPlan
from zuora_mcp.resources import FileResource

__all__ = ["INVOICE_PDF", "RESOURCES"]


def _invoice_pdf(values: Mapping[str, str]) -> RequestPlan:
    return RequestPlan(
        method="GET",
        path="/invoices/{invoice_id}",
        path_params={"invoice_id": values["invoice_id"]},
        operation_id="get_invoice",
        accept="application/pdf",
    )


INVOICE_PDF = FileResource(
    uri_template="zoho://invoices/{invoice_id}/pdf",
    name="zoho-invoice-pdf",
    title="Zoho Billing invoice PDF",
    description="An invoice as the PDF Zoho Billing renders for it.",
    mime_type="application/pdf",
    plan=_invoice_pdf,
)

RESOURCES: tuple[FileResource, ...] = (INVOICE_PDF,)
