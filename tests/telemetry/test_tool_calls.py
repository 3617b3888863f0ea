"""Telemetry on: tool calls through the real server produce spans joined to the SDK's, counters and the
MCP duration histogram, and the trace travels to Zuora as the track id."""

from __future__ import annotations

import re
from typing import Any

import mcp.types as types
import pytest

from tests.telemetry.conftest import Otel, attributes, connected
from zuora_mcp import telemetry
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

pytestmark = pytest.mark.anyio

LABEL_KEYS = {"provider", "tool", "kind", "approval", "reason", "endpoint"}


def track_id_of(span: Any) -> str:
    context = span.get_span_context()
    return f"zmcp-{context.trace_id:032x}-{context.span_id:016x}"


async def test_a_read_is_a_span_under_the_sdks_tools_call_span_with_provider_tool_safety_and_request_id(
    sandbox: RunningSandbox, otel: Otel
) -> None:
    async with connected(sandbox) as h:
        result = await h.call("get_invoice", {"invoiceKey": "INV00000001"})
    assert not result.is_error
    [ours] = otel.spans("execute_tool get_invoice")
    [sdk] = otel.spans("tools/call get_invoice")
    assert ours.parent is not None
    assert ours.parent.span_id == sdk.context.span_id
    assert ours.context.trace_id == sdk.context.trace_id
    seen = attributes(ours)
    assert seen["zuora_mcp.provider"] == "zuora"
    assert seen["gen_ai.tool.name"] == "get_invoice"
    assert seen["zuora_mcp.tool.safety"] == "read"
    assert seen["zuora_mcp.status"] == "ok"
    assert re.fullmatch(r"[0-9a-f-]{36}", str(seen["zuora_mcp.billing.request_id"]))
    assert seen["zuora_mcp.billing.track_id"] == track_id_of(ours)
    assert [e.name for e in ours.events] == ["billing.token_request", "billing.request"]


async def test_the_trace_id_reaches_zuora_as_the_track_id_and_comes_back(sandbox: RunningSandbox, otel: Otel) -> None:
    async with connected(sandbox) as h:
        await h.call("get_invoice", {"invoiceKey": "INV00000001"})
    [ours] = otel.spans("execute_tool get_invoice")
    expected = track_id_of(ours)
    assert expected.startswith(f"zmcp-{ours.context.trace_id:032x}-")
    assert len(expected) <= 64
    gets = [track for method, _, track in h.wire.sent if method == "GET"]
    assert gets == [expected]
    assert expected in h.wire.echoed


async def test_a_confirmed_write_records_the_preview_the_confirmation_and_the_execution(
    sandbox: RunningSandbox, otel: Otel
) -> None:
    async with connected(sandbox) as h:
        first = await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
        token = first.structured_content["confirmation_token"]
        done = await h.call("reverse_invoice", {"invoiceKey": "INV00000001", "confirmation_token": token})
    assert done.structured_content["status"] == "executed"
    preview, write = otel.spans("execute_tool reverse_invoice")
    assert attributes(preview)["zuora_mcp.guard.decision"] == "previewed"
    assert attributes(preview)["zuora_mcp.guard.preview"] == "token"
    assert attributes(preview)["zuora_mcp.status"] == "confirmation_required"
    seen = attributes(write)
    assert seen["zuora_mcp.tool.safety"] in {"write", "destructive"}
    assert seen["zuora_mcp.guard.decision"] == "confirmed"
    assert seen["zuora_mcp.guard.approval"] == "token"
    assert seen["zuora_mcp.write.outcome"] == "executed"
    assert seen["zuora_mcp.status"] == "executed"
    assert seen["zuora_mcp.billing.request_id"] == done.structured_content["zuora"]["request_id"]
    assert seen["zuora_mcp.billing.track_id"] == done.structured_content["zuora"]["track_id"] == track_id_of(write)
    assert ("PUT", "/v1/invoices/INV00000001/reverse", track_id_of(write)) in h.wire.sent
    labels = {"provider": "zuora", "tool": "reverse_invoice"}
    assert otel.count("zuora_mcp.previews", kind="token", **labels) == 1
    assert otel.count("zuora_mcp.confirmations", approval="token", **labels) == 1
    assert otel.count("zuora_mcp.writes.executed", **labels) == 1
    assert otel.count("zuora_mcp.refusals") == 0


async def test_the_duration_histogram_has_a_point_per_tool_with_the_semantic_convention_attributes(
    sandbox: RunningSandbox, otel: Otel
) -> None:
    async with connected(sandbox) as h:
        await h.call("get_invoice", {"invoiceKey": "INV00000001"})
        await h.call("get_invoice", {"invoiceKey": "INV00000002"})
        await h.call("reverse_invoice", {"invoiceKey": "INV00000001", "dry_run": True})
    points = {p.attributes["gen_ai.tool.name"]: p for p in otel.metrics()["mcp.server.operation.duration"]}
    assert points["get_invoice"].count == 2
    assert points["reverse_invoice"].count == 1
    assert points["get_invoice"].attributes["mcp.method.name"] == "tools/call"
    assert list(points["get_invoice"].explicit_bounds) == list(telemetry.DURATION_BUCKETS)
    assert 0 < points["get_invoice"].sum < 30


