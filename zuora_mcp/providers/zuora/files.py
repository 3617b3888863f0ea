"""Zuora's invoice files as MCP resources: ``zuora://invoices/{invoiceKey}/files/{fileId}``.

``list_invoice_files`` gives each file's id; Zuora serves the bytes at ``GET /v1/files/{file-id}``,
which needs the tenant's credentials, so the PDF is read through the server, never by URL.
"""

from __future__ import annotations

from collections.abc import Mapping

from zuora_mcp.plan import RequestPlan
from zuora_mcp.resources import FileResource

__all__ = ["INVOICE_FILE", "RESOURCES"]


def _invoice_file(values: Mapping[str, str]) -> RequestPlan:
    return RequestPlan(
        method="GET",
        path="/v1/files/{fileId}",
        path_params={"fileId": values["fileId"]},
        operation_id="GET_Files",
        accept="application/pdf",
    )


INVOICE_FILE = FileResource(
    uri_template="zuora://invoices/{invoiceKey}/files/{fileId}",
    name="zuora-invoice-file",
    title="Zuora invoice PDF",
    description="One PDF of an invoice; list_invoice_files gives each file's resource URI.",
    mime_type="application/pdf",
    plan=_invoice_file,
)

RESOURCES: tuple[FileResource, ...] = (INVOICE_FILE,)
