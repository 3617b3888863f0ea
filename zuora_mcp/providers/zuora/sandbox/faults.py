"""Fault injection and counters of the Zuora sandbox (the machinery is :mod:`zuora_mcp.tenant_kit.faults`).

Two ways to make the sandbox misbehave, both per run:

- **rates** (soak runs): every request gets ``latency`` seconds, and with probability ``rate_429``
  a 429 with ``Retry-After``, with probability ``rate_5xx`` a 500/502/503. A seeded RNG makes a
  run repeatable.
- **one-shot rules** (tests): "the next N requests matching METHOD and PATH get fault F", checked
  before the rates, first matching rule first. PATH is a glob (``/v1/invoices/*/reverse``).

Faults: ``latency`` (seconds added), ``429``, ``500``, ``502``, ``503``, ``success_false`` (HTTP 200
with ``"success": false`` and a reason, Zuora's usual way to refuse; all answered without touching
the tenant), ``drop_before_commit`` / ``drop_after_commit`` (the TCP connection is aborted before the
change is applied, or after it is applied and before the answer is sent), ``delay_before_commit`` /
``delay_after_commit`` (the request waits ``seconds`` before or after the change is applied, so a
client's read timeout lands before or after the write).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

from zuora_mcp.tenant_kit import faults as kit
from zuora_mcp.tenant_kit.faults import FaultPlan, FaultRates

__all__ = ["FAULTS", "Counters", "Fault", "FaultPlan", "FaultRates", "FaultRule", "Faults"]

Fault = Literal[
    "latency",
    "429",
    "500",
    "502",
    "503",
    "success_false",
    "drop_before_commit",
    "drop_after_commit",
    "delay_before_commit",
    "delay_after_commit",
]
FAULTS: tuple[str, ...] = get_args(Fault)


@dataclass
class FaultRule(kit.FaultRule[Fault]):
    """The next ``count`` requests matching ``method`` and ``path`` (a glob) get ``fault``."""

    kinds: ClassVar[tuple[str, ...]] = FAULTS
    statuses: ClassVar[Mapping[str, int]] = {**kit.STATUS_FAULTS, "success_false": 200}


@dataclass
class Counters(kit.BaseCounters):
    """What the sandbox saw; ``idempotent_replays`` counts answers replayed for a known key."""

    idempotent_replays: int = 0


class Faults(kit.Faults[Fault]):
    """The fault configuration of one sandbox; change it at any time, from a test or over HTTP."""

    rule_class: ClassVar[type[kit.FaultRule[Any]]] = FaultRule
