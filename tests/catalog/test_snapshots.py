"""Every tool's tools/list entry is committed; a change fails with a diff until it is re-recorded.

Re-record on purpose with ``UPDATE_SNAPSHOTS=1 pytest tests/catalog/test_snapshots.py``.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import pytest

from zuora_mcp.catalog import ToolSpec, load_catalog, tool_definition

SNAPSHOTS = Path(__file__).parent / "snapshots"
TOOLS = load_catalog()


def rendered(tool: ToolSpec) -> str:
    return json.dumps(tool_definition(tool), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("tool", TOOLS, ids=[tool.name for tool in TOOLS])
def test_tool_definition_matches_its_snapshot(tool: ToolSpec) -> None:
    path = SNAPSHOTS / f"{tool.name}.json"
    current = rendered(tool)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(current, encoding="utf-8")
        return
    recorded = path.read_text(encoding="utf-8") if path.is_file() else ""
    if recorded != current:
        diff = "".join(
            difflib.unified_diff(
                recorded.splitlines(keepends=True),
                current.splitlines(keepends=True),
                fromfile=f"snapshots/{tool.name}.json",
                tofile="current",
            )
        )
        pytest.fail(f"{tool.name} changed; if intended, rerun with UPDATE_SNAPSHOTS=1.\n{diff}")


def test_no_snapshot_without_a_tool() -> None:
    assert {path.stem for path in SNAPSHOTS.glob("*.json")} <= {tool.name for tool in TOOLS}
