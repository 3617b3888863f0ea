"""Batches: at most 50 per call with a way to split, progress as they go, an outcome per invoice."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.cases import NEW_INVOICE
from tests.server.conftest import connected, writes_sent
from zuora_mcp.providers.zuora.sandbox import RunningSandbox
from zuora_mcp.providers.zuora.sandbox.demo_data import demo_id

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("tool", ["update_invoices", "create_invoices"])
async def test_more_than_fifty_invoices_are_refused_with_how_to_split(sandbox: RunningSandbox, tool: str) -> None:
    entry = {"id": demo_id("INV00000001"), "comments": "x"} if tool == "update_invoices" else NEW_INVOICE
    async with connected(sandbox) as h:
        result = await h.call(tool, {"invoices": [entry] * 51})
    text = result.content[0].text
    assert result.is_error
    assert "at most 50" in text
    assert "split them into 2 calls" in text
    assert writes_sent(sandbox) == 0


async def test_a_batch_update_reports_progress_and_an_outcome_per_invoice(sandbox: RunningSandbox) -> None:
    updates = [
        {"id": demo_id("INV00000001"), "comments": "checked"},
        {"id": demo_id("INV00000006"), "comments": "geprüft"},
    ]
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    async with connected(sandbox, mode="auto") as h:
        result = await h.client.call_tool("update_invoices", {"invoices": updates}, progress_callback=progress)
    content: dict[str, Any] = result.structured_content or {}
    assert content["status"] == "executed", result.content[0].text
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen)
    assert any("reading invoice 2 of 2" in (message or "") for _, _, message in seen)
    assert any("sending" in (message or "") for _, _, message in seen)
    assert all(total == 4 for _, total, _ in seen)
    outcomes = content["result"]["invoices"]
    assert len(outcomes) == 2
    assert all(outcome["success"] for outcome in outcomes)
    assert sandbox.counters.writes_applied >= 1


async def test_a_batch_create_lists_each_new_invoice(sandbox: RunningSandbox) -> None:
    batch = {"invoices": [NEW_INVOICE, {**NEW_INVOICE, "invoiceDate": "2026-11-02"}]}
    async with connected(sandbox, mode="auto") as h:
        result = await h.call("create_invoices", batch)
    content: dict[str, Any] = result.structured_content or {}
    assert content["status"] == "executed", result.content[0].text
    outcomes = content["result"]["invoices"]
    assert [o["success"] for o in outcomes] == [True, True]
    assert all(o["invoiceNumber"].startswith("INV") for o in outcomes)
    assert "2 of 2 invoices succeeded" in content["message"]
