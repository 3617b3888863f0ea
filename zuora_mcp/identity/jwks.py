"""The issuer's signing keys: found through its metadata, fetched with httpx2, cached, refreshed rarely.

This is the one module besides the shared billing client that talks HTTP (``tests/test_seam.py``
lists it): it talks to the *identity provider*, never to a billing system, so it has its own small
client and none of the billing client's retry or idempotency machinery.

Why the care:

- PyJWT's ``PyJWKClient`` fetches with blocking ``urllib``; inside the server's event loop that would
  stall every other request for as long as the issuer takes. Here every fetch is ``await``-ed.
- A token may name a ``kid`` the cache does not know: the issuer rotated its keys. One refetch
  picks up the new key. But anyone can mint tokens with random ``kid`` values, so refetches are
  rate-limited (at most one per ``min_refetch_seconds``, default 30 s) and serialised under a lock:
  a flood of unknown kids costs the issuer one request per interval, not one per token.
- The keys are also refreshed when older than ``max_age_seconds`` (default one hour), so a key
  the issuer *withdrew* stops being accepted without waiting for a restart.
- The metadata's ``issuer`` must equal the configured issuer (RFC 8414 §3.3), and every URL is https
  or loopback http (:func:`~zuora_mcp.identity.settings.check_fetch_url`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import httpx2
import jwt

from zuora_mcp.errors import ConfigError
from zuora_mcp.identity.settings import check_fetch_url

__all__ = ["JWKSource", "SigningKey", "metadata_urls"]

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES: Final = 512 * 1024  # a real JWKS is a few KiB; refuse to parse anything huge
_KEY_TYPES: Final = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}


@dataclass(frozen=True)
class SigningKey:
    """One public key of the issuer: its ``kid``, ``kty``, the ``alg`` it is restricted to (if any)
    and the key object PyJWT verifies with."""

    kid: str | None
    kty: str
    alg: str | None
    key: Any

    def fits(self, algorithm: str) -> bool:
        """The right key type for ``algorithm``, and the JWK's own ``alg`` if it names one."""
        if self.alg is not None and self.alg != algorithm:
            return False
        return _KEY_TYPES.get(algorithm[:2]) == self.kty


def metadata_urls(issuer: str) -> list[str]:
    """Where an issuer's metadata may be, in the order the MCP authorization spec tries them.

    RFC 8414 inserts the well-known segment before the issuer's path; OpenID Connect Discovery
    appends it. An issuer without a path has one spelling of each.
    """
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")

    def at(p: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, p, "", ""))

    if not path:
        return [at("/.well-known/oauth-authorization-server"), at("/.well-known/openid-configuration")]
    return [
        at(f"/.well-known/oauth-authorization-server{path}"),
        at(f"/.well-known/openid-configuration{path}"),
        at(f"{path}/.well-known/openid-configuration"),
    ]


