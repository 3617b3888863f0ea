"""ASGI gate in front of the streamable HTTP app: who is calling, may they, and Origin checks.

The SDK already refuses foreign Host and Origin headers when bound to loopback. This gate adds what
an automation deployment needs:

- **Authentication.** A request carries either the shared ``ZUORA_MCP_HTTP_TOKEN`` (compared in
  constant time; it means every scope) or a JWT access token from the configured OAuth issuer,
  checked by :class:`~zuora_mcp.identity.verifier.JWTVerifier`. Both may be configured at once. A
  request without either gets 401 with an RFC 6750 / RFC 9728 challenge naming the resource
  metadata and the scopes (``error="invalid_token"`` when a token was sent and refused). With
  neither configured (loopback only: ``serve`` refuses to bind elsewhere) every request is the
  local principal, as on stdio.
- **Discovery.** With OAuth configured, ``/.well-known/oauth-protected-resource`` (and the variant
  suffixed with the resource's path, e.g. ``…/mcp``, RFC 9728 §3.1) names the authorization server
  and ``scopes_supported``, so a client can find where to get a token.
- **Scope per call, as HTTP 403.** A ``tools/call`` arrives as one POST whose body names the tool,
  so the HTTP layer *can* know the tool — by reading the JSON-RPC body before the SDK does. Given
  ``required_scope`` (the server's map from a message to the scope it needs, see
  :func:`~zuora_mcp.identity.scopes.scope_needed_by`), the gate answers a call beyond the caller's
  scopes with 403 ``insufficient_scope`` naming the needed scope — the answer the MCP authorization
  spec asks for and the SDK's OAuth client acts on (step-up) — and nothing reaches the server. The
  server must still check per call (stdio, and any path that bypasses this hook).
- **The principal** of each admitted request is set for the app
  (:func:`~zuora_mcp.identity.principal.use_principal`, and ``scope[SCOPE_KEY]``). The principal is
  per request, not per session: a handler always sees who sent *this* message.
- **Sessions belong to their principal.** The SDK binds a stateful session to the credential that
  opened it only when its own auth middleware ran; ours replaces it, so the gate does the same: it
  learns each ``mcp-session-id`` it sees issued and answers a request for that session from anyone
  else with 404 "Session not found", exactly as for a session that does not exist.
- **Origin.** On non-loopback binds, any browser Origin not explicitly allowed is refused.

Nothing here writes a token into a log line or an answer.
"""

from __future__ import annotations

import hmac
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit, urlunsplit

import pydantic_core

from zuora_mcp.identity.principal import SCOPE_KEY, Principal, use_principal
from zuora_mcp.identity.scopes import ALL_SCOPES

if TYPE_CHECKING:
    from zuora_mcp.identity.verifier import JWTVerifier

