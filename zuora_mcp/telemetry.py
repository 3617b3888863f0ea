"""Telemetry operators can watch: OpenTelemetry spans and metrics, off by default and free when off.

Turned on by ``ZUORA_MCP_OTEL=1`` or the standard ``OTEL_*`` variables (an OTLP endpoint, a service
name, a traces or metrics exporter) when the ``otel`` extra is installed (``pip install
'zuora-mcp[otel]'``); ``ZUORA_MCP_OTEL=0`` or ``OTEL_SDK_DISABLED=true`` keep it off. Off, every hook
below is one test of a module global and a return: nothing from ``opentelemetry`` is imported by this
module, nothing is recorded (``bench/telemetry.py`` measures it).

The code calls a tiny API:

- :func:`tool_call` (the server, around each tools/call): a span ``execute_tool <tool>``, the child of
  the SDK's own ``tools/call <tool>`` span, with the provider, tool, safety class, the guard's
  decision, the outcome's status and the billing system's request and track ids; and one point of the
  ``mcp.server.operation.duration`` histogram (the MCP semantic conventions' name and attributes);
- :func:`decision` (the guard: previews, confirmations, declines, refusals), :func:`write_outcome`
  (the executor: writes executed, outcomes unknown), :func:`billing_attempt`, :func:`answered` and
  :func:`token_refreshed` (the shared client: request ids, 429 answers, token refreshes);
- :func:`current_track_id`: the track id sent to the billing system (``Zuora-Track-Id``) is derived
  from the current trace, ``zmcp-<trace id>-<span id>``, so the vendor's logs join the trace.

Labels and attributes carry names and short categories only — the provider, the tool, the safety
class, a refusal's reason category — never arguments, free text, principals or tokens. The billing
system's request and track ids appear on spans only, never as metric labels.

:func:`prometheus_text` renders the metrics in the Prometheus text format for ``/metrics``
(:mod:`zuora_mcp.metrics_app`), read from the SDK's in-memory metric reader: no extra dependency.
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from collections.abc import Mapping
from contextvars import ContextVar
from importlib.util import find_spec
from types import TracebackType
from typing import TYPE_CHECKING, Any

from zuora_mcp import __version__

if TYPE_CHECKING:
    from opentelemetry.metrics import Counter, Histogram
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.trace import Span, Tracer, TracerProvider

__all__ = [
    "DURATION_BUCKETS",
    "ToolCall",
    "answered",
    "billing_attempt",
    "configure",
    "current_track_id",
    "decision",
    "disable",
    "enable",
    "enabled",
    "prometheus_text",
    "refusal_reason",
    "token_refreshed",
    "tool_call",
    "wanted",
    "write_outcome",
]

logger = logging.getLogger("zuora_mcp.telemetry")

SCOPE = "zuora_mcp"
# The MCP semantic conventions' histogram and its recommended bucket boundaries, in seconds.
DURATION = "mcp.server.operation.duration"
DURATION_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
# Counter name → (unit, description). Labels: provider and tool, plus the one named in the description.
COUNTERS: Mapping[str, tuple[str, str]] = {
    "zuora_mcp.previews": (
        "{preview}",
        "Write previews shown, nothing sent (label kind: dry_run, token, card, elicitation).",
    ),
    "zuora_mcp.confirmations": ("{write}", "Writes approved and committed to the ledger (label approval)."),
    "zuora_mcp.declines": ("{write}", "Writes a person declined or cancelled."),
    "zuora_mcp.refusals": ("{call}", "Calls refused, nothing sent (label reason: a short category)."),
    "zuora_mcp.writes.executed": ("{write}", "Writes the billing system applied."),
    "zuora_mcp.writes.outcome_unknown": ("{write}", "Writes that may or may not have been applied."),
    "zuora_mcp.provider.rate_limited": ("{answer}", "HTTP 429 answers from the billing system (label endpoint)."),
    "zuora_mcp.token.refreshes": ("{refresh}", "Tokens fetched again because the billing system answered 401."),
}
# What turns telemetry on when ZUORA_MCP_OTEL is unset: the standard variables an operator sets.
OTEL_VARIABLES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    "OTEL_SERVICE_NAME",
    "OTEL_TRACES_EXPORTER",
    "OTEL_METRICS_EXPORTER",
)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})

# A refusal's free text → a short category; the first phrase found wins. Unmatched: "other".
_REFUSAL_REASONS = (
    ("read-only mode", "read_only"),
    ("token was not accepted", "confirmation_invalid"),
    ("approval was not accepted", "confirmation_invalid"),
    ("changed since the preview", "record_changed"),
    ("would refuse this write", "preflight_failed"),
    ("above the policy limit", "amount_limit"),
    ("write ledger", "ledger_unavailable"),
    ("requires a person's approval", "person_required"),
    ("not a read", "read_tool_planned_write"),
    ("is covered by the catalog tool", "curated_operation"),
    ("call_operation cannot send", "unsupported_operation"),
    ("production", "production_writes_off"),
)
# The guard's fixed preview details → the preview's kind.
_PREVIEW_KINDS = {
    "dry run": "dry_run",
    "confirmation token issued": "token",
    "approval card shown": "card",
    "asked the person": "elicitation",
}
_APPROVALS = frozenset({"token", "elicitation", "card", "auto"})
# A call answered "refused" without the guard deciding was refused at the door: bad arguments (or an
# explorer operation that does not exist), or, for the card's approve_write, a credential not accepted.
_UNGUARDED_REFUSALS = {"approve_write": "confirmation_invalid"}
# The guard's outcome statuses, and the server's words for the rest. A read's structured content may
# have a "status" of its own (an invoice's "Posted"): that is data, recorded as "ok".
OUTCOME_STATUSES = frozenset(
    {
        "executed",
        "preview",
        "confirmation_required",
        "declined",
        "refused",
        "failed",
        "outcome_unknown",
        "input_required",
        "ok",
        "error",
    }
)


def refusal_reason(detail: str) -> str:
    """The short category of a refusal's free text (a metric label: never the text itself)."""
    for phrase, reason in _REFUSAL_REASONS:
        if phrase in detail:
            return reason
    return "other"


