"""Deriving one operation: a flat tool input, where each argument goes, and the response schema.

:func:`derive_operation` is generic: it knows nothing of the catalog, so the explorer can run it
over every operation in the spec. The catalog adds what a person decides (which query parameters
are useful, limits stated only in prose, field notes) through :class:`DeriveOptions`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from zuora_mcp.derive.schema import Schema, SchemaOptions, normalize, short_text
from zuora_mcp.derive.spec import Spec, SpecError

__all__ = ["DeriveOptions", "DerivedOperation", "derive_operation", "input_name"]

Location = Literal["path", "query", "body"]
_SUCCESS = ("200", "201", "202", "2XX", "default")


@dataclass(frozen=True)
class DeriveOptions:
    """What the catalog decides for one operation.

    ``query``: names of the query parameters to expose (``None``: all of them).
    ``descriptions``: keep each field's first sentence from the spec.
    ``notes``: hand-written field descriptions by dotted path (``invoices.invoiceItems``); they win.
    ``limits``: extra keywords by dotted path, for limits the spec states only in prose.
    ``omit``: body fields to leave out: a plain name at any depth, a dotted path at that place only.
    """

    query: Sequence[str] | None = None
    descriptions: bool = False
    notes: Mapping[str, str] = field(default_factory=dict)
    limits: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    omit: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DerivedOperation:
    """One operation made into a tool's raw material. Plain data, JSON-ready."""

    operation_id: str
    method: str
    path: str
    summary: str
    input_schema: Schema
    locations: dict[str, Location]
    wire_names: dict[str, str]  # input name -> the spec's name, only where they differ
    request: dict[str, Schema | None]  # per location, the wire-named schema Zuora receives
    output_schema: Schema | None
    dropped: tuple[str, ...]  # connector fields left out of the input
    omitted: tuple[str, ...]  # fields left out because the options said so
    # "multipart/form-data" when the operation takes a form with files (the file parts are named in
    # file_parts, each a FILE_PART argument); None for a JSON body or none.
    body_media: str | None = None
    file_parts: tuple[str, ...] = ()


def input_name(name: str) -> str:
    """The argument name for a spec parameter: ``account-key`` → ``accountKey``, ``filter[]`` → ``filter``.

    A name that is already an identifier stays as the spec spells it (Zoho's ``invoice_id``,
    ``per_page``): path, query and body arguments of one vendor then read alike.
    """
    name = name.removesuffix("[]")
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return name
    head, *rest = re.split(r"[-_.\s]+", name)
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def derive_operation(spec: Spec, operation_id: str, options: DeriveOptions | None = None) -> DerivedOperation:
    """Derive ``operation_id``'s flat input schema, argument locations and response schema.

    Raises:
        SpecError: the operation is missing, or two of its arguments would share a name.
    """
    options = options or DeriveOptions()
    operation = spec.operation(operation_id)
    raw = operation.raw
    plain = frozenset(name for name in options.omit if "." not in name)
    inputs = SchemaOptions(direction="input", descriptions=options.descriptions, omit=plain)

    properties: Schema = {}
    required: list[str] = []
    locations: dict[str, Location] = {}
    wire_names: dict[str, str] = {}
    wire: dict[str, Schema] = {"path": _object(), "query": _object()}
    by_key: dict[tuple[str, str], Mapping[str, Any]] = {}
    for parameter in (*operation.path_parameters, *(raw.get("parameters") or ())):
        resolved = spec.deref(parameter)
        by_key[(str(resolved.get("in")), str(resolved.get("name")))] = resolved  # operation level wins
    for (where, name), parameter in by_key.items():
        if where not in {"path", "query"}:
            continue  # headers and cookies are transport: the client sets them, a model never does
        if where == "query" and options.query is not None and name not in options.query:
            continue
        schema = normalize(spec, parameter.get("schema") or {}, inputs)
        if options.descriptions and isinstance(parameter.get("description"), str):
            schema["description"] = short_text(parameter["description"])
        is_required = where == "path" or parameter.get("required") is True
        wire[where]["properties"][name] = schema
        if is_required:
            wire[where]["required"].append(name)
        argument = input_name(name)
        _claim(properties, argument, schema, operation_id)
        locations[argument] = "path" if where == "path" else "query"
        if argument != name:
            wire_names[argument] = name
        if is_required:
            required.append(argument)

    body_schema: Schema | None = None
    open_body = False
    body_media: str | None = None
    file_parts: list[str] = []
    body = spec.deref(raw.get("requestBody")) if raw.get("requestBody") else None
    if isinstance(body, Mapping):
        content = body.get("content") or {}
        media = content.get("application/json")
        if media is None and MULTIPART in content:
            media, body_media = content[MULTIPART], MULTIPART
        raw_schema = (media or {}).get("schema") or {}
        body_schema = normalize(spec, raw_schema, inputs)
        if body_media == MULTIPART:
            body_schema, file_parts = _file_parts(body_schema, _binary_fields(spec, raw_schema))
            if len(file_parts) == 1:  # an upload of nothing means nothing: its one file is required
                body_schema["required"] = sorted({*body_schema.get("required", []), *file_parts})
        if body_schema.get("type") == "object" and "properties" in body_schema:
            body_required = set(body_schema.get("required", []))
            for name, schema in body_schema["properties"].items():
                # A body field named like a path or query parameter gets a "body" prefix.
                argument = name if name not in properties else "body" + name[:1].upper() + name[1:]
                _claim(properties, argument, schema, operation_id)
                locations[argument] = "body"
                if argument != name:
                    wire_names[argument] = name
                if name in body_required:
                    required.append(argument)
            open_body = "patternProperties" in body_schema
        else:  # a body that is not an object (an array, a string) travels whole as one argument
            _claim(properties, "body", body_schema, operation_id)
            locations["body"] = "body"
            if body.get("required") is True:
                required.append("body")

    input_schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        input_schema["required"] = list(dict.fromkeys(required))
    if open_body:
        input_schema["patternProperties"] = dict(body_schema["patternProperties"]) if body_schema else {}
    omitted = set(inputs.omitted)
    for dotted in sorted(options.omit - plain):
        parent_path, _, leaf = dotted.rpartition(".")
        parent = _unwrap(_at(input_schema, parent_path, operation_id))
        if leaf in (parent.get("properties") or {}):
            del parent["properties"][leaf]
            if leaf in parent.get("required", []):
                parent["required"] = [name for name in parent["required"] if name != leaf]
            omitted.add(dotted)
    for dotted, text in options.notes.items():
        _at(input_schema, dotted, operation_id)["description"] = text
    for dotted, keywords in options.limits.items():
        _at(input_schema, dotted, operation_id).update(keywords)

    return DerivedOperation(
        operation_id=operation_id,
        method=operation.method,
        path=operation.path,
        summary=str(raw.get("summary") or ""),
        input_schema=input_schema,
        locations=locations,
        wire_names=wire_names,
        request={
            "path": _tidy(wire["path"]),
            "query": _tidy(wire["query"]),
            "body": body_schema,
        },
        output_schema=_response(spec, raw),
        dropped=tuple(sorted(inputs.dropped)),
        omitted=tuple(sorted(omitted)),
        body_media=body_media,
        file_parts=tuple(file_parts),
    )


