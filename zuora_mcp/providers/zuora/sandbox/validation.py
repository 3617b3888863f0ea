"""Requests judged by Zuora's spec: path, query and body against the operation's request schemas.

The schemas are Zuora's own (:mod:`.spec_requests`, built from the spec and committed with the
package), never the product's tool schemas, so every field Zuora accepts passes here whether or not
a tool exposes it. Before use they are widened where Zuora's JSON reader is more lenient than its
spec, as real clients rely on (each choice is listed in ``tests/tenant_conformance/zuora_exceptions.md``):

* a number may arrive as a numeric string (``"100.00"``): the official SDK sends ``Decimal`` that way;
* the memo-from-invoice bodies need no ``invoiceId``: the path names the invoice;
* amounts are bounded (:data:`MAX_AMOUNT`), so an absurd value is refused instead of stored.

Refusals use Zuora's categories: 21 an unknown field, 22 a missing required field, 20 anything
else; the message names the field, never echoes the request.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from zuora_mcp.providers.zuora.sandbox.dialect import Refusal
from zuora_mcp.providers.zuora.sandbox.spec_requests import load_requests

__all__ = ["MAX_AMOUNT", "Location", "coerce_query", "request_schema", "validate"]

Location = Literal["path", "query", "body"]
_KEYS = {"path": "pathParameters", "query": "queryParameters", "body": "body"}
# Zuora stores amounts as fixed-point decimals; no limit is stated in the spec or its examples, so
# the tenant takes one it can always compute with exactly (28-digit decimals, two places, sums).
MAX_AMOUNT = 10**16
NUMERIC_TEXT = r"^-?[0-9]{1,16}(\.[0-9]+)?$"
# The body field naming the invoice is redundant with the path, and Zuora does not insist on it.
_PATH_GIVES = {"POST_CreditMemoFromInvoice": "invoiceId", "POST_DebitMemoFromInvoice": "invoiceId"}


def _widen(schema: Any) -> Any:
    """Numbers also as numeric text, within ±MAX_AMOUNT (see the module docstring)."""
    if isinstance(schema, list):
        return [_widen(part) for part in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _widen(value) for key, value in schema.items()}
    if out.get("type") in {"number", "integer"}:
        bounded = dict(out)
        if out["type"] == "number":
            bounded.setdefault("exclusiveMaximum", MAX_AMOUNT)
            bounded.setdefault("exclusiveMinimum", -MAX_AMOUNT)
        text = {"type": "string", "pattern": NUMERIC_TEXT if out["type"] == "number" else r"^-?[0-9]{1,18}$"}
        return {"anyOf": [bounded, text]}
    return out


def request_schema(operation_id: str, location: Location) -> dict[str, Any] | None:
    """The widened schema the tenant checks ``location`` of ``operation_id`` against (None: no body)."""
    raw = load_requests()[operation_id][_KEYS[location]]
    if raw is None:
        return None
    schema: dict[str, Any] = _widen(copy.deepcopy(raw))
    dropped = _PATH_GIVES.get(operation_id) if location == "body" else None
    if dropped and dropped in schema.get("required", []):
        schema["required"] = [name for name in schema["required"] if name != dropped]
        if not schema["required"]:
            del schema["required"]
    return schema


FORMATS = FormatChecker()
FORMATS.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)
# Zuora writes its own timestamps "yyyy-mm-dd hh:mm:ss" and reads them back; RFC 3339 as the spec says.
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?)?")


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or _DATE_TIME.fullmatch(value) is not None


@FORMATS.checks("decimal")
def _decimal(value: object) -> bool:
    """A string-typed amount ("19.00"): numeric text within the amount limit, as for numbers."""
    return not isinstance(value, str) or re.fullmatch(NUMERIC_TEXT, value) is not None


@cache
def _validator(operation_id: str, location: Location) -> Draft202012Validator | None:
    schema = request_schema(operation_id, location)
    if schema is None:
        return None
    return Draft202012Validator(schema, format_checker=FORMATS)


def coerce_query(operation_id: str, query: Mapping[str, list[str]]) -> dict[str, Any]:
    """Query text → the spec's types: arrays keep every value, integers and booleans are parsed."""
    raw = load_requests()[operation_id]["queryParameters"].get("properties", {})
    result: dict[str, Any] = {}
    for name, values in query.items():
        kind = raw.get(name, {}).get("type") if isinstance(raw.get(name), dict) else None
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


