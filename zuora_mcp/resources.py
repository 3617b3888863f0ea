"""Files a person wants to look at — invoice PDFs — as MCP resources, fetched with the tenant's credentials.

A billing system's file URLs need its credentials, so a model that is handed a URL can do nothing with
it. A provider names its files as resource templates instead (``zuora://invoices/{invoiceKey}/files/
{fileId}``, ``zoho://invoices/{invoice_id}/pdf``); ``resources/read`` fetches the bytes through the one
shared client — credentials never appear in a URI the model sees — and returns them as a blob with the
file's media type. A file above the template's size limit is refused with a message saying so.

Reading a file changes nothing, so no guard is involved; the URI's values are path values like any
other and pass the same validation and encoding (:func:`zuora_mcp.plan.encode_path`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import unquote

from zuora_mcp.plan import RequestPlan

__all__ = ["DEFAULT_MAX_BYTES", "Blob", "FileResource", "FileTooLarge", "find"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class FileTooLarge(Exception):
    """The file is above the resource's size limit; nothing is returned."""


@dataclass(frozen=True)
class Blob:
    """A file as ``resources/read`` returns it."""

    uri: str
    mime_type: str
    content: bytes

    @property
    def base64(self) -> str:
        return base64.b64encode(self.content).decode("ascii")


@dataclass(frozen=True)
class FileResource:
    """One kind of file a provider serves: a URI template and the read that fetches it.

    ``plan`` turns the template's values into the GET that returns the bytes (with ``accept`` set when
    the vendor needs to be asked for a PDF rather than JSON).
    """

    uri_template: str
    name: str
    title: str
    description: str
    mime_type: str
    plan: Callable[[Mapping[str, str]], RequestPlan]
    max_bytes: int = DEFAULT_MAX_BYTES

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        parts = _PLACEHOLDER.split(self.uri_template)
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/?#]+)" for index, part in enumerate(parts)
        )
        return re.compile(regex)

    def match(self, uri: str) -> dict[str, str] | None:
        """The template's values in ``uri`` (percent-decoded), or None when it is not this kind of file."""
        found = self._pattern.fullmatch(uri)
        return {key: unquote(value) for key, value in found.groupdict().items()} if found else None

    def uri(self, **values: object) -> str:
        """The URI of one file: the template filled in (for linking records to their files)."""
        return self.uri_template.format(**{key: str(value) for key, value in values.items()})

    def template_definition(self) -> dict[str, str]:
        """The ``resources/templates/list`` entry (wire names)."""
        return {
            "uriTemplate": self.uri_template,
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "mimeType": self.mime_type,
        }

    def check_size(self, content: bytes, uri: str) -> None:
        """Raises :class:`FileTooLarge` for a file above the limit."""
        if len(content) > self.max_bytes:
            raise FileTooLarge(
                f"{uri} is {_size(len(content))}, above the {_size(self.max_bytes)} limit for files read "
                "through this server; nothing was returned. Open it in the billing system."
            )


def _size(count: int) -> str:
    if count >= 1_048_576:
        return f"{count / 1_048_576:.1f} MiB"
    if count >= 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count} bytes"


def find(resources: tuple[FileResource, ...], uri: str) -> tuple[FileResource, dict[str, str]] | None:
    """The resource kind ``uri`` belongs to, and its values."""
    for resource in resources:
        values = resource.match(uri)
        if values is not None:
            return resource, values
    return None
