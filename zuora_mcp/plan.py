"""The request plan: what one Zuora call will send, as plain data, with no I/O.

A tool's arguments become a :class:`RequestPlan` by a pure function. The guard previews a plan,
hashes it for confirmation tokens and checks it against policy; only the client sends it. Path
values chosen by a model end up in URLs, so every value is checked and percent-encoded here, once
per plan (the encoded path is kept on the plan: the executor and the client both ask for it),
before anything else sees the URL.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, TypeAlias
from urllib.parse import quote, urlencode

from zuora_mcp.errors import InvalidArgument, InvalidPathValue

__all__ = [
    "JSON",
    "FilePart",
    "Method",
    "QueryValue",
    "RequestPlan",
    "as_text",
    "encode_path",
    "place_arguments",
    "validate_path_value",
]

JSON: TypeAlias = Any
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
QueryValue: TypeAlias = str | int | float | bool | list[str] | list[int]

# Zuora keys are ids (32 hex), numbers (INV00000012) or customer-chosen account numbers.
MAX_PATH_VALUE_LENGTH = 255
_FORBIDDEN = {"/": "a slash", "\\": "a backslash", "?": "a '?'", "#": "a '#'", "%": "a '%'"}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
# Ids, numbers and most account numbers: ASCII letters, digits and ``- _ . ~`` (not leading with a
# dot). Such a value passes every check below unchanged (NFKC leaves ASCII alone; none of these is
# forbidden, whitespace or a control character) and percent-encoding leaves it as it is, so it
# takes a short path; anything else gets the full check.
_PLAIN = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*")


def validate_path_value(name: str, value: object) -> str:
    """Return ``value`` as a string that is safe to put in one URL path segment, or raise.

    Refused: empty values, ``..`` and ``.``, ``/ \\ ? # %``, whitespace, control and format
    characters, characters whose compatibility form is one of those (full-width solidus and
    other look-alikes), and values longer than 255 characters.

    Raises:
        InvalidPathValue: the value cannot be used; nothing was built or sent.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidPathValue(name, "must be a string")
    text = str(value)
    if len(text) <= MAX_PATH_VALUE_LENGTH and _PLAIN.fullmatch(text) and ".." not in text:
        return text
    return _checked(name, text)


def _checked(name: str, text: str) -> str:
    """Every check of :func:`validate_path_value`, for values that are not plain."""
    if not text:
        raise InvalidPathValue(name, "must not be empty")
    if len(text) > MAX_PATH_VALUE_LENGTH:
        raise InvalidPathValue(name, f"is longer than {MAX_PATH_VALUE_LENGTH} characters")
    # NFKC folds look-alikes ("／", "．．", "﹖") into the characters they imitate.
    folded = unicodedata.normalize("NFKC", text)
    if folded in {".", ".."} or ".." in folded:
        raise InvalidPathValue(name, "must not contain '..'")
    for candidate in (text, folded):
        for char in candidate:
            if char in _FORBIDDEN:
                raise InvalidPathValue(name, f"must not contain {_FORBIDDEN[char]}")
            if char.isspace():
                raise InvalidPathValue(name, "must not contain whitespace")
            if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}:
                raise InvalidPathValue(name, f"must not contain the control character U+{ord(char):04X}")
    return text


