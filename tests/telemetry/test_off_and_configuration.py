"""Telemetry is off by default and free when off: nothing recorded, nothing imported from OpenTelemetry
by our code; on from ZUORA_MCP_OTEL=1 or the standard OTEL_* variables; the Prometheus text is well formed."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider

from tests.telemetry.conftest import _EXPORTER, _PROCESSOR, Otel, connected
from zuora_mcp import telemetry
from zuora_mcp.client import new_track_id
from zuora_mcp.providers.zuora.sandbox import RunningSandbox


def run_python(code: str, **env: str) -> str:
    """``code`` in a fresh interpreter with only ``env`` (and PATH) set; its stdout."""
    import os

    environ = {"PATH": os.environ.get("PATH", ""), **env}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False, env=environ
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_with_telemetry_off_the_hooks_import_nothing_from_opentelemetry() -> None:
    code = """
import json, sys
from zuora_mcp import telemetry, guard, executor, metrics_app
from zuora_mcp.client import new_track_id
telemetry.configure()
with telemetry.tool_call("get_invoice", "zuora", "read") as call:
    telemetry.decision("previewed", "dry run", tool="get_invoice", provider="zuora")
    telemetry.write_outcome("executed", tool="get_invoice", provider="zuora")
    telemetry.billing_attempt(True, "GET", "/v1/invoices/{invoiceKey}", "200", 1, "r", "t")
    telemetry.answered(429, "zuora", api=True)
    telemetry.token_refreshed("zuora")
    call.finish("ok")
print(json.dumps({
    "enabled": telemetry.enabled(),
    "otel": sorted(m for m in sys.modules if m.startswith("opentelemetry")),
    "track": new_track_id(),
    "metrics": telemetry.prometheus_text(),
}))
"""
    seen = json.loads(run_python(code))
    assert seen["enabled"] is False
    assert seen["otel"] == []
    assert re.fullmatch(r"zmcp-[0-9a-f]{32}", seen["track"])
    assert seen["metrics"] is None


def test_a_whole_server_with_telemetry_off_never_loads_the_opentelemetry_sdk() -> None:
    # The MCP SDK itself imports opentelemetry-api (its spans are no-ops until a provider is set);
    # the SDK proper (opentelemetry.sdk) is what telemetry would load, and it stays out.
    code = """
import anyio, json, sys
from mcp.client import Client
from zuora_mcp import telemetry
from zuora_mcp.client import BillingClient
from zuora_mcp.config import load_settings
from zuora_mcp.providers.zuora.sandbox import SandboxOptions, running_sandbox
from zuora_mcp.server import build_app, build_server

async def main():
    async with running_sandbox(SandboxOptions(port=0)) as box:
        flags = {"base_url": box.base_url, "client_id": box.client_id, "client_secret": box.client_secret}
        settings = load_settings(flags, {})
        async with BillingClient(settings) as billing:
            async with Client(build_server(build_app(settings, billing))) as client:
                read = await client.call_tool("get_invoice", {"invoiceKey": "INV00000001"})
                assert not read.is_error
    sdk = [m for m in sys.modules if m.startswith("opentelemetry.sdk")]
    print(json.dumps({"enabled": telemetry.enabled(), "sdk": sdk}))

anyio.run(main)
"""
    seen = json.loads(run_python(code))
    assert seen == {"enabled": False, "sdk": []}


@pytest.mark.anyio
async def test_with_telemetry_off_a_tool_call_records_nothing(sandbox: RunningSandbox) -> None:
    assert not telemetry.enabled()
    _EXPORTER.clear()
    _PROCESSOR.capturing = True  # the SDK's own spans would be caught; ours must not exist
    try:
        async with connected(sandbox, mode="auto") as h:
            await h.call("get_invoice", {"invoiceKey": "INV00000001"})
            await h.call("reverse_invoice", {"invoiceKey": "INV00000001"})
        spans = [s.name for s in _EXPORTER.get_finished_spans()]
    finally:
        _PROCESSOR.capturing = False
        _EXPORTER.clear()
    assert not [name for name in spans if name.startswith("execute_tool")]
    assert all(re.fullmatch(r"zmcp-[0-9a-f]{32}", track or "") for _, _, track in h.wire.sent)
    assert telemetry.prometheus_text() is None


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, False),
        ({"ZUORA_MCP_OTEL": "1"}, True),
        ({"ZUORA_MCP_OTEL": "true"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, True),
        ({"OTEL_SERVICE_NAME": "billing-mcp"}, True),
        ({"OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_SERVICE_NAME": "billing-mcp", "ZUORA_MCP_OTEL": "0"}, False),
        ({"ZUORA_MCP_OTEL": "1", "OTEL_SDK_DISABLED": "true"}, False),
    ],
)
def test_telemetry_is_wanted_from_our_switch_or_the_standard_variables(environ: dict[str, str], expected: bool) -> None:
    assert telemetry.wanted(environ) is expected


def test_zuora_mcp_otel_turns_telemetry_on_with_a_global_tracer_provider_and_metrics() -> None:
    code = """
