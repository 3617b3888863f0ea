"""What both engines share: building chained rows, the SQL text, and the outcome backlog.

An engine only has to run SQL inside a transaction that holds the head lock; everything that decides
what a row contains lives here, so SQLite and PostgreSQL cannot drift apart. The SQL uses ``?``
placeholders; the PostgreSQL engine turns them into ``%s``.
"""

# Queries are assembled from our own column names and ? placeholders only; values are always parameters.
# ruff: noqa: S608

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from zuora_mcp.ledger.chain import record_hash
from zuora_mcp.ledger.model import (
    COLUMNS,
    DETAIL_LIMIT,
    Approval,
    BrokenLink,
    Call,
    EventDecision,
    Filters,
    Head,
    LedgerError,
    LedgerUnavailable,
    Outcome,
    Record,
    Settled,
)

__all__ = ["LedgerBase", "RowSpec", "build_rows", "now"]

SELECTED = ", ".join(COLUMNS)
INSERT_RECORD = f"INSERT INTO ledger_records ({SELECTED}) VALUES ({', '.join('?' for _ in COLUMNS)})"
SELECT_HEAD = "SELECT seq, hash FROM ledger_head WHERE id = 1"
UPDATE_HEAD = "UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1"
CLAIM = "INSERT INTO ledger_claims (nonce, claimed_at) VALUES (?, ?) ON CONFLICT DO NOTHING"
PAGE = f"SELECT {SELECTED} FROM ledger_records WHERE seq > ? ORDER BY seq LIMIT ?"
PAGE_SIZE = 1000
_FINAL = ("executed", "failed")
# Fields an outcome or settlement copies from its intent, so each row reads on its own in an export.
_INHERITED = ("tool", "provider", "environment", "arguments_hash", "idempotency_key", "natural_key", "operation")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class RowSpec:
    """A record before it is placed in the chain (no seq, no hashes yet)."""

    values: dict[str, Any]
    intent_id: str | None = None  # an outcome or settlement: copy the intent's fields, check it exists
    must_be_open: bool = False  # a settlement: refuse when the intent already has a final outcome
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


def _marks(count: int) -> str:
    return ", ".join("?" for _ in range(count))


def lookups(specs: Sequence[RowSpec]) -> dict[str, tuple[str, list[str]]]:
    """The reads an append makes under the head lock before it builds its rows, by name.

    ``existing``: a spec whose id is already stored was committed by an append whose answer was lost
    (a connection cut after COMMIT, a cancelled call); it is skipped, not written twice.
    """
    ids = [spec.id for spec in specs]
    queries = {"existing": (f"SELECT id FROM ledger_records WHERE id IN ({_marks(len(ids))})", ids)}
    linked = sorted({spec.intent_id for spec in specs if spec.intent_id is not None})
    if linked:
        marks = _marks(len(linked))
        queries["intents"] = (
            f"SELECT {SELECTED} FROM ledger_records WHERE kind = 'intent' AND id IN ({marks})",
            linked,
        )
        queries["settled"] = (
            f"SELECT DISTINCT intent_id FROM ledger_records WHERE intent_id IN ({marks}) "
            "AND decision IN ('executed', 'failed')",
            linked,
        )
    return queries


def build_rows(
    specs: Sequence[RowSpec], head: Head, found: Mapping[str, Sequence[Sequence[Any]]]
) -> list[tuple[Any, ...]]:
    """Place ``specs`` after ``head``: assign seq, copy linked intents' fields, chain the hashes.

    ``found`` holds the answers to :func:`lookups`, by the same names.
    """
    existing = {row[0] for row in found.get("existing", ())}
    intents = {record.id: record for record in map(to_record, found.get("intents", ()))}
    closed = {row[0] for row in found.get("settled", ())}
    rows: list[tuple[Any, ...]] = []
    seq, prev = head.seq, head.hash
    for spec in specs:
        if spec.id in existing:
            continue
        values = dict(spec.values)
        if spec.intent_id is not None:
            intent = intents.get(spec.intent_id)
            if intent is None:
                raise LedgerError(f"no intent {spec.intent_id} in the ledger")
            if spec.must_be_open and spec.intent_id in closed:
                raise LedgerError(f"intent {spec.intent_id} is already settled")
            for name in _INHERITED:
                values.setdefault(name, getattr(intent, name))
            values["intent_id"] = spec.intent_id
            if spec.must_be_open:
                closed.add(spec.intent_id)
        seq += 1
        row: dict[str, Any] = {name: None for name in COLUMNS}
        row.update(values, seq=seq, id=spec.id, time=now(), prev_hash=prev)
        row["detail"] = str(row["detail"] or "")[:DETAIL_LIMIT]
        row["hash"] = prev = record_hash(row)
        rows.append(tuple(row[name] for name in COLUMNS))
    return rows


