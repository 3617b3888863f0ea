"""Result shaping: the default projection, ``fields``/``full``, pagination, and their schemas.

Run time: :func:`shape` projects a Zuora response to the fields a person needs. Build time:
:func:`output_schema` derives the matching output schema from the operation's response schema, and
:func:`own_arguments` adds the tool's own arguments (``fields``/``full``, or ``dry_run``/
``confirmation_token``). Write tools' output is the guard's envelope around the shaped result.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlparse

from zuora_mcp.catalog.recipe import Recipe, Shaping

__all__ = [
    "WRITE_STATUSES",
    "conformer",
    "envelope_schema",
    "output_schema",
    "own_arguments",
    "project",
    "shape",
]

Schema = dict[str, Any]

WRITE_STATUSES = (
    "executed",
    "preview",
    "confirmation_required",
    "declined",
    "refused",
    "failed",
    "outcome_unknown",
)
_STRING: Schema = {"type": "string"}
_OBJECT: Schema = {"type": "object"}
_NULLABLE_STRING: Schema = {"anyOf": [_STRING, {"type": "null"}]}
# Bookkeeping on every response (Zuora's success/processId/reasons/requestId, Zoho's code/message and
# page_context): it says nothing once the call has succeeded.
_NOISE = ("success", "processId", "reasons", "requestId", "code", "message", "page_context")


# -- run time ---------------------------------------------------------------------------------


def project(record: Any, fields: Sequence[str]) -> dict[str, Any]:
    """The ``fields`` of ``record`` that are present; dotted names reach into nested objects."""
    if not isinstance(record, Mapping):
        return {}
    out: dict[str, Any] = {}
    for name in fields:
        if "." not in name:  # the common case, without splitting
            if name in record:
                out[name] = record[name]
            continue
        head, _, rest = name.partition(".")
        if head not in record:
            continue
        if rest:
            nested = project(record[head], [rest])
            if nested:
                target = out.setdefault(head, {})
                if isinstance(target, dict):
                    target.update(nested)
        else:
            out[head] = record[head]
    return out


_DROP = object()

Fit = Callable[[Any], Any]


def conformer(schema: Mapping[str, Any]) -> Fit:
    """A function making a value fit ``schema`` (an output schema built here), returning ``_DROP``
    when it cannot fit. Only what the schema declares is touched: undeclared fields (asked for with
    ``fields`` or ``full``) pass through as the vendor sent them.

    Compiled once per schema (a tool keeps its own): every read shapes its answer, and walking the
    schema on each call was most of that cost."""
    if "anyOf" in schema or "enum" in schema:
        return _as_is
    kind = schema.get("type")
    if kind == "object":
        return _object_fit({key: conformer(sub) for key, sub in (schema.get("properties") or {}).items()})
    if kind == "array":
        items = schema.get("items")
        return _array_fit(conformer(items) if isinstance(items, Mapping) else None)
    return _scalar_fit(kind)


def _as_is(value: Any) -> Any:
    return value


def _object_fit(properties: Mapping[str, Fit]) -> Fit:
    def fit(value: Any) -> Any:
        if not isinstance(value, Mapping):  # None and "" included
            return _DROP
        out: dict[str, Any] = {}
        for key, item in value.items():
            declared = properties.get(key)
            if declared is None:
                out[key] = item
            elif (fitted := declared(item)) is not _DROP:
                out[key] = fitted
        return out

    return fit


def _array_fit(items: Fit | None) -> Fit:
    def fit(value: Any) -> Any:
        if not isinstance(value, list):
            return _DROP
        if items is None:
            return value
        return [fitted for item in value if (fitted := items(item)) is not _DROP]

    return fit


def _scalar_fit(kind: Any) -> Fit:
    def _general(value: Any) -> Any:
        if value is None or value == "":
            return _DROP  # no information, and every token counts in a model's context
        return _scalar(value, kind)

    # The first test of each is the common case (the vendor sent the declared type), answered without
    # a further call; everything else takes _general.
    if kind == "string":

        def fit_string(value: Any) -> Any:
            if type(value) is str and value:
                return value
            return _general(value)

        return fit_string
    if kind == "number" or kind == "integer":

        def fit_number(value: Any) -> Any:
            if type(value) is int or type(value) is float:
                return value
            return _general(value)

        return fit_number

    return _general


def _scalar(value: Any, kind: Any) -> Any:
    if kind == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return json.dumps(value, default=str) if isinstance(value, Mapping | list) else str(value)
    if kind == "number" or kind == "integer":
        if isinstance(value, bool):
            return _DROP
        if isinstance(value, int | float):
            return value
        try:
            number = float(str(value))
        except ValueError:
            return _DROP
        return int(number) if kind == "integer" and number.is_integer() else number
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        return True if text == "true" else False if text == "false" else _DROP
    return value


def shape(shaping: Shaping, data: Any, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The tool's result: projected records and, for lists, ``nextPage`` (None on the last page)."""
    full = arguments.get("full") is True
    wanted = [*shaping.fields, *(str(name) for name in arguments.get("fields") or ())]

    def one(record: Any) -> dict[str, Any]:
        if full and isinstance(record, Mapping):
            shaped = {key: value for key, value in record.items() if key not in _NOISE}
        else:
            shaped = project(record, wanted)
        for name, template in shaping.links:
            link = _link(template, record, arguments)
            if link is not None:
                shaped[name] = link
        return shaped

    if not isinstance(data, Mapping):
        return {}
    if shaping.container is None:
        return one(data)
    records = data.get(shaping.container) or []
    result: dict[str, Any] = {shaping.container: [one(record) for record in records]}
    if shaping.pagination == "page_context":
        result["nextPage"] = _next_page_number(data.get("page_context"))
    elif shaping.pagination is not None:
        result["nextPage"] = _next_page(shaping, data.get("nextPage"))
    return result


