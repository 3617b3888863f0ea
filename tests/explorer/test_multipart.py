"""call_operation sends multipart operations as forms: files go in as base64 arguments, previews name them."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests.explorer.conftest import connected, sent
from zuora_mcp.explorer.index import load_index
from zuora_mcp.explorer.operation import OperationCall
from zuora_mcp.providers.zuora import INDEX_FILE
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

pytestmark = pytest.mark.anyio

CSV = b"ACCOUNT_ID,UOM,QTY,STARTDATE\nA00000001,Each,3,11/01/2026\n"
USAGE = {
    "operation_id": "POST_Usage",
    "arguments": {
        "file": {"file_name": "usage.csv", "media_type": "text/csv", "content_base64": base64.b64encode(CSV).decode()}
    },
}


def test_every_multipart_operation_of_the_spec_takes_its_files_as_file_arguments() -> None:
    index = load_index(INDEX_FILE)
    multipart = [op for op in index.operations.values() if op.multipart]
    assert len(multipart) == 17
    for op in multipart:
        for part in op.file_parts:
            schema = op.input_schema["properties"][part]
            assert set(schema["required"]) == {"file_name", "media_type", "content_base64"}, op.operation_id


def test_a_usage_upload_plans_a_form_with_the_file_and_no_base64_left_in_the_body() -> None:
    operation = load_index(INDEX_FILE).get("POST_Usage")
    assert operation is not None
    plan = OperationCall(operation).plan(USAGE)
    assert plan.multipart
    assert [(part.field, part.file_name, part.media_type, part.content) for part in plan.files] == [
        ("file", "usage.csv", "text/csv", CSV)
    ]
    assert "content_base64" not in str(plan.body)


async def test_describe_shows_the_file_part_and_a_dry_run_names_it_by_size_and_sha256(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        described = await h.call("describe_operation", {"operation_id": "POST_Usage"})
        preview = await h.call("call_operation", {**USAGE, "dry_run": True})
    assert "content_base64" in str(described.structured_content)
    body = preview.structured_content["preview"]["request"]["body"]
    assert body["file"] == {
        "file_name": "usage.csv",
        "media_type": "text/csv",
        "size": len(CSV),
        "sha256": hashlib.sha256(CSV).hexdigest(),
    }
    assert sent(sandbox, "POST /v1/usage") == 0


async def test_a_file_that_is_not_base64_is_refused_before_anything_is_sent(sandbox: RunningSandbox) -> None:
    bad = {
        "operation_id": "POST_Usage",
        "arguments": {"file": {"file_name": "u.csv", "media_type": "text/csv", "content_base64": "%%"}},
    }
    async with connected(sandbox, mode="auto") as h:
        result = await h.call("call_operation", bad)
    assert result.is_error
    assert "not valid base64" in str(result.structured_content)
    assert sent(sandbox, "POST /v1/usage") == 0
