"""Requests judged by our Zoho spec: path, query and JSON body against the operation's request schemas.

The schemas are the spec's (:mod:`.spec_requests`, built from it and committed with the package),
never the product's tool schemas, so every field the spec defines passes here whether or not a tool
exposes it, and a field it does not name is ignored (the spec leaves objects open). The rules
(:mod:`.invoice_rules` and the others) then judge what the schema cannot: records that exist,
statuses, balances.

A refusal is Zoho's ``{"code": 4, "message": "Invalid value passed for <field>"}`` (HTTP 400),
naming the field by its path (``invoice_items[0].price``), never echoing the value or the request,
never in jsonschema's words. The multipart attachment is read by its rule (:mod:`.attachments`).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from zuora_mcp.providers.zoho.sandbox.dialect import ZohoError, invalid_value, not_found
from zuora_mcp.providers.zoho.sandbox.spec_requests import load_requests

__all__ = [
    "LENIENT_QUERY_VALUES",
    "MAX_AMOUNT",
    "Location",
    "coerce_query",
    "refusal",
    "request_schema",
    "validate",
    "validate_request",
]

Location = Literal["path", "query", "body"]
_KEYS = {"path": "pathParameters", "query": "queryParameters", "body": "body"}
FORMATS = FormatChecker()
FORMATS.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)


# Where the tenant reads more leniently than the spec, as real clients rely on (each one is listed
# with its reason in tests/tenant_conformance_zoho/zoho_exceptions.json): operationId → query values.
LENIENT_QUERY_VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    # The spec's filter_by enum is the seed's 8 values; community code also sends Status.Pending
    # (notes §2) for metered renewals, and the spec calls its list possibly stale (PROVENANCE).
    "list_invoices": {"filter_by": ("Status.Pending",)},
}


# Zoho states no limit on amounts; the tenant refuses numbers it could not answer exactly in JSON
# (zoho_exceptions.json "amount-limit"), so an absurd amount is refused, never stored.
MAX_AMOUNT = 10**15


def _bounded(schema: Any) -> Any:
    """Every ``number`` field bounded by ±MAX_AMOUNT (ids are strings or integers: not touched)."""
    if isinstance(schema, list):
        return [_bounded(part) for part in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _bounded(value) for key, value in schema.items()}
    if out.get("type") == "number":
        out.setdefault("exclusiveMaximum", MAX_AMOUNT)
        out.setdefault("exclusiveMinimum", -MAX_AMOUNT)
    return out


def request_schema(operation_id: str, location: Location) -> dict[str, Any] | None:
    """The schema the tenant checks ``location`` of ``operation_id`` against (None: not checked here)."""
    entry = load_requests()[operation_id]
    if location == "body" and entry.get("bodyType") != "application/json":
        return None
    raw = entry[_KEYS[location]]
    if raw is None:
        return None
    schema: dict[str, Any] = _bounded(copy.deepcopy(raw))
    if location == "query":
        for name, extra in LENIENT_QUERY_VALUES.get(operation_id, {}).items():
            field = schema["properties"][name]
            field["enum"] = [*field["enum"], *extra]
    return schema


@cache
def _validator(operation_id: str, location: Location) -> Draft202012Validator | None:
    schema = request_schema(operation_id, location)
    return None if schema is None else Draft202012Validator(schema, format_checker=FORMATS)


def coerce_query(operation_id: str, query: Mapping[str, str]) -> dict[str, Any]:
    """Query text → the spec's types: integers and booleans parsed where the spec types them so
    (a value that does not parse stays text and fails the schema)."""
    properties = load_requests()[operation_id]["queryParameters"].get("properties", {})
    result: dict[str, Any] = {}
    for name, value in query.items():
        kind = properties.get(name, {}).get("type") if isinstance(properties.get(name), dict) else None
        coerced: Any = value
        if kind == "integer":
            with contextlib.suppress(ValueError):
                coerced = int(value)
        elif kind == "number":
            with contextlib.suppress(ValueError):
                coerced = float(value)
        elif kind == "boolean" and value in {"true", "false"}:
            coerced = value == "true"
        result[name] = coerced
    return result


def _where(path: Any, name: str | None = None) -> str:
    parts: list[str] = []
    for step in path:
        parts.append(f"[{step}]" if isinstance(step, int) else (f".{step}" if parts else str(step)))
    if name:
        parts.append(f".{name}" if parts else name)
    return "".join(parts)


# A body that is a bare array is named like the field it holds (the custom fields by id).
_ARRAY_BODY = {"update_invoice_custom_fields_by_id": "custom_fields"}


def _field(error: ValidationError, location: Location, operation_id: str = "") -> str:
    """The field a schema error is about, as Zoho names fields in its messages."""
    name = _path_field(error, location)
    prefix = _ARRAY_BODY.get(operation_id) if location == "body" else None
    if prefix and (name.startswith("[") or name == "JSONString"):
        return prefix + ("" if name == "JSONString" else name)
    return name


def _path_field(error: ValidationError, location: Location) -> str:
    rule: Any = error.validator_value
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = next((n for n in rule if n not in error.instance), "")
        return _where(error.absolute_path, str(missing))
    if error.validator == "oneOf" and isinstance(error.instance, dict) and isinstance(error.schema, dict):
        # collect's "exactly one of account_id and card_id": name the ones given, or the first.
        names = [n for n in error.schema.get("properties", {}) if n in error.instance]
        return _where(error.absolute_path, names[-1] if names else next(iter(error.schema.get("properties", {})), ""))
    return _where(error.absolute_path) or ("JSONString" if location == "body" else location)


def refusal(operation_id: str, location: Location, value: Any) -> ZohoError | None:
    """The refusal for the first problem of ``value``, or None when the spec allows it."""
    validator = _validator(operation_id, location)
    if validator is None:
        return None
    errors = sorted(validator.iter_errors(value), key=lambda e: (len(list(e.absolute_path)), str(e.validator)))
    if not errors:
        return None
    name = _field(errors[0], location, operation_id)
    return not_found() if location == "path" and name == "invoice_id" else invalid_value(name)


def validate(operation_id: str, location: Location, value: Any) -> None:
    """Raise Zoho's refusal for the first problem of ``value``, or return.

    Raises:
        ZohoError: code 4, "Invalid value passed for <field>"; an invoice id that cannot be one
            (not numeric) is answered as one that names nothing (1002, HTTP 404).
    """
    found = refusal(operation_id, location, value)
    if found is not None:
        raise found


def validate_request(operation_id: str, params: Mapping[str, str], query: Mapping[str, str], body: Any) -> None:
    """Path, query, then body (the order a server reads them in).

    Raises:
        ZohoError: the first problem found.
    """
    validate(operation_id, "path", dict(params))
    validate(operation_id, "query", coerce_query(operation_id, query))
    entry = load_requests()[operation_id]
    if entry.get("bodyType") == "application/json" and (body is not None or entry.get("bodyRequired")):
        validate(operation_id, "body", body)
