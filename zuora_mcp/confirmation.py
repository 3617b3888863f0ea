"""Confirmation tokens: sealed, expiring, single-use permission to run one exact write.

A token is ``base64url(claims) + "." + base64url(HMAC-SHA256(key, claims))``. The claims bind it to
the tool, a hash of the canonical arguments, the environment (name and base URL), an expiry, a
random nonce and a fingerprint of the target's state seen at preview time. The same format carries the
modern protocol era's ``request_state`` (kind ``"elicit"``), so both confirmation paths share one
verifier.

Why each claim:
- tool + argument hash + environment: a token cannot run another tool, other arguments or against
  another tenant;
- expiry: a preview does not stay valid for ever (default five minutes);
- nonce: single use within this process (``used`` set), and it becomes the write's
  idempotency key where the vendor has them, so Zuora itself drops a replay of a POST on any replica;
- fingerprint: the guard re-reads the target before running and refuses when it changed, which
  stops a replay the vendor would not deduplicate (a Zuora PUT, any Zoho write) on another replica.

Only the key is shared between replicas (``ZUORA_MCP_SECRET_KEY``), so any replica can verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Claims", "TokenError", "TokenSigner", "arguments_hash"]

# token: handed to the model, spent on the same call; elicit: the modern era's request_state;
# app: handed only to the approval card (in a result's _meta), spent through approve_write.
Kind = Literal["token", "elicit", "app"]


class TokenError(Exception):
    """A token was refused. ``reason`` is a short phrase safe to show to the caller."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Claims:
    kind: Kind
    tool: str
    args: str  # sha256 of the canonical arguments
    env: str  # environment name + base URL
    exp: int  # unix seconds
    nonce: str
    state: str  # fingerprint of the target's state at preview time ("" when there is no target)
    principal: str = ""  # who previewed it; another principal cannot spend it ("" binds nobody: stdio)
    call: str = ""  # app kind only: the tool's arguments as canonical JSON, sealed by the signature


def arguments_hash(arguments: Mapping[str, Any]) -> str:
    """SHA-256 of the arguments in canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class TokenSigner:
    """Mints and verifies tokens with one key; remembers used nonces until they expire."""

    def __init__(self, key: bytes, *, ttl_seconds: int = 300, clock: Callable[[], float] = time.time) -> None:
        if len(key) < 16:
            raise ValueError("the signing key must be at least 16 bytes")
        self._key = key
        self._ttl = ttl_seconds
        self._clock = clock
        self._used: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"TokenSigner(ttl_seconds={self._ttl})"

    @property
    def ttl_seconds(self) -> int:
        return self._ttl

    def mint(
        self,
        *,
        kind: Kind,
        tool: str,
        args: str,
        env: str,
        state: str = "",
        principal: str = "",
        call: str = "",
    ) -> tuple[str, Claims]:
        claims = Claims(
            kind=kind,
            tool=tool,
            args=args,
            env=env,
            exp=int(self._clock()) + self._ttl,
            nonce=secrets.token_hex(16),
            state=state,
            principal=principal,
            call=call,
        )
        payload = json.dumps(claims.__dict__, sort_keys=True, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}", claims

    def verify(self, token: str, *, kind: Kind, tool: str, args: str, env: str, principal: str = "") -> Claims:
        """Return the token's claims if it permits exactly this call; it is not yet marked used.

        Raises:
            TokenError: forged, truncated, expired, used, or minted for something else (another
            tool, arguments, environment or principal).
        """
        claims = self._open(token)
        if claims.principal and claims.principal != principal:
            raise TokenError("it was issued to another caller")
        if claims.kind != kind:
            raise TokenError("it was issued for a different confirmation step")
        if claims.tool != tool:
            raise TokenError(f"it was issued for the tool {claims.tool}, not {tool}")
        if claims.env != env:
            raise TokenError("it was issued for another environment")
        if claims.args != args:
            raise TokenError("it was issued for different arguments; preview the call again")
        if claims.exp < self._clock():
            raise TokenError("it has expired; preview the call again to get a new one")
        self._forget_expired()
        if claims.nonce in self._used:
            raise TokenError("it has already been used")
        return claims

    def open_sealed(self, token: str) -> Claims:
        """The claims of an ``app`` credential, signature checked, so the call it seals can be read.

        Binding, expiry and use are checked afterwards by :meth:`verify` on the call it names.

        Raises:
            TokenError: forged, altered, or not an approval-card credential.
        """
        claims = self._open(token)
        if claims.kind != "app" or not claims.call:
            raise TokenError("it is not an approval issued for the approval card")
        return claims

    def mark_used(self, claims: Claims) -> None:
        self._used[claims.nonce] = claims.exp

    def _open(self, token: str) -> Claims:
        try:
            payload_text, signature_text = token.split(".")
            payload = _unb64(payload_text)
            signature = _unb64(signature_text)
        except (ValueError, binascii.Error):
            raise TokenError("it is not a confirmation token issued by this server") from None
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise TokenError("its signature does not match; it was altered or issued by another server")
        try:
            raw = json.loads(payload)
            return Claims(**{name: raw[name] for name in Claims.__dataclass_fields__ if name in raw})
        except (ValueError, KeyError, TypeError):
            raise TokenError("its contents are unreadable") from None

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def _forget_expired(self) -> None:
        now = self._clock()
        for nonce in [n for n, exp in self._used.items() if exp < now]:
            del self._used[nonce]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text:
        raise ValueError("empty")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