MULTIPART = "multipart/form-data"
# A file part as a model can send it: JSON has no bytes, so the content travels as base64 and the
# client builds the multipart body. Limits (size, media types) are the operation's own, checked by
# its preflight before anything is sent.
FILE_PART: Schema = {
    "type": "object",
    "description": "A file: its name, media type and content in base64.",
    "properties": {
        "file_name": {"type": "string", "minLength": 1, "maxLength": 255},
        "media_type": {"type": "string", "minLength": 3, "maxLength": 127},
        "content_base64": {"type": "string", "minLength": 1},
    },
    "required": ["file_name", "media_type", "content_base64"],
    "additionalProperties": False,
}


def _binary_fields(spec: Spec, raw: Any) -> list[str]:
    """The form fields the spec types as files (``format: binary``), read before formats are normalized."""
    schema = spec.deref(raw) if isinstance(raw, Mapping) else {}
    properties = schema.get("properties") or {} if isinstance(schema, Mapping) else {}
    names = []
    for name, spec_field in properties.items():
        resolved = spec.deref(spec_field) if isinstance(spec_field, Mapping) else {}
        if isinstance(resolved, Mapping) and resolved.get("format") in {"binary", "base64"}:
            names.append(name)
    return names


def _file_parts(schema: Schema, names: list[str]) -> tuple[Schema, list[str]]:
    """A multipart form schema with each binary field made a :data:`FILE_PART`, and those fields' names."""
    properties = dict(schema.get("properties") or {})
    names = [name for name in names if name in properties]
    for name in names:
        part = dict(FILE_PART)
        if properties[name].get("description"):
            part["description"] = f"{properties[name]['description']} {FILE_PART['description']}"
        properties[name] = part
    return {**schema, "properties": properties}, names


def _object() -> Schema:
    return {"type": "object", "properties": {}, "required": [], "additionalProperties": False}


def _tidy(schema: Schema) -> Schema | None:
    if not schema["properties"]:
        return None
    if not schema["required"]:
        del schema["required"]
    return schema


def _claim(properties: Schema, name: str, schema: Schema, operation_id: str) -> None:
    if name in properties:
        raise SpecError(f"{operation_id}: two arguments would be named {name!r}")
    properties[name] = schema


def _at(schema: Schema, dotted: str, operation_id: str) -> Schema:
    """The schema at ``a.b.c``, stepping through arrays' items and nullable wrappers."""
    node = schema
    for part in dotted.split("."):
        node = _unwrap(node)
        properties = node.get("properties") or {}
        if part not in properties:
            raise SpecError(f"{operation_id}: no field {dotted!r} to annotate")
        node = properties[part]
    return node


def _unwrap(node: Schema) -> Schema:
    while True:
        if "anyOf" in node and len(node["anyOf"]) == 2 and {"type": "null"} in node["anyOf"]:
            node = next(branch for branch in node["anyOf"] if branch != {"type": "null"})
        elif node.get("type") == "array" and isinstance(node.get("items"), dict):
            node = node["items"]
        else:
            return node


def _response(spec: Spec, raw: Mapping[str, Any]) -> Schema | None:
    responses = raw.get("responses") or {}
    for status in _SUCCESS:
        response = spec.deref(responses.get(status)) if status in responses else None
        if isinstance(response, Mapping):
            media = (response.get("content") or {}).get("application/json")
            if isinstance(media, Mapping) and "schema" in media:
                return normalize(spec, media["schema"], SchemaOptions(direction="output"))
            return None
    return None
