"""The explorer's operation index, loaded from the committed file on first use and kept.

The file (``zuora_mcp/providers/zuora/data/operations.json.gz``) is written by ``zuora-mcp schemas
build``; see :mod:`zuora_mcp.derive.index` for what it holds. Nothing here reads the spec. Safety
classes are computed here, from method and words (:mod:`zuora_mcp.explorer.safety`), so the class
of an operation is decided by reviewed code, never by a data file.

Loading is cheap because most of the file is read only when it is needed. The file is two gzip
members: the first, one JSON line, holds what a search needs (method, path, summary, tag, text of
every operation, and the search statistics, :class:`SearchData`); the second holds each operation's
input schema, argument locations and preconditions, one JSON line per operation in the first's
order. The second is decompressed the first time any operation is described or called, and each
line parsed when its operation is; the safety class is computed the first time it is asked for.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, cast

from zuora_mcp.catalog.recipe import Safety
from zuora_mcp.explorer.safety import classify
from zuora_mcp.plan import Method

__all__ = [
    "INDEX_FORMAT",
    "IndexUnavailable",
    "Operation",
    "OperationIndex",
    "SearchData",
    "load_index",
    "split_members",
]

Location = Literal["path", "query", "body"]
INDEX_FORMAT = 2
# Per term: document numbers (ascending) and the term's BM25F frequency in each (see explorer.search).
Postings = dict[str, tuple[list[int], list[float]]]


@dataclass(frozen=True)
class SearchData:
    """Search statistics over a fixed list of operations: ``ids[n]`` is document ``n``."""

    ids: tuple[str, ...]
    postings: Postings = field(repr=False)


class IndexUnavailable(RuntimeError):
    """The index file is missing or not the format this code reads (run ``zuora-mcp schemas build``)."""


def split_members(blob: bytes) -> tuple[bytes, bytes]:
    """The first gzip member of ``blob``, decompressed, and the rest of ``blob`` still compressed.

    Raises:
        zlib.error: ``blob`` does not start with a gzip member.
    """
    reader = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    first = reader.decompress(blob) + reader.flush()
    return first, reader.unused_data


def detail_lines(rest: bytes) -> list[bytes]:
    """The lines of the second member (one JSON text per operation).

    Raises:
        zlib.error: ``rest`` is not a gzip member.
    """
    return zlib.decompress(rest, wbits=16 + zlib.MAX_WBITS).splitlines()


class _Details:
    """The second member of an index file, decompressed on first use (thread-safe) and kept."""

    def __init__(self, compressed: bytes, path: Path) -> None:
        self._compressed = compressed
        self._path = path
        self._lines: list[bytes] | None = None
        self._lock = threading.Lock()

    def of(self, position: int) -> dict[str, Any]:
        """The detail of the operation at ``position``.

        Raises:
            IndexUnavailable: the member is damaged or holds too few lines.
        """
        with self._lock:
            if self._lines is None:
                try:
                    self._lines = detail_lines(self._compressed)
                except zlib.error as exc:
                    raise IndexUnavailable(f"the operation index {self._path} is damaged ({exc})") from None
                self._compressed = b""
            lines = self._lines
        if not 0 <= position < len(lines):
            raise IndexUnavailable(f"the operation index {self._path} lacks operation {position}'s detail")
        detail: dict[str, Any] = json.loads(lines[position])
        return detail


@dataclass(frozen=True)
class Operation:
    """One Zuora operation as the explorer offers it.

    The rest (``input_schema``, ``locations``, ``wire_names``, ``preconditions``) is read from the
    index file's detail lines on first use. ``position`` is the operation's place in the file: its
    detail line, and its document number in the stored search statistics (``search_data``).
    """

    operation_id: str
    method: Method
    path: str
    summary: str
    tag: str
    text: str = ""
    whole_body: bool = False
    unsupported: str | None = None
    multipart: bool = False  # the body is multipart/form-data; ``file_parts`` are base64 file arguments
    file_parts: tuple[str, ...] = ()
    position: int = field(default=-1, repr=False, compare=False)
    search_data: SearchData | None = field(default=None, repr=False, compare=False)
    details: _Details | None = field(default=None, repr=False, compare=False)

    @cached_property
    def safety(self) -> Safety:
        return classify(self.method, self.operation_id, self.summary)

    @cached_property
    def _detail(self) -> dict[str, Any]:
        return self.details.of(self.position) if self.details is not None else {}

    @property
    def input_schema(self) -> Mapping[str, Any]:
        schema: Mapping[str, Any] = self._detail["input"]
        return schema

    @property
    def locations(self) -> Mapping[str, Location]:
        locations: Mapping[str, Location] = self._detail.get("locations") or {}
        return locations

    @property
    def wire_names(self) -> Mapping[str, str]:
        names: Mapping[str, str] = self._detail.get("wire_names") or {}
        return names

    @property
    def preconditions(self) -> tuple[str, ...]:
        return tuple(self._detail.get("preconditions") or ())


@dataclass(frozen=True)
class OperationIndex:
    """Every operation by operationId, in the file's order (by operationId)."""

    spec_version: str
    operations: Mapping[str, Operation]

    def get(self, operation_id: str) -> Operation | None:
        return self.operations.get(operation_id)


