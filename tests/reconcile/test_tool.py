"""``list_unsettled_writes`` through the MCP SDK's own client, on the real server and the Zuora sandbox.

Until the server registers the tool, a test-only server wraps the real app: tools/list is the app's
list plus :data:`zuora_mcp.reconcile_tool.DEFINITION`, and tools/call goes to the module for that
name and to the app's executor for every other.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
import mcp.types as types
import pytest
from mcp.client import Client
from mcp.server import Server, ServerRequestContext

from tests.reconcile.conftest import Tenant, tenant
from zuora_mcp import reconcile_tool
from zuora_mcp.guard import AskPerson
from zuora_mcp.providers.zuora.sandbox import RunningSandbox
from zuora_mcp.server import ServerApp, build_app

pytestmark = pytest.mark.anyio


def server_with_tool(app: ServerApp) -> Server[Any]:
    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[*app.listed_tools, types.Tool.model_validate(reconcile_tool.DEFINITION)])

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        if params.name == reconcile_tool.NAME:
            outcome = await reconcile_tool.call(app.executor.guard, app.client, app.provider, params.arguments)
        else:
            answer = await app.executor.call(params.name, params.arguments)
            assert not isinstance(answer, AskPerson)
            outcome = answer
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=outcome.text)],
            structured_content=outcome.structured,
            is_error=outcome.is_error,
        )

    return Server("zuora-mcp-test", on_list_tools=list_tools, on_call_tool=call_tool)


@contextlib.asynccontextmanager
async def connected(t: Tenant) -> AsyncIterator[Client]:
    app = build_app(t.settings, t.client, ledger=t.ledger)
    async with Client(server_with_tool(app)) as client:
        yield client


async def call(client: Client, name: str, arguments: dict[str, Any]) -> Any:
    with anyio.fail_after(30):
        return await client.call_tool(name, arguments)


async def test_the_tool_is_listed_as_a_read_with_one_boolean_argument(
    zuora: RunningSandbox, sqlite_location: str
) -> None:
    async with tenant(zuora, sqlite_location) as t, connected(t) as client:
        with anyio.fail_after(30):
            listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    tool = listed[reconcile_tool.NAME]
    assert tool.annotations is not None
    assert tool.annotations.read_only_hint is True
    assert tool.annotations.destructive_hint is False
    assert tool.input_schema["properties"]["settle"]["type"] == "boolean"
    assert "never changes anything in the billing system" in (tool.description or "")


async def test_an_agent_lists_a_lost_write_with_its_read_then_settles_it_without_writing_to_zuora(
    zuora: RunningSandbox, sqlite_location: str
) -> None:
    async with tenant(zuora, sqlite_location) as t, connected(t) as client:
        zuora.faults.once("drop_after_commit", "PUT", "/v1/invoices/*/reverse")
        lost = await call(client, "reverse_invoice", {"invoiceKey": "INV00000001"})
        assert lost.structured_content["status"] == "outcome_unknown"
        head = await t.ledger.head()

        listed = await call(client, reconcile_tool.NAME, {})

        assert listed.is_error is False
        assert listed.structured_content["status"] == "listed"
        [write] = listed.structured_content["writes"]
        assert write["tool"] == "reverse_invoice"
        assert write["last"] == "outcome_unknown"
        assert write["settle_read"] == "get_invoice(invoiceKey='INV00000001')"
        assert await t.ledger.head() == head  # listing records nothing

        settled = await call(client, reconcile_tool.NAME, {"settle": True})

        assert settled.structured_content["status"] == "settled"
        assert settled.structured_content["changed"] is False
        assert settled.structured_content["recorded"] == 1
        assert settled.structured_content["writes"][0]["verdict"] == "executed"
        assert "Nothing was changed in Zuora" in settled.content[0].text
        assert zuora.counters.writes_applied == 1  # the reversal only
        after = await call(client, reconcile_tool.NAME, {})
        assert after.structured_content["writes"] == []


async def test_a_write_that_may_still_land_is_not_settled_failed_by_the_tool(
    zuora: RunningSandbox, sqlite_location: str
) -> None:
    async with tenant(zuora, sqlite_location) as t, connected(t) as client:
        zuora.faults.once("drop_before_commit", "PUT", "/v1/invoices/*/write-off")
        await call(client, "write_off_invoice", {"invoiceKey": "INV00000001"})

        settled = await call(client, reconcile_tool.NAME, {"settle": True})

        [write] = settled.structured_content["writes"]
        assert write["verdict"] == "needs a person"
        assert "could still land" in write["how"]
        assert settled.structured_content["recorded"] == 0
        assert len(await t.ledger.unsettled()) == 1


async def test_unknown_arguments_are_refused_before_anything_is_read(
    zuora: RunningSandbox, sqlite_location: str
) -> None:
    async with tenant(zuora, sqlite_location) as t, connected(t) as client:
        refused = await call(client, reconcile_tool.NAME, {"settle": "yes"})
    assert refused.is_error is True
    assert "nothing was read or recorded" in refused.content[0].text