# -- state --------------------------------------------------------------------------------------------


class _On:
    """Everything live telemetry holds; exists only while it is on."""

    def __init__(self, tracer_provider: TracerProvider, meter_provider: MeterProvider, reader: InMemoryMetricReader):
        from opentelemetry import context, trace

        self.trace = trace
        self.context = context
        self.tracer: Tracer = tracer_provider.get_tracer(SCOPE, __version__)
        self.meter_provider = meter_provider
        self.reader = reader
        meter = meter_provider.get_meter(SCOPE, __version__)
        self.duration: Histogram = meter.create_histogram(
            DURATION,
            unit="s",
            description="MCP request duration as observed on the server, from receipt to the result.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.counters: dict[str, Counter] = {
            name: meter.create_counter(name, unit=unit, description=text) for name, (unit, text) in COUNTERS.items()
        }

    def count(self, name: str, labels: Mapping[str, str]) -> None:
        self.counters[name].add(1, labels)


_on: _On | None = None
_CURRENT: ContextVar[_LiveCall | None] = ContextVar("zuora_mcp_tool_call", default=None)


def enabled() -> bool:
    return _on is not None


def wanted(environ: Mapping[str, str]) -> bool:
    """Whether the environment asks for telemetry (whatever is installed)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() in _TRUE:
        return False
    own = environ.get("ZUORA_MCP_OTEL", "").strip().lower()
    if own in _TRUE:
        return True
    if own in _FALSE:
        return False
    return any(environ.get(name, "").strip() not in ("", "none") for name in OTEL_VARIABLES)


def enable(tracer_provider: TracerProvider, meter_provider: MeterProvider, reader: InMemoryMetricReader) -> None:
    """Turn telemetry on with these providers; ``reader`` (one of the meter provider's) feeds /metrics."""
    global _on
    _on = _On(tracer_provider, meter_provider, reader)


def disable() -> None:
    """Turn telemetry off (the providers are the caller's to shut down)."""
    global _on
    _on = None


def configure(environ: Mapping[str, str] | None = None) -> bool:
    """Turn telemetry on if the environment asks for it and the ``otel`` extra is installed; True when on.

    Idempotent. Uses a tracer provider already installed globally (``opentelemetry-instrument``);
    otherwise installs one, so the MCP SDK's own spans are exported beside ours. Traces and metrics go
    over OTLP/HTTP when an OTLP endpoint is set (or ``OTEL_*_EXPORTER`` names ``otlp``); traces to
    stderr with ``OTEL_TRACES_EXPORTER=console`` (stdout is the MCP protocol on stdio). Metrics are
    always readable at ``/metrics`` over HTTP.
    """
    env = os.environ if environ is None else environ
    if _on is not None:
        return True
    if not wanted(env):
        return False
    if find_spec("opentelemetry.sdk") is None:
        logger.warning("telemetry was asked for but the OpenTelemetry SDK is missing: pip install 'zuora-mcp[otel]'")
        return False
    tracer_provider, meter_provider, reader = _providers_from(env)
    enable(tracer_provider, meter_provider, reader)
    logger.info("telemetry on: spans and metrics (%s)", ", ".join(sorted(_exporters(env)) or ["/metrics only"]))
    return True


def _exporters(env: Mapping[str, str]) -> set[str]:
    """Which exporters the environment names: otlp-traces, otlp-metrics, console-traces."""
    found: set[str] = set()
    endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    for signal in ("traces", "metrics"):
        named = {x.strip().lower() for x in env.get(f"OTEL_{signal.upper()}_EXPORTER", "").split(",") if x.strip()}
        specific = env.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT", "").strip()
        if "none" in named:
            continue
        if "otlp" in named or ((endpoint or specific) and not named):
            found.add(f"otlp-{signal}")
        if signal == "traces" and "console" in named:
            found.add("console-traces")
    return found


def _providers_from(env: Mapping[str, str]) -> tuple[TracerProvider, MeterProvider, InMemoryMetricReader]:
    import sys

    from opentelemetry import trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricReader, PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    attributes: dict[str, str] = {"service.version": __version__}
    if not env.get("OTEL_SERVICE_NAME") and "service.name=" not in env.get("OTEL_RESOURCE_ATTRIBUTES", ""):
        attributes["service.name"] = "zuora-mcp"
    resource = Resource.create(attributes)  # merges OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME
    exporters = _exporters(env)

    current = trace.get_tracer_provider()
    tracer_provider: TracerProvider
    if isinstance(current, SdkTracerProvider):
        tracer_provider = current  # someone (opentelemetry-instrument) configured tracing already
    else:
        sdk_provider = SdkTracerProvider(resource=resource)
        if "otlp-traces" in exporters:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            sdk_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        if "console-traces" in exporters:
            sdk_provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter(out=sys.stderr)))
        trace.set_tracer_provider(sdk_provider)
        tracer_provider = sdk_provider

    reader = InMemoryMetricReader()
    readers: list[MetricReader] = [reader]
    if "otlp-metrics" in exporters:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    return tracer_provider, MeterProvider(metric_readers=readers, resource=resource), reader


