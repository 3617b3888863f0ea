"""Each preflight rule refuses before anything is sent to Zoho; the attachment's file checks before any read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
import pytest

from tests.zoho.cases import PDF, REFUSALS, attachment, inv
from tests.zoho.conftest import connected, snapshot, writes_sent
from zuora_mcp.preflight import PreflightReport
from zuora_mcp.providers.zoho.preflight import PREFLIGHTS
from zuora_mcp.providers.zoho.preflight_files import MAX_BYTES, attach_file_to_invoice
from zuora_mcp.providers.zoho.recipes import RECIPES
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def test_every_write_tool_has_a_preflight_and_every_preflight_a_tool() -> None:
    writes = {recipe.name for recipe in RECIPES if recipe.safety != "read"}
    assert set(PREFLIGHTS) == writes
    assert len(writes) == 16


@pytest.mark.parametrize(
    ("tool", "arguments", "words"), REFUSALS, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(REFUSALS)]
)
async def test_a_write_zoho_would_refuse_is_refused_before_anything_is_sent(
    tool: str, arguments: dict[str, Any], words: str, zoho: RunningZohoSandbox
) -> None:
    with anyio.fail_after(10):
        async with connected(zoho, mode="auto") as h:
            before = snapshot(zoho)
            result = await h.call(tool, arguments)
    content = result.structured_content
    assert content["status"] == "refused", content["message"]
    assert result.is_error
    assert words in result.content[0].text, result.content[0].text
    assert "Nothing was changed." in content["message"]
    assert writes_sent(zoho) == 0
    assert snapshot(zoho) == before


class CountingReader:
    """A Reader that answers one invoice and counts reads."""

    def __init__(self) -> None:
        self.reads: list[str] = []

    async def read(
        self, path: str, path_params: Mapping[str, str] | None = None, query: Mapping[str, Any] | None = None
    ) -> Any:
        self.reads.append(path)
        return {"invoice": {"invoice_id": inv(1), "number": "INV-000001", "customer_name": "Bowman", "status": "sent"}}


async def _nothing(message: str) -> None:
    return None


async def _attach(file: Any, reader: CountingReader) -> PreflightReport:
    return await attach_file_to_invoice({"invoice_id": inv(1), "attachment": file}, reader, _nothing)


@pytest.mark.parametrize(
    ("file", "failed"),
    [
        (attachment(b"MZ\x90\x00 not a pdf"), "The bytes are what the name says"),
        (attachment(PNG, "scan.pdf", "application/pdf"), "The bytes are what the name says"),
        (attachment(PNG, "scan.png", "application/pdf"), "The media type fits the name"),
        (attachment(PDF, "tool.exe", "application/octet-stream"), "The file type is allowed"),
        (attachment(b"%PDF-" + b"0" * MAX_BYTES), "The file is at most 5 MB"),
        ({"file_name": "a.pdf", "media_type": "application/pdf", "content_base64": "%%%"}, "The content is base64"),
        ("JVBERi0=", "The file is {file_name, media_type, content_base64}"),
    ],
    ids=["executable-as-pdf", "png-named-pdf", "wrong-media-type", "exe", "over-5-MB", "not-base64", "bare-string"],
)
async def test_a_file_that_is_not_what_it_claims_is_refused_before_any_read(file: Any, failed: str) -> None:
    reader = CountingReader()
    report = await _attach(file, reader)
    assert not report.ok
    assert failed in [check.check for check in report.failures()]
    assert reader.reads == []


@pytest.mark.parametrize(
    ("content", "name", "media_type"),
    [
        (PDF, "po.pdf", "application/pdf"),
        (PNG, "scan.png", "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 8, "photo.JPG", "image/jpeg"),
        (b"GIF89a" + b"\x00" * 8, "a.gif", "image/gif"),
        (b"BM" + b"\x00" * 8, "a.bmp", "image/bmp"),
    ],
)
async def test_a_true_file_passes_and_the_preview_names_it_with_its_hash(
    content: bytes, name: str, media_type: str
) -> None:
    reader = CountingReader()
    report = await _attach(attachment(content, name, media_type), reader)
    assert report.ok, report.failures()
    assert reader.reads == ["/invoices/{invoice_id}"]
    assert f'"{name}" ({media_type}' in report.effect
    assert "INV-000001" in report.effect
    assert report.fingerprint
