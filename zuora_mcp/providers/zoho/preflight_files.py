"""Preflight for attaching a file: the bytes are what they claim, and small enough, before any read.

The file arrives as ``{file_name, media_type, content_base64}``. Zoho allows gif, png, jpeg, jpg,
bmp and pdf (seed, documented); a name, a declared type and the bytes' own signature must all agree,
so a renamed executable or a mislabelled file is refused here, not uploaded. Zoho Billing states no
size limit; 5 MB is Zoho's documented limit for attachments elsewhere (Books, Invoice) and the
sandbox's, checked as an inferred rule. These checks run before the invoice is read: a bad file
costs no call at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any

from zuora_mcp.preflight import PreflightReport, Reader
from zuora_mcp.providers.zoho.checks import Progress, invoice_state, label, quoted, read_invoice

__all__ = ["MAX_BYTES", "attach_file_to_invoice", "sniff"]

MAX_BYTES = 5 * 1024 * 1024
# Extension → (media type, the signatures its bytes start with).
_KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "bmp": ("image/bmp", (b"BM",)),
}


def _size(size: int) -> str:
    return (
        f"{size} bytes"
        if size < 1024
        else f"{size / 1024:.1f} KB"
        if size < 1024 * 1024
        else f"{size / 1048576:.1f} MB"
    )


def sniff(content: bytes) -> str | None:
    """The media type the bytes' signature says, among the allowed kinds, or None."""
    for media_type, signatures in _KINDS.values():
        if content.startswith(signatures):
            return media_type
    return None


def _decoded(report: PreflightReport, attachment: Any) -> tuple[str, str, bytes] | None:
    if not isinstance(attachment, Mapping):
        report.add("The file is {file_name, media_type, content_base64}", False, "attachment is not such an object")
        return None
    try:
        content = base64.b64decode(str(attachment.get("content_base64") or ""), validate=True)
    except (binascii.Error, ValueError):
        report.add("The content is base64", False, "content_base64 does not decode")
        return None
    return str(attachment.get("file_name") or ""), str(attachment.get("media_type") or "").lower(), content


async def attach_file_to_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect=f"Would attach a file to invoice {args['invoice_id']}.")
    decoded = _decoded(report, args.get("attachment"))
    if decoded is None:
        return report
    name, declared, content = decoded
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = _KINDS.get(extension)
    size = len(content)
    checks = [
        report.add("The file type is allowed", kind is not None, f"{quoted(name)}: gif, png, jpeg, jpg, bmp or pdf"),
        report.add("The file is not empty", size > 0, f"{size} bytes"),
        report.add("The file is at most 5 MB", size <= MAX_BYTES, f"{size:,} bytes", inferred=True),
    ]
    if kind is not None:
        actual = sniff(content)
        checks.append(report.add("The media type fits the name", declared == kind[0], f"{declared} for .{extension}"))
        checks.append(
            report.add(
                "The bytes are what the name says",
                actual == kind[0],
                f"the content looks like {actual or 'none of the allowed types'}",
            )
        )
    if not all(checks):
        return report  # nothing read, nothing sent
    invoice = await read_invoice(report, reader, args)
    if invoice is None:
        return report
    digest = hashlib.sha256(content).hexdigest()[:16]
    mail = (
        " It goes out with later emails of the invoice (can_send_in_mail)."
        if args.get("can_send_in_mail") is True
        else " It is not sent with emails."
    )
    report.effect = (
        f"Attaches {quoted(name)} ({declared}, {_size(size)}, sha256 {digest}…) to invoice {label(invoice)}."
        f"{mail} No tool here removes an attachment."
    )
    report.fingerprint = invoice_state(invoice)
    return report