__all__ = ["BearerGate", "insufficient_scope_challenge", "resource_metadata_url"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
RequiredScope = Callable[[Any], "str | None"]

WELL_KNOWN: Final = "/.well-known/oauth-protected-resource"
# The SDK refuses bodies above 4 MiB; the gate reads no more than that to find the tool.
MAX_INSPECTED_BODY: Final = 4 * 1024 * 1024
# Session owners remembered; the oldest is forgotten first (its client then gets 404 and opens a new
# session, as after any server restart), so the map cannot grow without bound.
MAX_SESSIONS: Final = 10_000
SESSION_HEADER: Final = "mcp-session-id"
_SCOPES_TEXT: Final = " ".join(ALL_SCOPES)


def resource_metadata_url(resource: str) -> str:
    """RFC 9728 §3.1: the well-known segment goes between the host and the resource's path."""
    parts = urlsplit(resource)
    return urlunsplit((parts.scheme, parts.netloc, WELL_KNOWN + parts.path.rstrip("/"), "", ""))


def insufficient_scope_challenge(scope: str, resource_metadata: str | None) -> str:
    """The ``WWW-Authenticate`` value of a 403 for a call that needs ``scope`` (RFC 6750 §3.1).

    For the server when it refuses a call itself (``resource_metadata`` is
    ``BearerGate.resource_metadata``, ``None`` without OAuth).
    """
    parts = ['error="insufficient_scope"', f'scope="{scope}"']
    if resource_metadata:
        parts.append(f'resource_metadata="{resource_metadata}"')
    parts.append(f'error_description="this call needs the {scope} scope"')
    return "Bearer " + ", ".join(parts)


class BearerGate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        allowed_origins: frozenset[str] | None = None,
        verifier: JWTVerifier | None = None,
        required_scope: RequiredScope | None = None,
    ) -> None:
        """``allowed_origins=None`` leaves Origin to the SDK (loopback); a set refuses every other Origin.

        ``verifier`` admits JWT access tokens (and turns on discovery); ``required_scope`` maps one
        JSON-RPC message to the scope it needs (``None``: none beyond a valid token).
        """
        self._app = app
        self._token = token.encode() if token else None
        self._origins = allowed_origins
        self._verifier = verifier
        self._required_scope = required_scope
        self.resource_metadata: str | None = None
        self._metadata_body = b""
        self._metadata_paths: frozenset[str] = frozenset()
        if verifier is not None:
            settings = verifier.settings
            self.resource_metadata = resource_metadata_url(settings.resource)
            self._metadata_body = json.dumps(
                {
                    "resource": settings.resource,
                    "authorization_servers": [settings.issuer],
                    "scopes_supported": list(ALL_SCOPES),
                    "bearer_methods_supported": ["header"],
                    "resource_name": "zuora-mcp",
                }
            ).encode()
            own = urlsplit(self.resource_metadata).path
            self._metadata_paths = frozenset({WELL_KNOWN, own, WELL_KNOWN + "/mcp"})
        self._session_owners: OrderedDict[str, str] = OrderedDict()

    @classmethod
    def from_environment(
        cls,
        app: ASGIApp,
        *,
        token: str | None,
        allowed_origins: frozenset[str] | None = None,
        required_scope: RequiredScope | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> BearerGate:
        """The gate ``serve`` builds: the static token as given, OAuth from ``ZUORA_MCP_OAUTH_*``.

        Raises:
            ConfigError: the OAuth settings are incomplete or would weaken the check.
        """
        from zuora_mcp.identity.settings import load_oauth_settings
        from zuora_mcp.identity.verifier import JWTVerifier

        oauth = load_oauth_settings(environ)
        verifier = JWTVerifier(oauth) if oauth is not None else None
        return cls(app, token=token, allowed_origins=allowed_origins, verifier=verifier, required_scope=required_scope)

    async def warm_up(self) -> str | None:
        """Fetch the OAuth issuer's keys before the first request; why that failed, or ``None``.

        ``serve`` can print the reason as a warning: tokens are refused until the keys can be fetched
        (retried at most every 30 s), and a wrong issuer URL is better seen at start-up.
        """
        return await self._verifier.warm_up() if self._verifier is not None else None

    def __repr__(self) -> str:
        return f"BearerGate(token={'set' if self._token else 'unset'}, oauth={'set' if self._verifier else 'unset'})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        if scope.get("path") in self._metadata_paths:
            # Public by design (RFC 9728): served before Origin and token checks so any client can discover.
            await self._metadata(scope, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        if origin is not None and self._origins is not None and origin not in self._origins:
            await _deny(send, 403, "Forbidden: this Origin is not allowed.", None)
            return
        principal = await self._authenticate(headers)
        if principal is None:
            await self._challenge(send, given="authorization" in headers)
            return
        if self._required_scope is not None and scope.get("method") == "POST":
            receive, refusal = await self._check_scopes(receive, principal)
            if refusal is not None:
                needed, request_id = refusal
                challenge = insufficient_scope_challenge(needed, self.resource_metadata)
                message = f"Insufficient scope: this call needs the {needed} scope, which the access token lacks."
                await _deny(send, 403, message, challenge, request_id=request_id, data={"required_scope": needed})
                return
        if self._token is not None or self._verifier is not None:
            session = headers.get(SESSION_HEADER)
            if session is None:
                send = self._learning_sessions(send, principal.key)
            elif self._session_owners.get(session) != principal.key:
                await _deny(send, 404, "Session not found", None, code=-32600)
                return
        scope[SCOPE_KEY] = principal
        with use_principal(principal):
            await self._app(scope, receive, send)

    def _learning_sessions(self, send: Send, owner: str) -> Send:
        """A ``send`` that notes the session id the SDK issues in answer to this request, and for whom."""

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                for name, value in message.get("headers", []):
                    if name.decode("latin-1").lower() == SESSION_HEADER:
                        self._session_owners[value.decode("latin-1")] = owner
                        while len(self._session_owners) > MAX_SESSIONS:
                            self._session_owners.popitem(last=False)
            await send(message)

        return noting

    async def _authenticate(self, headers: dict[str, str]) -> Principal | None:
        if self._token is None and self._verifier is None:
            return Principal.local()
        scheme, _, value = headers.get("authorization", "").partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            return None
        if self._token is not None and hmac.compare_digest(value.encode(), self._token):
            return Principal.static()
        if self._verifier is not None:
            return await self._verifier.authenticate(value)
        return None

    async def _challenge(self, send: Send, *, given: bool) -> None:
        if self.resource_metadata is None:
            parts = ['realm="zuora-mcp"']
            message = "Unauthorized: send Authorization: Bearer <ZUORA_MCP_HTTP_TOKEN>."
        else:
            parts = [f'resource_metadata="{self.resource_metadata}"', f'scope="{_SCOPES_TEXT}"']
            message = "Unauthorized: send Authorization: Bearer <an access token for this resource>."
        if given:
            parts.append('error="invalid_token"')
        await _deny(send, 401, message, "Bearer " + ", ".join(parts))

    async def _check_scopes(self, receive: Receive, principal: Principal) -> tuple[Receive, tuple[str, Any] | None]:
        """Read the body (to give it back to the app untouched) and find a scope the caller lacks."""
        messages: list[Message] = []
        body = bytearray()
        complete = False
        while len(body) <= MAX_INSPECTED_BODY:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                complete = True
                break
        refusal = None
        # Every body is parsed, not only those that look like a tools/call: JSON may spell the method
        # with escapes ("tools\/call"), and a byte test would let such a call pass the gate.
        if complete and self._required_scope is not None:
            refusal = _first_missing(bytes(body), principal, self._required_scope)
        return _replay(messages, receive), refusal

    async def _metadata(self, scope: Scope, send: Send) -> None:
        if scope.get("method") not in {"GET", "HEAD"}:
            await _deny(send, 405, "Method not allowed.", None)
            return
        body = self._metadata_body if scope.get("method") == "GET" else b""
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self._metadata_body)).encode()),
            (b"access-control-allow-origin", b"*"),
            (b"cache-control", b"max-age=3600"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _first_missing(body: bytes, principal: Principal, required: RequiredScope) -> tuple[str, Any] | None:
    """The first (scope, request id) of a message the caller's scopes do not allow, if any."""
    parsed = _parse(body)
    for message in parsed if isinstance(parsed, list) else [parsed]:
        needed = required(message)
        if needed is not None and not principal.grants(needed):
            request_id = message.get("id") if isinstance(message, dict) else None
            return needed, request_id if isinstance(request_id, str | int) else None
    return None


def _parse(body: bytes) -> Any:
    """The body as the SDK will read it, or ``None`` when the SDK cannot read it either.

    The SDK parses with ``json.loads`` (2026 era) or ``pydantic_core.from_json`` (handshake era);
    they differ at the edges (encodings, nesting depth), so a body either accepts is checked.
    """
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        pass
    try:
        return pydantic_core.from_json(body)
    except ValueError:
        return None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that first returns what the gate already read, then reads on."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


async def _deny(
    send: Send,
    status: int,
    message: str,
    challenge: str | None,
    *,
    request_id: Any = None,
    data: dict[str, Any] | None = None,
    code: int = -32001,
) -> None:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    body = json.dumps({"jsonrpc": "2.0", "id": request_id, "error": error}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if challenge is not None:
        headers.append((b"www-authenticate", challenge.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
