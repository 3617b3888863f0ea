"""The compiled argument check gives jsonschema's verdict on every committed tool schema.

The fast path (:mod:`zuora_mcp.argument_check`) decides nearly every call alone, so a schema it
judges more leniently than jsonschema would let invalid arguments reach the vendor. Each committed
schema of each provider is compiled (none may fall back), and for schema-valid arguments, near misses
of them, arbitrary JSON and hand-picked edge cases the compiled check must agree with jsonschema's
``is_valid`` exactly.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.schema_strategies import JSON_VALUES, near_misses, valid_arguments
from zuora_mcp.argument_check import Unsupported, compile_check
from zuora_mcp.executor import validation_problems
from zuora_mcp.providers import PROVIDERS
from zuora_mcp.schemas import argument_validator, load_tool_file, tool_names, validator_for

TOOLS = [(provider, tool) for provider in sorted(PROVIDERS) for tool in tool_names(provider)]
FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def _schema(provider: str, tool: str) -> dict[str, Any]:
    data = load_tool_file(tool, provider)
    schema: dict[str, Any] = data.get("validation") or data["input"]
    return schema


def _agree(provider: str, tool: str, arguments: Any) -> None:
    fast = compile_check(_schema(provider, tool))
    full = validator_for(tool, provider)
    assert fast(arguments) == full.is_valid(arguments), json.dumps(arguments, default=str)[:500]


@pytest.mark.parametrize(("provider", "tool"), TOOLS)
def test_every_committed_schema_has_a_fast_path(provider: str, tool: str) -> None:
    assert argument_validator(tool, provider).has_fast_path


@pytest.mark.parametrize(("provider", "tool"), TOOLS)
@FUZZ
@given(data=st.data())
def test_fast_path_agrees_with_jsonschema_on_valid_arguments_and_near_misses(
    provider: str, tool: str, data: st.DataObject
) -> None:
    schema = _schema(provider, tool)
    valid = valid_arguments(schema, {})
    _agree(provider, tool, data.draw(valid))
    _agree(provider, tool, data.draw(near_misses(schema, valid)))


@pytest.mark.parametrize(("provider", "tool"), TOOLS)
@FUZZ
@given(value=JSON_VALUES)
def test_fast_path_agrees_with_jsonschema_on_arbitrary_json(provider: str, tool: str, value: Any) -> None:
    _agree(provider, tool, value)
    _agree(provider, tool, {"x": value})


# Each row: a schema, then instances; the compiled check must match jsonschema on every one.
EDGE_CASES: list[tuple[Any, list[Any]]] = [
    ({"type": "integer"}, [1, 1.0, 1.5, True, False, "1", None, -0.0, 10**30]),
    ({"type": "number", "minimum": 0, "maximum": 10}, [0, 10, 10.0001, -1, True, "5", None, 5.5]),
    ({"type": ["string", "null"], "maxLength": 3}, ["abc", "abcd", None, 3, "", "ééé", "😀😀😀😀"]),
    ({"minLength": 2, "pattern": "^[A-Z]"}, ["A", "Ab", "ab", 12, None, ["A"]]),
    ({"type": "string", "format": "date"}, ["2025-01-31", "2025-02-30", "2025-1-31", "March 3", "２０２５-01-01", 5]),
    ({"type": "string", "format": "email"}, ["a@b", "ab", 1]),
    ({"type": "string", "format": "date-time"}, ["not a time"]),
    ({"enum": ["A", "B", None]}, ["A", "C", None, 1, True]),
    ({"enum": ["A", "B"]}, ["A", None]),
    (
        {
            "type": "object",
            "properties": {"a": {"type": "string"}},
            "patternProperties": {"__c$": {"type": "string"}},
            "additionalProperties": False,
            "required": ["a"],
        },
        [{"a": "x"}, {"a": "x", "f__c": "y"}, {"a": "x", "f__c": 1}, {"a": "x", "b": 1}, {}, [], "a", {"a": 1}],
    ),
    ({"type": "object", "additionalProperties": {"type": "integer"}}, [{"a": 1}, {"a": "1"}, {}]),
    (
        {"type": "array", "items": {"type": "object", "required": ["id"]}, "minItems": 1, "maxItems": 2},
        [[{"id": 1}], [], [{"id": 1}] * 3, [{"x": 1}], [1], {"id": 1}],
    ),
    ({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 3}]}, ["a", 3, 2, None, 3.0]),
    ({"properties": {"a": {"type": "string"}}}, [{"a": 1}, {"b": 1}, 5, "x"]),
    (True, [1, None]),
    ({"not": {"type": "string"}}, []),
]


@pytest.mark.parametrize(("schema", "instances"), EDGE_CASES)
def test_fast_path_agrees_with_jsonschema_on_edge_cases(schema: Any, instances: list[Any]) -> None:
    from jsonschema import Draft202012Validator

    from zuora_mcp.schemas import format_checker

    try:
        fast = compile_check(schema)
    except Unsupported:
        assert "not" in schema  # only the row that is meant to fall back
        return
    full = Draft202012Validator(schema, format_checker=format_checker())
    for instance in instances:
        assert fast(instance) == full.is_valid(instance), instance


def test_invalid_arguments_are_still_named_by_jsonschema() -> None:
    validator = argument_validator("get_invoice", "zuora")
    assert validation_problems(validator, {"invoiceKey": "INV00000001"}) == []
    problems = validation_problems(validator, {"invoiceKey": 5, "surprise": True})
    assert any("invoiceKey" in p for p in problems), problems
    assert any("surprise" in p for p in problems), problems
