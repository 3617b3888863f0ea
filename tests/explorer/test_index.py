"""The committed operation index: fresh against the spec, valid schemas, built by schemas build, read lazily."""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.derive.conftest import tiny_document
from tests.explorer.conftest import SPEC, needs_spec
from zuora_mcp.cli import main
from zuora_mcp.derive import Spec
from zuora_mcp.derive.index import (
    build_index,
    check_index,
    preconditions_of,
    read_index,
    render_index,
    write_index,
)
from zuora_mcp.explorer.index import IndexUnavailable, load_index, read
from zuora_mcp.providers.zuora import INDEX_FILE


def test_every_operations_input_schema_is_valid_draft_2020_12() -> None:
    metaschema = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    operations = load_index(INDEX_FILE).operations
    assert len(operations) == 714  # the spec's 711 and the 3 CRUD invoice operations of the supplement
    for operation in operations.values():
        errors = list(metaschema.iter_errors(dict(operation.input_schema)))
        assert not errors, (operation.operation_id, errors[0].message)
        assert operation.input_schema["type"] == "object"
        assert "$ref" not in json.dumps(operation.input_schema)


def test_every_argument_has_a_location() -> None:
    for operation in load_index(INDEX_FILE).operations.values():
        arguments = set(operation.input_schema.get("properties") or {})
        assert arguments == set(operation.locations), operation.operation_id


@needs_spec
def test_the_committed_index_is_fresh() -> None:
    from zuora_mcp.derive import load_spec
    from zuora_mcp.derive.spec import with_supplement
    from zuora_mcp.providers import get_provider

    supplement = get_provider("zuora").spec_supplement
    assert supplement is not None
    assert check_index(with_supplement(load_spec(SPEC), supplement), INDEX_FILE) == []


def test_the_index_holds_no_full_spec_text() -> None:
    size = INDEX_FILE.stat().st_size
    assert size < 250_000
    text = gzip.decompress(INDEX_FILE.read_bytes()).decode()
    assert "knowledgecenter.zuora.com" not in text


def test_build_writes_and_check_reports_a_stale_operation(tmp_path: Path) -> None:
    document = tiny_document()
    path = tmp_path / "operations.json.gz"
    assert write_index(Spec(document), path) is True
    assert write_index(Spec(document), path) is False
    assert check_index(Spec(document), path) == []
    document["paths"]["/v1/things"]["get"]["summary"] = "List every thing"
    assert check_index(Spec(document), path) == ["GET_Things: differs (summary)"]
    assert check_index(Spec(document), tmp_path / "none.gz") == [f"{tmp_path / 'none.gz'} is missing or unreadable"]


def test_the_same_content_gives_the_same_bytes() -> None:
    content = build_index(Spec(tiny_document()))
    assert render_index(content) == render_index(json.loads(json.dumps(content)))


@needs_spec
def test_schemas_build_and_check_cover_the_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "build", "--spec", str(SPEC), "--out", str(tmp_path)]) == 0
    index = tmp_path / "operations.json.gz"
    assert read(index).operations.keys() == load_index(INDEX_FILE).operations.keys()
    assert main(["schemas", "check", "--spec", str(SPEC), "--out", str(tmp_path)]) == 0
    content = read_index(index)
    assert content is not None
    content["operations"]["GET_Refund"]["path"] = "/v1/refunds/{id}"
    index.write_bytes(render_index(content))
    capsys.readouterr()
    assert main(["schemas", "check", "--spec", str(SPEC), "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "GET_Refund: differs (path)" in captured.out
    assert "operations.json.gz" in captured.err


def test_a_missing_index_is_a_plain_error(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailable, match="schemas build"):
        read(tmp_path / "missing.json.gz")


def test_preconditions_are_the_restricting_sentences() -> None:
    text = (
        "**Note:** This operation is only available if you have [Invoice Settlement](https://x.test) enabled. "
        "The Invoice Settlement feature is generally available as of Zuora Billing Release 296. "
        "Cancels a credit memo. Only credit memos with the Draft status can be cancelled."
    )
    assert preconditions_of(text) == [
        "This operation is only available if you have Invoice Settlement enabled.",
        "Only credit memos with the Draft status can be cancelled.",
    ]


def test_an_index_of_another_format_asks_for_a_rebuild(tmp_path: Path) -> None:
    path = tmp_path / "operations.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"format": 1, "operations": {}}).encode()))
    with pytest.raises(IndexUnavailable, match="schemas build"):
        read(path)


def test_a_damaged_detail_is_a_plain_error_when_the_operation_is_described(tmp_path: Path) -> None:
    path = tmp_path / "operations.json.gz"
    whole = render_index(build_index(Spec(tiny_document())))
    path.write_bytes(whole[:-20])  # the second member (the operations' detail) loses its end
    operation = next(iter(read(path).operations.values()))
    assert operation.path.startswith("/")  # what a search needs is in the first member, intact
    with pytest.raises(IndexUnavailable, match="damaged"):
        _ = operation.input_schema


def test_the_crud_invoice_operations_of_seed_000_are_reachable_and_point_to_the_rest_tools() -> None:
    index = load_index(INDEX_FILE)
    routes = {name: (index.get(name).method, index.get(name).path) for name in CRUD}  # type: ignore[union-attr]
    assert routes == {
        "Object_GETInvoice": ("GET", "/v1/object/invoice/{id}"),
        "Object_PUTInvoice": ("PUT", "/v1/object/invoice/{id}"),
        "Object_DELETEInvoice": ("DELETE", "/v1/object/invoice/{id}"),
    }
    put = index.get("Object_PUTInvoice")
    assert put is not None
    assert put.safety == "write"
    assert put.input_schema["properties"]["body"]["type"] == "object"  # the seed names the model, not its fields
    delete = index.get("Object_DELETEInvoice")
    assert delete is not None
    assert delete.safety == "destructive"


def test_a_supplement_can_add_operations_but_never_change_the_specs() -> None:
    from zuora_mcp.derive.spec import Spec, SpecError, with_supplement

    spec = Spec({"openapi": "3.0.0", "paths": {"/v1/x": {"get": {"operationId": "GET_X", "responses": {}}}}})
    clash = Path(tempfile.mkdtemp()) / "supplement.json"
    clash.write_text(json.dumps({"openapi": "3.0.0", "paths": {"/v1/y": {"get": {"operationId": "GET_X"}}}}))
    with pytest.raises(SpecError, match="GET_X"):
        with_supplement(spec, clash)


CRUD = ("Object_GETInvoice", "Object_PUTInvoice", "Object_DELETEInvoice")
