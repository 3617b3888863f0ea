"""What telemetry costs a tool call: its hooks off, on, and beside a floor (``python -m bench.telemetry``).

One tool call runs these hooks: the ``tool_call`` scope (enter, finish, exit), one guard ``decision``,
two billing attempts (``billing_attempt`` and ``answered`` each: the token and the API request), one
``write_outcome`` and one ``current_track_id``. The *floor* is the same number of calls to a function
that does nothing, through the same kind of scope: what any hook at all costs in CPython. *Off* is the
default (no ``ZUORA_MCP_OTEL``, no ``OTEL_*``); *on* records into the OpenTelemetry SDK (a batch span
processor with an exporter that drops everything, and the in-memory reader behind ``/metrics``).

Then the same comparison end to end: a ``get_invoice`` through the real server (in process, the SDK's
client) against the sandbox tenant on 127.0.0.1, median of many calls, off and on.

Best of several repeats, nanoseconds per tool call (per-call cost ≈ total / iterations).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import anyio

from zuora_mcp import telemetry

__all__ = ["hooks_once", "main", "measure"]


class _FloorScope:
    __slots__ = ()

    def __enter__(self) -> _FloorScope:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def finish(self, status: str | None, *, is_error: bool = False) -> None:
        return None


_FLOOR_SCOPE = _FloorScope()


# The hooks' signatures, doing nothing: calling them is the floor.
def _scope(tool: str, provider: str, safety: str | None) -> _FloorScope:
    return _FLOOR_SCOPE


def _decision(status: str, detail: str = "", *, tool: str, provider: str) -> None:
    return None


def _attempt(
    api: bool, method: str, template: str, result: str, attempt: int, request_id: str | None, track_id: str
) -> None:
    return None


def _answered(status: int, provider: str, *, api: bool) -> None:
    return None


def _outcome(outcome: str, *, tool: str, provider: str) -> None:
    return None


def _track() -> str | None:
    return None


def floor_once() -> None:
    """The floor: the same calls as :func:`hooks_once`, to functions of the same signatures that do nothing."""
    with _scope("get_invoice", "zuora", "read") as call:
        _decision("previewed", "dry run", tool="get_invoice", provider="zuora")
        _attempt(False, "POST", "/oauth/token", "200", 1, None, "zmcp-0")
        _answered(200, "zuora", api=False)
        _attempt(True, "GET", "/v1/invoices/{invoiceKey}", "200", 1, "req-1", "zmcp-0")
        _answered(200, "zuora", api=True)
        _outcome("executed", tool="get_invoice", provider="zuora")
        _track()
        call.finish("ok")


def hooks_once() -> None:
    """Every hook one tool call runs, with the arguments the code passes."""
    with telemetry.tool_call("get_invoice", "zuora", "read") as call:
        telemetry.decision("previewed", "dry run", tool="get_invoice", provider="zuora")
        telemetry.billing_attempt(False, "POST", "/oauth/token", "200", 1, None, "zmcp-0")
        telemetry.answered(200, "zuora", api=False)
        telemetry.billing_attempt(True, "GET", "/v1/invoices/{invoiceKey}", "200", 1, "req-1", "zmcp-0")
        telemetry.answered(200, "zuora", api=True)
        telemetry.write_outcome("executed", tool="get_invoice", provider="zuora")
        telemetry.current_track_id()
        call.finish("ok")


def measure(once: Callable[[], None], iterations: int, repeats: int) -> float:
    """Nanoseconds per call of ``once``: the best of ``repeats`` runs of ``iterations`` calls."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter_ns()
        for _ in range(iterations):
            once()
        best = min(best, (time.perf_counter_ns() - started) / iterations)
    return best


def _turn_on() -> Callable[[], None]:
    """Telemetry on with the SDK (global tracer provider, as ``configure`` installs it); returns an off switch."""
    from opentelemetry import trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    class Dropping(SpanExporter):
        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    tracer_provider = TracerProvider(shutdown_on_exit=False)
    tracer_provider.add_span_processor(BatchSpanProcessor(Dropping()))
    trace.set_tracer_provider(tracer_provider)  # the MCP SDK's own spans record too, as in production
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    telemetry.enable(tracer_provider, meter_provider, reader)

    def off() -> None:
        telemetry.disable()
        meter_provider.shutdown()
        tracer_provider.shutdown()

    return off


async def _read_latency_us(calls: int) -> float:
    """Median microseconds of one get_invoice through the in-process server against the sandbox."""
    from mcp.client import Client

    from zuora_mcp.client import BillingClient
    from zuora_mcp.config import load_settings
    from zuora_mcp.providers.zuora.sandbox import SandboxOptions, running_sandbox
    from zuora_mcp.server import build_app, build_server

    async with running_sandbox(SandboxOptions(port=0)) as box:
        flags = {"base_url": box.base_url, "client_id": box.client_id, "client_secret": box.client_secret}
        settings = load_settings(flags, {})
        async with BillingClient(settings) as billing:
            async with Client(build_server(build_app(settings, billing)), mode="legacy") as client:
                times: list[float] = []
                for index in range(calls + 20):
                    started = time.perf_counter()
                    result = await client.call_tool("get_invoice", {"invoiceKey": "INV00000001"})
                    if index >= 20:  # the first calls warm the token and the connection pool
                        times.append(time.perf_counter() - started)
                    assert not result.is_error
    return statistics.median(times) * 1e6


def run(iterations: int, repeats: int, calls: int) -> dict[str, Any]:
    if telemetry.enabled() or telemetry.wanted(os.environ):
        raise SystemExit("bench.telemetry: unset ZUORA_MCP_OTEL and OTEL_* first (the off row must be off)")
    floor = measure(floor_once, iterations, repeats)
    off = measure(hooks_once, iterations, repeats)
    read_off = anyio.run(_read_latency_us, calls) if calls else None
    off_switch = _turn_on()
    try:
        on = measure(hooks_once, iterations, repeats)
        read_on = anyio.run(_read_latency_us, calls) if calls else None
    finally:
        off_switch()
    return {
        "iterations": iterations,
        "repeats": repeats,
        "hooks_ns_per_tool_call": {"floor": round(floor), "off": round(off), "on": round(on)},
        "off_above_floor_ns": round(off - floor),
        "get_invoice_median_us": {"off": read_off, "on": read_on, "calls": calls},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.telemetry", description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=20_000, help="tool calls' hooks per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300, help="get_invoice calls per side (0: skip)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    results = run(args.iterations, args.repeats, args.calls)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    hooks = results["hooks_ns_per_tool_call"]
    print(f"telemetry hooks, per tool call (best of {args.repeats} × {args.iterations}):")
    print(f"  floor (no-op calls)  {hooks['floor']:>7} ns")
    print(f"  off (the default)    {hooks['off']:>7} ns   ({results['off_above_floor_ns']:+} ns above the floor)")
    print(f"  on (OpenTelemetry)   {hooks['on']:>7} ns")
    read = results["get_invoice_median_us"]
    if read["off"] is not None:
        print(f"get_invoice through the server, median of {read['calls']}:")
        print(f"  off {read['off']:>9.0f} µs")
        print(f"  on  {read['on']:>9.0f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
