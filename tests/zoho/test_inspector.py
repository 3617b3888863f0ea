"""The official MCP Inspector CLI (a client nobody here wrote) lists the Zoho tools under ``--strict``
and calls them, on the self-contained ``serve --provider zoho --sandbox`` a desktop client would run.

Inspector exit codes: 0 success, 5 the tool answered ``isError``, 6 a tool schema is not portable.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e import conftest as e2e
from tests.e2e.conftest import REPO, NodeTools, zuora_mcp_command
from tests.zoho.cases import WRITE_CASES, inv

node_tools = e2e.node_tools  # the pinned Inspector install, a session fixture of the e2e suite

pytestmark = [pytest.mark.node, pytest.mark.e2e]

TIMEOUT = 60.0
ZOHO_TOOLS = sorted(path.stem for path in (REPO / "zuora_mcp" / "tool_schemas" / "zoho").glob("*.json"))


def inspect(node: NodeTools, *method: str) -> tuple[int, dict[str, Any], str]:
    target = [*zuora_mcp_command(), "serve", "--provider", "zoho", "--sandbox"]
    done = node.run(["mcp-inspector", "--cli", *target, "--format", "json", *method], timeout=TIMEOUT)
    try:
        payload = json.loads(done.stdout) if done.stdout.strip() else {}
    except json.JSONDecodeError:
        pytest.fail(f"the Inspector printed no JSON (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.returncode, payload, done.stderr


def call(node: NodeTools, tool: str, arguments: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    code, payload, _ = inspect(
        node, "--method", "tools/call", "--tool-name", tool, "--tool-args-json", json.dumps(arguments)
    )
    return code, payload["result"]["structuredContent"]


def test_the_inspector_lists_every_zoho_tool_under_strict_with_no_portability_finding(node_tools: NodeTools) -> None:
    code, payload, stderr = inspect(node_tools, "--method", "tools/list", "--strict")
    assert code == 0, f"exit {code} (6 = a schema is not portable):\n{stderr[-4000:]}"
    names = [tool["name"] for tool in payload["result"]["tools"]]
    assert len(names) == len(set(names))
    assert len(ZOHO_TOOLS) == 18
    assert set(ZOHO_TOOLS) <= set(names), f"missing: {sorted(set(ZOHO_TOOLS) - set(names))}"  # core tools may add more
    findings = [
        (tool["toolName"], finding["path"], finding["rule"], finding["severity"])
        for tool in payload.get("schemaFindings", [])
        for finding in tool["findings"]
    ]
    assert findings == []


def test_the_inspector_reads_an_invoice_and_previews_a_charge(node_tools: NodeTools) -> None:
    code, invoice = call(node_tools, "get_invoice", {"invoice_id": inv(1)})
    assert code == 0
    assert invoice["invoice"]["number"] == "INV-000001"
    code, preview = call(
        node_tools, "collect_invoice_payment", {**WRITE_CASES["collect_invoice_payment"], "dry_run": True}
    )
    assert code == 0
    assert preview["status"] == "preview"
    assert "card ending 4242" in preview["preview"]["effect"]
