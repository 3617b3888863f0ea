"""Reading an attachment upload: ``multipart/form-data`` with an ``attachment`` file part and a
``can_send_in_mail`` field (or query parameter).

The seed allows gif, png, jpeg, jpg, bmp and pdf. Zoho states no size limit for Billing
attachments; the sandbox enforces ``attachment_max_bytes`` (5 MB by default, an option) so the
limit can be tested. Parsing uses the standard library's MIME parser: no extra dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import TYPE_CHECKING

from zuora_mcp.providers.zoho.sandbox.dialect import ATTACHMENT_REFUSED, ZohoError, invalid_value

if TYPE_CHECKING:
    from zuora_mcp.providers.zoho.sandbox.calls import Call

__all__ = ["ALLOWED_TYPES", "Upload", "read_upload"]

ALLOWED_TYPES = ("gif", "png", "jpeg", "jpg", "bmp", "pdf")


@dataclass(frozen=True)
class Upload:
    file_name: str
    file_type: str
    content: bytes
    can_send_in_mail: bool


def _parts(raw: bytes, content_type: str) -> list[EmailMessage]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise invalid_value("attachment")
    return [part for part in message.iter_parts() if isinstance(part, EmailMessage)]


def read_upload(call: Call) -> Upload:
    if not call.content_type.lower().startswith("multipart/form-data") or "boundary=" not in call.content_type:
        raise invalid_value("attachment")
    file_part: EmailMessage | None = None
    flag = call.query.get("can_send_in_mail", "")
    for part in _parts(call.raw, call.content_type):
        name = part.get_param("name", header="content-disposition")
        if name == "attachment" and part.get_filename():
            file_part = part
        elif name == "can_send_in_mail":
            payload = part.get_payload(decode=True)
            flag = payload.decode("utf-8", "replace").strip() if isinstance(payload, bytes) else ""
    if file_part is None:
        raise invalid_value("attachment")
    if flag.strip().lower() not in {"", "true", "false"}:  # a boolean in the spec
        raise invalid_value("can_send_in_mail")
    file_name = str(file_part.get_filename())
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in ALLOWED_TYPES:
        raise ZohoError(ATTACHMENT_REFUSED, f"Files of this type cannot be attached; use {', '.join(ALLOWED_TYPES)}.")
    content = file_part.get_payload(decode=True)
    if not isinstance(content, bytes):
        content = b""
    if len(content) > call.attachment_max_bytes:
        limit = call.attachment_max_bytes
        raise ZohoError(ATTACHMENT_REFUSED, f"The file is larger than the {limit} bytes allowed for an attachment.")
    if not content:
        raise invalid_value("attachment")
    return Upload(file_name, extension, content, flag.lower() == "true")