def _operation(
    operation_id: str, raw: Mapping[str, Any], position: int, search: SearchData | None, details: _Details
) -> Operation:
    return Operation(
        operation_id=operation_id,
        method=cast(Method, str(raw["method"])),
        path=str(raw["path"]),
        summary=str(raw.get("summary") or ""),
        tag=str(raw.get("tag") or ""),
        text=str(raw.get("text") or ""),
        whole_body=bool(raw.get("whole_body")),
        unsupported=raw.get("unsupported"),
        multipart=raw.get("body_media") == "multipart/form-data",
        file_parts=tuple(raw.get("file_parts") or ()),
        position=position,
        search_data=search,
        details=details,
    )


def _search_data(raw: Any, order: tuple[str, ...]) -> SearchData | None:
    """The stored search statistics, when they number exactly the stored operations (else None: computed)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("postings"), dict):
        return None
    if tuple(str(name) for name in raw.get("ids") or ()) != order:
        return None
    postings: Postings = {term: (entry[0], entry[1]) for term, entry in raw["postings"].items()}
    return SearchData(ids=order, postings=postings)


def read(path: Path) -> OperationIndex:
    """Parse an index file (its first member; the second is read when an operation's detail is).

    Raises:
        IndexUnavailable: the file is missing, unreadable or of another format.
    """
    try:
        head, rest = split_members(path.read_bytes())
        data = json.loads(head)
    except (OSError, zlib.error, ValueError) as exc:
        raise IndexUnavailable(
            f"the operation index {path} cannot be read ({exc}); run `zuora-mcp schemas build`"
        ) from None
    if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
        raise IndexUnavailable(f"the operation index {path} has an unknown format; run `zuora-mcp schemas build`")
    raw_operations: Mapping[str, Any] = data.get("operations") or {}
    order = tuple(raw_operations)
    search = _search_data(data.get("search"), order)
    details = _Details(rest, path)
    operations = {name: _operation(name, raw_operations[name], n, search, details) for n, name in enumerate(order)}
    return OperationIndex(spec_version=str(data.get("spec_version") or ""), operations=operations)


_lock = threading.Lock()
_loaded: dict[Path, OperationIndex] = {}


def load_index(path: Path) -> OperationIndex:
    """The index at ``path`` (a provider's ``explorer_index``), read on first use and kept for the process.

    Raises:
        IndexUnavailable: the file is missing, unreadable or of another format.
    """
    target = path
    with _lock:
        if target not in _loaded:
            _loaded[target] = read(target)
        return _loaded[target]
