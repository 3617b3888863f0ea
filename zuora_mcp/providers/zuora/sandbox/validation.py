"""Strict requests: query parameters and bodies checked against the tool schemas derived from the spec.

The schemas come from :func:`zuora_mcp.schemas.request_schema` (the same files the MCP tools use),
so the sandbox refuses exactly what Zuora's spec does not allow: unknown fields (category 21),
missing required fields (22), wrong types, formats and enum values (20). Query strings arrive as
text and are read as the schema's types first (``pageSize=abc`` stays text and fails as a type).
When the schema module or a tool's schema is not available, that location is not checked.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from zuora_mcp.providers.zuora.sandbox.dialect import Refusal

__all__ = ["Location", "coerce_query", "schemas_available", "validate"]

Location = Literal["path", "query", "body"]
_CATEGORY = {
    "additionalProperties": "unknown_field",
    "unevaluatedProperties": "unknown_field",
    "required": "missing_field",
}


@cache
def _request_schema() -> Callable[[str, str], dict[str, Any]] | None:
    try:
        module = importlib.import_module("zuora_mcp.schemas")
    except ImportError:
        return None
    function = getattr(module, "request_schema", None)
    return function if callable(function) else None


def schemas_available() -> bool:
    return _request_schema() is not None


@cache
def _validator(tool: str, location: Location) -> Draft202012Validator | None:
    request_schema = _request_schema()
    if request_schema is None:
        return None
    try:
        schema = request_schema(tool, location)
    except (KeyError, LookupError, FileNotFoundError, ValueError):
        return None
    if not schema:
        return None
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _schema_properties(tool: str, location: Location) -> Mapping[str, Any]:
    validator = _validator(tool, location)
    if validator is None:
        return {}
    properties = validator.schema.get("properties", {}) if isinstance(validator.schema, dict) else {}
    return properties if isinstance(properties, dict) else {}


def coerce_query(tool: str, query: Mapping[str, list[str]]) -> dict[str, Any]:
    """Query text → the schema's types: arrays keep every value, integers and booleans are parsed."""
    properties = _schema_properties(tool, "query")
    result: dict[str, Any] = {}
    for name, values in query.items():
        kind = properties.get(name, {}).get("type") if isinstance(properties.get(name), dict) else None
        if kind == "array":
            result[name] = list(values)
            continue
        value: Any = values[-1]
        if kind == "integer":
            with contextlib.suppress(ValueError):
                value = int(value)
        elif kind == "number":
            with contextlib.suppress(ValueError):
                value = float(value)
        elif kind == "boolean" and value in {"true", "false"}:
            value = value == "true"
        result[name] = value
    return result


def _where(error: ValidationError) -> str:
    parts: list[str] = []
    for step in error.absolute_path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        else:
            parts.append(f".{step}" if parts else str(step))
    return "".join(parts)


def validate(tool: str, location: Location, value: Any, resource: str, status: int = 200) -> None:
    """Raise the Zuora-style refusal for the first problem of ``value``, or return.

    Raises:
        Refusal: category 21 for unknown fields, 22 for missing required ones, 20 otherwise.
    """
    validator = _validator(tool, location)
    if validator is None:
        return
    errors = sorted(validator.iter_errors(value), key=lambda e: (len(list(e.absolute_path)), str(e.message)))
    if not errors:
        return
    error = errors[0]
    category = _CATEGORY.get(str(error.validator), "invalid")
    where = _where(error)
    if category == "unknown_field":
        message = f"Unknown field{' in ' + where if where else ''}: {error.message}"
    elif category == "missing_field":
        message = f"Missing required field{' in ' + where if where else ''}: {error.message}"
    else:
        message = f"'{where or location}' {error.message}"
    raise Refusal(resource, category, message, status=status)
