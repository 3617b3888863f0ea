"""The audit log: one JSON line per write attempt, appended, never rewritten.

A record holds what a reviewer needs to reconstruct who tried what and what happened — time, tool,
environment, a hash of the arguments, the decision, Zuora's request id, the idempotency key and the
track id — and nothing secret: no credentials, no tokens, no request or response bodies.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

__all__ = ["AuditLog", "AuditRecord", "Decision"]

Decision = Literal["previewed", "confirmed", "declined", "refused", "executed", "failed", "outcome_unknown"]


@dataclass(frozen=True)
class AuditRecord:
    tool: str
    environment: str
    arguments_hash: str
    decision: Decision
    detail: str = ""
    request_id: str | None = None
    idempotency_key: str | None = None
    track_id: str | None = None
    operation: str | None = None  # Zuora's operationId, for explorer calls (call_operation)
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds"))


class AuditLog:
    """Appends records to a JSON-lines file; keeps the last records in memory for the session."""

    def __init__(self, path: Path | None, *, keep: int = 200) -> None:
        self._path = path
        self._keep = keep
        self._recent: list[AuditRecord] = []
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def path(self) -> Path | None:
        return self._path

    def write(self, record: AuditRecord) -> None:
        line = json.dumps(asdict(record), sort_keys=True, ensure_ascii=False)
        with self._lock:
            self._recent = [*self._recent[-(self._keep - 1) :], record]
            if self._path is None:
                return
            # O_APPEND keeps each line whole even when several processes share the file.
            fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)

    def recent(self, *, tool: str | None = None) -> list[AuditRecord]:
        with self._lock:
            return [r for r in self._recent if tool is None or r.tool == tool]

    @staticmethod
    def read(path: Path) -> list[Mapping[str, object]]:
        """Every record in a log file, oldest first."""
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
