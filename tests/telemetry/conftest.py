"""Fixtures: telemetry on with the OpenTelemetry SDK's in-memory exporters, and the real server behind
the SDK's own client, its billing client recording what went on the wire."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.lowlevel
import httpx2
import pytest
from mcp.client import Client
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace import Span as SdkSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.server.conftest import settings_for
from zuora_mcp import telemetry
from zuora_mcp.client import BillingClient
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox
from zuora_mcp.server import ServerApp, build_app, build_server


class _WhileCapturing(SpanProcessor):
    """Hands spans to the in-memory exporter only while a telemetry test runs: the tracer provider is
    process-wide (the MCP SDK's tracer resolves to it), and other tests' spans must not pile up."""

    def __init__(self, exporter: InMemorySpanExporter) -> None:
        self.inner = SimpleSpanProcessor(exporter)
        self.capturing = False

    def on_start(self, span: SdkSpan, parent_context: Context | None = None) -> None:
        if self.capturing:
            self.inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        if self.capturing:
            self.inner.on_end(span)

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


_EXPORTER = InMemorySpanExporter()
_PROCESSOR = _WhileCapturing(_EXPORTER)


def _global_tracer_provider() -> TracerProvider:
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        provider = current
    else:
        provider = TracerProvider(shutdown_on_exit=False)
        trace.set_tracer_provider(provider)
    if _PROCESSOR not in getattr(provider._active_span_processor, "_span_processors", ()):
        provider.add_span_processor(_PROCESSOR)
    return provider


@dataclass
class Otel:
    """What telemetry recorded during one test."""

    reader: InMemoryMetricReader
    exporter: InMemorySpanExporter

    def spans(self, name: str | None = None) -> list[ReadableSpan]:
        return [s for s in self.exporter.get_finished_spans() if name is None or s.name == name]

    def metrics(self) -> dict[str, list[Any]]:
        """Metric name → its data points (cumulative since the test began)."""
        data = self.reader.get_metrics_data()
        found: dict[str, list[Any]] = {}
        if data is not None:
            for resource in data.resource_metrics:
                for scope in resource.scope_metrics:
                    for metric in scope.metrics:
                        found.setdefault(metric.name, []).extend(metric.data.data_points)
        return found

    def count(self, name: str, **labels: str) -> int:
        """The sum of ``name``'s points whose attributes include ``labels``."""
        points = self.metrics().get(name, [])
        return sum(int(p.value) for p in points if all(p.attributes.get(k) == v for k, v in labels.items()))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def otel() -> Iterator[Otel]:
    tracer_provider = _global_tracer_provider()
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    _EXPORTER.clear()
    _PROCESSOR.capturing = True
    telemetry.enable(tracer_provider, meter_provider, reader)
    try:
        yield Otel(reader, _EXPORTER)
    finally:
        telemetry.disable()
        _PROCESSOR.capturing = False
        _EXPORTER.clear()
        meter_provider.shutdown()


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(SandboxOptions(port=0)) as running:
        yield running


@dataclass
class Wire:
    """The track id header of every request the billing client sent, and the one the tenant echoed."""

    sent: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, Zuora-Track-Id
    echoed: list[str | None] = field(default_factory=list)


class RecordingTransport(httpx2.AsyncBaseTransport):
    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.wire.sent.append((request.method, request.url.path, request.headers.get("zuora-track-id")))
        response = await self.inner.handle_async_request(request)
        self.wire.echoed.append(response.headers.get("zuora-track-id"))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Harness:
    client: Client
    app: ServerApp
    sandbox: RunningSandbox
    wire: Wire

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        return await self.client.call_tool(name, arguments)


async def _no_wait(seconds: float) -> None:
    await anyio.lowlevel.checkpoint()  # retries in these tests need not wait out a backoff


@contextlib.asynccontextmanager
async def connected(
    sandbox: RunningSandbox, *, elicitation: Callable[..., Any] | None = None, **flags: Any
) -> AsyncIterator[Harness]:
    settings = settings_for(sandbox, **flags)
    wire = Wire()
    async with BillingClient(settings, transport=RecordingTransport(wire), sleep=_no_wait) as billing:
        app = build_app(settings, billing)
        async with Client(build_server(app), mode="legacy", elicitation_callback=elicitation) as client:  # type: ignore[arg-type]
            yield Harness(client, app, sandbox, wire)


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def names(spans: Sequence[ReadableSpan]) -> list[str]:
    return [s.name for s in spans]
