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


async def test_upload_then_list_then_read_the_same_bytes_back_as_a_resource(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as harness:
        preview = await harness.call("upload_invoice_file", {"invoiceKey": "INV00000001", "file": file_argument(PDF)})
        token = preview.structured_content["confirmation_token"]
        done = await harness.call(
            "upload_invoice_file",
            {"invoiceKey": "INV00000001", "file": file_argument(PDF), "confirmation_token": token},
        )
        assert done.structured_content["status"] == "executed", done.content
        file_id = done.structured_content["result"]["fileId"]
        listed = await harness.call("list_invoice_files", {"invoiceKey": "INV00000001"})
        newest = listed.structured_content["invoiceFiles"][0]
        assert newest["id"] == file_id
        read = await harness.client.read_resource(newest["resource"])
    (content,) = read.contents
    assert content.mime_type == "application/pdf"
    assert base64.b64decode(getattr(content, "blob", "")) == PDF
    assert writes_sent(sandbox) == 1


async def test_a_seeded_file_reads_as_a_real_pdf(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as harness:
        listed = await harness.call("list_invoice_files", {"invoiceKey": "INV00000001"})
        uri = listed.structured_content["invoiceFiles"][0]["resource"]
        read = await harness.client.read_resource(uri)
    assert uri.startswith("zuora://invoices/INV00000001/files/")
    assert base64.b64decode(getattr(read.contents[0], "blob", "")).startswith(b"%PDF-1.4")


async def test_the_tenant_refuses_a_fifty_first_file_as_zuora_does(sandbox: RunningSandbox) -> None:
    invoice = sandbox.tenant.invoice("INV00000001")
    from zuora_mcp.providers.zuora.sandbox.models import InvoiceFile

    invoice.files.extend(InvoiceFile(f"f{i:030d}", 10 + i) for i in range(50 - len(invoice.files)))
    async with connected(sandbox, mode="auto") as harness:
        refused = await harness.call("upload_invoice_file", {"invoiceKey": "INV00000001", "file": file_argument(PDF)})
    assert refused.is_error
    assert "fewer than 50 files" in str(refused.content)
    assert writes_sent(sandbox) == 0
