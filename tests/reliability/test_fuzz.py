"""Fuzzing every tool through the MCP client: no crash, no protocol error, nothing sent for bad input.

For each tool, in ``confirm`` and ``dry-run`` mode (so no write ever needs a person, and none runs),
Hypothesis draws arguments that are schema-valid (path keys partly from real demo records) or near
misses of them, calls the tool through the SDK's client, and checks:

- ``call_tool`` never raises (an ``MCPError`` or any exception fails the test) and the result is
  never the server's "failed inside zuora-mcp (a bug)";
- invalid arguments (by the tool's own validator) and unsafe path values are refused with an
  ``is_error`` result, and not one request reaches the sandbox, not even for a token;
- valid arguments succeed (a record, a preview, a confirmation request) or are an ``is_error`` result
  carrying Zuora's reasons, or a refusal saying that nothing was changed;
- no write reaches the sandbox at all.

CI runs the ``ci`` profile (a few examples per tool, about 20 s in all). For a long local run::

    HYPOTHESIS_PROFILE=long /tmp/venv/bin/pytest tests/reliability/test_fuzz.py -q

(``long``: 1,000 examples per tool and mode, the example database kept in ``.hypothesis/``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import Harness, harness
from tests.reliability.schema_strategies import near_misses, valid_arguments
from tests.server.conftest import writes_sent
from zuora_mcp.catalog import load_catalog, tool_definition
from zuora_mcp.errors import InvalidPathValue
from zuora_mcp.explorer.index import load_index
from zuora_mcp.explorer.tools import DEFINITIONS, EXPLORER_TOOLS
from zuora_mcp.plan import validate_path_value
from zuora_mcp.providers.zuora import INDEX_FILE
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox
from zuora_mcp.providers.zuora.sandbox.demo_data import demo_id
from zuora_mcp.schemas import validator_for

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci") if os.environ.get("HYPOTHESIS_PROFILE") in {"ci", "long"} else "ci"
)

CATALOG = {tool.name: tool for tool in load_catalog()}
DEFINED = {**{name: tool_definition(tool) for name, tool in CATALOG.items()}, **{d["name"]: d for d in DEFINITIONS}}
WRITE_TOOLS = [*sorted(name for name, tool in CATALOG.items() if tool.safety != "read"), "call_operation"]
READ_TOOLS = [
    *sorted(name for name, tool in CATALOG.items() if tool.safety == "read"),
    "search_operations",
    "describe_operation",
]
INDEX = load_index(INDEX_FILE)
OPERATION_IDS = sorted(op.operation_id for op in INDEX.operations.values())
KNOWN_KEYS = {
    "invoiceKey": ["INV00000001", "INV00000002", "INV00000006", demo_id("INV00000001"), "INV99999999"],
    "creditMemoKey": ["CM00000001", "CM99999999"],
    "debitMemoKey": ["DM00000001", "DM99999999"],
    "accountKey": ["A00000001", "A99999999"],
    "itemId": [demo_id("INV00000001-item-1")],
    "operation_id": OPERATION_IDS,
}
OVERRIDES = {name: st.sampled_from(values) | st.text(max_size=16) for name, values in KNOWN_KEYS.items()}


@dataclass
class Servers:
    portal: BlockingPortal
    sandbox: RunningSandbox
    by_mode: dict[str, Harness]

    def call(self, mode: str, tool: str, arguments: dict[str, Any]) -> Any:
        async def bounded() -> Any:
            with anyio.fail_after(20):
                return await self.by_mode[mode].call(tool, arguments)

        return self.portal.call(bounded)


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    """One sandbox and one server per mode, in an event loop of their own that the examples call into."""
    with start_blocking_portal() as portal, contextlib.ExitStack() as stack:
        sandbox = stack.enter_context(portal.wrap_async_context_manager(running_sandbox(SandboxOptions(port=0))))
        by_mode = {
            mode: stack.enter_context(portal.wrap_async_context_manager(harness(sandbox, mode=mode)))
            for mode in ("confirm", "dry-run")
        }
        yield Servers(portal, sandbox, by_mode)


def arguments_for(tool: str) -> Any:
    schema = DEFINED[tool]["inputSchema"]
    overrides = {name: s for name, s in OVERRIDES.items() if name in schema.get("properties", {})}
    valid = valid_arguments(schema, overrides)
    return st.one_of(valid, valid, near_misses(schema, valid))


def path_values(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    if tool in CATALOG:
        spec = CATALOG[tool]
        return {
            name: arguments[name] for name, where in spec.locations.items() if where == "path" and name in arguments
        }
    if tool == "call_operation" and isinstance(arguments.get("operation_id"), str):
        operation = INDEX.get(arguments["operation_id"])
        given = arguments.get("arguments")
        if operation is not None and isinstance(given, dict):
            return {n: given[n] for n, where in operation.locations.items() if where == "path" and n in given}
    return {}


def acceptable(tool: str, arguments: dict[str, Any]) -> bool:
    """Valid by the tool's own validator, with every path value safe for a URL."""
    if tool in EXPLORER_TOOLS:
        from jsonschema import Draft202012Validator

        valid = Draft202012Validator(DEFINED[tool]["inputSchema"]).is_valid(arguments)
    else:
        valid = validator_for(tool).is_valid(arguments)
    if not valid:
        return False
    try:
        for name, value in path_values(tool, arguments).items():
            validate_path_value(name, value)
    except InvalidPathValue:
        return False
    return True


