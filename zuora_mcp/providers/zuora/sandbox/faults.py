"""Fault injection and counters.

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

import asyncio
import fnmatch
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

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
class FaultRule:
    """The next ``count`` requests matching ``method`` and ``path`` (a glob) get ``fault``."""

    fault: Fault
    method: str = "*"
    path: str = "*"
    count: int = 1
    seconds: float = 0.0  # latency / delay length, or Retry-After for 429

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method.upper() == method) and fnmatch.fnmatchcase(path, self.path)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FaultRule:
        fault = str(raw.get("fault"))
        if fault not in FAULTS:
            raise ValueError(f"fault must be one of {', '.join(FAULTS)}")
        unknown = set(raw) - {"fault", "method", "path", "count", "seconds"}
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        return cls(
            fault=cast(Fault, fault),
            method=str(raw.get("method", "*")),
            path=str(raw.get("path", "*")),
            count=int(raw.get("count", 1)),
            seconds=float(raw.get("seconds", 0.0)),
        )


@dataclass
class FaultRates:
    latency: float = 0.0
    rate_429: float = 0.0
    rate_5xx: float = 0.0
    retry_after: float = 1.0
    seed: int = 0


@dataclass
class FaultPlan:
    """What happens to one request."""

    latency: float = 0.0
    status: int | None = None
    retry_after: float = 1.0
    drop: Literal["before", "after"] | None = None
    delay_before: float = 0.0
    delay_after: float = 0.0


@dataclass
class Counters:
    """What the sandbox saw. ``requests_by_route`` keys are ``"METHOD /route/template"``."""

    connections_accepted: int = 0
    token_requests: int = 0
    writes_applied: int = 0
    requests: int = 0
    faults_injected: int = 0
    idempotent_replays: int = 0
    requests_by_route: Counter[str] = field(default_factory=Counter)

    _changed: asyncio.Event | None = field(default=None, repr=False, compare=False)

    def notify(self) -> None:
        """Wake :meth:`wait_for` callers (the app calls this after it changes a counter)."""
        if self._changed is not None:
            self._changed.set()

    async def wait_for(self, condition: Callable[[Counters], bool]) -> None:
        """Return once ``condition(self)`` holds; bound it with ``anyio.fail_after`` in tests."""
        while not condition(self):
            if self._changed is None:
                self._changed = asyncio.Event()
            self._changed.clear()
            await self._changed.wait()

    def as_json(self) -> dict[str, Any]:
        return {
            "connections_accepted": self.connections_accepted,
            "token_requests": self.token_requests,
            "writes_applied": self.writes_applied,
            "requests": self.requests,
            "faults_injected": self.faults_injected,
            "idempotent_replays": self.idempotent_replays,
            "requests_by_route": dict(sorted(self.requests_by_route.items())),
        }

    def reset(self) -> None:
        self.connections_accepted = self.token_requests = self.writes_applied = 0
        self.requests = self.faults_injected = self.idempotent_replays = 0
        self.requests_by_route.clear()


class Faults:
    """The fault configuration of one sandbox; change it at any time, from a test or over HTTP."""

    def __init__(self, rates: FaultRates | None = None, token_expires_in: int = 3600) -> None:
        self.rules: list[FaultRule] = []
        self.token_expires_in = token_expires_in
        self.set_rates(rates or FaultRates())

    def set_rates(self, rates: FaultRates) -> None:
        self.rates = rates
        self._rng = random.Random(rates.seed)

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def once(
        self, fault: Fault, method: str = "*", path: str = "*", *, count: int = 1, seconds: float = 0.0
    ) -> FaultRule:
        """Shorthand: the next ``count`` requests matching ``method`` and ``path`` get ``fault``."""
        return self.add(FaultRule(fault, method, path, count, seconds))

    def clear(self) -> None:
        self.rules.clear()
        self.set_rates(FaultRates(seed=self.rates.seed))

    def plan(self, method: str, path: str) -> FaultPlan:
        """Decide this request's faults (consumes one-shot rules)."""
        plan = FaultPlan(latency=self.rates.latency, retry_after=self.rates.retry_after)
        for rule in list(self.rules):
            if rule.count <= 0 or not rule.matches(method, path):
                continue
            rule.count -= 1
            if rule.count <= 0:
                self.rules.remove(rule)
            self._apply(plan, rule)
            return plan
        roll = self._rng.random()
        if roll < self.rates.rate_429:
            plan.status = 429
        elif roll < self.rates.rate_429 + self.rates.rate_5xx:
            plan.status = self._rng.choice((500, 502, 503))
        return plan

    @staticmethod
    def _apply(plan: FaultPlan, rule: FaultRule) -> None:
        if rule.fault == "latency":
            plan.latency += rule.seconds
        elif rule.fault in {"429", "500", "502", "503"}:
            plan.status = int(rule.fault)
            if rule.seconds:
                plan.retry_after = rule.seconds
        elif rule.fault == "success_false":
            plan.status = 200
        elif rule.fault == "drop_before_commit":
            plan.drop = "before"
        elif rule.fault == "drop_after_commit":
            plan.drop = "after"
        elif rule.fault == "delay_before_commit":
            plan.delay_before = rule.seconds
        else:
            plan.delay_after = rule.seconds
