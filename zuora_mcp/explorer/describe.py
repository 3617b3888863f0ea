"""What ``describe_operation`` answers: the derived input schema, cut to a size a model can read.

Most operations' schemas are small. A few are not (creating an order: about 130 KB of JSON Schema),
so nested objects below some depth are collapsed to ``{"type": "object", "description": "..."}``,
deepest first, until the schema fits; ``field`` expands one collapsed argument. Arguments are always
checked against the full schema, never the collapsed one.
"""

from __future__ import annotations

import json
from typing import Any

from zuora_mcp.explorer.index import Operation

__all__ = ["MAX_SCHEMA_CHARS", "collapse", "describe", "sub_schema"]

MAX_SCHEMA_CHARS = 12_000
Schema = dict[str, Any]


def _size(schema: Any) -> int:
    return len(json.dumps(schema, separators=(",", ":")))


def _cut(schema: Any, depth: int, limit: int, where: str, collapsed: list[str]) -> Any:
    """A copy of ``schema`` whose objects nested deeper than ``limit`` properties are placeholders."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if "properties" in out:
        if depth >= limit and out["properties"]:
            collapsed.append(where)
            count = len(out["properties"])
            text = f"{count} fields; describe_operation with field={where!r} shows them."
            return {"type": "object", "description": text}
        out["properties"] = {
            name: _cut(sub, depth + 1, limit, f"{where}.{name}" if where else name, collapsed)
            for name, sub in out["properties"].items()
        }
    if "items" in out:
        out["items"] = _cut(out["items"], depth, limit, where, collapsed)
    for combinator in ("anyOf", "oneOf"):
        if combinator in out:
            out[combinator] = [_cut(branch, depth, limit, where, collapsed) for branch in out[combinator]]
    return out


def collapse(schema: Schema, budget: int = MAX_SCHEMA_CHARS) -> tuple[Schema, list[str]]:
    """``schema`` as it is when it fits ``budget``, else with its deepest objects collapsed; and which were."""
    if _size(schema) <= budget:
        return schema, []
    for limit in range(8, 0, -1):
        collapsed: list[str] = []
        cut = _cut(schema, 0, limit, "", collapsed)
        if _size(cut) <= budget or limit == 1:
            return cut, list(dict.fromkeys(collapsed))
    raise AssertionError("unreachable")  # the loop returns at limit 1


def sub_schema(schema: Schema, field: str) -> Schema | None:
    """The schema of argument ``field`` (dotted); array items and ``anyOf``/``oneOf`` branches are stepped through."""
    node: Any = schema
    for part in field.split("."):
        node = next((c["properties"][part] for c in _candidates(node) if part in c.get("properties", {})), None)
        if node is None:
            return None
    return node if isinstance(node, dict) else None


def _candidates(node: Any) -> list[Schema]:
    """``node`` and every schema it stands for: its array items and its branches, depth first."""
    if not isinstance(node, dict):
        return []
    found = [node]
    if isinstance(node.get("items"), dict):
        found += _candidates(node["items"])
    for combinator in ("anyOf", "oneOf"):
        for branch in node.get(combinator) or ():
            found += _candidates(branch)
    return found


def describe(operation: Operation, field: str | None = None) -> tuple[Schema | None, list[str]]:
    """The (possibly collapsed) input schema of ``operation``, or of one of its arguments; None if no such field."""
    schema: Schema | None = dict(operation.input_schema)
    if field:
        schema = sub_schema(dict(operation.input_schema), field)
        if schema is None:
            return None, []
        cut, collapsed = collapse(schema)
        return cut, [f"{field}.{name}" for name in collapsed]
    assert schema is not None
    return collapse(schema)