def _link(template: str, record: Any, arguments: Mapping[str, Any]) -> str | None:
    """``template`` filled from the record's fields and the call's arguments; None when one is missing."""
    values = {**arguments, **(record if isinstance(record, Mapping) else {})}
    try:
        return template.format_map({key: str(value) for key, value in values.items() if value is not None})
    except (KeyError, ValueError):
        return None


def _next_page_number(page_context: Any) -> int | None:
    """Zoho-style ``page_context {page, has_more_page}``: the next page's number, or None on the last."""
    if not isinstance(page_context, Mapping) or page_context.get("has_more_page") is not True:
        return None
    try:
        return int(page_context.get("page") or 1) + 1
    except (TypeError, ValueError):
        return None


def _next_page(shaping: Shaping, value: Any) -> int | str | None:
    if not value:
        return None
    if shaping.pagination == "cursor":
        return str(value)
    # v1 lists answer with a URL (".../items?page=2&pageSize=20"); the model needs only the number.
    pages = parse_qs(urlparse(str(value)).query).get("page")
    try:
        return int(pages[0]) if pages else None
    except ValueError:
        return None


# -- build time -------------------------------------------------------------------------------


def own_arguments(recipe: Recipe) -> Schema:
    """Arguments the tool itself reads; snake_case so they never collide with Zuora's names."""
    if recipe.safety != "read":
        return {
            "dry_run": {"type": "boolean", "description": "Preview only."},
            "confirmation_token": {"type": "string", "description": "From a preview; runs it."},
        }
    if not recipe.shaping.fields:
        return {}
    return {
        "fields": {"type": "array", "items": _STRING, "description": "Extra fields to return."},
        "full": {"type": "boolean", "description": "Return every field."},
    }


