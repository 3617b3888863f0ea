"""A tenant's notion of now, which tests move forward instead of sleeping."""

from __future__ import annotations

import time
from datetime import UTC, datetime

__all__ = ["Clock"]


class Clock:
    """Wall time, or a fixed start (seconds since the epoch) for reproducible runs, plus an offset."""

    def __init__(self, start: float | None = None) -> None:
        self._start = start
        self._offset = 0.0

    def now(self) -> float:
        base = self._start if self._start is not None else time.time()
        return base + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def utc(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def today(self) -> str:
        return self.utc().date().isoformat()