def records_query(filters: Filters) -> tuple[str, list[Any]]:
    where, params = ["1 = 1"], []
    for name in ("tool", "decision", "kind", "intent_id"):
        value = getattr(filters, name)
        if value is not None:
            where.append(f"{name} = ?")
            params.append(value)
    if filters.since is not None:
        where.append("time >= ?")
        params.append(filters.since.astimezone(UTC).isoformat(timespec="milliseconds"))
    sql = f"SELECT {SELECTED} FROM ledger_records WHERE {' AND '.join(where)}"
    if filters.limit is None:
        return f"{sql} ORDER BY seq", params
    params.append(filters.limit)
    return f"SELECT {SELECTED} FROM ({sql} ORDER BY seq DESC LIMIT ?) AS latest ORDER BY seq", params


def unsettled_query(before: datetime | None) -> tuple[str, list[Any]]:
    sql = (
        f"SELECT {SELECTED} FROM ledger_records AS i WHERE i.kind = 'intent' AND NOT EXISTS ("
        "SELECT 1 FROM ledger_records AS o WHERE o.intent_id = i.id AND o.decision IN ('executed', 'failed'))"
    )
    if before is None:
        return f"{sql} ORDER BY i.seq", []
    return f"{sql} AND i.time < ? ORDER BY i.seq", [before.astimezone(UTC).isoformat(timespec="milliseconds")]


def to_record(row: Sequence[Any]) -> Record:
    return Record(**dict(zip(COLUMNS, row, strict=True)))


class LedgerBase(ABC):
    """The public API over an engine's few primitives, with the outcome backlog.

    The backlog: when an outcome cannot be appended, the guard still answers the truth (with a
    warning), and the outcome waits here; the next append of any kind writes it first, in the same
    transaction. It is per process, so a crash loses it — the intent then shows as unsettled, which
    is exactly what reconciliation is for.
    """

    def __init__(self, location: str) -> None:
        self._location = location
        self._backlog: list[RowSpec] = []

    @property
    def location(self) -> str:
        return self._location

    @property
    def behind(self) -> int:
        return len(self._backlog)

    @abstractmethod
    async def _append(self, specs: Sequence[RowSpec]) -> None:
        """Append ``specs`` in one transaction under the head lock, or raise and append nothing."""

    async def _append_flushing(self, spec: RowSpec) -> str:
        # Taken without an await in between, so two concurrent appends never both write a pending row.
        pending, self._backlog = self._backlog, []
        try:
            await self._append([*pending, spec])
        except BaseException:
            self._backlog[:0] = pending
            raise
        return spec.id

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
        values = _call_values(call) | {
            "kind": "intent",
            "decision": "intent",
            "approval": approval,
            "principal": principal or None,
            "idempotency_key": idempotency_key,
            "natural_key": natural_key,
            "detail": detail,
        }
        return await self._append_flushing(RowSpec(values))

    async def record_outcome(
        self,
        intent_id: str,
        outcome: Outcome,
        *,
        request_id: str | None = None,
        detail: str = "",
        track_id: str | None = None,
    ) -> str:
        values = {"kind": "outcome", "decision": outcome, "request_id": request_id, "detail": detail}
        spec = RowSpec(values | {"track_id": track_id}, intent_id=intent_id)
        try:
            return await self._append_flushing(spec)
        except LedgerUnavailable:
            self._backlog.append(spec)
            raise

    async def record(
        self,
        call: Call,
        decision: EventDecision,
        detail: str = "",
        *,
        principal: str = "",
        idempotency_key: str | None = None,
    ) -> str:
        values = _call_values(call) | {
            "kind": "event",
            "decision": decision,
            "principal": principal or None,
            "idempotency_key": idempotency_key,
            "detail": detail,
        }
        return await self._append_flushing(RowSpec(values))

    async def settle(self, intent_id: str, outcome: Settled, how: str) -> str:
        if outcome not in _FINAL:
            raise LedgerError(f"a settlement is executed or failed, not {outcome}")
        values = {"kind": "settlement", "decision": outcome, "detail": how}
        return await self._append_flushing(RowSpec(values, intent_id=intent_id, must_be_open=True))

    async def __aenter__(self) -> LedgerBase:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @abstractmethod
    async def claim(self, nonce: str) -> bool: ...

    @abstractmethod
    async def unsettled(self, *, before: datetime | None = None) -> list[Record]: ...

    @abstractmethod
    async def records(self, filters: Filters | None = None) -> list[Record]: ...

    @abstractmethod
    async def head(self) -> Head: ...

    @abstractmethod
    async def verify(self) -> BrokenLink | None: ...

    @abstractmethod
    async def close(self) -> None: ...


def _call_values(call: Call) -> dict[str, Any]:
    return {
        "tool": call.tool,
        "provider": call.provider,
        "environment": call.environment,
        "arguments_hash": call.arguments_hash,
        "operation": call.operation,
        "track_id": call.track_id,
    }