@functools.lru_cache(maxsize=512)
def _template(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``template`` split once: the literal texts around the placeholders, and the placeholders' names."""
    parts = _PLACEHOLDER.split(template)
    return tuple(parts[0::2]), tuple(parts[1::2])


def encode_path(template: str, params: Mapping[str, object]) -> str:
    """Fill ``template``'s ``{name}`` placeholders with validated, percent-encoded values.

    Raises:
        InvalidPathValue: a value is unsafe, or a placeholder has no value.
    """
    literals, names = _template(template)
    out = [literals[0]]
    for name, literal in zip(names, literals[1:], strict=True):
        if name not in params:
            raise InvalidPathValue(name, "is required")
        text = validate_path_value(name, params[name])
        out.append(text if _PLAIN.fullmatch(text) else quote(text, safe=""))
        out.append(literal)
    return "".join(out)


@dataclass(frozen=True, repr=False)
class FilePart:
    """One file of a multipart/form-data body: the form field it goes in, its name, type and bytes."""

    field: str
    file_name: str
    media_type: str
    content: bytes

    def __repr__(self) -> str:  # never the bytes
        return f"FilePart({self.field!r}, {self.file_name!r}, {self.media_type!r}, {len(self.content)} bytes)"

    def describe(self) -> dict[str, Any]:
        """What a preview and a person see of the file: never the bytes, always what identifies them."""
        return {
            "file_name": self.file_name,
            "media_type": self.media_type,
            "size": len(self.content),
            "sha256": hashlib.sha256(self.content).hexdigest(),
        }

    @classmethod
    def from_argument(cls, field: str, value: Any) -> FilePart:
        """A file part from a tool argument ``{file_name, media_type, content_base64}``.

        Raises:
            InvalidArgument: the content is not base64.
        """
        if not isinstance(value, Mapping):
            raise InvalidArgument(field, "must be an object with file_name, media_type and content_base64")
        try:
            content = base64.b64decode(str(value.get("content_base64", "")), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidArgument(f"{field}.content_base64", "is not valid base64") from None
        return cls(field, str(value.get("file_name", "")), str(value.get("media_type", "")), content)


@dataclass(frozen=True)
class RequestPlan:
    """One HTTP call to Zuora, fully described, not yet sent.

    ``path`` is the spec's template (``/v1/invoices/{invoiceKey}/reverse``); ``path_params``
    fill it. ``idempotency_key`` is set by the guard for writes that should carry one. A plan is
    not changed once built (copies are made with ``dataclasses.replace``), so its encoded path and
    query string are computed on first use and kept.
    """

    method: Method
    path: str
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, QueryValue] = field(default_factory=dict)
    body: JSON | None = None
    operation_id: str | None = None
    idempotency_key: str | None = None
    # multipart/form-data: ``body`` holds the plain form fields and ``files`` the file parts.
    files: tuple[FilePart, ...] = ()
    multipart: bool = False
    accept: str | None = None  # the media type asked for, when not JSON (a PDF download)

    @property
    def is_write(self) -> bool:
        return self.method != "GET"

    def shown_body(self) -> JSON | None:
        """The body as a preview shows it: a multipart form's files by name, type, size and SHA-256."""
        if not self.multipart:
            return self.body
        shown: dict[str, Any] = dict(self.body) if isinstance(self.body, Mapping) else {}
        for part in self.files:
            shown[part.field] = part.describe()
        return shown

    def url_path(self) -> str:
        """The encoded path, for example ``/v1/invoices/INV00000012/reverse``.

        Raises:
            InvalidPathValue: a path value is unsafe (every time it is asked for: errors are not kept).
        """
        return self._url_path

    @cached_property
    def _url_path(self) -> str:
        return encode_path(self.path, self.path_params)

    def query_string(self) -> str:
        return self._query_string

    @cached_property
    def _query_string(self) -> str:
        pairs: list[tuple[str, str]] = []
        for key in sorted(self.query):
            value = self.query[key]
            values = value if isinstance(value, list) else [value]
            for item in values:
                pairs.append((key, as_text(item)))
        return urlencode(pairs)

    def target(self) -> str:
        """Path and query as they go on the request line."""
        query = self.query_string()
        return f"{self.url_path()}?{query}" if query else self.url_path()

    def canonical(self) -> str:
        """A stable text of everything that defines the call, for hashing and comparison."""
        return json.dumps(
            {
                "method": self.method,
                "path": self.path,
                "path_params": dict(self.path_params),
                "query": dict(self.query),
                "body": self.shown_body(),
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )


def as_text(value: object) -> str:
    """A value as Zuora reads it in a URL: booleans in lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def place_arguments(
    arguments: Mapping[str, Any],
    *,
    locations: Mapping[str, str],
    wire_names: Mapping[str, str],
    custom_suffix: str | None = None,
    skip: Collection[str] = (),
    whole_body: bool = False,
) -> tuple[dict[str, str], dict[str, QueryValue], JSON | None]:
    """Sort a tool's flat arguments into path parameters, query and body, under Zuora's wire names.

    ``locations`` says where each argument goes. Arguments ending in ``custom_suffix`` (customer
    custom fields, ``__c``) go in the body when the operation takes one. With ``whole_body``, an
    argument named ``body`` is the whole request body. Arguments in ``skip`` and ``None`` values are
    left out. The body is ``None`` when the operation has no body fields and none were given.
    """
    path_params: dict[str, str] = {}
    query: dict[str, QueryValue] = {}
    body_fields = any(where == "body" for where in locations.values())
    body: JSON | None = {} if body_fields or custom_suffix else None
    for name, value in arguments.items():
        if name in skip or value is None:
            continue
        wire = wire_names.get(name, name)
        where = locations.get(name)
        if where == "path":
            path_params[wire] = as_text(value)
        elif where == "query":
            query[wire] = value if isinstance(value, str | int | float | bool | list) else json.dumps(value)
        elif whole_body and name == "body":
            body = value
        elif body is not None and (where == "body" or (custom_suffix and name.endswith(custom_suffix))):
            body[wire] = value
    if body == {} and not body_fields:
        body = None  # only custom fields were possible, and none were given
    return path_params, query, body
