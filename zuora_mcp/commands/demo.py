"""``zuora-mcp demo [--provider NAME]``: a short scripted session, through the real MCP client, on a sandbox.

It starts ``zuora-mcp serve --sandbox`` as a subprocess over stdio — exactly what a desktop assistant
does — lists the tools, then plays the provider's script (what a person would do: find and read an
invoice, dry-run a write, see one refused, confirm one with its token, read again), and ends with the
audit records. The script is the provider's (:attr:`~zuora_mcp.provider.Provider.demo`); this module
is the client side every script shares.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp.client import Client

    from zuora_mcp.provider import Provider

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", help="zuora | zoho (ZUORA_MCP_PROVIDER; default zuora)")
    parser.add_argument("--no-color", action="store_true", help="plain output")


def run(args: argparse.Namespace) -> int:
    from zuora_mcp.providers import DEFAULT_PROVIDER, get_provider

    provider = get_provider(args.provider or os.environ.get("ZUORA_MCP_PROVIDER") or DEFAULT_PROVIDER)
    color = sys.stdout.isatty() and not args.no_color and "NO_COLOR" not in os.environ
    return asyncio.run(_demo(provider, color))


class _Printer:
    def __init__(self, color: bool) -> None:
        self.color = color

    def step(self, title: str) -> None:
        bar = f"\n── {title} " + "─" * max(0, 70 - len(title))
        print(f"\033[1m{bar}\033[0m" if self.color else bar)

    def call(self, name: str, arguments: dict[str, Any]) -> None:
        shown = {k: (v[:16] + "…" if k == "confirmation_token" else v) for k, v in arguments.items()}
        print(f"→ {name}({json.dumps(shown)})")

    def text(self, text: str, indent: str = "  ") -> None:
        for line in text.splitlines():
            print(textwrap.fill(line, 100, initial_indent=indent, subsequent_indent=indent + "  ") if line else "")


class _Session:
    """The :class:`~zuora_mcp.provider.DemoSession` a provider's script plays on."""

    def __init__(self, client: Client, out: _Printer, audit: Path) -> None:
        self._client, self._out, self._audit = client, out, audit

    async def list_tools(self) -> list[str]:
        tools = (await self._client.list_tools()).tools
        for tool in tools:
            annotations = tool.annotations
            safety = (
                "read"
                if annotations and annotations.read_only_hint
                else "destructive"
                if annotations and annotations.destructive_hint
                else "write"
            )
            print(f"  {tool.name:34} {safety}")
        return [tool.name for tool in tools]

    async def call(self, name: str, arguments: dict[str, Any]) -> tuple[dict[str, Any], str, bool]:
        self._out.call(name, arguments)
        result = await self._client.call_tool(name, arguments)
        text = next((c.text for c in result.content if c.type == "text"), "")
        self._out.text(text)
        return dict(result.structured_content or {}), text, bool(result.is_error)

    def step(self, title: str) -> None:
        self._out.step(title)

    def say(self, text: str) -> None:
        self._out.text(text)

    def audit_records(self) -> list[Mapping[str, object]]:
        if not self._audit.exists():
            return []
        return [json.loads(line) for line in self._audit.read_text().splitlines() if line.strip()]


async def _demo(provider: Provider, color: bool) -> int:
    from mcp.client import Client
    from mcp.client.stdio import StdioServerParameters

    out = _Printer(color)
    with tempfile.TemporaryDirectory(prefix="zuora-mcp-demo-") as tmp:
        audit = Path(tmp) / "audit.jsonl"
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "zuora_mcp", "serve", "--provider", provider.name, "--sandbox", "--audit-log", str(audit)],
            env={**os.environ, "ZUORA_MCP_MODE": "confirm"},
        )
        async with Client(params) as client:
            session = _Session(client, out, audit)
            out.step(f"1. The tools this {provider.title} server offers")
            await session.list_tools()
            status = await provider.demo(session)
            if status != 0:
                return status

        out.step("The audit log: one line per write attempt, no secrets, no bodies")
        for record in session.audit_records():
            detail = str(record.get("detail", ""))[:60]
            print(f"  {record['time']}  {record['tool']!s:24} {record['decision']!s:10} {detail}")

    command = Path(sys.executable).parent / "zuora-mcp"
    out.step("Next: connect a real client")
    out.text(
        "Claude Desktop: add to claude_desktop_config.json\n"
        f'  {{"mcpServers": {{"{provider.name}": {{"command": "{command}", '
        f'"args": ["serve", "--provider", "{provider.name}", "--sandbox"]}}}}}}\n'
        "MCP Inspector:\n"
        f"  npx -y @modelcontextprotocol/inspector@2.12.0 {command} serve --provider {provider.name} --sandbox\n"
        f"Your own {provider.vendor}: set the variables in the README's {provider.vendor} setup and drop --sandbox.",
        indent="",
    )
    return 0