def check(servers: Servers, mode: str, tool: str, arguments: dict[str, Any]) -> None:
    sandbox = servers.sandbox
    requests_before = sandbox.counters.requests
    result = servers.call(mode, tool, arguments)  # raises on a protocol error: that fails the test
    text = " ".join(getattr(block, "text", "") for block in result.content)
    content = result.structured_content or {}
    assert "(a bug)" not in text, text
    assert writes_sent(sandbox) == 0, "a write reached Zuora in confirm or dry-run mode"
    if not acceptable(tool, arguments):
        if content.get("status") == "refused" and tool == "call_operation":
            # The explorer checks an operation's own arguments itself, after finding the operation.
            assert "Nothing was changed." in content["message"] or "nothing was sent" in content["message"]
        assert result.is_error, text
        assert sandbox.counters.requests == requests_before, f"invalid arguments sent a request: {text}"
        return
    status = content.get("status")
    assert status != "outcome_unknown", text
    if not result.is_error:
        if tool in CATALOG and CATALOG[tool].safety != "read":  # a read's record may have a status of its own
            assert status in ("preview", "confirmation_required"), text
        return
    if status == "failed":
        assert content["error"]["reasons"], text
    else:
        assert status == "refused", text
        if tool in WRITE_TOOLS:  # a read tool's refusal (describe_operation's unknown field) changes nothing anyway
            message = content["message"]
            assert "Nothing was changed." in message or "nothing was sent to Zuora" in message, message


@pytest.mark.parametrize("mode", ["confirm", "dry-run"])
@pytest.mark.parametrize("tool", WRITE_TOOLS)
def test_fuzzed_write_arguments_never_crash_and_never_write(servers: Servers, tool: str, mode: str) -> None:
    @PROFILE
    @given(arguments=arguments_for(tool))
    def run(arguments: dict[str, Any]) -> None:
        check(servers, mode, tool, arguments)

    run()


@pytest.mark.parametrize("tool", READ_TOOLS)
def test_fuzzed_read_arguments_never_crash_and_invalid_ones_send_nothing(servers: Servers, tool: str) -> None:
    @PROFILE
    @given(arguments=arguments_for(tool))
    def run(arguments: dict[str, Any]) -> None:
        check(servers, "confirm", tool, arguments)

    run()
