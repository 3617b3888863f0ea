"""Fault injection and counters, shared by the local tenants.

Two ways to make a tenant misbehave, both per run:

- **rates** (soak runs): every request gets ``latency`` seconds, and with probability ``rate_429``
  a 429, with probability ``rate_5xx`` a 500/502/503. A seeded RNG makes a run repeatable.
- **one-shot rules** (tests): "the next N requests matching METHOD and PATH get fault F", checked
  before the rates, first matching rule first. PATH is a glob (``/v1/invoices/*/reverse``).

The common faults: ``latency`` (seconds added), ``429``, ``500``, ``502``, ``503`` (answered without
touching the tenant), ``drop_before_commit`` / ``drop_after_commit`` (the TCP connection is aborted
before the change is applied, or after it is applied and before the answer is sent),
``delay_before_commit`` / ``delay_after_commit`` (the request waits ``seconds`` before or after the
change is applied, so a client's read timeout lands before or after the write).

A tenant adds its own fault names by subclassing :class:`FaultRule` (``kinds``, and ``statuses``
for names answered with an HTTP status before the tenant is touched). Every plan made from a rule
carries the rule's name in :attr:`FaultPlan.kind`, so the tenant can word its answer.
"""

from __future__ import annotations

import asyncio
import fnmatch
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar, cast

__all__ = ["COMMON_FAULTS", "STATUS_FAULTS", "BaseCounters", "FaultPlan", "FaultRates", "FaultRule", "Faults"]

COMMON_FAULTS: tuple[str, ...] = (
    "latency",
    "429",
    "500",
    "502",
    "503",
    "drop_before_commit",
    "drop_after_commit",
    "delay_before_commit",
    "delay_after_commit",
)
STATUS_FAULTS: Mapping[str, int] = {"429": 429, "500": 500, "502": 502, "503": 503}

FaultT = TypeVar("FaultT", bound=str)


@dataclass
class FaultRule(Generic[FaultT]):
    """The next ``count`` requests matching ``method`` and ``path`` (a glob) get ``fault``."""

    fault: FaultT
    method: str = "*"
    path: str = "*"
    count: int = 1
    seconds: float = 0.0  # latency / delay length, or Retry-After for 429 and 503

    kinds: ClassVar[tuple[str, ...]] = COMMON_FAULTS
    statuses: ClassVar[Mapping[str, int]] = STATUS_FAULTS  # fault → the HTTP status it answers with

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method.upper() == method) and fnmatch.fnmatchcase(path, self.path)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Self:
        fault = str(raw.get("fault"))
        if fault not in cls.kinds:
            raise ValueError(f"fault must be one of {', '.join(cls.kinds)}")
        unknown = set(raw) - {"fault", "method", "path", "count", "seconds"}
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        return cls(
            fault=cast(Any, fault),
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
    """What happens to one request. ``kind`` is the rule's fault name (None for rate faults)."""

    latency: float = 0.0
    status: int | None = None
    retry_after: float = 1.0
    drop: Literal["before", "after"] | None = None
    delay_before: float = 0.0
    delay_after: float = 0.0
    kind: str | None = None


@dataclass
class BaseCounters:
    """What a tenant saw. ``requests_by_route`` keys are ``"METHOD /route/template"``.

    Subclasses add their own integer fields; :meth:`as_json` and :meth:`reset` cover every field.
    """

    connections_accepted: int = 0
    token_requests: int = 0
    writes_applied: int = 0
    requests: int = 0
    faults_injected: int = 0
    requests_by_route: Counter[str] = field(default_factory=Counter)

    _changed: asyncio.Event | None = field(default=None, repr=False, compare=False)

    def notify(self) -> None:
        """Wake :meth:`wait_for` callers (the app calls this after it changes a counter)."""
        if self._changed is not None:
            self._changed.set()

    async def wait_for(self, condition: Callable[[Self], bool]) -> None:
        """Return once ``condition(self)`` holds; bound it with ``anyio.fail_after`` in tests."""
        while not condition(self):
            if self._changed is None:
                self._changed = asyncio.Event()
            self._changed.clear()
            await self._changed.wait()

    def _public(self) -> list[str]:
        return [f.name for f in fields(self) if not f.name.startswith("_")]

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        tallies: dict[str, Any] = {}
        for name in self._public():
            value = getattr(self, name)
            if isinstance(value, Counter):
                tallies[name] = dict(sorted(value.items()))
            else:
                out[name] = value
        return out | tallies

    def reset(self) -> None:
        for name in self._public():
            value = getattr(self, name)
            if isinstance(value, Counter):
                value.clear()
            else:
                setattr(self, name, 0)


class Faults(Generic[FaultT]):
    """The fault configuration of one tenant; change it at any time, from a test or over HTTP."""

    rule_class: ClassVar[type[FaultRule[Any]]] = FaultRule

    def __init__(self, rates: FaultRates | None = None, token_expires_in: int = 3600) -> None:
        self.rules: list[FaultRule[FaultT]] = []
        self.token_expires_in = token_expires_in
        self.set_rates(rates or FaultRates())

    def set_rates(self, rates: FaultRates) -> None:
        self.rates = rates
        self._rng = random.Random(rates.seed)

    def add(self, rule: FaultRule[FaultT]) -> FaultRule[FaultT]:
        self.rules.append(rule)
        return rule

    def once(
        self, fault: FaultT, method: str = "*", path: str = "*", *, count: int = 1, seconds: float = 0.0
    ) -> FaultRule[FaultT]:
        """Shorthand: the next ``count`` requests matching ``method`` and ``path`` get ``fault``."""
        if fault not in self.rule_class.kinds:
            raise ValueError(f"fault must be one of {', '.join(self.rule_class.kinds)}")
        rule: FaultRule[FaultT] = self.rule_class(fault, method, path, count, seconds)
        return self.add(rule)

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
    def _apply(plan: FaultPlan, rule: FaultRule[Any]) -> None:
        plan.kind = rule.fault
        if rule.fault == "latency":
            plan.latency += rule.seconds
        elif rule.fault in rule.statuses:
            plan.status = rule.statuses[rule.fault]
            if rule.seconds:
                plan.retry_after = rule.seconds
        elif rule.fault == "drop_before_commit":
            plan.drop = "before"
        elif rule.fault == "drop_after_commit":
            plan.drop = "after"
        elif rule.fault == "delay_before_commit":
            plan.delay_before = rule.seconds
        elif rule.fault == "delay_after_commit":
            plan.delay_after = rule.seconds
        # Any other name is the tenant's own: it reads plan.kind when it serves the request.
