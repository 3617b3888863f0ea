"""A successful explorer read, end to end through the MCP client, over a swapped transport; and lazy loading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client import Client

from zuora_mcp.client import BillingClient
from zuora_mcp.config import load_settings
from zuora_mcp.explorer.tools import Explorer
from zuora_mcp.server import build_app, build_server

pytestmark = pytest.mark.anyio


async def test_a_read_sends_wire_names_and_returns_zuoras_answer_without_bookkeeping() -> None:
    seen: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        body: dict[str, Any] = {"success": True, "subscriptions": [{"subscriptionNumber": "A-S1"}], "nextPage": None}
        return httpx2.Response(200, json=body, headers={"Zuora-Request-Id": "r-1"})

    settings = load_settings({"base_url": "http://127.0.0.1:9"}, environ={"ZUORA_ACCESS_TOKEN": "t0k"})
    async with BillingClient(settings, transport=httpx2.MockTransport(answer)) as zuora:
        app = build_app(settings, zuora)
        async with Client(build_server(app), mode="legacy") as client:
            result = await client.call_tool(
                "call_operation",
                {
                    "operation_id": "GET_SubscriptionsByAccount",
                    "arguments": {"accountKey": "A-1:x", "chargeDetail": "current-segment", "pageSize": 5},
                },
            )
    assert not result.is_error, result.content[0].text
    assert result.structured_content == {"subscriptions": [{"subscriptionNumber": "A-S1"}], "nextPage": None}
    assert json.loads(result.content[0].text.split("\n", 1)[1]) == result.structured_content
    [request] = seen
    assert request.method == "GET"
    assert request.url.path == "/v1/subscriptions/accounts/A-1:x"
    assert request.url.raw_path == b"/v1/subscriptions/accounts/A-1%3Ax?charge-detail=current-segment&pageSize=5"


async def test_the_index_is_read_on_the_first_explorer_call_not_at_start(tmp_path: Path) -> None:
    settings = load_settings({"base_url": "http://127.0.0.1:9"}, environ={"ZUORA_ACCESS_TOKEN": "t0k"})
    async with BillingClient(settings, transport=httpx2.MockTransport(lambda r: httpx2.Response(500))) as zuora:
        app = build_app(settings, zuora)
        app.explorer = Explorer(app.executor, {}, catalog_served=True, index_path=tmp_path / "missing.json.gz")
        async with Client(build_server(app), mode="legacy") as client:
            names = [tool.name for tool in (await client.list_tools()).tools]
            result = await client.call_tool("search_operations", {"query": "refund a payment"})
    assert "search_operations" in names
    assert result.is_error
    assert "schemas build" in result.content[0].text
