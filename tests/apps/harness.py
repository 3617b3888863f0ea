"""An MCP Apps host for the tests: a page on 127.0.0.1 whose tool calls reach the real server.

:class:`CardHost` serves the host page (``host/index.html`` and its bundled script), the scenario the
page renders (the write tool, its arguments, the tool result and the card resource) and ``POST /call``,
where the page's AppBridge forwards the card's ``tools/call`` requests. Those are answered through the
MCP SDK ``Client`` connected in-process to the real server (``build_server``), so the write that
Approve runs is the server's own write against its sandbox tenant.

Until the server serves ``approve_write`` itself, the host *emulates* it on top of today's protocol: the
preview's ``confirmation_token`` is moved out of the structured content into the result's ``_meta``
(:func:`zuora_mcp.apps.for_card`), and ``approve_write(credential, "approve")`` calls the write tool
again with that token. Once ``tools/list`` shows ``approve_write`` (or a result already carries the card's
``_meta``), everything goes to the server untouched.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp.client import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from zuora_mcp.apps import APPROVE_TOOL_NAME, META_KEY, approve_arguments, card_resource, for_card
from zuora_mcp.tenant_kit.loopback import serve_on_loopback

HOST_DIR = Path(__file__).resolve().parent / "host"
DRIVER = Path(__file__).resolve().parent / "driver.mjs"

LIGHT = {
    "theme": "light",
    "styles": {"variables": {"--color-background-primary": "#ffffff", "--color-text-primary": "#1a1915"}},
    "displayMode": "inline",
    "containerDimensions": {"maxWidth": 360},
    "platform": "web",
    "locale": "en-US",
}
DARK = {
    "theme": "dark",
    "styles": {"variables": {"--color-background-primary": "#30302e", "--color-text-primary": "#faf9f5"}},
    "displayMode": "inline",
    "containerDimensions": {"maxWidth": 360},
    "platform": "web",
    "locale": "en-US",
}


def wire(result: Any) -> dict[str, Any]:
    """A result as it travels (camelCase, ``_meta``), the shape the host hands the card."""
    dumped: dict[str, Any] = result.model_dump(by_alias=True, exclude_none=True, mode="json")
    return dumped


@dataclass
class Preview:
    """A write tool's preview as the card receives it, and the credential it carries."""

    tool: dict[str, Any]
    arguments: dict[str, Any]
    result: dict[str, Any]
    credential: str | None
    emulated: bool


async def preview_for_card(
    client: Client,
    tool: str,
    arguments: Mapping[str, Any],
    *,
    principal: str | None = None,
    money: Mapping[str, Any] | None = None,
) -> Preview:
    """Call the write tool on the real server and shape its answer the way an Apps host receives it."""
    listed = {t.name: t for t in (await client.list_tools()).tools}
    definition = listed[tool].model_dump(by_alias=True, exclude_none=True, mode="json")
    result = wire(await client.call_tool(tool, dict(arguments)))
    structured = result.get("structuredContent") or {}
    meta = result.get("_meta") or {}
    if META_KEY in meta:  # the server speaks to the card itself
        return Preview(definition, dict(arguments), result, meta[META_KEY].get("credential"), emulated=False)
    token = structured.get("confirmation_token")
    if token is None:
        return Preview(definition, dict(arguments), result, None, emulated=True)
    content, text, card = for_card(structured, token, tool=tool, principal=principal, money=money)
    result.update(structuredContent=content, content=[{"type": "text", "text": text}], _meta={**meta, **card})
    return Preview(definition, dict(arguments), result, token, emulated=True)


@dataclass
class CardHost:
    """The host page's server. ``calls``: every tools/call the page forwarded; ``paths``: every request."""

    client: Client
    preview: Preview
    host_script: Path
    host_context: dict[str, Any] = field(default_factory=lambda: dict(LIGHT))
    calls: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    url: str = ""

    def app(self) -> Starlette:
        async def page(request: Request) -> Response:
            self.paths.append(request.url.path)
            return FileResponse(HOST_DIR / "index.html")

        async def script(request: Request) -> Response:
            self.paths.append(request.url.path)
            return FileResponse(self.host_script, media_type="text/javascript")

        async def scenario(request: Request) -> Response:
            self.paths.append(request.url.path)
            context = {**self.host_context, "toolInfo": {"tool": self.preview.tool}}
            return JSONResponse(
                {
                    "arguments": self.preview.arguments,
                    "result": self.preview.result,
                    "resource": card_resource(),
                    "hostContext": context,
                }
            )

        async def call(request: Request) -> Response:
            self.paths.append(request.url.path)
            params = json.loads(await request.body())
            self.calls.append(params)
            return JSONResponse(await self.answer(params))

        async def other(request: Request) -> Response:
            self.paths.append(request.url.path)
            return Response(status_code=404)

        return Starlette(
            routes=[
                Route("/", page),
                Route("/host.js", script),
                Route("/scenario", scenario),
                Route("/call", call, methods=["POST"]),
                Route("/{rest:path}", other, methods=["GET", "POST"]),
            ]
        )

    async def answer(self, params: Mapping[str, Any]) -> dict[str, Any]:
        name, arguments = params.get("name"), params.get("arguments") or {}
        listed = {t.name for t in (await self.client.list_tools()).tools}
        if name in listed:
            return wire(await self.client.call_tool(str(name), dict(arguments)))
        if name != APPROVE_TOOL_NAME or not self.preview.emulated:
            return _error(f"unknown tool {name}")
        parsed = approve_arguments(arguments)
        if isinstance(parsed, str):
            return _error(parsed)
        credential, decision = parsed
        if credential != self.preview.credential:
            return _error("the credential was not issued for this preview")
        if decision == "decline":
            message = "The person declined the write. Nothing was changed."
            return {
                "content": [{"type": "text", "text": message}],
                "structuredContent": {"status": "declined", "changed": False, "message": message},
            }
        tool = str(self.preview.tool["name"])
        return wire(await self.client.call_tool(tool, {**self.preview.arguments, "confirmation_token": credential}))


def _error(message: str) -> dict[str, Any]:
    return {
        "content": [{"type": "text", "text": message}],
        "structuredContent": {"status": "refused", "changed": False, "message": message},
        "isError": True,
    }


@contextlib.asynccontextmanager
async def hosting(host: CardHost) -> AsyncIterator[CardHost]:
    async with serve_on_loopback(host.app()) as server:
        host.url = server.url + "/"
        yield host


async def drive(
    host: CardHost,
    *,
    modules: Path,
    node: str,
    chromium: Path,
    profile: Path,
    actions: list[str],
    screenshot: Path | None = None,
    after_screenshot: Path | None = None,
    deadline: float = 45.0,
) -> dict[str, Any]:
    """Open the host page in headless Chromium, perform ``actions`` on the card, return what it showed."""
    config = {
        "modules": str(modules),
        "chromium": str(chromium),
        "userDataDir": str(profile),
        "url": host.url,
        "actions": actions,
        "screenshot": str(screenshot) if screenshot else None,
        "afterScreenshot": str(after_screenshot) if after_screenshot else None,
        "timeoutMs": 15000,
    }
    with anyio.fail_after(deadline):
        done = await anyio.run_process([node, str(DRIVER), json.dumps(config)], check=False)
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, f"the browser driver failed ({done.returncode}):\n{stderr[-4000:]}\n{stdout[-2000:]}"
    report: dict[str, Any] = json.loads(stdout)
    return report