def output_schema(recipe: Recipe, response: Schema | None, vendor_key: str) -> Schema:
    """The schema of what the tool returns, derived from the operation's response schema.

    ``vendor_key`` names the write envelope's object of the vendor's ids (the provider's name)."""
    shaping = recipe.shaping
    source = response or {}
    if shaping.container is not None:
        item = _items(source, shaping.container)
        record = _projection(item, shaping.fields)
        for name, _ in shaping.links:
            record["properties"][name] = {"type": "string", "format": "uri"}
        result: Schema = {
            "type": "object",
            "properties": {shaping.container: {"type": "array", "items": record}},
            "required": [shaping.container],
        }
        if shaping.pagination in ("page", "page_context"):
            result["properties"]["nextPage"] = {"anyOf": [{"type": "integer"}, {"type": "null"}]}
        elif shaping.pagination == "cursor":
            result["properties"]["nextPage"] = _NULLABLE_STRING
    else:
        # No "additionalProperties": true: it is the default (fields/full may add any field), and
        # spelled out it cost every read ~5 tokens in tools/list and a third of a Python SDK
        # client's check of each result (jsonschema walks the keyword per call).
        result = _projection(source, shaping.fields)
    if recipe.safety == "read":
        return result
    return envelope_schema(result, vendor_key)


def envelope_schema(result: Schema, vendor_key: str) -> Schema:
    """The guard's answer to every write call, with the tool's own ``result`` inside.

    ``preview`` holds ``request`` (method, url, body), ``effect`` and ``preflight`` checks (check,
    ok, detail); ``<vendor_key>`` (``zuora``, ``zoho``) holds request_id, track_id and
    idempotency_key; ``error`` holds the vendor's HTTP status and reasons. Those three are typed as
    plain objects: the envelope repeats on every write tool, and each sub-field listed would cost a
    dozen tokens per tool.
    """
    return {
        "type": "object",
        "required": ["status", "changed", "message"],
        "properties": {
            "status": {"enum": list(WRITE_STATUSES)},
            "changed": {"type": "boolean"},
            "message": _STRING,
            "preview": _OBJECT,
            "confirmation_token": _STRING,
            "expires_at": _STRING,
            "result": result,
            vendor_key: _OBJECT,
            "error": _OBJECT,
        },
    }


def _items(schema: Schema, container: str) -> Schema:
    array = (schema.get("properties") or {}).get(container) or {}
    items = array.get("items")
    return items if isinstance(items, dict) else {}


def _projection(schema: Schema, fields: Sequence[str]) -> Schema:
    """An object schema holding only ``fields`` (dotted names build nested objects)."""
    properties: Schema = {}
    for name in fields:
        head, _, rest = name.partition(".")
        source = _unwrap((schema.get("properties") or {}).get(head))
        if source is None:
            raise KeyError(f"the response has no field {name!r}")
        if rest:
            nested = properties.setdefault(head, {"type": "object", "properties": {}})
            nested["properties"].update(_projection(source, [rest])["properties"])
        else:
            properties[head] = _bare(source)
    return {"type": "object", "properties": properties}


def _unwrap(schema: Any) -> Schema | None:
    if not isinstance(schema, dict):
        return None
    branches = schema.get("anyOf")
    if isinstance(branches, list) and {"type": "null"} in branches and len(branches) == 2:
        inner = next(branch for branch in branches if branch != {"type": "null"})
        return inner if isinstance(inner, dict) else None
    return schema


def _bare(schema: Schema) -> Schema:
    """A response field for an output schema: its JSON type (and a date format), nothing stricter.

    Zuora's responses do not keep to their own schema (decimals arrive as strings or numbers, enums
    grow, any field may be null). So the type is all that is declared, and :func:`conformer` makes every
    projected value fit it at run time: numeric strings become numbers, nulls and values that cannot
    fit are left out. Integers are declared as numbers because Zuora sends decimals for some of them.
    """
    kind = schema.get("type")
    if kind == "integer":
        kind = "number"
    if kind not in {"string", "number", "boolean", "object", "array"}:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    out: Schema = {"type": kind}
    fmt = schema.get("format")
    if kind == "string" and isinstance(fmt, str) and fmt in {"date", "date-time"}:
        out["format"] = fmt
    return out