# -- tool calls ---------------------------------------------------------------------------------------


class ToolCall:
    """One tools/call as telemetry sees it; this base does nothing (telemetry off: one shared instance)."""

    __slots__ = ()

    def __enter__(self) -> ToolCall:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def finish(self, status: str | None, *, is_error: bool = False) -> None:
        """The outcome's status (``executed``, ``preview``, ``refused``, … ``input_required``)."""


_OFF = ToolCall()


class _LiveCall(ToolCall):
    __slots__ = ("_ctx_token", "_on", "_span", "_started", "_token", "decided", "is_error", "labels", "status", "tool")

    def __init__(self, on: _On, tool: str, provider: str, safety: str | None) -> None:
        self._on = on
        # A name the server does not serve came from the client: it is never a label or a span name.
        self.tool = tool if safety is not None else "unknown"
        self.labels = {"provider": provider, "tool": self.tool}
        self.status: str | None = None
        self.is_error = False
        self.decided = False
        self._span: Span = on.tracer.start_span(
            f"execute_tool {self.tool}",
            attributes={
                "mcp.method.name": "tools/call",
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": self.tool,
                "zuora_mcp.provider": provider,
                "zuora_mcp.tool.safety": safety or "unknown",
            },
        )

    def __enter__(self) -> ToolCall:
        on = self._on
        self._started = time.perf_counter()
        self._ctx_token = on.context.attach(on.trace.set_span_in_context(self._span))
        self._token = _CURRENT.set(self)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        on, span = self._on, self._span
        elapsed = time.perf_counter() - self._started
        _CURRENT.reset(self._token)
        on.context.detach(self._ctx_token)
        error = exc_type.__qualname__ if exc_type is not None else "tool_error" if self.is_error else None
        attributes = {
            "mcp.method.name": "tools/call",
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": self.tool,
        }
        if error is not None:
            attributes["error.type"] = error
            span.set_attribute("error.type", error)
            span.set_status(on.trace.StatusCode.ERROR)
        if exc is not None:
            span.record_exception(exc)
        if self.status is not None:
            span.set_attribute("zuora_mcp.status", self.status)
            if self.status == "refused" and not self.decided:
                reason = _UNGUARDED_REFUSALS.get(self.tool, "invalid_arguments")
                on.count("zuora_mcp.refusals", {**self.labels, "reason": reason})
                span.set_attribute("zuora_mcp.guard.reason", reason)
        span.end()
        on.duration.record(elapsed, attributes)

    def finish(self, status: str | None, *, is_error: bool = False) -> None:
        self.status = status if status in OUTCOME_STATUSES else "error" if is_error else "ok"
        self.is_error = is_error


