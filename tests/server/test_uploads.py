"""upload_invoice_file: a file is checked and previewed (name, size, SHA-256) before anything is sent."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests.server.conftest import connected, writes_sent
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

pytestmark = pytest.mark.anyio

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def file_argument(content: bytes, name: str = "external.pdf", media_type: str = "application/pdf") -> dict[str, str]:
    return {"file_name": name, "media_type": media_type, "content_base64": base64.b64encode(content).decode()}


async def test_a_dry_run_names_the_file_by_name_size_and_sha256_and_sends_nothing(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as harness:
        result = await harness.call(
            "upload_invoice_file", {"invoiceKey": "INV00000001", "file": file_argument(PDF), "dry_run": True}
        )
    content = result.structured_content
    assert content["status"] == "preview", result.content
    assert f'"external.pdf" (application/pdf, {len(PDF)} bytes, sha256 ' in content["preview"]["effect"]
    body = content["preview"]["request"]["body"]
    assert body["file"] == {
        "file_name": "external.pdf",
        "media_type": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
    }
    assert "content_base64" not in str(content["preview"])
    assert writes_sent(sandbox) == 0


@pytest.mark.parametrize(
    ("file", "failed"),
    [
        (file_argument(b"MZ\x90\x00 not a pdf"), "The bytes are what the name says"),
        (file_argument(PDF, name="invoice.png", media_type="image/png"), "The file type is allowed"),
        (file_argument(PDF, media_type="image/png"), "The media type fits the name"),
        (file_argument(b"%PDF-" + b"0" * (4 * 1024 * 1024)), "The file is at most 4 MB"),
        ({"file_name": "x.pdf", "media_type": "application/pdf", "content_base64": "not base64!"}, "base64"),
    ],
    ids=["not-a-pdf", "not-a-pdf-name", "mislabelled", "too-big", "not-base64"],
)
async def test_a_file_that_is_not_what_it_claims_is_refused_before_anything_is_sent(
    sandbox: RunningSandbox, file: dict[str, str], failed: str
) -> None:
    async with connected(sandbox) as harness:
        result = await harness.call("upload_invoice_file", {"invoiceKey": "INV00000001", "file": file})
    assert result.is_error
    message = result.structured_content["message"]
    assert "Nothing was changed" in message or "nothing was sent" in message
    assert failed in message or failed in str(result.content)
    assert writes_sent(sandbox) == 0


async def test_an_invoice_that_is_neither_draft_nor_posted_takes_no_file(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as harness:
        result = await harness.call("upload_invoice_file", {"invoiceKey": "INV00000009", "file": file_argument(PDF)})
    assert result.is_error
    assert "Invoice is Draft or Posted" in str(result.content)
    assert writes_sent(sandbox) == 0
