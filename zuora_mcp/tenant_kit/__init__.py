"""Machinery shared by the local stand-in tenants (Zuora's, Zoho's): provider-neutral, imports no provider.

- :mod:`~zuora_mcp.tenant_kit.loopback` serves an ASGI app on a real 127.0.0.1 socket inside the
  caller's event loop, counts accepted connections and can abort one client's connection
  mid-request (how "the connection dropped before/after the commit" is staged).
- :mod:`~zuora_mcp.tenant_kit.faults` holds the fault rules and rates (one-shot rules for tests,
  seeded rates for soak runs) and the counters base class with ``wait_for``.
- :mod:`~zuora_mcp.tenant_kit.clock` is a clock that tests advance instead of sleeping.

Each tenant keeps its own dialect: which fault names exist beyond the common ones and how an
injected fault is worded on the wire are the provider's business.
"""

from __future__ import annotations

from zuora_mcp.tenant_kit.clock import Clock
from zuora_mcp.tenant_kit.faults import (
    COMMON_FAULTS,
    BaseCounters,
    FaultPlan,
    FaultRates,
    FaultRule,
    Faults,
)
from zuora_mcp.tenant_kit.loopback import HOST, LoopbackServer, serve_on_loopback

__all__ = [
    "COMMON_FAULTS",
    "HOST",
    "BaseCounters",
    "Clock",
    "FaultPlan",
    "FaultRates",
    "FaultRule",
    "Faults",
    "LoopbackServer",
    "serve_on_loopback",
]
