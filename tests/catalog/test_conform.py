"""Shaped results always fit the declared output schema, whatever Zuora sends."""

from __future__ import annotations

import jsonschema
import pytest

from zuora_mcp.catalog import get_tool, load_catalog


def test_numeric_strings_become_numbers_and_nulls_are_left_out() -> None:
    tool = get_tool("get_invoice")
    raw = {"invoiceNumber": "INV1", "amount": "165.00", "balance": None, "status": "Posted", "success": True}
    shaped = tool.shape(raw, {})
    assert shaped["amount"] == 165.0
    assert "balance" not in shaped
    assert tool.output_schema is not None
    jsonschema.validate(shaped, tool.output_schema)


@pytest.mark.parametrize("tool", [t for t in load_catalog() if t.safety == "read"], ids=lambda t: t.name)
def test_values_of_the_wrong_type_never_break_the_output_schema(tool: object) -> None:
    spec = get_tool(tool.name)  # type: ignore[attr-defined]
    assert spec.output_schema is not None
    container = spec.shaping.container
    record_schema = spec.output_schema
    if container:
        record_schema = spec.output_schema["properties"][container]["items"]
    weird: dict[str, object] = {}
    for name, field in (record_schema.get("properties") or {}).items():
        kind = field.get("type")
        weird[name] = {"string": 12, "number": "n/a", "boolean": "maybe", "object": "x", "array": 3}.get(kind)
    assert weird, "the projection declares fields"
    data = {container: [weird, weird], "nextPage": None} if container else weird
    jsonschema.validate(spec.shape(data, {}), spec.output_schema)