def _where(path: Any, name: str | None = None) -> str:
    parts: list[str] = []
    for step in path:
        parts.append(f"[{step}]" if isinstance(step, int) else (f".{step}" if parts else str(step)))
    if name:
        parts.append(f".{name}" if parts else name)
    return "".join(parts)


def _shown(value: Any) -> str:
    """A short picture of a bad value: scalars as text, containers by kind, never the whole request."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    text = str(value)
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


def _deepest(error: ValidationError) -> ValidationError:
    """For anyOf (our widened numbers, nullable fields) the branch that speaks of the value itself."""
    if error.validator == "anyOf" and error.context:
        bounded = [e for e in error.context if e.validator in {"exclusiveMaximum", "exclusiveMinimum"}]
        if bounded:
            return bounded[0]
    return error


def _message(error: ValidationError, location: Location) -> tuple[str, str]:
    """(category, Zuora-style message) for one validation error."""
    where = _where(error.absolute_path) or location
    rule: Any = error.validator_value
    if error.validator == "required":
        missing = next((n for n in rule if isinstance(error.instance, dict) and n not in error.instance), "")
        return "missing_field", f"{_where(error.absolute_path, str(missing))} may not be null"
    if error.validator in {"additionalProperties", "unevaluatedProperties"}:
        schema = error.schema if isinstance(error.schema, dict) else {}
        allowed = set(schema.get("properties") or {})
        custom = bool(schema.get("patternProperties"))  # custom fields (__c) pass where Zuora allows them
        given = error.instance if isinstance(error.instance, dict) else {}
        extra = sorted(k for k in given if k not in allowed and not (custom and k.endswith("__c")))
        names = ", ".join(_where(error.absolute_path, name) for name in extra[:5])
        return "unknown_field", f"Error - unrecognised fields: {names}"
    error = _deepest(error)
    rule = error.validator_value
    if error.validator in {"exclusiveMaximum", "exclusiveMinimum", "maximum", "minimum"}:
        return "invalid", f"{where}: the value {_shown(error.instance)} is out of range."
    if error.validator in {"maxItems", "minItems"}:
        bound = "at most" if error.validator == "maxItems" else "at least"
        return "invalid", f"{where}: the number of items must be {bound} {rule}."
    if error.validator in {"maxLength", "minLength"}:
        bound = "at most" if error.validator == "maxLength" else "at least"
        return "invalid", f"{where}: the length must be {bound} {rule} characters."
    if error.validator == "enum":
        values = ", ".join(str(v) for v in list(rule)[:12])
        return "invalid", f"{where}: invalid value {_shown(error.instance)}; allowed values are {values}."
    if error.validator == "format":
        return "invalid", f"{where}: invalid value {_shown(error.instance)}; expected format {rule}."
    return "invalid", f"{where}: invalid value {_shown(error.instance)}."


def validate(operation_id: str, location: Location, value: Any, resource: str, status: int = 200) -> None:
    """Raise the Zuora-style refusal for the first problem of ``value``, or return.

    Raises:
        Refusal: category 21 for unknown fields, 22 for missing required ones, 20 otherwise.
    """
    validator = _validator(operation_id, location)
    if validator is None:
        return
    errors = sorted(validator.iter_errors(value), key=lambda e: (len(list(e.absolute_path)), str(e.validator)))
    if not errors:
        return
    category, message = _message(errors[0], location)
    raise Refusal(resource, category, message, status=status)