def tool_call(tool: str, provider: str, safety: str | None) -> ToolCall:
    """A context manager around one tools/call; ``safety`` None: the server serves no tool of that name."""
    on = _on
    if on is None:
        return _OFF
    return _LiveCall(on, tool, provider, safety)


# -- hooks ------------------------------------------------------------------------------------------


def decision(status: str, detail: str = "", *, tool: str, provider: str) -> None:
    """The guard decided: ``previewed``, ``refused``, ``declined`` (from ``Guard.record``) or
    ``confirmed`` (``Guard.intent``, ``detail`` the approval: token, elicitation, card, auto).

    ``detail`` is read for its category only; it is never exported.
    """
    on = _on
    if on is None:
        return
    labels = {"provider": provider, "tool": tool}
    attributes = {"zuora_mcp.guard.decision": status}
    if status == "previewed":
        kind = _PREVIEW_KINDS.get(detail, "other")
        on.count("zuora_mcp.previews", {**labels, "kind": kind})
        attributes["zuora_mcp.guard.preview"] = kind
    elif status == "refused":
        reason = refusal_reason(detail)
        on.count("zuora_mcp.refusals", {**labels, "reason": reason})
        attributes["zuora_mcp.guard.reason"] = reason
    elif status == "declined":
        on.count("zuora_mcp.declines", labels)
    elif status == "confirmed":
        approval = detail if detail in _APPROVALS else "other"
        on.count("zuora_mcp.confirmations", {**labels, "approval": approval})
        attributes["zuora_mcp.guard.approval"] = approval
    call = _CURRENT.get()
    if call is not None:
        call.decided = True
        call._span.set_attributes(attributes)


def write_outcome(outcome: str, *, tool: str, provider: str) -> None:
    """A write was sent: ``executed`` or ``outcome_unknown`` (from ``Executor._send``)."""
    on = _on
    if on is None:
        return
    on.count(f"zuora_mcp.writes.{outcome}", {"provider": provider, "tool": tool})
    call = _CURRENT.get()
    if call is not None:
        call._span.set_attribute("zuora_mcp.write.outcome", outcome)


