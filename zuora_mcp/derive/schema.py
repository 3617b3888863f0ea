"""Turning one OpenAPI 3.0 schema into a self-contained JSON Schema (Draft 2020-12).

:func:`normalize` inlines every ``$ref`` (a reference back into a schema already being expanded is
cut to ``{"type": "object"}``), merges ``allOf`` into one object, writes ``nullable`` as ``anyOf``
with ``{"type": "null"}``, drops what JSON Schema or a model does not need, and makes input objects
strict. The rules themselves are listed in :mod:`zuora_mcp.derive`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from zuora_mcp.derive.spec import Spec

__all__ = ["CUSTOM_FIELD_PATTERN", "Direction", "SchemaOptions", "normalize", "short_text"]

Direction = Literal["input", "output"]
Schema = dict[str, Any]

# Customer-defined custom fields are named ``<Name>__c`` by Zuora.
CUSTOM_FIELD_PATTERN = "__c$"
# A custom field holds one scalar (text, number, date as text, checkbox) or null; typed so that strict
# clients (MCP Inspector --strict) find no untyped schema.
CUSTOM_FIELD_VALUE: dict[str, Any] = {
    "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"}]
}
# Integration connectors (NetSuite ``__NS``, QuickBooks ``__QT``) add fields no person types by hand.
CONNECTOR_FIELD = re.compile(r"__(?!c$)[A-Za-z]+$")

_KEEP = (
    "const",
    "enum",
    "maxItems",
    "maxLength",
    "maximum",
    "minItems",
    "minLength",
    "minimum",
    "multipleOf",
    "pattern",
    "uniqueItems",
)
_STRING_FORMATS = {
    "date": "date",
    "date-time": "date-time",
    "datetime": "date-time",
    "dateTime": "date-time",
    "email": "email",
    "uuid": "uuid",
    "UUID": "uuid",
    "uri": "uri",
    "url": "uri",
    "URL": "uri",
    "decimal": "decimal",
    "number": "decimal",
    "time": "time",
}
_TYPES = {"string": str, "boolean": bool, "integer": int, "number": int | float, "array": list, "object": dict}


@dataclass
class SchemaOptions:
    """How to normalize.

    ``dropped`` collects the connector fields left out, ``omitted`` the ``omit`` names actually met.
    """

    direction: Direction = "input"
    descriptions: bool = False
    omit: frozenset[str] = frozenset()  # input fields left out at any depth, by name
    dropped: set[str] = field(default_factory=set)
    omitted: set[str] = field(default_factory=set)


def short_text(text: str, limit: int = 160) -> str:
    """The first sentence of a spec description, with markdown links and emphasis removed."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\*\*|__|<[^>]+>", "", text)
    text = " ".join(text.split())
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z`*])", text) if s]
    # Zuora opens many texts with a feature note; the first sentence after it says what the field is.
    while len(sentences) > 1 and sentences[0].lower().startswith(("note:", "**note")):
        sentences.pop(0)
    first = sentences[0] if sentences else ""
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def normalize(spec: Spec, schema: Any, options: SchemaOptions) -> Schema:
    """A self-contained Draft 2020-12 copy of ``schema``."""
    return _finish(_expand(spec, schema, options, ()), options)


def _expand(spec: Spec, schema: Any, options: SchemaOptions, stack: tuple[str, ...]) -> Schema:
    """Inline refs and merge allOf; the result may still carry ``nullable`` and ``open`` markers."""
    if schema is True or not isinstance(schema, Mapping):
        return {}
    if "$ref" in schema:
        ref = str(schema["$ref"])
        if ref in stack:
            return {"type": "object"}  # a cycle: the nested copy is cut to "any object"
        target = _expand(spec, spec.lookup(ref), options, (*stack, ref))
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        return _merge(target, _expand(spec, siblings, options, stack)) if siblings else target
    if "allOf" in schema:
        result: Schema = {}
        for part in schema["allOf"]:
            result = _merge(result, _expand(spec, part, options, stack))
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return _merge(result, _expand(spec, rest, options, stack)) if rest else result
    out: Schema = {}
    kind = schema.get("type")
    if kind is None and "properties" in schema:
        kind = "object"
    if kind is None and "items" in schema:
        kind = "array"
    if isinstance(kind, str):
        out["type"] = kind
    for key in _KEEP:
        if key in schema and not (key in {"minLength", "minItems"} and schema[key] == 0):
            out[key] = schema[key]
    if "enum" in out:
        values = list(dict.fromkeys(out["enum"]))  # Zuora repeats a value in one enum
        if kind == "boolean":
            del out["enum"]
        else:
            out["enum"] = values
    _numeric_bounds(schema, out)
    fmt = schema.get("format")
    if kind == "string" and isinstance(fmt, str) and fmt in _STRING_FORMATS:
        out["format"] = _STRING_FORMATS[fmt]
    if options.direction == "input" and "default" in schema and _matches(kind, schema["default"]):
        out["default"] = schema["default"]
    if options.descriptions and isinstance(schema.get("description"), str):
        text = short_text(schema["description"])
        if text:
            out["description"] = text
    if schema.get("nullable") is True:
        out["nullable"] = True
    if "items" in schema:
        out["items"] = _expand(spec, schema["items"], options, stack)
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            out[combinator] = [_expand(spec, branch, options, stack) for branch in schema[combinator]]
    if "properties" in schema:
        properties: Schema = {}
        for name, value in schema["properties"].items():
            if CONNECTOR_FIELD.search(name):
                options.dropped.add(name)
                continue
            if options.direction == "input" and name in options.omit:
                options.omitted.add(name)
                continue
            if isinstance(value, Mapping) and _skipped(value, options):
                continue
            properties[name] = _expand(spec, value, options, stack)
        out["properties"] = properties
    if isinstance(schema.get("required"), list):
        out["required"] = list(dict.fromkeys(schema["required"]))
    extra = schema.get("additionalProperties")
    if extra is True or (isinstance(extra, Mapping) and not _typed(extra)):
        out["open"] = True  # free-form: on an object with fields this is where custom fields go
    elif isinstance(extra, Mapping):
        out["additionalProperties"] = _expand(spec, extra, options, stack)
    return out


def _skipped(value: Mapping[str, Any], options: SchemaOptions) -> bool:
    if options.direction == "input":
        return value.get("readOnly") is True
    return value.get("writeOnly") is True


def _typed(extra: Mapping[str, Any]) -> bool:
    return any(key not in {"description", "title", "example"} for key in extra)


def _numeric_bounds(schema: Mapping[str, Any], out: Schema) -> None:
    # OpenAPI 3.0 writes exclusive bounds as booleans beside minimum/maximum; 2020-12 wants numbers.
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = schema.get(exclusive)
        if value is True and bound in schema:
            out[exclusive] = out.pop(bound)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[exclusive] = value


def _matches(kind: object, value: object) -> bool:
    expected = _TYPES.get(kind) if isinstance(kind, str) else None
    if expected is None or (isinstance(value, bool) and kind != "boolean"):
        return False
    return isinstance(value, expected)


def _merge(left: Schema, right: Schema) -> Schema:
    """``allOf`` as one schema: properties and required united, right-hand keywords win."""
    merged = dict(left)
    for key, value in right.items():
        if key == "properties" and "properties" in merged:
            properties = dict(merged["properties"])
            for name, sub in value.items():
                properties[name] = _merge(properties[name], sub) if name in properties else sub
            merged["properties"] = properties
        elif key == "required" and "required" in merged:
            merged["required"] = list(dict.fromkeys([*merged["required"], *value]))
        elif key == "open":
            merged["open"] = True
        else:
            merged[key] = value
    if "properties" in merged or merged.get("open"):
        merged.setdefault("type", "object")
    return merged


def _finish(schema: Schema, options: SchemaOptions) -> Schema:
    """Resolve markers: strict input objects, custom-field patterns, nullable as anyOf."""
    out = {key: value for key, value in schema.items() if key not in {"open", "nullable"}}
    walk: Callable[[Schema], Schema] = lambda sub: _finish(sub, options)  # noqa: E731
    if "properties" in out:
        out["properties"] = {name: walk(sub) for name, sub in out["properties"].items()}
        required = [name for name in out.get("required", []) if name in out["properties"]]
        if required:
            out["required"] = required
        else:
            out.pop("required", None)
        if options.direction == "input" and "additionalProperties" not in out:
            if schema.get("open"):
                out["patternProperties"] = {CUSTOM_FIELD_PATTERN: CUSTOM_FIELD_VALUE}
            out["additionalProperties"] = False
    else:
        out.pop("required", None)
    if "items" in out:
        out["items"] = walk(out["items"])
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = walk(out["additionalProperties"])
    for combinator in ("oneOf", "anyOf"):
        if combinator in out:
            out[combinator] = [walk(branch) for branch in out[combinator]]
    if schema.get("nullable"):
        description = out.pop("description", None)
        out = {"anyOf": [out, {"type": "null"}]}
        if description:
            out["description"] = description
    return out
