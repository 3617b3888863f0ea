from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from zuora_mcp.catalog.recipe import Recipe, Shaping
from zuora_mcp.cli import main
from zuora_mcp.derive import Spec, SpecError, load_spec
from zuora_mcp.derive.build import build_tool_file, check, write

REAL_SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "zuora-openapi-2025-12-12-described.json"

RECIPES = (
    Recipe(
        name="update_thing",
        title="Update thing",
        description="Update a thing.",
        operation_id="PUT_Thing",
        safety="write",
        shaping=Shaping(fields=("id", "number")),
        limits={"items": {"maxItems": 50}},
    ),
    Recipe(
        name="list_things",
        title="List things",
        description="List things.",
        operation_id="GET_Things",
        safety="read",
        shaping=Shaping(fields=("id", "thingDate"), container="things", pagination="page"),
        query=("page",),
    ),
)


def test_build_writes_one_sorted_file_per_tool_with_a_trailing_newline(
    document: dict[str, Any], tmp_path: Path
) -> None:
    changed = write(Spec(document), RECIPES, tmp_path, vendor_key="zuora")
    assert changed == ["list_things.json", "update_thing.json"]
    text = (tmp_path / "update_thing.json").read_text()
    assert text.endswith("}\n")
    content = json.loads(text)
    assert text == json.dumps(content, indent=2, sort_keys=True) + "\n"
    assert content["operation"] == {"operationId": "PUT_Thing", "method": "PUT", "path": "/v1/things/{thing-key}"}
    assert content["input"]["properties"]["dry_run"]["type"] == "boolean"
    assert "confirmation_token" in content["input"]["properties"]
    assert content["output"]["properties"]["result"]["properties"] == {
        "id": {"type": "string"},
        "number": {"type": "string"},
    }


def test_a_second_build_changes_nothing(document: dict[str, Any], tmp_path: Path) -> None:
    write(Spec(document), RECIPES, tmp_path, vendor_key="zuora")
    assert write(Spec(document), RECIPES, tmp_path, vendor_key="zuora") == []


def test_check_passes_on_fresh_files(document: dict[str, Any], tmp_path: Path) -> None:
    write(Spec(document), RECIPES, tmp_path, vendor_key="zuora")
    assert check(Spec(document), RECIPES, tmp_path, vendor_key="zuora") == []


def test_check_reports_a_stale_file_with_a_diff(document: dict[str, Any], tmp_path: Path) -> None:
    spec = Spec(document)
    write(spec, RECIPES, tmp_path, vendor_key="zuora")
    document["components"]["schemas"]["Node"]["properties"]["amount"]["maximum"] = 10
    differences = check(Spec(document), RECIPES, tmp_path, vendor_key="zuora")
    assert [d.name for d in differences] == ["update_thing.json"]
    assert '+              "maximum": 10,' in differences[0].diff
    assert differences[0].diff.startswith("--- committed/update_thing.json\n+++ derived/update_thing.json\n")


def test_check_reports_missing_and_unwanted_files(document: dict[str, Any], tmp_path: Path) -> None:
    write(Spec(document), RECIPES, tmp_path, vendor_key="zuora")
    (tmp_path / "list_things.json").unlink()
    (tmp_path / "old_tool.json").write_text("{}\n")
    names = [d.name for d in check(Spec(document), RECIPES, tmp_path, vendor_key="zuora")]
    assert names == ["list_things.json", "old_tool.json"]


def test_read_tools_output_describes_the_projection_and_next_page(document: dict[str, Any]) -> None:
    content = build_tool_file(Spec(document), RECIPES[1], vendor_key="zuora")
    output = content["output"]
    record = output["properties"]["things"]["items"]
    # The default projection; more fields (``fields``/``full``) fit by JSON Schema's default.
    assert record == {
        "type": "object",
        "properties": {"id": {"type": "string"}, "thingDate": {"type": "string", "format": "date"}},
    }
    assert output["properties"]["nextPage"] == {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert set(content["input"]["properties"]) == {"page", "fields", "full"}


def test_a_projection_field_missing_from_the_response_is_an_error(document: dict[str, Any]) -> None:
    recipe = Recipe(
        name="x", title="X", description="X.", operation_id="GET_Things", safety="read", shaping=Shaping(("nope",))
    )
    with pytest.raises(SpecError, match="nope"):
        build_tool_file(Spec(document), recipe, vendor_key="zuora")


def test_yaml_and_json_editions_load_the_same(document: dict[str, Any], tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    document["info"]["version"] = "2025-12-12"
    (tmp_path / "spec.json").write_text(json.dumps(document))
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(document).replace("'2025-12-12'", "2025-12-12"))
    from_json = load_spec(tmp_path / "spec.json")
    from_yaml = load_spec(tmp_path / "spec.yaml")
    assert from_yaml.document == from_json.document
    assert from_yaml.version == "2025-12-12"


def test_a_document_that_is_not_openapi_3_is_refused(tmp_path: Path) -> None:
    (tmp_path / "spec.json").write_text('{"swagger": "2.0"}')
    with pytest.raises(SpecError, match="OpenAPI 3"):
        load_spec(tmp_path / "spec.json")


@pytest.mark.skipif(not REAL_SPEC.is_file(), reason="Zuora's spec is not beside the repo")
def test_schemas_check_against_the_real_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = str(REAL_SPEC)
    assert main(["schemas", "build", "--spec", spec, "--out", str(tmp_path)]) == 0
    assert main(["schemas", "check", "--spec", spec, "--out", str(tmp_path)]) == 0
    target = tmp_path / "reverse_invoice.json"
    target.write_text(target.read_text().replace('"memoDate"', '"memoDay"', 1))
    capsys.readouterr()
    assert main(["schemas", "check", "--spec", spec, "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "+++ derived/reverse_invoice.json" in captured.out
    assert "reverse_invoice.json" in captured.err


@pytest.mark.skipif(not REAL_SPEC.is_file(), reason="Zuora's spec is not beside the repo")
def test_committed_schemas_are_fresh() -> None:
    assert main(["schemas", "check", "--spec", str(REAL_SPEC)]) == 0


@pytest.mark.skipif(not REAL_SPEC.is_file(), reason="Zuora's spec is not beside the repo")
def test_every_operation_in_the_real_spec_derives_without_refs_or_openapi_keywords() -> None:
    from jsonschema import Draft202012Validator

    from zuora_mcp.derive import derive_operation

    spec = load_spec(REAL_SPEC)
    operations = list(spec.operations())
    assert len(operations) == 711
    metaschema = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    for index, operation in enumerate(operations):
        derived = derive_operation(spec, operation.operation_id)
        text = json.dumps([derived.input_schema, derived.output_schema])
        for keyword in ('"$ref"', '"nullable"', '"allOf"', '"readOnly"', '"discriminator"'):
            assert keyword not in text, (operation.operation_id, keyword)
        # The metaschema check is slow (about 6 ms per schema); every fifth operation keeps it quick.
        if index % 5 == 0:
            metaschema.validate(derived.input_schema)


def test_a_missing_spec_file_exits_with_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "check", "--spec", str(tmp_path / "none.json"), "--out", str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err
