"""The official MCP Inspector CLI (a client nobody here wrote) drives zuora-mcp on the sandbox.

Each test runs the pinned Inspector against four deployments: stdio and streamable HTTP, each in the
handshake era (``legacy``) and the 2026-07-28 era (``modern``). Over stdio every Inspector call spawns
a new server process, as a desktop client restarting would; those replicas share one stand-alone
sandbox tenant and ``ZUORA_MCP_SECRET_KEY``, so a confirmation token minted by one call can be used
by the next. Over HTTP one server serves every call. Each test starts from a freshly reset tenant.

Inspector exit codes: 0 success, 5 the tool answered ``isError``, 6 a tool schema is not portable
(an error-severity finding under ``--strict``).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO, HttpServer, NodeTools, Sandbox, reset_sandbox, sandbox_counters, zuora_mcp_command

pytestmark = [pytest.mark.node, pytest.mark.e2e]

INSPECTOR_TIMEOUT = 60.0
EXIT_OK, EXIT_TOOL_ERROR, EXIT_NOT_PORTABLE = 0, 5, 6
# Every generated catalog tool; other toolsets may add more.
CATALOG = sorted(path.stem for path in (REPO / "zuora_mcp" / "tool_schemas" / "zuora").glob("*.json"))
INVOICE = "INV00000001"  # Posted, 165.00 USD, nothing applied: reversible in the demo tenant


@dataclass(frozen=True)
class Answer:
    """One Inspector run: exit code, the JSON it printed on stdout, and its stderr."""

    code: int
    payload: dict[str, Any]
    stderr: str

    @property
    def structured(self) -> dict[str, Any]:
        content: dict[str, Any] = self.payload["result"]["structuredContent"]
        return content


@dataclass(frozen=True)
class Deployment:
    """How the Inspector reaches one server: the target (command or URL) and its options."""

    target: list[str]
    sandbox_url: str

    def inspect(self, node: NodeTools, *method: str) -> Answer:
        args = ["mcp-inspector", "--cli", *self.target, "--format", "json", *method]
        done = node.run(args, timeout=INSPECTOR_TIMEOUT)
        try:
            payload = json.loads(done.stdout) if done.stdout.strip() else {}
        except json.JSONDecodeError:
            pytest.fail(f"the Inspector printed no JSON (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
        return Answer(done.returncode, payload, done.stderr)

    def call(self, node: NodeTools, tool: str, arguments: dict[str, Any]) -> Answer:
        return self.inspect(
            node, "--method", "tools/call", "--tool-name", tool, "--tool-args-json", json.dumps(arguments)
        )


@pytest.fixture(params=["stdio-legacy", "stdio-modern", "http-legacy", "http-modern"])
def deployment(request: pytest.FixtureRequest) -> Deployment:
    transport, era = request.param.split("-")
    if transport == "stdio":
        sandbox: Sandbox = request.getfixturevalue("sandbox")
        env = [flag for key, value in sandbox.server_env().items() for flag in ("-e", f"{key}={value}")]
        chosen = Deployment([*zuora_mcp_command(), "serve", *env, "--protocol-era", era], sandbox.base_url)
    else:
        server: HttpServer = request.getfixturevalue("http_server")
        chosen = Deployment([server.url, "--protocol-era", era], server.sandbox_url)
    reset_sandbox(chosen.sandbox_url)
    return chosen


def _writes_applied(deployment: Deployment) -> object:
    return sandbox_counters(deployment.sandbox_url)["writes_applied"]


def test_tools_list_under_strict_lists_the_catalog_with_no_portability_error(
    node_tools: NodeTools, deployment: Deployment
) -> None:
    answer = deployment.inspect(node_tools, "--method", "tools/list", "--strict")

    assert answer.code == EXIT_OK, f"exit {answer.code} (6 = a schema is not portable):\n{answer.stderr[-4000:]}"
    names = [tool["name"] for tool in answer.payload["result"]["tools"]]
    assert len(names) == len(set(names))
    assert set(CATALOG) <= set(names), f"missing from tools/list: {sorted(set(CATALOG) - set(names))}"
    errors = [
        (tool["toolName"], finding["schema"], finding["path"], finding["rule"])
        for tool in answer.payload.get("schemaFindings", [])
        for finding in tool["findings"]
        if finding["severity"] == "error"
    ]
    assert errors == []


def test_tool_schemas_raise_no_portability_warning_under_strict(node_tools: NodeTools) -> None:
    """Loud on purpose: any finding, even a warning, is a schema a strict client may mangle.

    Runs the self-contained stdio setup a desktop client uses (``serve --sandbox``).
    """
    self_contained = Deployment([*zuora_mcp_command(), "serve", "--sandbox"], sandbox_url="")
    answer = self_contained.inspect(node_tools, "--method", "tools/list", "--strict")

    grouped: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for tool in answer.payload.get("schemaFindings", []):
        for finding in tool["findings"]:
            grouped[finding["rule"], finding["severity"], finding["schema"]].append(
                f"{tool['toolName']}:{finding['path']}"
            )
    report = "\n".join(
        f"{len(paths)} x {rule} ({severity}) in {schema}: {', '.join(paths[:6])}{' …' if len(paths) > 6 else ''}"
        for (rule, severity, schema), paths in sorted(grouped.items())
    )
    assert not grouped, f"MCP Inspector --strict found portability problems in our tool schemas:\n{report}"


def test_get_invoice_returns_the_posted_invoice(node_tools: NodeTools, deployment: Deployment) -> None:
    answer = deployment.call(node_tools, "get_invoice", {"invoiceKey": INVOICE})

    assert answer.code == EXIT_OK, answer.stderr[-4000:]
    assert answer.payload["result"]["isError"] is False
    assert answer.structured["invoiceNumber"] == INVOICE
    assert answer.structured["status"] == "Posted"
    assert answer.structured["balance"] == 165


def test_get_invoice_of_a_missing_invoice_exits_with_tool_error(node_tools: NodeTools, deployment: Deployment) -> None:
    answer = deployment.call(node_tools, "get_invoice", {"invoiceKey": "INV99999999"})

    assert answer.code == EXIT_TOOL_ERROR, answer.stderr[-4000:]
    assert answer.payload["result"]["isError"] is True
    assert answer.structured["status"] == "failed"
    assert answer.structured["error"]["status"] == 404


def test_dry_run_reverse_previews_and_changes_nothing(node_tools: NodeTools, deployment: Deployment) -> None:
    answer = deployment.call(node_tools, "reverse_invoice", {"invoiceKey": INVOICE, "dry_run": True})

    assert answer.code == EXIT_OK, answer.stderr[-4000:]
    assert answer.structured["status"] == "preview"
    assert answer.structured["changed"] is False
    assert "confirmation_token" not in answer.structured
    assert all(check["ok"] for check in answer.structured["preview"]["preflight"])
    assert _writes_applied(deployment) == 0


def test_confirmed_reverse_runs_once_and_its_token_is_refused_after(
    node_tools: NodeTools, deployment: Deployment
) -> None:
    asked = deployment.call(node_tools, "reverse_invoice", {"invoiceKey": INVOICE})
    assert asked.code == EXIT_OK, asked.stderr[-4000:]
    assert asked.structured["status"] == "confirmation_required"
    assert asked.structured["changed"] is False
    token = asked.structured["confirmation_token"]
    assert _writes_applied(deployment) == 0

    confirmed = deployment.call(node_tools, "reverse_invoice", {"invoiceKey": INVOICE, "confirmation_token": token})
    assert confirmed.code == EXIT_OK, confirmed.stderr[-4000:]
    assert confirmed.structured["status"] == "executed"
    assert confirmed.structured["changed"] is True
    assert confirmed.structured["result"]["creditMemo"]["id"]

    replayed = deployment.call(node_tools, "reverse_invoice", {"invoiceKey": INVOICE, "confirmation_token": token})
    assert replayed.code == EXIT_TOOL_ERROR, replayed.stderr[-4000:]
    assert replayed.payload["result"]["isError"] is True
    assert replayed.structured["status"] == "refused"
    assert replayed.structured["changed"] is False
    assert _writes_applied(deployment) == 1


# A one-tool stdio server whose schema has a bare `true` where a schema object belongs: the one shape
# the Inspector treats as an error. It proves the exit-6 gate the tests above rely on is live.
_UNPORTABLE_SERVER = """
import anyio
import mcp.types as types
from mcp.server import Server
from mcp.server.stdio import stdio_server


async def list_tools(ctx, params):
    schema = {"type": "object", "properties": {"note": True}}
    return types.ListToolsResult(tools=[types.Tool(name="echo", description="Echo.", input_schema=schema)])


async def main():
    server = Server("unportable", on_list_tools=list_tools)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


anyio.run(main)
"""


def test_strict_tools_list_exits_6_for_a_schema_that_is_not_portable(node_tools: NodeTools, tmp_path: Path) -> None:
    script = tmp_path / "unportable_server.py"
    script.write_text(_UNPORTABLE_SERVER)
    answer = Deployment([sys.executable, str(script)], sandbox_url="").inspect(
        node_tools, "--method", "tools/list", "--strict"
    )

    assert answer.code == EXIT_NOT_PORTABLE, answer.stderr[-4000:]
    [tool] = answer.payload["schemaFindings"]
    assert [(f["rule"], f["severity"], f["path"]) for f in tool["findings"]] == [
        ("boolean-schema", "error", "properties.note")
    ]
