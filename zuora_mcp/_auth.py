"""The OAuth token cache: one token at a time, fetched once however many callers need it.

Token endpoints are rate limited (Zuora's by IP, Zoho's per refresh token), so the cache never lets
two fetches overlap: every caller that finds no usable token joins the one fetch in flight. A
refresh after a 401 happens only if the token that was refused is still the current one, so a burst
of 401s from one expired token causes a single refresh. The cache knows nothing about HTTP: it is
handed a ``fetch`` function.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_EXPIRES_IN", "IssuedToken", "TokenCache", "parse_token_response", "refresh_margin"]

# Zuora and Zoho document one hour; used only when a token response leaves expires_in out.
DEFAULT_EXPIRES_IN = 3600.0


@dataclass(frozen=True, repr=False)
class IssuedToken:
    """A bearer token and its lifetime in seconds. ``repr`` hides the token."""

    access_token: str
    expires_in: float

    def __repr__(self) -> str:
        return f"IssuedToken(access_token='**********', expires_in={self.expires_in})"


def refresh_margin(expires_in: float) -> float:
    """How long before expiry a token stops being used: min(60 s, 10% of its lifetime)."""
    return min(60.0, 0.1 * expires_in)


def parse_token_response(data: Any) -> IssuedToken | None:
    """Read ``{"access_token", "token_type", "expires_in"}``; None when there is no token in it."""
    if not isinstance(data, dict):
        return None
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        return None
    raw = data.get("expires_in")
    try:
        expires_in = float(raw) if raw is not None and not isinstance(raw, bool) else DEFAULT_EXPIRES_IN
    except (TypeError, ValueError):
        expires_in = DEFAULT_EXPIRES_IN
    if not expires_in > 0:
        expires_in = DEFAULT_EXPIRES_IN
    return IssuedToken(token, expires_in)


class TokenCache:
    """Hands out the current bearer token, fetching a new one (single-flight) when needed."""

    def __init__(self, fetch: Callable[[], Awaitable[IssuedToken]], clock: Callable[[], float]) -> None:
        self._fetch = fetch
        self._clock = clock
        self._token: str | None = None
        self._usable_until = 0.0
        self._inflight: asyncio.Task[str] | None = None

    def __repr__(self) -> str:
        return "TokenCache()"

    @property
    def current(self) -> str | None:
        """The token in use, or None. For scrubbing it out of texts, never for display."""
        return self._token

    async def get(self) -> str:
        """A token that is not near expiry, fetching one if needed.

        Raises whatever ``fetch`` raises; every caller waiting on that fetch gets the same error.
        """
        if self._token is not None and self._clock() < self._usable_until:
            return self._token
        return await self._join()

    async def refresh(self, refused: str) -> tuple[str, bool]:
        """After ``refused`` got a 401: a fresh token, and whether this call started the fetch.

        Only the first caller holding the refused token starts a fetch; later ones join it or
        get the token it produced.
        """
        started = False
        if self._token == refused:
            self._token = None
            started = self._inflight is None
        return await self.get(), started

    def close(self) -> None:
        """Cancel a fetch in flight (the client is closing)."""
        if self._inflight is not None:
            self._inflight.cancel()
            self._inflight = None

    async def _join(self) -> str:
        task = self._inflight
        if task is None:
            task = asyncio.get_running_loop().create_task(self._run_fetch())
            task.add_done_callback(self._settled)
            self._inflight = task
        # Shielded: a caller that gives up must not cancel the fetch the others are waiting on.
        return await asyncio.shield(task)

    async def _run_fetch(self) -> str:
        try:
            asked_at = self._clock()
            issued = await self._fetch()
            self._token = issued.access_token
            self._usable_until = asked_at + issued.expires_in - refresh_margin(issued.expires_in)
            return issued.access_token
        finally:
            if self._inflight is asyncio.current_task():
                self._inflight = None

    def _settled(self, task: asyncio.Task[str]) -> None:
        if self._inflight is task:
            self._inflight = None
        # Mark the error as seen: the waiters got it, or nobody is waiting any more.
        if not task.cancelled():
            with contextlib.suppress(BaseException):
                task.exception()
