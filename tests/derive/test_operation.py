from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from zuora_mcp.derive import DeriveOptions, Spec, SpecError, derive_operation, input_name
from zuora_mcp.derive.schema import short_text


def derive(document: dict[str, Any], **options: Any) -> Any:
    return derive_operation(Spec(document), "PUT_Thing", DeriveOptions(**options))


def test_input_is_one_flat_object_of_path_query_and_body_fields(document: dict[str, Any]) -> None:
    derived = derive(document)
    assert derived.input_schema["type"] == "object"
    assert set(derived.input_schema["properties"]) == {
        "thingKey",
        "pageSize",
        "noise",
        "memoDate",
        "comment",
        "count",
        "flag",
        "kind",
        "items",
    }
    assert derived.locations["thingKey"] == "path"
    assert derived.locations["pageSize"] == "query"
    assert derived.locations["memoDate"] == "body"
    assert derived.input_schema["required"] == ["thingKey", "memoDate"]


def test_parameter_names_that_are_not_identifiers_are_camel_cased_and_remembered(document: dict[str, Any]) -> None:
    derived = derive(document)
    assert derived.wire_names == {"thingKey": "thing-key"}
    assert derived.request["path"] is not None
    assert list(derived.request["path"]["properties"]) == ["thing-key"]
    assert input_name("filter[]") == "filter"


def test_headers_never_become_arguments(document: dict[str, Any]) -> None:
    text = json.dumps(derive(document).input_schema)
    for header in ("Zuora-Track-Id", "Idempotency-Key", "If-Match", "idempotencyKey", "zuoraTrackId"):
        assert header not in text


def test_only_the_query_parameters_asked_for_are_exposed(document: dict[str, Any]) -> None:
    derived = derive(document, query=("pageSize",))
    assert "noise" not in derived.input_schema["properties"]
    assert derived.input_schema["properties"]["pageSize"] == {"type": "integer", "maximum": 40}


def test_connector_fields_are_dropped_and_reported(document: dict[str, Any]) -> None:
    derived = derive(document)
    text = json.dumps(derived.input_schema)
    assert "__NS" not in text
    assert "__QT" not in text
    assert derived.dropped == ("IntegrationId__NS", "Region__QT", "Sync__NS")


def test_custom_fields_are_allowed_by_pattern_while_other_unknown_fields_are_refused(document: dict[str, Any]) -> None:
    schema = derive(document).input_schema
    validator = Draft202012Validator(schema)
    base = {"thingKey": "T-1", "memoDate": "2024-01-01"}
    assert validator.is_valid({**base, "Region__c": "EMEA"})
    assert not validator.is_valid({**base, "memoDaet": "2024-01-01"})
    assert not validator.is_valid({**base, "IntegrationId__NS": "x"})


def test_all_of_is_merged_and_nullable_becomes_any_of_with_null(document: dict[str, Any]) -> None:
    properties = derive(document).input_schema["properties"]
    assert properties["comment"] == {"anyOf": [{"type": "string", "maxLength": 255}, {"type": "null"}]}
    assert "allOf" not in json.dumps(properties)


def test_a_reference_cycle_is_cut_to_any_object(document: dict[str, Any]) -> None:
    node = derive(document).input_schema["properties"]["items"]["items"]
    assert node["properties"]["child"] == {"type": "object"}  # Node inside Node
    assert node["required"] == ["amount"]
    assert node["properties"]["amount"] == {"type": "number"}  # numeric formats say nothing


def test_no_ref_defs_or_openapi_keywords_remain(document: dict[str, Any]) -> None:
    text = json.dumps(derive(document).input_schema)
    for keyword in ('"$ref"', '"$defs"', '"nullable"', '"readOnly"', '"example"'):
        assert keyword not in text


def test_constraints_are_translated_to_draft_2020_12(document: dict[str, Any]) -> None:
    properties = derive(document).input_schema["properties"]
    assert properties["count"] == {"type": "integer", "exclusiveMinimum": 0}
    assert properties["flag"] == {"type": "boolean", "default": False}
    assert properties["kind"] == {"type": "string", "enum": ["A", "B"]}  # repeated value and bad default gone
    assert properties["items"]["maxItems"] == 1000
    assert "id" not in properties  # read-only fields are not inputs


def test_every_derived_schema_is_valid_draft_2020_12(document: dict[str, Any]) -> None:
    derived = derive(document)
    Draft202012Validator.check_schema(derived.input_schema)
    assert derived.output_schema is not None
    Draft202012Validator.check_schema(derived.output_schema)


def test_output_schema_drops_write_only_fields(document: dict[str, Any]) -> None:
    output = derive(document).output_schema
    assert output is not None
    assert "secret" not in output["properties"]
    assert "additionalProperties" not in output  # outputs are never made strict


def test_field_descriptions_are_short_and_free_of_markdown(document: dict[str, Any]) -> None:
    properties = derive(document, descriptions=True).input_schema["properties"]
    assert properties["memoDate"]["description"] == "The memo date."
    assert short_text("**Note:** Only with X. Retrieves a [thing](https://x.test). Details.") == "Retrieves a thing."


def test_notes_limits_and_omissions_apply_at_dotted_paths(document: dict[str, Any]) -> None:
    derived = derive(
        document,
        notes={"items.amount": "Amount to credit."},
        limits={"items": {"maxItems": 50}},
        omit=frozenset({"comment", "items.child"}),
    )
    properties = derived.input_schema["properties"]
    assert "comment" not in properties
    assert properties["items"]["maxItems"] == 50
    assert properties["items"]["items"]["properties"]["amount"]["description"] == "Amount to credit."
    assert "child" not in properties["items"]["items"]["properties"]
    assert derived.omitted == ("comment", "items.child")


def test_a_note_on_a_missing_field_is_an_error(document: dict[str, Any]) -> None:
    with pytest.raises(SpecError):
        derive(document, notes={"nope": "x"})


def test_a_body_field_named_like_a_path_parameter_is_prefixed(document: dict[str, Any]) -> None:
    body = document["components"]["schemas"]["ThingRequest"]["allOf"][0]["properties"]
    body["thingKey"] = {"type": "string"}
    derived = derive(document)
    assert derived.locations["bodyThingKey"] == "body"
    assert derived.wire_names["bodyThingKey"] == "thingKey"


def test_an_unknown_operation_is_an_error(document: dict[str, Any]) -> None:
    with pytest.raises(SpecError):
        derive_operation(Spec(document), "nope")
