"""The server and MCP Apps, through the SDK client: what a client with and without the extension gets.

A client without the extension gets exactly today's behaviour. The tests of what an Apps client gets
run once the server serves ``approve_write`` (issue 17, the server wiring); until then they skip and
say so.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp.client import Client
from mcp.client.extension import advertise

from zuora_mcp.apps import APP_MIME_TYPE, APPROVE_TOOL, APPROVE_TOOL_NAME, CARD_URI, EXTENSION_ID, META_KEY
from zuora_mcp.client import BillingClient
from zuora_mcp.config import load_settings
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox
from zuora_mcp.server import build_app, build_server

pytestmark = pytest.mark.anyio

SECRET_KEY = "apps-test-signing-key-0123456789abcdef"
REVERSE = {"invoiceKey": "INV00000001"}
NOT_WIRED = "the server does not serve approve_write yet (issue 17: the lead wires zuora_mcp.apps into server.py)"


@contextlib.asynccontextmanager
async def connected(*, with_apps: bool) -> AsyncIterator[tuple[Client, RunningSandbox]]:
    extensions = [advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})] if with_apps else None
    async with running_sandbox(SandboxOptions(port=0)) as sandbox:
        base = {"base_url": sandbox.base_url, "client_id": sandbox.client_id, "client_secret": sandbox.client_secret}
        settings = load_settings(base, {"ZUORA_MCP_SECRET_KEY": SECRET_KEY})
        async with BillingClient(settings) as billing:
            server = build_server(build_app(settings, billing))
            async with Client(server, mode="legacy", extensions=extensions) as client:
                yield client, sandbox


def writes(sandbox: RunningSandbox) -> int:
    routes = sandbox.counters.requests_by_route.items()
    return sum(n for route, n in routes if not route.startswith(("GET", "POST /oauth")))


async def tools_of(client: Client) -> dict[str, Any]:
    return {tool.name: tool for tool in (await client.list_tools()).tools}


async def require_wired() -> None:
    """Skip (outside any task group, so the reason survives) while the server does not serve approve_write."""
    async with connected(with_apps=True) as (client, _):
        served = APPROVE_TOOL_NAME in await tools_of(client)
    if not served:
        pytest.skip(NOT_WIRED)


async def test_a_client_without_apps_is_not_offered_approve_write_and_gets_todays_confirmation_token() -> None:
    async with connected(with_apps=False) as (client, sandbox):
        tools = await tools_of(client)
        assert APPROVE_TOOL_NAME not in tools
        result = await client.call_tool("reverse_invoice", REVERSE)
        assert result.structured_content is not None
        assert result.structured_content["status"] == "confirmation_required"
        assert result.structured_content["confirmation_token"]
        assert META_KEY not in (result.meta or {})
        assert writes(sandbox) == 0


async def test_an_apps_client_sees_write_tools_name_the_card_and_approve_write_kept_from_the_model() -> None:
    await require_wired()
    async with connected(with_apps=True) as (client, _):
        tools = await tools_of(client)
        assert (tools["reverse_invoice"].meta or {}).get("ui") == {"resourceUri": CARD_URI}
        assert (tools["get_invoice"].meta or {}).get("ui") is None
        assert tools[APPROVE_TOOL_NAME].meta == APPROVE_TOOL["_meta"]
        read = await client.read_resource(CARD_URI)
        (contents,) = read.contents
        assert contents.mime_type == APP_MIME_TYPE
        assert "<html" in getattr(contents, "text", "")


async def test_an_apps_client_gets_the_credential_only_in_the_result_meta_and_it_runs_the_write_once() -> None:
    await require_wired()
    async with connected(with_apps=True) as (client, sandbox):
        preview = await client.call_tool("reverse_invoice", REVERSE)
        model_reads = json.dumps([c.model_dump(mode="json") for c in preview.content]) + json.dumps(
            preview.structured_content
        )
        card = (preview.meta or {})[META_KEY]
        assert card["credential"] not in model_reads
        assert "confirmation_token" not in (preview.structured_content or {})

        first = await client.call_tool(APPROVE_TOOL_NAME, {"credential": card["credential"], "decision": "approve"})
        again = await client.call_tool(APPROVE_TOOL_NAME, {"credential": card["credential"], "decision": "approve"})
        assert first.structured_content is not None
        assert first.structured_content["status"] == "executed"
        assert again.is_error
        assert writes(sandbox) == 1


async def test_an_apps_client_that_declines_runs_nothing() -> None:
    await require_wired()
    async with connected(with_apps=True) as (client, sandbox):
        preview = await client.call_tool("reverse_invoice", REVERSE)
        credential = (preview.meta or {})[META_KEY]["credential"]
        declined = await client.call_tool(APPROVE_TOOL_NAME, {"credential": credential, "decision": "decline"})
        after = await client.call_tool(APPROVE_TOOL_NAME, {"credential": credential, "decision": "approve"})
        assert declined.structured_content is not None
        assert declined.structured_content["status"] == "declined"
        assert after.is_error
        assert writes(sandbox) == 0


async def test_the_card_credential_is_not_a_confirmation_token_the_model_could_pass() -> None:
    async with connected(with_apps=True) as (client, sandbox):
        preview = await client.call_tool("reverse_invoice", REVERSE)
        credential = (preview.meta or {})[META_KEY]["credential"]
        spent = await client.call_tool("reverse_invoice", {**REVERSE, "confirmation_token": credential})
    assert spent.is_error
    assert "different confirmation step" in str(spent.structured_content)
    assert writes(sandbox) == 0


async def test_a_card_credential_issued_to_one_caller_cannot_be_spent_by_another() -> None:
    from zuora_mcp.executor import Approval

    async with running_sandbox(SandboxOptions(port=0)) as sandbox:
        base = {"base_url": sandbox.base_url, "client_id": sandbox.client_id, "client_secret": sandbox.client_secret}
        settings = load_settings(base, {"ZUORA_MCP_SECRET_KEY": SECRET_KEY})
        async with BillingClient(settings) as billing:
            app = build_app(settings, billing)
            preview = await app.executor.call("reverse_invoice", REVERSE, Approval("app", principal="oauth:alice"))
            credential = preview.meta[META_KEY]["credential"]  # type: ignore[union-attr]
            by_bob = await app.executor.approve(credential, "approve", "oauth:bob")
            by_alice = await app.executor.approve(credential, "approve", "oauth:alice")
    assert by_bob.is_error
    assert "issued to another caller" in by_bob.text
    assert by_alice.structured["status"] == "executed"
    assert writes(sandbox) == 1