def billing_attempt(
    api: bool, method: str, template: str, result: str, attempt: int, request_id: str | None, track_id: str
) -> None:
    """One attempt sent to the billing system (from the shared client): an event on the tool call's span,
    and its request and track ids as the span's attributes (the last API attempt's)."""
    on = _on
    if on is None:
        return
    call = _CURRENT.get()
    if call is None:
        return
    event: dict[str, str | int] = {
        "http.request.method": method,
        "url.template": template,
        "zuora_mcp.billing.result": result,
        "zuora_mcp.billing.attempt": attempt,
        "zuora_mcp.billing.track_id": track_id,
    }
    if request_id:
        event["zuora_mcp.billing.request_id"] = request_id
    call._span.add_event("billing.request" if api else "billing.token_request", event)
    if api:
        call._span.set_attributes(
            {"zuora_mcp.billing.track_id": track_id}
            | ({"zuora_mcp.billing.request_id": request_id} if request_id else {})
        )


def answered(status: int, provider: str, *, api: bool) -> None:
    """An HTTP answer from the billing system (from the shared client's retry loop): 429s are counted."""
    on = _on
    if on is None or status != 429:
        return
    on.count("zuora_mcp.provider.rate_limited", {"provider": provider, "endpoint": "api" if api else "token"})


def token_refreshed(provider: str) -> None:
    """A token was fetched again because the billing system answered 401."""
    on = _on
    if on is None:
        return
    on.count("zuora_mcp.token.refreshes", {"provider": provider})


def current_track_id() -> str | None:
    """``zmcp-<trace id>-<span id>`` of the current span when telemetry is on and one is current, else None.

    54 characters: within the 64 every vendor's track header takes; unique per span, and the trace id
    finds the whole trace from the billing system's logs.
    """
    on = _on
    if on is None:
        return None
    context = on.trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"zmcp-{context.trace_id:032x}-{context.span_id:016x}"


# -- Prometheus text ----------------------------------------------------------------------------------

_INVALID = re.compile(r"[^a-zA-Z0-9_:]")
_UNITS = {"s": "seconds", "ms": "milliseconds", "By": "bytes", "1": "ratio"}


def prometheus_text() -> str | None:
    """Every metric in the Prometheus text exposition format (0.0.4); None when telemetry is off."""
    on = _on
    if on is None:
        return None
    data = on.reader.get_metrics_data()
    metrics: list[Any] = []
    if data is not None:
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                metrics.extend(scope.metrics)
    lines: list[str] = []
    for metric in sorted(metrics, key=lambda m: str(m.name)):
        lines += _render(metric)
    return "\n".join(lines) + "\n" if lines else ""


def _metric_name(name: str, unit: str, counter: bool) -> str:
    base = _INVALID.sub("_", name)
    suffix = _UNITS.get(unit, "") if unit and not unit.startswith("{") else ""
    if suffix and not base.endswith("_" + suffix):
        base += "_" + suffix
    return base + "_total" if counter else base


def _render(metric: Any) -> list[str]:
    from opentelemetry.sdk.metrics.export import Histogram, Sum

    data = metric.data
    counter = isinstance(data, Sum) and data.is_monotonic
    name = _metric_name(metric.name, metric.unit or "", counter)
    kind = "counter" if counter else "histogram" if isinstance(data, Histogram) else "gauge"
    help_text = (metric.description or metric.name).replace("\\", "\\\\").replace("\n", "\\n")
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for point in data.data_points:
        labels = _labels(point.attributes or {})
        if isinstance(data, Histogram):
            running = 0
            for bound, count in zip([*point.explicit_bounds, math.inf], point.bucket_counts, strict=True):
                running += count
                lines.append(f"{name}_bucket{_labels(point.attributes or {}, le=_number(bound))} {running}")
            lines.append(f"{name}_sum{labels} {_number(point.sum)}")
            lines.append(f"{name}_count{labels} {point.count}")
        else:
            lines.append(f"{name}{labels} {_number(point.value)}")
    return lines


def _labels(attributes: Mapping[str, Any], le: str | None = None) -> str:
    pairs = [(_INVALID.sub("_", key), str(value)) for key, value in sorted(attributes.items())]
    if le is not None:
        pairs.append(("le", le))
    if not pairs:
        return ""
    escaped = (f'{key}="{_escape(value)}"' for key, value in pairs)
    return "{" + ",".join(escaped) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if isinstance(value, float):
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        if math.isnan(value):
            return "NaN"
        return repr(value)
    return str(value)
