"""Hypothesis strategies for tool arguments: schema-valid ones, and near misses.

``hypothesis_jsonschema.from_schema`` (0.23.1, its latest release) cannot draw objects with the
installed Hypothesis 6.170: it calls ``many.more()``, which Hypothesis removed. The tool schemas use a
small part of JSON Schema (type, properties, required, additionalProperties, patternProperties for
``*__c`` custom fields, items, maxItems, maxLength, minimum, maximum, enum, anyOf, format), so
:func:`valid_arguments` covers that part here; every value it draws is checked against the tool's
real validator, so a gap in this module makes the test fail loudly instead of testing less.
When a release of hypothesis-jsonschema works again, :func:`valid_arguments` uses it instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

MAX_LIST = 3
MAX_TEXT = 24
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=MAX_TEXT)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=MAX_LIST) | st.dictionaries(st.text(max_size=8), inner, max_size=MAX_LIST),
    max_leaves=8,
)


def _from_schema_works() -> bool:
    try:
        from hypothesis import given, settings
        from hypothesis_jsonschema import from_schema
    except ImportError:  # pragma: no cover - it is a dev dependency
        return False
    drawn: list[Any] = []

    @settings(max_examples=1, database=None, deadline=None)
    @given(from_schema({"type": "object", "properties": {"a": {"type": "string"}}}))
    def probe(value: Any) -> None:
        drawn.append(value)

    try:
        probe()
    except Exception:  # the incompatibility shows as an AttributeError inside Hypothesis
        return False
    return bool(drawn)


FROM_SCHEMA_WORKS = _from_schema_works()


def valid_arguments(schema: Mapping[str, Any], overrides: Mapping[str, st.SearchStrategy[Any]]) -> Any:
    """Arguments valid for ``schema``; top-level ``overrides`` replace a property's strategy
    (path keys drawn from real records as well as from random text)."""
    if FROM_SCHEMA_WORKS:  # pragma: no cover - not with the Hypothesis installed today
        from hypothesis_jsonschema import from_schema

        drawn = from_schema(dict(schema))
        return st.tuples(drawn, st.fixed_dictionaries({}, optional=dict(overrides))).map(lambda p: {**p[0], **p[1]})
    return _value(schema, overrides)


def _value(schema: Mapping[str, Any], overrides: Mapping[str, st.SearchStrategy[Any]] | None = None) -> Any:
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    if "const" in schema:
        return st.just(schema["const"])
    if "anyOf" in schema:
        return st.one_of([_value(option) for option in schema["anyOf"]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([_value({**schema, "type": one}) for one in kind])
    if kind == "object" or "properties" in schema:
        return _object(schema, overrides or {})
    if kind == "array":
        limit = min(int(schema.get("maxItems", MAX_LIST)), MAX_LIST)
        return st.lists(_value(schema.get("items", {})), min_size=int(schema.get("minItems", 0)), max_size=limit)
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        low, high = schema.get("minimum"), schema.get("maximum")
        return st.integers(low, high) | st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return JSON_VALUES


def _string(schema: Mapping[str, Any]) -> Any:
    form = schema.get("format")
    if form == "date":
        return st.dates().map(dt.date.isoformat)
    if form == "date-time":
        return st.datetimes(timezones=st.just(dt.UTC)).map(dt.datetime.isoformat)
    if form == "email":
        return st.emails()
    return st.text(max_size=min(int(schema.get("maxLength", MAX_TEXT)), MAX_TEXT))


def _object(schema: Mapping[str, Any], overrides: Mapping[str, st.SearchStrategy[Any]]) -> Any:
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))

    def strategy(name: str) -> Any:
        return overrides[name] if name in overrides else _value(properties[name])

    fixed = st.fixed_dictionaries(
        {name: strategy(name) for name in properties if name in required},
        optional={name: strategy(name) for name in properties if name not in required},
    )
    custom = (schema.get("patternProperties") or {}).get("__c$")
    if custom is None:
        return fixed
    names = st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{0,10}__c\Z")
    extras = st.dictionaries(names.filter(lambda n: n not in properties), _value(custom), max_size=2)
    return st.tuples(fixed, extras).map(lambda pair: {**pair[1], **pair[0]})


def near_misses(schema: Mapping[str, Any], valid: Any) -> Any:
    """Arguments that are probably invalid: a valid set with one property replaced, dropped or added."""
    properties = sorted(schema.get("properties", {}))
    replaced = st.tuples(valid, st.sampled_from(properties or ["x"]), JSON_VALUES).map(lambda t: {**t[0], t[1]: t[2]})
    dropped = st.tuples(valid, st.sampled_from(sorted(schema.get("required", [])) or ["x"])).map(
        lambda t: {k: v for k, v in t[0].items() if k != t[1]}
    )
    added = st.tuples(valid, st.text(min_size=1, max_size=12), JSON_VALUES).map(lambda t: {**t[0], t[1]: t[2]})
    anything = st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=4)
    return st.one_of(replaced, dropped, added, anything)