async def test_refusals_are_counted_by_a_short_reason_and_previews_by_kind(sandbox: RunningSandbox, otel: Otel) -> None:
    async with connected(sandbox, mode="dry-run") as h:
        await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
        await h.call("reverse_invoice", {"invoiceKey": 12})
        await h.call("reverse_invoice", {"invoiceKey": "INV00000001", "confirmation_token": "forged"})
    async with connected(sandbox, mode="read-only") as h:
        await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
    assert otel.count("zuora_mcp.previews", kind="dry_run") == 2  # a forged token in dry-run mode still previews
    assert otel.count("zuora_mcp.refusals", reason="invalid_arguments", tool="reverse_invoice") == 1
    assert otel.count("zuora_mcp.refusals", reason="read_only", tool="reverse_invoice") == 1
    reasons = {p.attributes["reason"] for p in otel.metrics()["zuora_mcp.refusals"]}
    assert reasons == {"invalid_arguments", "read_only"}


async def test_a_declined_write_is_counted(sandbox: RunningSandbox, otel: Otel) -> None:
    async def decline(context: Any, params: Any) -> types.ElicitResult:
        return types.ElicitResult(action="decline")

    async with connected(sandbox, elicitation=decline) as h:
        result = await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
    assert result.structured_content["status"] == "declined"
    assert otel.count("zuora_mcp.declines", tool="reverse_invoice") == 1
    assert otel.count("zuora_mcp.previews", kind="elicitation") == 1
    assert otel.count("zuora_mcp.writes.executed") == 0


async def test_a_write_whose_outcome_is_unknown_is_counted(sandbox: RunningSandbox, otel: Otel) -> None:
    sandbox.faults.once("500", "PUT")
    async with connected(sandbox, mode="auto") as h:
        result = await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
    assert result.structured_content["status"] == "outcome_unknown"
    assert otel.count("zuora_mcp.writes.outcome_unknown", tool="reverse_invoice") == 1
    assert otel.count("zuora_mcp.confirmations", approval="auto") == 1
    [span] = otel.spans("execute_tool reverse_invoice")
    assert attributes(span)["error.type"] == "tool_error"


async def test_429_answers_and_token_refreshes_are_counted(sandbox: RunningSandbox, otel: Otel) -> None:
    async with connected(sandbox) as h:
        sandbox.faults.once("429", "GET", "/v1/invoices/*")
        assert not (await h.call("get_invoice", {"invoiceKey": "INV00000001"})).is_error
        sandbox.expire_tokens()
        assert not (await h.call("get_invoice", {"invoiceKey": "INV00000001"})).is_error
    assert otel.count("zuora_mcp.provider.rate_limited", provider="zuora", endpoint="api") == 1
    assert otel.count("zuora_mcp.token.refreshes", provider="zuora") == 1
    assert h.app.client.stats.refreshes == 1


async def test_an_unknown_tool_name_never_becomes_a_label_or_span_name(sandbox: RunningSandbox, otel: Otel) -> None:
    async with connected(sandbox) as h:
        with pytest.raises(Exception, match="Unknown tool"):
            await h.call("acct-4111111111111111", {})
    [span] = otel.spans("execute_tool unknown")
    assert attributes(span)["error.type"] == "MCPError"
    [point] = otel.metrics()["mcp.server.operation.duration"]
    assert point.attributes["gen_ai.tool.name"] == "unknown"
    assert "4111" not in (telemetry.prometheus_text() or "")


async def test_labels_and_attributes_carry_names_and_categories_never_arguments(
    sandbox: RunningSandbox, otel: Otel
) -> None:
    secret_ish = "finance@example.com"
    async with connected(sandbox) as h:
        first = await h.call("email_invoice", {"invoiceKey": "INV00000001", "emailAddresses": secret_ish})
        token = first.structured_content["confirmation_token"]
        await h.call(
            "email_invoice", {"invoiceKey": "INV00000001", "emailAddresses": secret_ish, "confirmation_token": token}
        )
        await h.call(
            "email_invoice", {"invoiceKey": "INV00000001", "emailAddresses": secret_ish, "confirmation_token": token}
        )
    ours = [s for s in otel.spans() if s.name.startswith("execute_tool")]
    assert len(ours) == 3
    for span in ours:
        text = repr(attributes(span)) + repr([e.attributes for e in span.events])
        assert secret_ish not in text
        assert token not in text
        assert "INV00000001" not in text
    for points in otel.metrics().values():
        for point in points:
            assert set(point.attributes) <= LABEL_KEYS | {
                "mcp.method.name",
                "gen_ai.operation.name",
                "gen_ai.tool.name",
                "error.type",
            }
    assert otel.count("zuora_mcp.refusals", reason="confirmation_invalid", tool="email_invoice") == 1
