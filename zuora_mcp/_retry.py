"""When the client may send a call again, and how long it waits first.

Pure decisions, no I/O. The rules follow one question: could the failed attempt have changed
anything in the billing system? An attempt that provably never reached it (connection refused,
connect or pool timeout) is always safe to repeat. A read is safe to repeat whatever happened. Where
the vendor de-duplicates by idempotency key (Zuora), a POST or PATCH carries one, so a repeat is
dropped when the vendor refused or failed at its gateway (429, 502, 503, 504). A write without a key
(PUT and DELETE, and every write to a vendor with no keys, such as Zoho) is repeated only after a
429 or when it provably never left this machine. Anything else that may have been applied is
reported as an unknown outcome, never repeated blindly.
"""

from __future__ import annotations

import enum
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx2

__all__ = [
    "BACKOFF_BASE_SECONDS",
    "BACKOFF_CAP_SECONDS",
    "TOTAL_BUDGET_SECONDS",
    "CallKind",
    "Verdict",
    "backoff_delay",
    "kind_of",
    "never_sent",
    "server_delay",
    "status_verdict",
    "transport_verdict",
]

BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
# No logical call (all its attempts and waits) runs longer than this before giving up.
TOTAL_BUDGET_SECONDS = 60.0

# Errors raised before a single byte of the request reached Zuora.
_NEVER_SENT_RETRYABLE: tuple[type[Exception], ...] = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
# Also never sent, but repeating cannot help: the configuration is wrong.
_NEVER_SENT_FINAL: tuple[type[Exception], ...] = (
    httpx2.UnsupportedProtocol,
    httpx2.ProxyError,
    httpx2.LocalProtocolError,
)


class CallKind(enum.Enum):
    """How safe it is to repeat a call."""

    READ = "read"  # GET, and the token request: repeating changes nothing
    KEYED_WRITE = "keyed-write"  # POST, PATCH to a vendor that de-duplicates by idempotency key
    UNKEYED_WRITE = "unkeyed-write"  # PUT, DELETE, or any write without a key: a repeat may apply twice


def kind_of(method: str, *, keyed: bool = True) -> CallKind:
    """``keyed``: the vendor de-duplicates POST and PATCH by an idempotency key."""
    if method == "GET":
        return CallKind.READ
    if keyed and method in {"POST", "PATCH"}:
        return CallKind.KEYED_WRITE
    return CallKind.UNKEYED_WRITE


@dataclass(frozen=True)
class Verdict:
    """What one failed attempt allows: ``retry`` it, and whether it ``maybe_applied`` a change."""

    retry: bool
    maybe_applied: bool


def never_sent(exc: Exception) -> bool:
    """True when the request provably never reached the server."""
    return isinstance(exc, _NEVER_SENT_RETRYABLE + _NEVER_SENT_FINAL)


def transport_verdict(kind: CallKind, exc: Exception) -> Verdict:
    """Decide after an attempt that got no HTTP answer at all."""
    if isinstance(exc, _NEVER_SENT_RETRYABLE):
        return Verdict(retry=True, maybe_applied=False)
    if isinstance(exc, _NEVER_SENT_FINAL):
        return Verdict(retry=False, maybe_applied=False)
    # Read timeout, dropped connection, broken body: the request may have been processed.
    if kind is CallKind.READ:
        return Verdict(retry=True, maybe_applied=False)
    return Verdict(retry=False, maybe_applied=True)


def status_verdict(kind: CallKind, status: int) -> Verdict:
    """Decide after an attempt that got an HTTP error status (not 2xx, not a 401 handled by refresh)."""
    if status == 429:
        # Rate limited: the vendor refused before processing, whatever the method.
        return Verdict(retry=True, maybe_applied=False)
    if status == 503:
        return Verdict(retry=kind is not CallKind.UNKEYED_WRITE, maybe_applied=False)
    if status >= 500:
        # 500, 502, 504...: the vendor (or its gateway) may have processed the write before failing.
        writes = kind is not CallKind.READ
        retry = kind is CallKind.READ or (kind is CallKind.KEYED_WRITE and status in {502, 504})
        return Verdict(retry=retry, maybe_applied=writes and status != 501)
    return Verdict(retry=False, maybe_applied=False)


def backoff_delay(retry_index: int, rng: Callable[[float, float], float] = random.uniform) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**retry_index)]."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** min(retry_index, 32))
    return rng(0.0, ceiling)


def server_delay(
    headers: Mapping[str, str], *, rate_limited: bool = True, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds the server asked us to wait, from ``Retry-After`` or, on a 429, ``RateLimit-Reset``.

    ``Retry-After`` is delta-seconds or an HTTP date; ``RateLimit-Reset`` is delta-seconds (a value
    that looks like a Unix timestamp is read as one). ``now`` is wall-clock time, for dates only.
    Zuora, for one, sends ``RateLimit-Reset`` on every answer, so it says when the rate window resets, not when
    a 503 will clear: only a 429 (``rate_limited``) waits for it.
    """
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        delay = _seconds(retry_after)
        if delay is None:
            delay = _date_delay(retry_after, now)
        if delay is not None:
            return delay
    reset = headers.get("ratelimit-reset")
    if reset is not None and rate_limited:
        delay = _seconds(reset)
        if delay is not None and delay > 1_000_000_000:
            delay = max(0.0, delay - now())
        return delay
    return None


def _seconds(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    if math.isnan(value) or math.isinf(value):
        return None
    return max(0.0, value)


def _date_delay(text: str, now: Callable[[], float]) -> float | None:
    try:
        when = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now())
