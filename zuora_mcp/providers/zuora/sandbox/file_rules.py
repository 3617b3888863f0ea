"""Invoice files: upload an externally generated PDF, and read a file's bytes back.

Zuora's stated rules for ``POST /v1/invoices/{invoiceKey}/files`` (spec description of
POST_UploadFileForInvoice): the invoice is Draft or Posted, only PDF, at most 4 MB, at most 50 files
per invoice. The upload answers ``{"success": true, "fileId": …}``; ``GET /v1/files/{file-id}``
serves the bytes as ``application/pdf``. Demo invoices' seeded files get a small generated PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from zuora_mcp.providers.zuora.sandbox.dialect import Refusal
from zuora_mcp.providers.zuora.sandbox.models import InvoiceFile
from zuora_mcp.providers.zuora.sandbox.tenant import Tenant
from zuora_mcp.tenant_kit.pdf import text_pdf

__all__ = ["MAX_FILES", "MAX_PDF_BYTES", "FileAnswer", "Upload", "parse_form", "read_file", "upload_invoice_file"]

MAX_PDF_BYTES = 4 * 1024 * 1024
MAX_FILES = 50


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart form."""

    file_name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class FileAnswer:
    """An answer that is a file, not JSON."""

    content: bytes
    media_type: str
    file_name: str


def parse_form(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """A multipart/form-data body as ``{field: Upload | str}``.

    Raises:
        Refusal: the body is not a multipart form.
    """
    if not content_type or not content_type.lower().startswith("multipart/form-data"):
        raise Refusal("invoice", "malformed", "The request must be multipart/form-data with a file part.", status=400)
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    if not message.is_multipart():
        raise Refusal("invoice", "malformed", "The multipart body could not be read.", status=400)
    form: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        file_name = part.get_filename()
        if file_name is not None:
            form[name] = Upload(file_name, part.get_content_type(), data)
        else:
            form[name] = data.decode("utf-8", "replace")
    return form


def upload_invoice_file(tenant: Tenant, invoice_key: str, form: dict[str, Any]) -> dict[str, Any]:
    invoice = tenant.invoice(invoice_key)
    upload = form.get("file")
    if not isinstance(upload, Upload):
        raise Refusal("invoice", "missing_field", "file is required.")
    if invoice.status not in ("Draft", "Posted"):
        raise Refusal(
            "invoice", "rule", f"A file can be uploaded only for a Draft or Posted invoice; it is {invoice.status}."
        )
    if not upload.content.startswith(b"%PDF-"):
        raise Refusal("invoice", "invalid", "Only the PDF file format is supported.")
    if len(upload.content) > MAX_PDF_BYTES:
        raise Refusal("invoice", "invalid", "The maximum size of the PDF file to upload is 4 MB.")
    if len(invoice.files) >= MAX_FILES:
        raise Refusal("invoice", "limit", "A maximum of 50 PDF files can be uploaded for one invoice.")
    version = max((f.version_number for f in invoice.files), default=0) + 1
    file = InvoiceFile(tenant.new_id("file"), version, content=upload.content, file_name=upload.file_name)
    invoice.files.append(file)
    return {"success": True, "fileId": file.id}


def read_file(tenant: Tenant, file_id: str) -> FileAnswer:
    for invoice in tenant.invoices.values():
        for file in invoice.files:
            if file.id == file_id:
                content = file.content or _generated_pdf(invoice.invoice_number, file.version_number)
                return FileAnswer(content, "application/pdf", file.file_name or f"{invoice.invoice_number}.pdf")
    raise Refusal.not_found("File", file_id)


def _generated_pdf(number: str, version: int) -> bytes:
    """A small, valid one-page PDF naming the invoice, for seeded files that have no bytes of their own."""
    return text_pdf([f"Invoice {number}, version {version}", "zuora-mcp sandbox"])
