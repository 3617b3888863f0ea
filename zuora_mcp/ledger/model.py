"""What the ledger stores and the interface the guard calls.

The guard speaks to the ledger through :class:`Ledger` only, so the engine (SQLite on one machine,
PostgreSQL for a fleet of replicas) is a deployment choice, never a code path in the guard.

The order the guard follows for a write is the point of the whole package:

    claim(nonce)            single use across every replica sharing the ledger
    record_intent(...)      durable before anything is sent; if it raises, nothing is sent
    ... send ...
    record_outcome(...)     executed | failed | outcome_unknown, with the provider's request id

Previews, refusals and declines send nothing and go through :meth:`Ledger.record`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any, Literal, Protocol

from zuora_mcp.errors import ZuoraMCPError

__all__ = [
    "GENESIS",
    "Approval",
    "BrokenLink",
    "Call",
    "EventDecision",
    "Filters",
    "Head",
    "Kind",
    "Ledger",
    "LedgerError",
    "LedgerUnavailable",
    "Outcome",
    "Record",
    "Settled",
]

Kind = Literal["event", "intent", "outcome", "settlement"]
EventDecision = Literal["previewed", "refused", "declined"]
Outcome = Literal["executed", "failed", "outcome_unknown"]
Settled = Literal["executed", "failed"]
# How a write was approved: a signed confirmation token, a person through elicitation, a person pressing
# Approve on the approval card (MCP Apps), or auto mode.
Approval = Literal["token", "elicitation", "card", "auto"]

# The prev_hash of the first record: a chain has to start from something nobody can choose.
GENESIS = "0" * 64
DETAIL_LIMIT = 500
_SHA256 = re.compile(r"[0-9a-f]{64}")


class LedgerError(ZuoraMCPError):
    """The ledger was asked something it cannot do (an unknown intent, a second settlement)."""


class LedgerUnavailable(LedgerError):
    """The ledger's storage cannot be written or read right now (full disk, server gone, closed).

    The guard must fail writes closed on this: a write whose intent is not durable is not sent.
    Reads of the billing system do not need the ledger and carry on.
    """


@dataclass(frozen=True)
class Call:
    """The tool call a record is about. Built once per call by the guard.

    ``arguments_hash`` is the SHA-256 of the canonical arguments — never the arguments, so a secret
    that a caller put in an argument cannot reach the ledger. Anything but 64 lowercase hex digits is
    refused, which catches a caller passing the arguments themselves by mistake.
    """

    tool: str
    provider: str
    environment: str
    arguments_hash: str
    operation: str | None = None
    track_id: str | None = None

    def __post_init__(self) -> None:
        if not _SHA256.fullmatch(self.arguments_hash):
            raise ValueError("arguments_hash must be a SHA-256 hex digest, not the arguments")


@dataclass(frozen=True)
class Record:
    """One row of the chain, as stored and as exported (the field order is the CSV column order).

    ``intent_id`` links an outcome or settlement to its intent; optional text is None when absent.
    ``hash`` is SHA-256 over the canonical JSON of every other field, ``prev_hash`` included.
    """

    seq: int
    id: str
    time: str
    kind: Kind
    decision: str
    tool: str
    provider: str
    environment: str
    arguments_hash: str
    approval: str | None
    principal: str | None
    idempotency_key: str | None
    natural_key: str | None
    request_id: str | None
    track_id: str | None
    operation: str | None
    intent_id: str | None
    detail: str
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Record))


@dataclass(frozen=True)
class Filters:
    """Which records :meth:`Ledger.records` returns; every field narrows, None means any.

    ``limit`` keeps the latest ``limit`` matches (still returned oldest first).
    """

    tool: str | None = None
    decision: str | None = None
    kind: Kind | None = None
    since: datetime | None = None
    intent_id: str | None = None
    limit: int | None = None


@dataclass(frozen=True)
class Head:
    """The end of the chain: how many records it holds and the hash of the last one."""

    seq: int
    hash: str


@dataclass(frozen=True)
class BrokenLink:
    """The first place where the chain does not hold, and why, in words for a person."""

    seq: int
    record_id: str | None
    reason: str

    def __str__(self) -> str:
        where = f"record #{self.seq}" + (f" ({self.record_id})" if self.record_id else "")
        return f"{where}: {self.reason}"


class Ledger(Protocol):
    """The write ledger, whatever engine holds it. Every method may raise :class:`LedgerUnavailable`."""

    @property
    def location(self) -> str:
        """Where the ledger lives, fit to print (a PostgreSQL password is masked)."""
        ...

    @property
    def behind(self) -> int:
        """Outcomes that could not be recorded yet; the next successful append records them first."""
        ...

    async def record_intent(
        self,
        call: Call,
        *,
        approval: Approval,
        principal: str = "",
        idempotency_key: str | None = None,
        natural_key: str | None = None,
        detail: str = "",
    ) -> str:
        """Commit (durably) that ``call`` is about to be sent; returns the intent id."""
        ...

    async def record_outcome(
        self,
        intent_id: str,
        outcome: Outcome,
        *,
        request_id: str | None = None,
        detail: str = "",
        track_id: str | None = None,
    ) -> str:
        """Append what the send answered. On LedgerUnavailable the outcome is kept and retried."""
        ...

    async def record(
        self,
        call: Call,
        decision: EventDecision,
        detail: str = "",
        *,
        principal: str = "",
        idempotency_key: str | None = None,
    ) -> str:
        """Append a preview, refusal or decline: nothing was sent."""
        ...

    async def claim(self, nonce: str) -> bool:
        """True for the first claim of ``nonce`` on any replica sharing this ledger, False after."""
        ...

    async def unsettled(self, *, before: datetime | None = None) -> list[Record]:
        """Intents with neither an executed/failed outcome nor a settlement, oldest first."""
        ...

    async def settle(self, intent_id: str, outcome: Settled, how: str) -> str:
        """Append the outcome a reconciliation established (``how``: the read that settled it)."""
        ...

    async def records(self, filters: Filters | None = None) -> list[Record]: ...

    async def head(self) -> Head: ...

    async def verify(self) -> BrokenLink | None:
        """Walk the whole chain; the first broken link, or None when every link holds."""
        ...

    async def close(self) -> None: ...
