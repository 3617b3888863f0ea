"""``zuora-mcp demo``: a short scripted session, through the real MCP client, against the sandbox.

It starts ``zuora-mcp serve --sandbox`` as a subprocess over stdio — exactly what a desktop assistant
does — and plays what a person would: list the tools, find and read an invoice, dry-run a reversal,
see it confirmed with its token, read the invoice again, and read the audit record.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

__all__ = ["add_arguments", "run"]

INVOICE = "INV00000001"  # Posted, nothing applied: reversible
PAID_INVOICE = "INV00000002"  # Posted with a payment applied: reverse is refused


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-color", action="store_true", help="plain output")


def run(args: argparse.Namespace) -> int:
    color = sys.stdout.isatty() and not args.no_color and "NO_COLOR" not in os.environ
    return asyncio.run(_demo(color))


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


async def _demo(color: bool) -> int:
    from mcp.client import Client
    from mcp.client.stdio import StdioServerParameters

    out = _Printer(color)
    with tempfile.TemporaryDirectory(prefix="zuora-mcp-demo-") as tmp:
        audit = Path(tmp) / "audit.jsonl"
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "zuora_mcp", "serve", "--sandbox", "--audit-log", str(audit)],
            env={**os.environ, "ZUORA_MCP_MODE": "confirm"},
        )
        async with Client(params) as client:
            out.step("1. The tools this server offers")
            tools = (await client.list_tools()).tools
            for tool in tools:
                safety = (
                    "read"
                    if tool.annotations and tool.annotations.read_only_hint
                    else "destructive"
                    if tool.annotations and tool.annotations.destructive_hint
                    else "write"
                )
                print(f"  {tool.name:34} {safety}")

            async def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
                out.call(name, arguments)
                result = await client.call_tool(name, arguments)
                out.text(next((c.text for c in result.content if c.type == "text"), ""))
                return dict(result.structured_content or {})

            out.step("2. Find account A00000001 and its Posted invoices")
            account = await call("get_account", {"accountKey": "A00000001"})
            account_id = account.get("id") or account.get("basicInfo", {}).get("id")
            await call("list_invoices", {"accountId": account_id, "status": "Posted", "pageSize": 5})

            out.step(f"3. Read invoice {INVOICE}")
            await call("get_invoice", {"invoiceKey": INVOICE})

            out.step("4. Dry-run a reversal: preview and preflight checks, nothing is sent")
            await call("reverse_invoice", {"invoiceKey": INVOICE, "dry_run": True})

            out.step("5. A reversal Zuora would refuse is refused before anything is sent")
            await call("reverse_invoice", {"invoiceKey": PAID_INVOICE})

            out.step("6. Ask to reverse: this client cannot show a prompt, so the server returns a token")
            preview = await call("reverse_invoice", {"invoiceKey": INVOICE})
            token = preview.get("confirmation_token")
            if not token:
                print("  (no confirmation token came back; the demo stops here)")
                return 1

            out.step("7. The person approves: the same call with the token runs, once")
            await call("reverse_invoice", {"invoiceKey": INVOICE, "confirmation_token": token})
            out.step("   …and the same token again is refused")
            await call("reverse_invoice", {"invoiceKey": INVOICE, "confirmation_token": token})

            out.step(f"8. Read invoice {INVOICE} again")
            await call("get_invoice", {"invoiceKey": INVOICE})

        out.step("9. The audit log: one line per write attempt, no secrets, no bodies")
        for line in audit.read_text().splitlines():
            record = json.loads(line)
            print(f"  {record['time']}  {record['tool']:16} {record['decision']:10} {record.get('detail', '')[:60]}")

    out.step("Next: connect a real client")
    out.text(
        "Claude Desktop: add to claude_desktop_config.json\n"
        f'  {{"mcpServers": {{"zuora": {{"command": "{Path(sys.executable).parent / "zuora-mcp"}", '
        '"args": ["serve", "--sandbox"]}}}\n'
        "MCP Inspector:\n"
        f"  npx -y @modelcontextprotocol/inspector@2.12.0 {Path(sys.executable).parent / 'zuora-mcp'} serve --sandbox\n"
        "Your own Zuora sandbox: set ZUORA_ENVIRONMENT, ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET and drop --sandbox.",
        indent="",
    )
    return 0
