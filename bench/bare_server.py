"""The floor: a bare low-level ``mcp`` server that can make the same call, over stdio or streamable HTTP.

It does what any MCP server answering ``get_invoice`` must do and nothing else: parse, dispatch, one
GET through a pooled httpx2 client, answer. Its tools: ``fetch`` takes ``invoiceKey`` (the same
argument as ``get_invoice``), GETs ``BENCH_PROXY_URL`` + the key with the bearer token in
``BENCH_PROXY_TOKEN`` and returns the body as text (for Zoho: ``BENCH_PROXY_AUTH_SCHEME=Zoho-oauthtoken``
and ``BENCH_PROXY_HEADERS``, a JSON object of extra headers such as the organisation id); ``echo``
returns its ``text`` (the cost of MCP and the transport alone). Ours minus it is what zuora-mcp itself adds (validation,
plan, guard, client policy, shaping).

A fair floor does the same work as ours: it imports httpx2 at start (ours does), keeps one pooled
connection to the tenant, and over HTTP turns Nagle off on accepted connections (the listening
socket is made with ``IPPROTO_TCP``, so asyncio sets ``TCP_NODELAY`` on each), as ours does. It
imports nothing from zuora_mcp. Run as ``python -m bench.bare_server`` (stdio) or
``python -m bench.bare_server --http --port 0`` (prints its URL on stderr, like ``zuora-mcp serve``).
``--proxy`` is accepted for older command lines; ``fetch`` is always listed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import sys
from typing import Any
from urllib.parse import quote

import httpx2  # at start, as ours does: the floor's cold start includes what making the call needs
import mcp.types as types
from mcp.server import Server, ServerRequestContext

_ECHO = types.Tool(
    name="echo",
    description="Return the text it is given.",
    input_schema={"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    annotations=types.ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True),
)


_FETCH = types.Tool(
    name="fetch",
    description="GET the configured URL with the key appended and return its body.",
    input_schema={"type": "object", "properties": {"invoiceKey": {"type": "string"}}, "required": ["invoiceKey"]},
    annotations=types.ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True),
)


class _Fetcher:
    """One pooled httpx2 client, made on first use (the URL and token come from the environment)."""

    def __init__(self) -> None:
        self._client: httpx2.AsyncClient | None = None

    async def fetch(self, key: str) -> str:
        if self._client is None:
            scheme = os.environ.get("BENCH_PROXY_AUTH_SCHEME", "Bearer")
            headers = {
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "Authorization": f"{scheme} {os.environ['BENCH_PROXY_TOKEN']}",
            }
            headers.update(json.loads(os.environ.get("BENCH_PROXY_HEADERS") or "{}"))
            self._client = httpx2.AsyncClient(headers=headers, timeout=30.0)
        answer = await self._client.get(os.environ["BENCH_PROXY_URL"] + quote(key, safe=""))
        answer.raise_for_status()
        return str(answer.text)


def build_server(proxy: bool = True) -> Server[Any]:
    """A server listing ``echo`` (returns its ``text`` argument) and ``fetch`` (unless ``proxy`` is False)."""
    tools = [_ECHO, _FETCH] if proxy else [_ECHO]
    fetcher = _Fetcher()

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        if proxy and params.name == "fetch":
            text = await fetcher.fetch(str((params.arguments or {}).get("invoiceKey", "")))
        else:
            text = str((params.arguments or {}).get("text", ""))
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)])

    return Server("bare", version="0", on_list_tools=list_tools, on_call_tool=call_tool)


async def _stdio(server: Server[Any]) -> None:
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def _http(server: Server[Any], port: int) -> None:
    import uvicorn

    app = server.streamable_http_app(streamable_http_path="/mcp", host="127.0.0.1")
    # IPPROTO_TCP: asyncio then sets TCP_NODELAY on every accepted connection (see zuora_mcp.http_listener).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    print(f"bare: serving MCP over streamable HTTP at http://127.0.0.1:{sock.getsockname()[1]}/mcp", file=sys.stderr)
    sys.stderr.flush()
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    await uvicorn.Server(config).serve(sockets=[sock])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_server")
    parser.add_argument("--http", action="store_true", help="streamable HTTP at /mcp instead of stdio")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--proxy", action="store_true", help="accepted and ignored: fetch is always listed")
    args = parser.parse_args()
    server = build_server()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_http(server, args.port) if args.http else _stdio(server))


if __name__ == "__main__":
    main()
