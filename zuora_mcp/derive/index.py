"""Building and checking the explorer's index: every operation in the spec, derived, in one file.

``zuora-mcp schemas build`` writes it beside the tool schemas' build
(``zuora_mcp/providers/zuora/data/operations.json.gz`` by default); ``schemas check`` says which
operations differ. The index holds, per operation: method, path, summary, tag, a short text, the
preconditions the spec states in prose, and the input schema with its argument locations, derived by
the same :func:`~zuora_mcp.derive.derive_operation` rules as the catalog (field descriptions off,
revenue-integration and connector fields left out). It never holds the spec's own text beyond those
short sentences.

The content (:func:`build_index`, :func:`read_index`) is one JSON object: ``format``,
``spec_version``, ``operations`` and ``search``, the search statistics
(:func:`~zuora_mcp.explorer.search.search_structures`), so no search has to compute them. So that
loading it costs a few milliseconds, the file stores it as two gzip members (see
:mod:`zuora_mcp.explorer.index`): one JSON line with everything but the per-operation detail
(input schema, locations, wire names, preconditions), then that detail, one JSON line per operation
in the same order, which the explorer decompresses only when it describes or calls an operation.

Both members are compact JSON with sorted keys, gzip level 9 and a zero mtime, so identical content
gives identical bytes with one zlib; the check compares decompressed content, so another zlib does
not make it stale.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from pathlib import Path
from typing import Any

from zuora_mcp.catalog.recipe import REVENUE_INTEGRATION_FIELDS
from zuora_mcp.derive.operation import DeriveOptions, derive_operation
from zuora_mcp.derive.spec import Spec
from zuora_mcp.explorer.index import INDEX_FORMAT, detail_lines, split_members
from zuora_mcp.explorer.search import search_structures

__all__ = [
    "INDEX_FORMAT",
    "build_index",
    "check_index",
    "preconditions_of",
    "read_index",
    "render_index",
    "write_index",
]

# What the explorer parses only on use (see explorer.index.Operation).
_DETAIL = ("input", "locations", "wire_names", "preconditions")
_MAX_TEXT = 300
_MAX_PRECONDITIONS = 6
# A sentence that limits when or how the operation may be used.
_RESTRICTIVE = re.compile(
    r"\b(only|must|cannot|can ?not|can't|not (?:be )?(?:allowed|supported)|do(?:es)? not support|at most|"
    r"maximum|less than or equal|up to|requires?|prerequisites?)\b",
    re.IGNORECASE,
)
# Sentences every Invoice Settlement operation repeats; they say nothing about this operation.
_BOILERPLATE = re.compile(
    r"generally available as of|this feature includes|if you want to enable|for more information\.?$|"
    r"^for a use case|^see ",
    re.IGNORECASE,
)


def _plain(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # markdown links keep their words
    text = re.sub(r"\*\*|__|`|<[^>]+>|^#+\s*", "", text, flags=re.MULTILINE)
    return text


def _sentences(description: str) -> list[str]:
    text = _plain(description)
    # List items and headings are sentences of their own; wrapped lines are not.
    text = re.sub(r"\s*\n\s*(?:[-*]|\d+\.)\s+", ". ", text)
    text = re.sub(r"\s+-\s+(?=[A-Z])", ". ", text)  # inline lists of the seed ("... : - Do not ...")
    text = " ".join(text.split())
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
    out = []
    for part in parts:
        part = part.strip(" .:-")
        if len(part) < 12 or _BOILERPLATE.search(part):
            continue
        out.append(part + ".")
    return out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def preconditions_of(description: str) -> list[str]:
    """The sentences of ``description`` that restrict the operation (status, limits, features), in order."""
    found = [_clip(s.removeprefix("Note: "), _MAX_TEXT) for s in _sentences(description) if _RESTRICTIVE.search(s)]
    return list(dict.fromkeys(found))[:_MAX_PRECONDITIONS]


def _summary_text(description: str) -> str:
    for sentence in _sentences(description):
        if not sentence.lower().startswith(("note:", "notes")) and "only available if" not in sentence:
            return _clip(sentence, _MAX_TEXT)
    return ""


def _unsupported(spec: Spec, path: str, raw: Any) -> str | None:
    """Why the explorer cannot send this operation, or None. The client sends JSON or multipart forms (files
    as base64 arguments) and fetches its own tokens."""
    if path.startswith("/oauth/"):
        return "the server fetches its own OAuth tokens"
    body = spec.deref(raw.get("requestBody")) if raw.get("requestBody") else None
    media = sorted((body or {}).get("content") or {}) if isinstance(body, dict) else []
    if media and "application/json" not in media and "multipart/form-data" not in media:
        return f"its request body is {media[0]}, and the explorer sends JSON or multipart/form-data only"
    return None


def build_index(spec: Spec) -> dict[str, Any]:
    """The index's content for every operation of ``spec``.

    Raises:
        SpecError: an operation cannot be derived (two arguments would share a name, a broken $ref).
    """
    options = DeriveOptions(omit=REVENUE_INTEGRATION_FIELDS)
    operations: dict[str, Any] = {}
    for operation in spec.operations():
        derived = derive_operation(spec, operation.operation_id, options)
        raw = operation.raw
        description = str(raw.get("description") or "")
        body = derived.request.get("body")
        entry: dict[str, Any] = {
            "method": derived.method,
            "path": derived.path,
            "summary": derived.summary,
            "tag": str((raw.get("tags") or [""])[0]),
            "input": derived.input_schema,
            "locations": derived.locations,
        }
        text = _summary_text(description)
        if text:
            entry["text"] = text
        preconditions = preconditions_of(description)
        if preconditions:
            entry["preconditions"] = preconditions
        if derived.wire_names:
            entry["wire_names"] = derived.wire_names
        if derived.locations.get("body") == "body" and not (body or {}).get("properties"):
            entry["whole_body"] = True  # the argument ``body`` is the request body itself
        if derived.body_media:
            entry["body_media"] = derived.body_media  # multipart/form-data: file_parts travel as files
            entry["file_parts"] = list(derived.file_parts)
        unsupported = _unsupported(spec, operation.path, raw)
        if unsupported:
            entry["unsupported"] = unsupported
        operations[derived.operation_id] = entry
    return {
        "format": INDEX_FORMAT,
        "spec_version": spec.version,
        "operations": operations,
        "search": search_structures(operations),
    }


def _text(content: Any) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _member(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def render_index(content: dict[str, Any]) -> bytes:
    """The file's bytes: the content without the operations' detail, then the detail line by line."""
    operations: dict[str, Any] = content.get("operations") or {}
    order = sorted(operations)  # the order of the first member's sorted keys, and of the search's ids
    head = {
        **content,
        "operations": {name: {k: v for k, v in operations[name].items() if k not in _DETAIL} for name in order},
    }
    details = "".join(_text({k: v for k, v in operations[name].items() if k in _DETAIL}) + "\n" for name in order)
    return _member(_text(head) + "\n") + _member(details)


def read_index(path: Path) -> dict[str, Any] | None:
    """The content of an index file (the detail merged back into each operation), or None when it is
    missing, unreadable or not two members of the same operations."""
    try:
        head, rest = split_members(path.read_bytes())
        data = json.loads(head)
        lines = detail_lines(rest)
        if not isinstance(data, dict) or not isinstance(data.get("operations"), dict):
            return None
        if len(lines) != len(data["operations"]):
            return None
        for entry, line in zip(data["operations"].values(), lines, strict=True):
            entry.update(json.loads(line))
    except (OSError, zlib.error, ValueError, TypeError, AttributeError):
        return None
    return data


def write_index(spec: Spec, path: Path) -> bool:
    """Write the index to ``path`` unless its content is already current. Returns whether it changed."""
    content = build_index(spec)
    current = read_index(path)
    if current is not None and _text(current) == _text(content):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_index(content))
    return True


def check_index(spec: Spec, path: Path) -> list[str]:
    """What differs between the committed index and a fresh build, one line per finding; empty when fresh."""
    expected = build_index(spec)
    current = read_index(path)
    if current is None:
        return [f"{path} is missing or unreadable"]
    problems = [
        f"{key}: committed {current.get(key)!r}, derived {expected[key]!r}"
        for key in ("format", "spec_version")
        if current.get(key) != expected[key]
    ]
    old, new = current.get("operations") or {}, expected["operations"]
    problems += [f"{name}: not in the spec any more" for name in sorted(set(old) - set(new))]
    problems += [f"{name}: missing from the index" for name in sorted(set(new) - set(old))]
    for name in sorted(set(old) & set(new)):
        was, now = old[name], new[name]
        if _text(was) != _text(now):
            keys = sorted(k for k in was.keys() | now.keys() if was.get(k) != now.get(k))
            problems.append(f"{name}: differs ({', '.join(keys)})")
    # Operations that differ change the statistics too; on their own, a change means the search's
    # term analysis (stemming, stop words, weights) changed since the build.
    if not problems and _text(current.get("search") or {}) != _text(expected["search"]):
        problems.append("search: the stored search statistics differ from a fresh build")
    return problems
