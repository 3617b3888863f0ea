"""The explorer's operation index, loaded from the committed file on first use and kept.

The file (``zuora_mcp/data/operations.json.gz``) is written by ``zuora-mcp schemas build``; see
:mod:`zuora_mcp.derive.index` for what it holds. Nothing here reads the spec. Safety classes are
computed here, at load time, from method and words (:mod:`zuora_mcp.explorer.safety`), so the class
of an operation is decided by reviewed code, never by a data file.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from zuora_mcp.catalog.recipe import Safety
from zuora_mcp.explorer.safety import classify
from zuora_mcp.plan import Method

__all__ = ["INDEX_FILE", "IndexUnavailable", "Operation", "OperationIndex", "load_index"]

Location = Literal["path", "query", "body"]
INDEX_FILE = Path(__file__).resolve().parent.parent / "providers" / "zuora" / "data" / "operations.json.gz"


class IndexUnavailable(RuntimeError):
    """The index file is missing or not the format this code reads (run ``zuora-mcp schemas build``)."""


@dataclass(frozen=True)
class Operation:
    """One Zuora operation as the explorer offers it."""

    operation_id: str
    method: Method
    path: str
    summary: str
    tag: str
    safety: Safety
    input_schema: Mapping[str, Any]
    locations: Mapping[str, Location]
    wire_names: Mapping[str, str] = field(default_factory=dict)
    text: str = ""
    preconditions: tuple[str, ...] = ()
    whole_body: bool = False
    unsupported: str | None = None


@dataclass(frozen=True)
class OperationIndex:
    """Every operation by operationId, in spec order."""

    spec_version: str
    operations: Mapping[str, Operation]

    def get(self, operation_id: str) -> Operation | None:
        return self.operations.get(operation_id)


def _operation(operation_id: str, raw: Mapping[str, Any]) -> Operation:
    method = cast(Method, str(raw["method"]))
    summary = str(raw.get("summary") or "")
    return Operation(
        operation_id=operation_id,
        method=method,
        path=str(raw["path"]),
        summary=summary,
        tag=str(raw.get("tag") or ""),
        safety=classify(method, operation_id, summary),
        input_schema=raw["input"],
        locations=raw.get("locations") or {},
        wire_names=raw.get("wire_names") or {},
        text=str(raw.get("text") or ""),
        preconditions=tuple(raw.get("preconditions") or ()),
        whole_body=bool(raw.get("whole_body")),
        unsupported=raw.get("unsupported"),
    )


def read(path: Path) -> OperationIndex:
    """Parse an index file.

    Raises:
        IndexUnavailable: the file is missing, unreadable or of another format.
    """
    try:
        data = json.loads(gzip.decompress(path.read_bytes()))
    except (OSError, EOFError, ValueError) as exc:
        raise IndexUnavailable(
            f"the operation index {path} cannot be read ({exc}); run `zuora-mcp schemas build`"
        ) from None
    if not isinstance(data, dict) or data.get("format") != 1:
        raise IndexUnavailable(f"the operation index {path} has an unknown format; run `zuora-mcp schemas build`")
    operations = {name: _operation(name, raw) for name, raw in (data.get("operations") or {}).items()}
    return OperationIndex(spec_version=str(data.get("spec_version") or ""), operations=operations)


_lock = threading.Lock()
_loaded: dict[Path, OperationIndex] = {}


def load_index(path: Path | None = None) -> OperationIndex:
    """The index, read on first use and kept for the life of the process.

    Raises:
        IndexUnavailable: the file is missing, unreadable or of another format.
    """
    target = path or INDEX_FILE
    with _lock:
        if target not in _loaded:
            _loaded[target] = read(target)
        return _loaded[target]
