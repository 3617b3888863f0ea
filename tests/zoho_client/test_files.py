"""Invoice PDFs as MCP resources: read through the server with the organisation's credentials."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from mcp.client import Client
from mcp.shared.exceptions import MCPError

from tests.zoho_client.test_dialect import settings_for
from zuora_mcp.client import BillingClient
from zuora_mcp.providers.zoho.files import INVOICE_PDF
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, ZohoSandboxOptions, invoice_id, running_sandbox
from zuora_mcp.server import ServerApp, build_app, build_server

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def zoho() -> AsyncIterator[RunningZohoSandbox]:
    async with running_sandbox(ZohoSandboxOptions(port=0)) as sandbox:
        yield sandbox


async def _app(zoho: RunningZohoSandbox, client: BillingClient) -> ServerApp:
    return build_app(settings_for(zoho), client)


async def test_the_invoice_pdf_template_is_listed_and_reads_a_real_pdf(zoho: RunningZohoSandbox) -> None:
    async with BillingClient(settings_for(zoho)) as billing:
        app = await _app(zoho, billing)
        async with Client(build_server(app), mode="legacy") as client:
            templates = await client.list_resource_templates()
            uri = f"zoho://invoices/{invoice_id(1)}/pdf"
            read = await client.read_resource(uri)
    assert [t.uri_template for t in templates.resource_templates] == ["zoho://invoices/{invoice_id}/pdf"]
    (content,) = read.contents
    assert content.mime_type == "application/pdf"
    data = base64.b64decode(getattr(content, "blob", ""))
    assert data.startswith(b"%PDF-")
    assert zoho.client_secret.encode() not in data


async def test_an_unknown_uri_and_an_unknown_invoice_are_errors_that_say_so(zoho: RunningZohoSandbox) -> None:
    async with BillingClient(settings_for(zoho)) as billing:
        app = await _app(zoho, billing)
        async with Client(build_server(app), mode="legacy") as client:
            with pytest.raises(MCPError) as unknown:
                await client.read_resource("zoho://customers/1/photo")
            with pytest.raises(MCPError) as missing:
                await client.read_resource("zoho://invoices/999999999999999/pdf")
            with pytest.raises(MCPError) as hostile:
                await client.read_resource("zoho://invoices/..%2F..%2Fsettings/pdf")
    assert "No file is served at" in str(unknown.value)
    assert "could not be read" in str(missing.value)
    assert "invoice_id" in str(hostile.value)


async def test_a_file_above_the_limit_is_refused_with_its_size(zoho: RunningZohoSandbox) -> None:
    async with BillingClient(settings_for(zoho)) as billing:
        app = await _app(zoho, billing)
        app.provider = replace(app.provider, resources=(replace(INVOICE_PDF, max_bytes=64),))
        async with Client(build_server(app), mode="legacy") as client:
            with pytest.raises(MCPError) as caught:
                await client.read_resource(f"zoho://invoices/{invoice_id(1)}/pdf")
    assert "above the 64 bytes limit" in str(caught.value)
    assert "nothing was returned" in str(caught.value)
