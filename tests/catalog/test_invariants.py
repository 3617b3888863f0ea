from __future__ import annotations

import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from zuora_mcp.catalog import ToolSpec, annotations_for, get_tool, load_catalog, tool_definition
from zuora_mcp.catalog.shaping import WRITE_STATUSES
from zuora_mcp.providers.zuora import RECIPES
from zuora_mcp.schemas import request_schema, tool_names, validator_for

TOOLS = load_catalog()
EXPECTED = {
    "read": {
        "get_invoice",
        "list_invoices",
        "list_invoice_items",
        "list_invoice_taxation_items",
        "list_invoice_application_parts",
        "list_invoice_files",
        "get_credit_memo",
        "get_debit_memo",
        "get_account",
    },
    "write": {
        "upload_invoice_file",
        "create_invoice",
        "create_invoices",
        "update_invoice",
        "update_invoices",
        "email_invoice",
        "create_credit_memo_from_invoice",
        "create_debit_memo_from_invoice",
        "apply_credit_memo",
    },
    "destructive": {"reverse_invoice", "write_off_invoice", "write_off_debit_memo", "delete_invoice"},
}
ROUTES = {
    "upload_invoice_file": ("POST", "/v1/invoices/{invoiceKey}/files"),
    "get_invoice": ("GET", "/v1/invoices/{invoiceKey}"),
    "list_invoices": ("GET", "/object-query/invoices"),
    "list_invoice_taxation_items": ("GET", "/v1/invoices/{invoiceKey}/items/{itemId}/taxation-items"),
    "get_account": ("GET", "/v1/accounts/{account-key}"),
    "create_invoice": ("POST", "/v1/invoices"),
    "create_invoices": ("POST", "/v1/invoices/batch"),
    "update_invoice": ("PUT", "/v1/invoices/{invoiceKey}"),
    "update_invoices": ("PUT", "/v1/invoices"),
    "email_invoice": ("POST", "/v1/invoices/{invoiceKey}/emails"),
    "apply_credit_memo": ("PUT", "/v1/credit-memos/{creditMemoKey}/apply"),
    "reverse_invoice": ("PUT", "/v1/invoices/{invoiceKey}/reverse"),
    "delete_invoice": ("DELETE", "/v1/invoices/{invoiceKey}"),
}
ids = [tool.name for tool in TOOLS]


def walk(schema: Any) -> Any:
    yield schema
    if isinstance(schema, dict):
        for value in schema.values():
            yield from walk(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from walk(value)


def test_the_catalog_has_exactly_the_tools_of_each_safety_class() -> None:
    for safety, names in EXPECTED.items():
        assert {tool.name for tool in TOOLS if tool.safety == safety} == names


def test_tools_call_the_operations_named_in_the_issue() -> None:
    for name, (method, path) in ROUTES.items():
        tool = get_tool(name)
        assert (tool.method, tool.path) == (method, path)


def test_names_are_unique_snake_case_and_short() -> None:
    assert len(set(ids)) == len(ids)
    for name in ids:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name)
        assert len(name) <= 64


def test_every_recipe_has_a_committed_schema_file_and_no_file_is_orphaned() -> None:
    assert set(tool_names()) == {recipe.name for recipe in RECIPES}


@pytest.mark.parametrize("tool", TOOLS, ids=ids)
def test_description_is_present_and_short(tool: ToolSpec) -> None:
    recipe = next(recipe for recipe in RECIPES if recipe.name == tool.name)
    assert tool.title
    assert recipe.description.endswith(".")
    assert len(re.findall(r"[.!?](?:\s|$)", recipe.description)) <= 3
    assert len(tool.description) <= 400
    if tool.safety == "read":
        assert "not instructions" in tool.description or "never instructions" in tool.description


@pytest.mark.parametrize("tool", TOOLS, ids=ids)
def test_schemas_are_valid_draft_2020_12_without_refs_or_top_level_combinators(tool: ToolSpec) -> None:
    Draft202012Validator.check_schema(tool.input_schema)
    assert tool.output_schema is not None
    Draft202012Validator.check_schema(tool.output_schema)
    for schema in (tool.input_schema, tool.output_schema):
        assert schema["type"] == "object"
        assert not {"anyOf", "oneOf", "allOf", "not"} & set(schema)
        text = json.dumps(schema)
        assert '"$ref"' not in text
        assert '"$defs"' not in text
        assert '"nullable"' not in text
        for node in walk(schema):
            if isinstance(node, dict) and isinstance(node.get("type"), list):
                pytest.fail(f"{tool.name}: a type list {node['type']}; nullable must be anyOf with null")


@pytest.mark.parametrize("tool", TOOLS, ids=ids)
def test_connector_fields_never_appear(tool: ToolSpec) -> None:
    assert not re.search(r'"\w+__(NS|QT)"', json.dumps(tool.input_schema))


