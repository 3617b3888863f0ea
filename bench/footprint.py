"""Context footprint: what ``tools/list`` costs a model, in bytes and cl100k tokens.

The listing is taken from the real server through the MCP client (in process: the listing does
not depend on the transport), with the default settings a user gets. "Curated" is the hand-written
catalog; "whole server" is everything listed (the catalog plus the explorer tools, when present).
"""

from __future__ import annotations

import json
from typing import Any

import mcp.types as types
from mcp.client import Client

from zuora_mcp.catalog import load_catalog
from zuora_mcp.client import BillingClient
from zuora_mcp.config import load_settings
from zuora_mcp.context_size import size_of
from zuora_mcp.server import build_app, build_server

__all__ = ["measure_footprint", "tool_json", "wire_text"]


def wire_text(value: Any) -> str:
    """Compact JSON, as a tools/list result travels and as a client hands it to a model."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def tool_json(tool: types.Tool) -> dict[str, Any]:
    return tool.model_dump(by_alias=True, exclude_none=True, mode="json")


async def listed_tools() -> list[types.Tool]:
    """tools/list of a server built with default settings (a placeholder base URL; nothing is called)."""
    environ = {"ZUORA_BASE_URL": "http://127.0.0.1:9", "ZUORA_CLIENT_ID": "x", "ZUORA_CLIENT_SECRET": "y"}
    settings = load_settings({}, environ)
    async with BillingClient(settings) as zuora:
        server = build_server(build_app(settings, zuora))
        async with Client(server, mode="legacy", cache=None) as client:
            return list((await client.list_tools()).tools)


def _sizes(tools: list[dict[str, Any]]) -> dict[str, Any]:
    size, tokens = size_of(wire_text({"tools": tools}))
    return {"tools": len(tools), "bytes": size, "tokens": tokens}


async def measure_footprint() -> dict[str, Any]:
    """Bytes and tokens of the whole listing, of the curated part, and of each tool."""
    tools = [tool_json(t) for t in await listed_tools()]
    curated_names = {spec.name for spec in load_catalog()}
    curated = [t for t in tools if t["name"] in curated_names]
    per_tool = []
    for tool in tools:
        size, tokens = size_of(wire_text(tool))
        per_tool.append(
            {"name": tool["name"], "bytes": size, "tokens": tokens, "curated": tool["name"] in curated_names}
        )
    per_tool.sort(key=lambda t: (-(t["tokens"] or 0), -t["bytes"], t["name"]))
    whole = _sizes(tools)
    count = max(1, whole["tools"])
    return {
        "curated": _sizes(curated),
        "whole_server": whole,
        "explorer_listed": len(tools) > len(curated),
        "tokens_per_tool_mean": round((whole["tokens"] or 0) / count, 1),
        "largest": per_tool[:5],
        "per_tool": per_tool,
    }
