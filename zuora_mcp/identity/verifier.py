"""JWT access tokens (RFC 9068) checked with PyJWT against the issuer's published keys.

Checked, in this order, before any claim is believed:

1. the header's ``alg`` is on the configured list — public-key algorithms only, so ``none`` and an
   HS256 token "signed" with the issuer's public key are refused before a key is even looked up;
2. a key of the issuer fits the header (``kid``, key type, the JWK's own ``alg``);
3. PyJWT verifies the signature with that key and only that algorithm, then ``iss`` (exactly the
   configured issuer), ``aud`` (this server's resource URL, RFC 8707: a token minted for another API
   is refused), ``exp`` and ``nbf`` with the configured leeway; ``exp``, ``iss``, ``aud`` and
   ``sub`` must be present.

What a refusal says is fit for a log line and a ``WWW-Authenticate`` description: it never contains
the token or a claim value.

The SDK's ``TokenVerifier`` protocol (``verify_token -> AccessToken | None``) is not implemented here
because only the MCP boundary may import ``mcp`` (``tests/test_seam.py``); our HTTP gate uses
:meth:`JWTVerifier.verify` directly. An adapter is three lines in an MCP module (see
``docs/identity.md``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Final

import jwt

from zuora_mcp.identity.jwks import JWKSource
from zuora_mcp.identity.principal import Principal
from zuora_mcp.identity.settings import ASYMMETRIC_ALGORITHMS, OAuthSettings

__all__ = ["JWTVerifier", "TokenRejected"]

log = logging.getLogger(__name__)

MAX_TOKEN_CHARS: Final = 16 * 1024  # far above any real access token; parsing stops here


class TokenRejected(Exception):
    """A token that does not prove anything; ``str(exc)`` is a short reason without token material."""


class JWTVerifier:
    """Verifies access tokens of one issuer for one resource.

    ``keys`` defaults to a :class:`JWKSource` for the settings' issuer (and JWKS URL if given).
    """

    def __init__(self, settings: OAuthSettings, keys: JWKSource | None = None) -> None:
        refused = set(settings.algorithms) - ASYMMETRIC_ALGORITHMS
        if refused:
            raise ValueError(f"not public-key algorithms: {sorted(refused)}")
        self.settings = settings
        self._keys = keys if keys is not None else JWKSource(settings.issuer, settings.jwks_url)
        resource = settings.resource
        # Accept the resource URL with or without its trailing slash: identity providers differ on
        # whether they keep it, and both name the same resource.
        self._audiences = list(dict.fromkeys([resource, resource.rstrip("/"), resource.rstrip("/") + "/"]))

    def __repr__(self) -> str:
        return f"JWTVerifier(issuer={self.settings.issuer!r}, resource={self.settings.resource!r})"

    async def aclose(self) -> None:
        await self._keys.aclose()

    async def warm_up(self) -> str | None:
        """Fetch the issuer's keys now; why that failed (for a start-up warning), or ``None``."""
        await self._keys.load()
        return self._keys.last_error

    async def authenticate(self, token: str) -> Principal | None:
        """The token's principal, or ``None`` (the reason goes to the log at INFO, without the token)."""
        try:
            return await self.verify(token)
        except TokenRejected as exc:
            log.info("access token refused: %s", exc)
            return None

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token.

        Raises:
            TokenRejected: anything short of a valid token for this issuer and resource.
        """
        if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise TokenRejected("not a signed JWT")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRejected("malformed token header") from None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self.settings.algorithms:
            raise TokenRejected("signature algorithm not accepted")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise TokenRejected("malformed key id")
        key = await self._keys.key(kid, algorithm)
        if key is None:
            raise TokenRejected("signed with a key the issuer does not publish")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self._audiences,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"], "verify_signature": True},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejected("token expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenRejected("token not yet valid") from None
        except jwt.InvalidAudienceError:
            raise TokenRejected("token issued for another resource") from None
        except jwt.InvalidIssuerError:
            raise TokenRejected("token from another issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRejected(f"token lacks the {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise TokenRejected("signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"invalid token ({type(exc).__name__})") from None
        return _principal(claims, self.settings.issuer)


def _principal(claims: dict[str, Any], issuer: str) -> Principal:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise TokenRejected("token has no usable 'sub'")
    # RFC 9068 names the client ``client_id``; OIDC-style providers (Keycloak, Entra v2) say ``azp``,
    # Entra v1 ``appid``, Okta ``cid``.
    names = ("client_id", "azp", "appid", "cid")
    client = next((claims[k] for k in names if isinstance(claims.get(k), str)), None)
    return Principal("oauth", subject, client, _scopes(claims), issuer)


def _scopes(claims: dict[str, Any]) -> frozenset[str]:
    """``scope`` (RFC 9068: space-separated) or ``scp`` (Okta, Entra: a list or a string)."""
    found: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        items: Iterable[Any] = value.split() if isinstance(value, str) else value if isinstance(value, list) else ()
        found.update(item for item in items if isinstance(item, str) and item)
    return frozenset(found)
