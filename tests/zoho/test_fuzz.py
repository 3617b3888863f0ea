"""Fuzzing every Zoho tool through the MCP client: no protocol error, nothing sent for invalid input.

For each tool, in ``confirm`` and ``dry-run`` mode (so no write runs), Hypothesis draws arguments that
are schema-valid (ids partly from the demo organisation) or near misses of them, calls the tool
through the SDK's client, and checks: ``call_tool`` never raises and never reports a bug; arguments
the tool's own validator rejects are refused with no request reaching the tenant, not even for a
token; valid ones give a record, a preview, a confirmation request, a refusal saying nothing was
changed, or Zoho's reasons; and no write ever reaches the tenant.
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

from tests.reliability.schema_strategies import near_misses, valid_arguments
from tests.zoho.cases import inv
from tests.zoho.conftest import Harness, connected, fresh, writes_sent
from zuora_mcp.catalog import load_catalog, tool_definition
from zuora_mcp.errors import InvalidPathValue
from zuora_mcp.plan import validate_path_value
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox
from zuora_mcp.providers.zoho.sandbox.demo_data import BANK_6789, BOWMAN, CARD_4242, LUMEN, demo_id
from zuora_mcp.schemas import validator_for

PROFILE = settings(
    max_examples=int(os.environ.get("ZOHO_FUZZ_EXAMPLES", "25")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
CATALOG = {tool.name: tool for tool in load_catalog("zoho")}
WRITE_TOOLS = sorted(name for name, tool in CATALOG.items() if tool.safety != "read")
READ_TOOLS = sorted(name for name, tool in CATALOG.items() if tool.safety == "read")
KNOWN = {
    "invoice_id": [inv(1), inv(4), inv(5), inv(7), "999"],
    "line_item_id": [demo_id(207), demo_id(208)],
    "customer_id": [BOWMAN, LUMEN],
    "card_id": [CARD_4242],
    "account_id": [BANK_6789],
}
OVERRIDES = {name: st.sampled_from(values) | st.text(max_size=16) for name, values in KNOWN.items()}


@dataclass
class Servers:
    portal: BlockingPortal
    zoho: RunningZohoSandbox
    by_mode: dict[str, Harness]

    def call(self, mode: str, tool: str, arguments: dict[str, Any]) -> Any:
        async def bounded() -> Any:
            with anyio.fail_after(20):
                return await self.by_mode[mode].call(tool, arguments)

        return self.portal.call(bounded)


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    """One tenant and one server per mode, in an event loop of their own that the examples call into."""
    with start_blocking_portal() as portal, contextlib.ExitStack() as stack:
        zoho = stack.enter_context(portal.wrap_async_context_manager(fresh()))
        by_mode = {
            mode: stack.enter_context(portal.wrap_async_context_manager(connected(zoho, mode=mode)))
            for mode in ("confirm", "dry-run")
        }
        yield Servers(portal, zoho, by_mode)


def arguments_for(tool: str) -> Any:
    schema = tool_definition(CATALOG[tool])["inputSchema"]
    overrides = {name: s for name, s in OVERRIDES.items() if name in schema.get("properties", {})}
    valid = valid_arguments(schema, overrides)
    return st.one_of(valid, valid, near_misses(schema, valid))


def acceptable(tool: str, arguments: dict[str, Any]) -> bool:
    """Valid by the tool's own validator, with every path value safe for a URL."""
    if not validator_for(tool, "zoho").is_valid(arguments):
        return False
    spec = CATALOG[tool]
    try:
        for name, where in spec.locations.items():
            if where == "path" and name in arguments:
                validate_path_value(name, arguments[name])
    except InvalidPathValue:
        return False
    return True


def check(servers: Servers, mode: str, tool: str, arguments: dict[str, Any]) -> None:
    zoho = servers.zoho
    requests_before = zoho.counters.requests
    result = servers.call(mode, tool, arguments)  # raises on a protocol error: that fails the test
    text = " ".join(getattr(block, "text", "") for block in result.content)
    content = result.structured_content or {}
    assert "(a bug)" not in text, text
    assert writes_sent(zoho) == 0, "a write reached Zoho in confirm or dry-run mode"
    if not acceptable(tool, arguments):
        assert result.is_error, text
        assert zoho.counters.requests == requests_before, f"invalid arguments sent a request: {text}"
        return
    status = content.get("status")
    assert status != "outcome_unknown", text
    if not result.is_error:
        if CATALOG[tool].safety != "read":
            assert status in ("preview", "confirmation_required"), text
        return
    if status == "failed":
        assert content["error"]["reasons"], text
    else:
        assert status == "refused", text
        message = content["message"]
        assert "Nothing was changed." in message or "nothing was sent to Zoho Billing" in message, message


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


def test_every_zoho_tool_is_fuzzed() -> None:
    assert len(WRITE_TOOLS) + len(READ_TOOLS) == 18
