"""Preflight for uploading an invoice PDF: the rules Zuora states for POST /v1/invoices/{invoiceKey}/files.

Only PDF, at most 4 MB, at most 50 files per invoice, and the invoice in Draft or Posted (spec
description of POST_UploadFileForInvoice). The file is checked first — a bad file costs no read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from zuora_mcp.preflight import PreflightFn, PreflightReport, Reader, ReadFailed, fingerprint
from zuora_mcp.preflight.files import check_file
from zuora_mcp.providers.zuora.preflight.common import read_record

__all__ = ["FILE_PREFLIGHTS", "MAX_FILES", "MAX_PDF_BYTES"]

Progress = Callable[[str], Awaitable[None]]
MAX_PDF_BYTES = 4 * 1024 * 1024
MAX_FILES = 50
_UPLOADABLE = ("Draft", "Posted")


async def upload_invoice_file(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    key = str(args["invoiceKey"])
    report = PreflightReport(effect=f"Would upload a PDF to invoice {key}.")
    checked = check_file(report, args.get("file"), allowed=("pdf",), max_bytes=MAX_PDF_BYTES)
    if checked is None:
        return report
    invoice = await read_record(report, reader, "Invoice", "/v1/invoices/{invoiceKey}", {"invoiceKey": key})
    if invoice is None:
        return report
    status = str(invoice.get("status") or "")
    report.add("Invoice is Draft or Posted", status in _UPLOADABLE, f"status is {status or 'unknown'}")
    try:
        listed = await reader.read("/v1/invoices/{invoiceKey}/files", {"invoiceKey": key}, {"page": 2, "pageSize": 40})
        first = await reader.read("/v1/invoices/{invoiceKey}/files", {"invoiceKey": key}, {"page": 1, "pageSize": 40})
    except ReadFailed as exc:
        report.add("The invoice's files can be counted", False, exc.detail)
        return report
    count = sum(len(page.get("invoiceFiles") or []) for page in (first, listed) if isinstance(page, dict))
    report.add(f"The invoice has fewer than {MAX_FILES} files", count < MAX_FILES, f"it has {count}")
    number = str(invoice.get("invoiceNumber") or key)
    report.effect = (
        f"Uploads {checked.describe()} to invoice {number} ({status}) as file {count + 1} of at most {MAX_FILES}. "
        "It becomes the invoice's newest PDF version; Zuora keeps the earlier ones."
    )
    # A second upload of the same confirmation after the first one landed sees one more file: refused.
    report.fingerprint = fingerprint({"status": status, "files": count, "sha256": checked.sha256})
    return report


FILE_PREFLIGHTS: dict[str, PreflightFn] = {"upload_invoice_file": upload_invoice_file}