import json
from opentelemetry import trace
from zuora_mcp import telemetry
assert telemetry.configure()
assert telemetry.configure()  # idempotent
with telemetry.tool_call("get_invoice", "zuora", "read") as call:
    track = telemetry.current_track_id()
    call.finish("ok")
print(json.dumps({
    "provider": type(trace.get_tracer_provider()).__module__,
    "track": track,
    "metrics": telemetry.prometheus_text(),
}))
"""
    seen = json.loads(run_python(code, ZUORA_MCP_OTEL="1"))
    assert seen["provider"].startswith("opentelemetry.sdk.trace")
    assert re.fullmatch(r"zmcp-[0-9a-f]{32}-[0-9a-f]{16}", seen["track"])
    assert 'mcp_server_operation_duration_seconds_count{gen_ai_operation_name="execute_tool",' in seen["metrics"]


def test_the_prometheus_text_has_cumulative_buckets_totals_and_escaped_labels() -> None:
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    telemetry.enable(TracerProvider(shutdown_on_exit=False), meters, reader)
    try:
        for _ in range(3):
            with telemetry.tool_call("get_invoice", "zuora", "read") as call:
                call.finish("ok")
        telemetry.decision("refused", 'a "quoted"\\ reason', tool="reverse_invoice", provider="zu\nora")
        text = telemetry.prometheus_text() or ""
    finally:
        telemetry.disable()
        meters.shutdown()
    lines = text.splitlines()
    buckets = [line for line in lines if line.startswith("mcp_server_operation_duration_seconds_bucket")]
    counts = [int(line.rsplit(" ", 1)[1]) for line in buckets]
    assert counts == sorted(counts)
    assert buckets[-1].endswith(" 3")
    assert 'le="+Inf"' in buckets[-1]
    assert len(buckets) == len(telemetry.DURATION_BUCKETS) + 1
    assert "mcp_server_operation_duration_seconds_count" in text
    assert 'zuora_mcp_refusals_total{provider="zu\\nora",reason="other",tool="reverse_invoice"} 1' in lines
    assert text.endswith("\n")


@pytest.mark.parametrize(
    ("detail", "reason"),
    [
        ("reverse_invoice is disabled: the server runs in read-only mode for this tool.", "read_only"),
        ("x would write to the production environment prod, and the policy does not allow it", "production_writes_off"),
        ("x would move 500.00 USD, above the policy limit of 100.00 for this tool.", "amount_limit"),
        ("the confirmation token was not accepted: it has expired.", "confirmation_invalid"),
        ("Zuora would refuse this write: balance (production invoice has none).", "preflight_failed"),
        ("the record changed since the preview (or the write already ran); preview it again.", "record_changed"),
        ("the write ledger cannot record this write before it is sent (down)", "ledger_unavailable"),
        ("something new", "other"),
    ],
)
def test_a_refusal_is_labelled_by_its_category_never_its_text(detail: str, reason: str) -> None:
    assert telemetry.refusal_reason(detail) == reason


def test_the_track_id_is_random_when_no_span_is_current() -> None:
    assert re.fullmatch(r"zmcp-[0-9a-f]{32}", new_track_id())


def test_a_refusal_before_the_guard_is_bad_arguments_or_for_the_card_a_confirmation_not_accepted(otel: Otel) -> None:
    with telemetry.tool_call("approve_write", "zuora", "write") as call:
        call.finish("refused", is_error=True)
    with telemetry.tool_call("call_operation", "zuora", "explorer") as call:
        call.finish("refused", is_error=True)
    with telemetry.tool_call("get_invoice", "zuora", "read") as call:
        call.finish("Posted")  # a read's own status field is data, not the outcome
    assert otel.count("zuora_mcp.refusals", tool="approve_write", reason="confirmation_invalid") == 1
    assert otel.count("zuora_mcp.refusals", tool="call_operation", reason="invalid_arguments") == 1
    [read] = otel.spans("execute_tool get_invoice")
    assert read.attributes is not None
    assert read.attributes["zuora_mcp.status"] == "ok"
