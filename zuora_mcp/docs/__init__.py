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

from zuora_mcp.config import CORE_SETTINGS, SettingDoc
from zuora_mcp.providers import PROVIDERS, get_provider

__all__ = ["SECTIONS", "main", "render_readme"]


def _settings_rows(docs: tuple[SettingDoc, ...]) -> str:
    rows = ["| Environment variable | Flag | Policy file key | Default | Meaning |", "|---|---|---|---|---|"]
    for doc in docs:
        flag = f"`{doc.flag}`" if doc.flag else ""
        key = f"`{doc.file_key}`" if doc.file_key else ""
        rows.append(f"| `{doc.env}` | {flag} | {key} | {doc.default} | {doc.meaning} |")
    return "\n".join(rows)


def configuration_table() -> str:
    """The core's settings, whatever the provider."""
    return _settings_rows(CORE_SETTINGS)


def provider_configuration_table(name: str) -> Callable[[], str]:
    def render() -> str:
        return _settings_rows(get_provider(name).settings_docs)

    return render


def tool_table(name: str) -> Callable[[], str]:
    def render() -> str:
        from zuora_mcp.catalog import load_catalog
        from zuora_mcp.explorer import DEFINITIONS

        provider = get_provider(name)
        rows = ["| Tool | Safety | What it does |", "|---|---|---|"]
        for tool in load_catalog(name):
            rows.append(f"| `{tool.name}` | {tool.safety} | {_first_sentence(tool.description)} |")
        if provider.explorer_index is None:
            return "\n".join(rows)
        explorer_safety = {"search_operations": "read", "describe_operation": "read", "call_operation": "per operation"}
        for definition in DEFINITIONS:
            tool_name = str(definition["name"])
            text = str(definition["description"]).format(vendor=provider.vendor, scope="…")
            rows.append(f"| `{tool_name}` | {explorer_safety.get(tool_name, '')} | {_first_sentence(text)} |")
        return "\n".join(rows)

    return render


def _first_sentence(text: str) -> str:
    return text.split(". ")[0].rstrip(".") + "."


def identity_table() -> str:
    """The OAuth resource server's settings (zuora_mcp.identity)."""
    from zuora_mcp.identity import OAUTH_SETTINGS

    return _settings_rows(OAUTH_SETTINGS)


SECTIONS: dict[str, Callable[[], str]] = {
    "configuration": configuration_table,
    "configuration-identity": identity_table,
    **{f"configuration-{name}": provider_configuration_table(name) for name in PROVIDERS},
    **{f"tools-{name}": tool_table(name) for name in PROVIDERS},
}


def render_readme(text: str) -> str:
    for name, render in SECTIONS.items():
        pattern = re.compile(rf"(<!-- begin:{name} -->\n)(?:.*?\n)?(<!-- end:{name} -->)", re.S)
        match = pattern.search(text)
        if match is not None:  # a section the README does not place is not rendered (nor its provider loaded)
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