class JWKSource:
    """The signing keys of one issuer, by ``kid``.

    ``transport`` (an httpx2 transport) and ``clock`` (monotonic seconds) are for tests.
    """

    def __init__(
        self,
        issuer: str,
        jwks_url: str | None = None,
        *,
        min_refetch_seconds: float = 30.0,
        max_age_seconds: float = 3600.0,
        timeout_seconds: float = 5.0,
        transport: httpx2.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._issuer = issuer
        self._jwks_url = jwks_url
        self._min_refetch = min_refetch_seconds
        self._max_age = max_age_seconds
        self._clock = clock
        self._http = httpx2.AsyncClient(
            transport=transport,
            timeout=httpx2.Timeout(timeout_seconds),
            follow_redirects=False,  # a redirect could lead an https issuer to an http key set
            headers={"Accept": "application/json"},
        )
        self._lock = asyncio.Lock()
        self._keys: list[SigningKey] = []
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None
        self._generation = 0
        self.fetches = 0  # key-set requests made (tests hold the rate limit to this)
        self.last_error: str | None = None  # why the last fetch failed; None after a success

    def __repr__(self) -> str:
        return f"JWKSource(issuer={self._issuer!r}, keys={len(self._keys)})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def load(self) -> None:
        """Fetch the keys now if none are held (at start-up, so a wrong setting shows at once)."""
        if self._loaded_at is None:
            await self._refresh(self._generation)

    async def key(self, kid: str | None, algorithm: str) -> SigningKey | None:
        """The key that may have signed a token with this header, or ``None``.

        Without a ``kid`` a key is chosen only when exactly one key fits the algorithm.
        """
        now = self._clock()
        stale = self._loaded_at is None or now - self._loaded_at >= self._max_age
        if stale:
            await self._refresh(self._generation)
        found = self._find(kid, algorithm)
        if found is None and not stale:
            # Perhaps the issuer rotated its keys: refetch, at the bounded rate.
            await self._refresh(self._generation)
            found = self._find(kid, algorithm)
        return found

    def _find(self, kid: str | None, algorithm: str) -> SigningKey | None:
        fitting = [k for k in self._keys if k.fits(algorithm)]
        if kid is None:
            return fitting[0] if len(fitting) == 1 else None
        return next((k for k in fitting if k.kid == kid), None)

    async def _refresh(self, seen_generation: int) -> None:
        async with self._lock:
            if self._generation != seen_generation:
                return  # another request refreshed while this one waited for the lock
            now = self._clock()
            if self._attempted_at is not None and now - self._attempted_at < self._min_refetch:
                return
            self._attempted_at = now
            try:
                keys = await self._fetch_keys()
            except (httpx2.HTTPError, ValueError, ConfigError) as exc:
                # Keep the keys we had: an unreachable issuer must not turn valid tokens away at once.
                self.last_error = _safe(exc)
                log.warning("could not fetch the signing keys of %s: %s", self._issuer, self.last_error)
                return
            self.last_error = None
            self._keys = keys
            self._loaded_at = now
            self._generation += 1

    async def _fetch_keys(self) -> list[SigningKey]:
        if self._jwks_url is None:
            self._jwks_url = await self._discover()
        self.fetches += 1
        document = await self._get_json(self._jwks_url)
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise ValueError("the key set has no 'keys' list")
        keys = [key for key in map(_parse_key, entries) if key is not None]
        if not keys:
            raise ValueError("the key set holds no usable signing key")
        return keys

    async def _discover(self) -> str:
        for url in metadata_urls(self._issuer):
            try:
                metadata = await self._get_json(url)
            except (httpx2.HTTPStatusError, ValueError):
                continue
            if metadata.get("issuer") != self._issuer:
                # RFC 8414 §3.3: metadata naming another issuer must not be used (mix-up attacks).
                raise ValueError(f"the metadata at {url} names another issuer")
            jwks_uri = metadata.get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise ValueError(f"the metadata at {url} has no jwks_uri")
            check_fetch_url("jwks_uri", jwks_uri)
            return jwks_uri
        raise ValueError("no authorization server metadata found; set ZUORA_MCP_OAUTH_JWKS_URL")

    async def _get_json(self, url: str) -> dict[str, Any]:
        response = await self._http.get(url)
        response.raise_for_status()
        if len(response.content) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"{url} answered with more than {MAX_DOCUMENT_BYTES} bytes")
        document = response.json()
        if not isinstance(document, dict):
            raise ValueError(f"{url} did not answer with a JSON object")
        return document


def _parse_key(entry: Any) -> SigningKey | None:
    """One JWK as a signing key, or ``None`` for an encryption key or one PyJWT cannot use."""
    if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
        return None
    kty = entry.get("kty")
    if kty not in {"RSA", "EC", "OKP"}:
        return None  # an "oct" (symmetric) key never verifies a token here
    alg = entry.get("alg")
    try:
        parsed = jwt.PyJWK(entry)
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
        return None
    kid = entry.get("kid")
    return SigningKey(
        kid=kid if isinstance(kid, str) else None,
        kty=str(kty),
        alg=alg if isinstance(alg, str) else None,
        key=parsed.key,
    )


def _safe(exc: Exception) -> str:
    """An error text for a log line: the exception type and a short message (no bodies)."""
    return f"{type(exc).__name__}: {str(exc)[:200]}"
