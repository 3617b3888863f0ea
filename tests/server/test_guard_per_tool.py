"""For every write tool: dry-run sends nothing, a token runs it exactly once, misuse is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.cases import WRITE_CASES
from tests.server.conftest import connected, writes_sent
from zuora_mcp.audit import AuditLog
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

pytestmark = pytest.mark.anyio
WRITE_TOOLS = sorted(WRITE_CASES)


def test_every_write_tool_of_the_catalog_has_a_case() -> None:
    from zuora_mcp.catalog import load_catalog

    assert sorted(t.name for t in load_catalog() if t.safety != "read") == WRITE_TOOLS


@pytest.mark.parametrize("tool", WRITE_TOOLS)
@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_dry_run_previews_and_sends_nothing(sandbox: RunningSandbox, tool: str, era: str) -> None:
    async with connected(sandbox, era=era) as h:
        result = await h.call(tool, {**WRITE_CASES[tool], "dry_run": True})
    content = result.structured_content
    assert not result.is_error, result.content[0].text
    assert content["status"] == "preview"
    assert content["changed"] is False
    assert "Nothing was changed." in content["message"]
    request = content["preview"]["request"]
    assert request["url"].startswith(sandbox.base_url)
    assert all(check["ok"] for check in content["preview"]["preflight"])
    assert content["preview"]["effect"]
    assert writes_sent(sandbox) == 0
    assert sandbox.counters.writes_applied == 0


@pytest.mark.parametrize("tool", WRITE_TOOLS)
async def test_a_confirmation_token_runs_the_write_exactly_once(
    sandbox: RunningSandbox, tool: str, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    async with connected(sandbox, audit=audit) as h:
        first = await h.call(tool, WRITE_CASES[tool])
        assert first.structured_content["status"] == "confirmation_required", first.content[0].text
        assert "Nothing was changed." in first.structured_content["message"]
        assert writes_sent(sandbox) == 0
        token = first.structured_content["confirmation_token"]

        done = await h.call(tool, {**WRITE_CASES[tool], "confirmation_token": token})
        assert not done.is_error, done.content[0].text
        assert done.structured_content["status"] == "executed"
        assert done.structured_content["changed"] is True
        assert done.structured_content["zuora"]["request_id"]
        assert sandbox.counters.writes_applied == 1

        replay = await h.call(tool, {**WRITE_CASES[tool], "confirmation_token": token})
        assert replay.is_error
        assert replay.structured_content["status"] == "refused"
        assert "already been used" in replay.structured_content["message"]
        assert sandbox.counters.writes_applied == 1
    decisions = [r["decision"] for r in AuditLog.read(audit)]
    assert decisions == ["previewed", "confirmed", "executed", "refused"]


@pytest.mark.parametrize("tool", WRITE_TOOLS)
async def test_a_token_is_refused_for_another_tool(sandbox: RunningSandbox, tool: str) -> None:
    other = "reverse_invoice" if tool != "reverse_invoice" else "write_off_invoice"
    async with connected(sandbox) as h:
        token = (await h.call(other, WRITE_CASES[other])).structured_content["confirmation_token"]
        result = await h.call(tool, {**WRITE_CASES[tool], "confirmation_token": token})
    assert result.structured_content["status"] == "refused"
    assert f"issued for the tool {other}" in result.structured_content["message"]
    assert writes_sent(sandbox) == 0
