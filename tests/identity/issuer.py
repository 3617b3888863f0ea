"""A real OAuth issuer on loopback for the identity tests: metadata, a JWKS endpoint, keys per run.

It mints nothing itself: tests mint tokens with PyJWT and the private keys held here, as an
identity provider would. Keys are generated per run with ``cryptography``; ``rotate()`` publishes a
new key (optionally withdrawing the old ones) the way Keycloak or Auth0 roll their keys.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import time
import urllib.parse
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from zuora_mcp.tenant_kit.loopback import serve_on_loopback

RESOURCE = "http://127.0.0.1:8765/mcp"


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: Any

    def jwk(self) -> dict[str, Any]:
        algorithm = RSAAlgorithm if self.alg.startswith(("RS", "PS")) else ECAlgorithm
        public = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": self.alg}

    def public_pem(self) -> bytes:
        pem: bytes = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem


def new_key(kid: str, alg: str = "RS256") -> SigningKey:
    if alg.startswith(("RS", "PS")):
        return SigningKey(kid, alg, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return SigningKey(kid, alg, ec.generate_private_key(ec.SECP256R1()))


@dataclass
class Issuer:
    """The issuer's state; ``url`` is set once it listens. ``path`` makes a Keycloak-style issuer
    (``/realms/billing``) that publishes only OpenID Connect discovery."""

    path: str = ""
    keys: list[SigningKey] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    url: str = ""
    root: str = ""
    metadata_issuer: str | None = None  # set to publish metadata naming another issuer
    # The client-credentials grant: client id -> (secret, scopes it may be granted); tokens name ``resource``.
    clients: dict[str, tuple[str, set[str]]] = field(default_factory=dict)
    resource: str = RESOURCE
    granted: list[str] = field(default_factory=list)  # the scope of each token the endpoint issued

    @property
    def jwks_url(self) -> str:
        return f"{self.root}/jwks"

    @property
    def key(self) -> SigningKey:
        return self.keys[0]

    def rotate(self, kid: str, *, withdraw_old: bool = False) -> SigningKey:
        fresh = new_key(kid, self.key.alg)
        self.keys = [fresh] if withdraw_old else [fresh, *self.keys]
        return fresh

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "aud": RESOURCE,
            "sub": "user-42",
            "client_id": "billing-agent",
            "scope": "billing:read billing:write",
            "iat": now,
            "exp": now + 300,
            "jti": f"jti-{now}",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(self, key: SigningKey | None = None, *, kid: str | None = "", **overrides: Any) -> str:
        """A token signed with ``key`` (default: the current one); ``kid=None`` leaves the header without one."""
        key = key or self.key
        headers = {"typ": "at+jwt"}
        if kid is not None:
            headers["kid"] = kid or key.kid
        return jwt.encode(self.claims(**overrides), key.private, algorithm=key.alg, headers=headers)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope["path"]
        self.requests[path] += 1
        if path == "/token" and scope["method"] == "POST":
            await self._token(scope, receive, send)
            return
        metadata = {
            "issuer": self.metadata_issuer or self.url,
            "jwks_uri": self.jwks_url,
            "authorization_endpoint": f"{self.root}/authorize",  # required by RFC 8414; unused here
            "token_endpoint": f"{self.root}/token",
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["billing:read", "billing:write", "billing:destructive"],
        }
        documents: dict[str, Any] = {"/jwks": {"keys": [k.jwk() for k in self.keys]}}
        if self.path:  # Keycloak: OpenID Connect discovery appended to the realm's path
            documents[f"{self.path}/.well-known/openid-configuration"] = metadata
        else:
            documents["/.well-known/oauth-authorization-server"] = metadata
        document = documents.get(path)
        status = 200 if document is not None else 404
        body = json.dumps(document if document is not None else {"error": "not found"}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _token(self, scope: Any, receive: Any, send: Any) -> None:
        """RFC 6749 §4.4 client credentials, with the RFC 8707 ``resource`` this issuer serves."""
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            decoded = base64.b64decode(basic[6:]).decode()
            client_id, _, secret = (urllib.parse.unquote(part) for part in decoded.partition(":"))
        known = self.clients.get(client_id)
        if known is None or not hmac.compare_digest(known[0], secret):
            answer: tuple[int, dict[str, Any]] = (401, {"error": "invalid_client"})
        elif form.get("grant_type") != "client_credentials":
            answer = (400, {"error": "unsupported_grant_type"})
        elif form.get("resource", self.resource).rstrip("/") != self.resource.rstrip("/"):
            answer = (400, {"error": "invalid_target"})
        else:
            requested = set(form.get("scope", " ".join(known[1])).split())
            granted = " ".join(sorted(requested & known[1]))
            self.granted.append(granted)
            token = self.mint(sub=f"service-account-{client_id}", client_id=client_id, scope=granted, aud=self.resource)
            answer = (200, {"access_token": token, "token_type": "Bearer", "expires_in": 300, "scope": granted})
        payload = json.dumps(answer[1]).encode()
        start = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": answer[0], "headers": start})
        await send({"type": "http.response.body", "body": payload})


@contextlib.asynccontextmanager
async def running_issuer(path: str = "", alg: str = "RS256") -> AsyncIterator[Issuer]:
    issuer = Issuer(path=path, keys=[new_key("key-1", alg)])
    async with serve_on_loopback(issuer) as server:
        issuer.root = server.url
        issuer.url = server.url + path
        yield issuer


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(claims: dict[str, Any], kid: str) -> str:
    """``alg: none``: a header and claims with an empty signature."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def hs256_with_public_key(claims: dict[str, Any], key: SigningKey) -> str:
    """The algorithm-confusion forgery: HMAC-SHA256 keyed with the issuer's *public* key (PEM)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(key.public_pem(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"
