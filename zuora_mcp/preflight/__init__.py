"""Preflight: the billing system's documented preconditions, checked against live state before a write.

Each write tool has one preflight function (the provider's ``preflights`` table): it reads what it
needs through a :class:`Reader` (a narrow read-only interface; preflight never holds the HTTP client
and cannot write), and returns a :class:`PreflightReport` with

- ``checks``: ``{check, ok, detail}`` rows a person can read ("Invoice is Posted: yes");
- ``effect``: one plain sentence saying what the write will do, with numbers and currency;
- ``amount``/``currency``: the money the write moves, for policy limits (``max_amount``);
- ``fingerprint``: a hash of the target's state, bound into confirmation tokens so a confirmed write
  is refused when the target changed after the preview (stops replays that Zuora would not dedupe).

A failed check means the write would fail or do harm; the guard refuses it before anything is sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Check", "PreflightFn", "PreflightReport", "ReadFailed", "Reader", "fingerprint"]


class ReadFailed(Exception):
    """A preflight read did not succeed; ``detail`` says why in plain words (the vendor's reasons)."""

    def __init__(self, detail: str, *, not_found: bool = False) -> None:
        self.detail = detail
        self.not_found = not_found
        super().__init__(detail)


class Reader(Protocol):
    """Read-only access to the billing system for preflight checks."""

    async def read(
        self, path: str, path_params: Mapping[str, str] | None = None, query: Mapping[str, Any] | None = None
    ) -> Any:
        """GET ``path`` and return the parsed JSON; raise :class:`ReadFailed` when it fails."""
        ...


@dataclass(frozen=True)
class Check:
    """One precondition, as a person reads it. ``inferred``: the vendor does not document the rule; we
    inferred it (the provider's spec says so) and still check it, and the preview says it is inferred."""

    check: str
    ok: bool
    detail: str
    inferred: bool = False

    def as_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {"check": self.check, "ok": self.ok, "detail": self.detail}
        if self.inferred:
            row["inferred"] = True
        return row

    @property
    def line(self) -> str:
        """``✓ check: detail`` as every preview and elicitation prints it."""
        mark = "✓" if self.ok else "✗"
        return f"{mark} {self.check}: {self.detail}" + (" (inferred rule)" if self.inferred else "")


@dataclass
class PreflightReport:
    effect: str
    checks: list[Check] = field(default_factory=list)
    amount: float | None = None
    currency: str | None = None
    fingerprint: str = ""
    # What the approval card shows as money before → after: {"label", "before", "after", "currency"}.
    money: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def add(self, check: str, ok: bool, detail: str, *, inferred: bool = False) -> bool:
        self.checks.append(Check(check, ok, detail, inferred))
        return ok

    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]


PreflightFn = Callable[[Mapping[str, Any], Reader, Callable[[str], Awaitable[None]]], Awaitable[PreflightReport]]


def fingerprint(*records: Any) -> str:
    """A short stable hash of the state a confirmation depends on."""
    text = json.dumps(records, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
