"""Preflight for attaching a file: the bytes are what they claim, and small enough, before any read.

The file arrives as ``{file_name, media_type, content_base64}`` and is checked by the core's one
upload mechanism (:func:`zuora_mcp.preflight.files.check_file`, shared with Zuora's invoice PDF
upload). Zoho allows gif, png, jpeg, jpg, bmp and pdf (seed, documented). Zoho Billing states no
size limit; 5 MB is Zoho's documented limit for attachments elsewhere (Books, Invoice) and the
sandbox's, checked as an inferred rule. These checks run before the invoice is read: a bad file
costs no call at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zuora_mcp.preflight import PreflightReport, Reader
from zuora_mcp.preflight.files import check_file
from zuora_mcp.providers.zoho.checks import Progress, invoice_state, label, read_invoice

__all__ = ["ALLOWED", "MAX_BYTES", "attach_file_to_invoice"]

MAX_BYTES = 5 * 1024 * 1024
ALLOWED = ("gif", "png", "jpeg", "jpg", "bmp", "pdf")


async def attach_file_to_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would attach a file to invoice {args['invoice_id']}.")
    checked = check_file(report, args.get("attachment"), allowed=ALLOWED, max_bytes=MAX_BYTES, size_inferred=True)
    if checked is None:
        return report  # nothing read, nothing sent
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    mail = (
        " It goes out with later emails of the invoice (can_send_in_mail)."
        if args.get("can_send_in_mail") is True
        else " It is not sent with emails."
    )
    report.effect = (
        f"Attaches {checked.describe()} to invoice {label(invoice)}.{mail} No tool here removes an attachment."
    )
    report.fingerprint = invoice_state(invoice)
    return report
