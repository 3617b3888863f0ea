"""Every catalog write tool under every fault: applied once or not at all, and the result says which.

One test per cell (tool × fault), each on a fresh sandbox with a fixed clock, the server in ``auto``
mode so the write is sent at once. After the call the test compares the whole tenant with two
references — the tenant before, and the tenant after the same write applied once on another fresh
sandbox — and reads the sandbox's write counter:

- ``executed``  → applied exactly once (tenant equals the applied-once reference);
- ``failed`` / ``refused`` → the message says "Nothing was changed." and the tenant is untouched;
- ``outcome_unknown`` → the message says the write may or may not have been applied and names a read
  tool the server lists; the tenant is untouched or applied once.

Never twice. Beyond these invariants each cell has an expected status (which faults the client
retries safely, which it must report as unknown), from the method: POST carries an
``Idempotency-Key`` (Zuora de-duplicates a repeat), PUT and DELETE do not. The table is printed in the
terminal summary (``pytest tests/reliability -k matrix``).
"""

from __future__ import annotations

import re
from typing import Any

import anyio
import pytest

from tests.reliability.conftest import CLOCK_START, Harness, harness, snapshot
from tests.server.cases import WRITE_CASES
from tests.server.conftest import writes_sent
from zuora_mcp.catalog import load_catalog
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox

pytestmark = pytest.mark.anyio

TOOLS = {tool.name: tool for tool in load_catalog()}
TIMEOUT = 0.25  # ZUORA_MCP_TIMEOUT for the timeout cells
DELAY = 0.5  # how long the sandbox holds the request in the timeout cells
FAULTS = (
    "429",
    "500",
    "502",
    "503",
    "timeout_before_commit",
    "timeout_after_commit",
    "drop_before_commit",
    "drop_after_commit",
    "token_expires_mid_call",
    "200_success_false",
)
# What each cell must answer, by whether the write carries an Idempotency-Key (POST) or not.
EXPECTED = {
    "429": ("executed", "executed"),  # Zuora refused before processing: repeat after Retry-After
    "500": ("outcome_unknown", "outcome_unknown"),  # may have been processed; never repeated
    "502": ("executed", "outcome_unknown"),  # a keyed repeat is de-duplicated; an unkeyed one is not
    "503": ("executed", "failed"),  # not processed; only a keyed write is repeated
    "timeout_before_commit": ("outcome_unknown", "outcome_unknown"),
    "timeout_after_commit": ("outcome_unknown", "outcome_unknown"),
    "drop_before_commit": ("outcome_unknown", "outcome_unknown"),
    "drop_after_commit": ("outcome_unknown", "outcome_unknown"),
    "token_expires_mid_call": ("executed", "executed"),  # 401 before processing: new token, one re-send
    "200_success_false": ("failed", "failed"),
}
SHORT = {"executed": "executed", "failed": "failed", "refused": "refused", "outcome_unknown": "unknown"}
_applied_once: dict[str, dict[str, Any]] = {}


def fresh() -> Any:
    return running_sandbox(SandboxOptions(port=0, clock_start=CLOCK_START))


def route_glob(tool: str) -> tuple[str, str]:
    spec = TOOLS[tool]
    return spec.method, re.sub(r"\{[^{}]+\}", "*", spec.path)


async def applied_once(tool: str) -> dict[str, Any]:
    """The tenant after ``tool`` ran once with no fault (computed once per tool)."""
    if tool not in _applied_once:
        async with fresh() as sandbox, harness(sandbox, mode="auto") as h:
            result = await h.call(tool, WRITE_CASES[tool])
            assert result.structured_content["status"] == "executed", result.content[0].text
            assert sandbox.counters.writes_applied == 1
            _applied_once[tool] = snapshot(sandbox.tenant)
    return _applied_once[tool]


async def inject(h: Harness, sandbox: RunningSandbox, tool: str, fault: str) -> Any:
    """Arrange ``fault`` for the write request of ``tool`` and make the call."""
    method, path = route_glob(tool)
    faults = sandbox.faults
    if fault in {"429", "500", "502", "503"}:
        faults.once(fault, method, path)  # type: ignore[arg-type]
    elif fault == "200_success_false":
        faults.once("success_false", method, path)
    elif fault.startswith("drop_"):
        faults.once(fault, method, path)  # type: ignore[arg-type]
    elif fault.startswith("timeout_"):
        faults.once(fault.replace("timeout", "delay"), method, path, seconds=DELAY)  # type: ignore[arg-type]
    else:  # the token stops working while the write is on its way in (held 0.1 s before it is read)
        faults.once("latency", method, path, seconds=0.1)
        result: Any = None

        async def call() -> None:
            nonlocal result
            result = await h.call(tool, WRITE_CASES[tool])

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(call)
            await sandbox.counters.wait_for(lambda c: writes_sent(sandbox) >= 1)
            sandbox.expire_tokens()
        return result
    return await h.call(tool, WRITE_CASES[tool])


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("tool", sorted(WRITE_CASES))
async def test_a_write_under_a_fault_is_applied_at_most_once_and_says_which(
    tool: str, fault: str, matrix_cell: dict[tuple[str, str], str]
) -> None:
    with anyio.fail_after(20):
        once = await applied_once(tool)
        environ = {"ZUORA_MCP_TIMEOUT": str(TIMEOUT)} if fault.startswith("timeout_") else {}
        async with fresh() as sandbox, harness(sandbox, mode="auto", environ=environ) as h:
            before = snapshot(sandbox.tenant)
            tools_listed = {t.name for t in (await h.client.list_tools()).tools}
            result = await inject(h, sandbox, tool, fault)
            if fault == "timeout_before_commit":  # the sandbox commits after the client gave up
                await sandbox.counters.wait_for(lambda c: c.writes_applied >= 1)
            content = result.structured_content
            status = content["status"]
            applied = sandbox.counters.writes_applied
            after = snapshot(sandbox.tenant)
            matrix_cell[(tool, fault)] = f"{SHORT.get(status, status)} ×{applied}"

            assert applied <= 1, f"applied {applied} times"
            assert after in (before, once), "the tenant is neither untouched nor changed once"
            if status == "executed":
                assert not result.is_error
                assert content["changed"] is True
                assert (applied, after) == (1, once)
            elif status in {"failed", "refused"}:
                assert result.is_error
                assert "Nothing was changed." in content["message"]
                assert (applied, after) == (0, before)
            else:
                assert status == "outcome_unknown", content
                assert result.is_error
                assert "may or may not have been applied" in content["message"]
                settle_tool = re.split(r"[( ]", content["settle_with"], maxsplit=1)[0]
                assert settle_tool in tools_listed, content["settle_with"]
                assert content["settle_with"] in content["message"]
            keyed = TOOLS[tool].method == "POST"
            assert status == EXPECTED[fault][0 if keyed else 1], content["message"]
            if fault == "429":  # the client waited as long as Retry-After said, once
                assert h.sleeps.waits == [1.0]
