"""``Idempotency-Key`` as Zuora documents it (POST and PATCH only).

The status, headers and body of the first request with a key are saved whether it succeeded or
failed; a later request with the same key and the same method, path and body gets that saved
answer and changes nothing. The same key with a different method, path or body is refused with
422, and a key whose first request is still being processed answers 409. Keys are forgotten 24
hours (sandbox clock) after they were set. Keys longer than 255 characters are refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["IDEMPOTENT_METHODS", "KEY_TTL_SECONDS", "MAX_KEY_LENGTH", "IdempotencyStore", "Saved"]

IDEMPOTENT_METHODS = frozenset({"POST", "PATCH"})
KEY_TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255


@dataclass
class Saved:
    fingerprint: str
    created: float
    status: int | None = None  # None while the first request is in flight
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyStore:
    def __init__(self) -> None:
        self._saved: dict[str, Saved] = {}

    def lookup(self, key: str, print_: str, now: float) -> Saved | None:
        """The saved entry for ``key`` (expired ones are dropped first), or None."""
        self._expire(now)
        return self._saved.get(key)

    def begin(self, key: str, print_: str, now: float) -> None:
        self._saved[key] = Saved(print_, now)

    def finish(self, key: str, status: int, headers: tuple[tuple[str, str], ...], body: bytes) -> None:
        entry = self._saved.get(key)
        if entry is not None:
            entry.status, entry.headers, entry.body = status, headers, body

    def abandon(self, key: str) -> None:
        """The request never reached the tenant (a fault before processing): forget the key."""
        entry = self._saved.get(key)
        if entry is not None and entry.status is None:
            del self._saved[key]

    def clear(self) -> None:
        self._saved.clear()

    def __len__(self) -> int:
        return len(self._saved)

    def _expire(self, now: float) -> None:
        stale = [k for k, v in self._saved.items() if now - v.created >= KEY_TTL_SECONDS]
        for key in stale:
            del self._saved[key]