@pytest.mark.parametrize("tool", TOOLS, ids=ids)
def test_own_arguments_match_the_safety_class(tool: ToolSpec) -> None:
    properties = tool.input_schema["properties"]
    if tool.safety == "read":
        assert {"dry_run", "confirmation_token"}.isdisjoint(properties)
        assert properties["fields"]["type"] == "array"
        assert properties["full"]["type"] == "boolean"
    else:
        assert properties["dry_run"]["type"] == "boolean"
        assert properties["confirmation_token"]["type"] == "string"
        assert {"fields", "full"}.isdisjoint(properties)
    assert not {"dry_run", "confirmation_token", "fields", "full"} & set(tool.locations)


@pytest.mark.parametrize("tool", TOOLS, ids=ids)
def test_every_zuora_argument_has_a_location(tool: ToolSpec) -> None:
    own = {"dry_run", "confirmation_token", "fields", "full"}
    assert set(tool.input_schema["properties"]) - own == set(tool.locations)


@pytest.mark.parametrize("tool", TOOLS, ids=ids)
def test_annotations_match_the_safety_class(tool: ToolSpec) -> None:
    annotations = tool_definition(tool)["annotations"]
    assert annotations == annotations_for(tool.safety)
    assert annotations["readOnlyHint"] is (tool.safety == "read")
    assert annotations["destructiveHint"] is (tool.safety == "destructive")
    assert annotations["openWorldHint"] is True


def test_annotations_for_each_class() -> None:
    flags = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
    assert [annotations_for("read")[f] for f in flags] == [True, False, True, True]
    assert [annotations_for("write")[f] for f in flags] == [False, False, False, True]
    assert [annotations_for("destructive")[f] for f in flags] == [False, True, False, True]


@pytest.mark.parametrize("tool", [t for t in TOOLS if t.safety != "read"], ids=lambda t: t.name)
def test_write_tools_answer_with_the_guard_envelope(tool: ToolSpec) -> None:
    assert tool.output_schema is not None
    assert tool.output_schema["required"] == ["status", "changed", "message"]
    assert tool.output_schema["properties"]["status"]["enum"] == list(WRITE_STATUSES)
    assert tool.output_schema["properties"]["result"]["type"] == "object"


@pytest.mark.parametrize("tool", [t for t in TOOLS if t.safety == "read"], ids=lambda t: t.name)
def test_read_outputs_allow_extra_fields(tool: ToolSpec) -> None:
    # A record with a field asked for through ``fields`` (or ``full``) still fits the output schema,
    # so a client that checks results accepts it: the default projection is not a closed set.
    from jsonschema import Draft202012Validator

    assert tool.output_schema is not None
    record = tool.output_schema
    if tool.shaping.container:
        record = record["properties"][tool.shaping.container]["items"]
    assert record.get("additionalProperties", True) is True
    extra = {"someFieldAskedFor__c": "x", "another": {"nested": [1, 2]}}
    instance = {tool.shaping.container: [extra], "nextPage": None} if tool.shaping.container else extra
    assert Draft202012Validator(tool.output_schema).is_valid(instance)


def test_tool_definition_uses_wire_names() -> None:
    definition = tool_definition(get_tool("get_invoice"))
    assert set(definition) == {"name", "title", "description", "inputSchema", "outputSchema", "annotations", "_meta"}


def test_an_unknown_tool_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        get_tool("drop_tables")


def test_validators_check_arguments_with_dates_and_limits() -> None:
    validator = validator_for("update_invoices")
    assert validator.is_valid({"invoices": [{"id": "x", "dueDate": "2024-02-01"}]})
    assert not validator.is_valid({"invoices": [{"id": "x", "dueDate": "1 Feb"}]})
    assert not validator.is_valid({"invoices": [{"id": str(n)} for n in range(51)]})
    assert not validator.is_valid({"invoices": [{"id": "x", "duDate": "2024-02-01"}]})
    assert validator_for("update_invoices") is validator


def test_batch_tools_validate_items_in_full_although_they_advertise_a_reference() -> None:
    advertised = get_tool("create_invoices").input_schema["properties"]["invoices"]["items"]
    assert "create_invoice" in advertised["description"]
    validator = validator_for("create_invoices")
    item = {
        "accountId": "a",
        "invoiceDate": "2024-01-01",
        "invoiceItems": [{"amount": 1, "serviceStartDate": "2024-01-01"}],
    }
    assert validator.is_valid({"invoices": [item]})
    assert not validator.is_valid({"invoices": [{**item, "invoiceDate": None}]})
    assert not validator.is_valid({"invoices": [{"accountId": "a"}]})


def test_request_schema_describes_only_one_location_with_spec_names() -> None:
    path = request_schema("get_account", "path")
    assert set(path["properties"]) == {"account-key"}
    query = request_schema("list_invoices", "query")
    assert "filter[]" in query["properties"]
    body = request_schema("reverse_invoice", "body")
    assert "memoDate" in body["properties"]
    assert request_schema("get_invoice", "body")["properties"] == {}
