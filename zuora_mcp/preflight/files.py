"""Checking an uploaded file before anything is sent: what every upload tool shares.

A file arrives as ``{file_name, media_type, content_base64}`` (JSON carries no bytes). Before the
target is even read, the upload must show that it is what it claims: it decodes, it is not empty, it
is within the vendor's size limit, and its name, its declared media type and its bytes' own signature
all agree with one of the kinds the vendor accepts — so a renamed executable or a mislabelled file is
refused here, never uploaded. The preview then names the file by name, size and SHA-256.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zuora_mcp.preflight import PreflightReport

__all__ = ["KINDS", "CheckedFile", "check_file", "size_text", "sniff"]

# Extension → (media type, the signatures its bytes start with).
KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "bmp": ("image/bmp", (b"BM",)),
}


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed: its name, media type, size and SHA-256 (what a preview shows)."""

    file_name: str
    media_type: str
    size: int
    sha256: str

    def describe(self) -> str:
        name = json.dumps(self.file_name, ensure_ascii=False)  # quoted: a caller chose it, it is data
        return f"{name} ({self.media_type}, {size_text(self.size)}, sha256 {self.sha256[:16]}…)"


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    megabytes = size / 1048576
    return f"{megabytes:.0f} MB" if megabytes.is_integer() else f"{megabytes:.1f} MB"


def sniff(content: bytes, allowed: tuple[str, ...] = tuple(KINDS)) -> str | None:
    """The media type the bytes' signature says, among ``allowed`` extensions' kinds, or None."""
    for extension in allowed:
        media_type, signatures = KINDS[extension]
        if content.startswith(signatures):
            return media_type
    return None


def check_file(
    report: PreflightReport,
    argument: Any,
    *,
    allowed: tuple[str, ...],
    max_bytes: int,
    size_inferred: bool = False,
) -> CheckedFile | None:
    """Add the file's checks to ``report``; the checked file, or None when any check failed.

    ``allowed`` are extensions from :data:`KINDS`; ``size_inferred`` marks a size limit the vendor
    does not document for this operation.
    """
    if not isinstance(argument, Mapping):
        report.add("The file is {file_name, media_type, content_base64}", False, "it is not such an object")
        return None
    try:
        content = base64.b64decode(str(argument.get("content_base64") or ""), validate=True)
    except (binascii.Error, ValueError):
        report.add("The content is base64", False, "content_base64 does not decode")
        return None
    name = str(argument.get("file_name") or "")
    declared = str(argument.get("media_type") or "").lower()
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = KINDS.get(extension) if extension in allowed else None
    size = len(content)
    kinds = ", ".join(allowed)
    checks = [
        report.add("The file type is allowed", kind is not None, f"{name!r}: {kinds}"),
        report.add("The file is not empty", size > 0, f"{size:,} bytes"),
        report.add(
            f"The file is at most {size_text(max_bytes)}", size <= max_bytes, f"{size:,} bytes", inferred=size_inferred
        ),
    ]
    if kind is not None:
        media_type, _ = kind
        actual = sniff(content, allowed)
        checks.append(
            report.add("The media type fits the name", declared == media_type, f"{declared} for .{extension}")
        )
        checks.append(
            report.add(
                "The bytes are what the name says",
                actual == media_type,
                f"the content looks like {actual or 'none of the allowed types'}",
            )
        )
    if not all(checks) or kind is None:
        return None
    return CheckedFile(name, kind[0], size, hashlib.sha256(content).hexdigest())
