"""Generated README sections, checked in CI so the README cannot drift from the code.

Each generated block sits between ``<!-- begin:NAME -->`` and ``<!-- end:NAME -->`` markers.
``python -m zuora_mcp.docs --write`` rewrites them; ``--check`` fails with a diff when they are stale.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable
from pathlib import Path

from zuora_mcp.config import SETTINGS_TABLE

__all__ = ["SECTIONS", "main", "render_readme"]


def configuration_table() -> str:
    rows = ["| Environment variable | Flag | Policy file key | Default | Meaning |", "|---|---|---|---|---|"]
    for doc in SETTINGS_TABLE:
        flag = f"`{doc.flag}`" if doc.flag else ""
        key = f"`{doc.file_key}`" if doc.file_key else ""
        rows.append(f"| `{doc.env}` | {flag} | {key} | {doc.default} | {doc.meaning} |")
    return "\n".join(rows)


def tool_table() -> str:
    from zuora_mcp.catalog import load_catalog
    from zuora_mcp.explorer import DEFINITIONS

    rows = ["| Tool | Safety | What it does |", "|---|---|---|"]
    for tool in load_catalog():
        rows.append(f"| `{tool.name}` | {tool.safety} | {_first_sentence(tool.description)} |")
    explorer_safety = {"search_operations": "read", "describe_operation": "read", "call_operation": "per operation"}
    for definition in DEFINITIONS:
        name = str(definition["name"])
        rows.append(
            f"| `{name}` | {explorer_safety.get(name, '')} | {_first_sentence(str(definition['description']))} |"
        )
    return "\n".join(rows)


def _first_sentence(text: str) -> str:
    return text.split(". ")[0].rstrip(".") + "."


SECTIONS: dict[str, Callable[[], str]] = {"configuration": configuration_table, "tools": tool_table}


def render_readme(text: str) -> str:
    for name, render in SECTIONS.items():
        pattern = re.compile(rf"(<!-- begin:{name} -->\n)(?:.*?\n)?(<!-- end:{name} -->)", re.S)
        match = pattern.search(text)
        if match is not None:
            text = text[: match.end(1)] + render() + "\n" + text[match.start(2) :]
    return text


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[1]) if len(args) > 1 else Path("README.md")
    current = path.read_text()
    fresh = render_readme(current)
    if args and args[0] == "--write":
        path.write_text(fresh)
        return 0
    if fresh != current:
        diff = difflib.unified_diff(current.splitlines(), fresh.splitlines(), "README.md", "generated", lineterm="")
        print("README.md is stale; run `python -m zuora_mcp.docs --write`:\n" + "\n".join(diff), file=sys.stderr)
        return 1
    return 0
