"""ASGI gate in front of the streamable HTTP app: bearer token and Origin checks.

The SDK already refuses foreign Host and Origin headers when bound to loopback. This gate adds what
an automation deployment needs: a shared bearer token (``ZUORA_MCP_HTTP_TOKEN``) compared in constant
time, and, on non-loopback binds, refusal of any browser Origin not explicitly allowed.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["BearerGate"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BearerGate:
    def __init__(self, app: ASGIApp, *, token: str | None, allowed_origins: frozenset[str] | None = None) -> None:
        """``allowed_origins=None`` leaves Origin to the SDK (loopback); a set refuses every other Origin."""
        self._app = app
        self._token = token.encode() if token else None
        self._origins = allowed_origins

    def __repr__(self) -> str:
        return f"BearerGate(token={'set' if self._token else 'unset'})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        if origin is not None and self._origins is not None and origin not in self._origins:
            await _deny(send, 403, "Forbidden: this Origin is not allowed.")
            return
        if self._token is not None:
            given = headers.get("authorization", "")
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), self._token):
                await _deny(send, 401, "Unauthorized: send Authorization: Bearer <ZUORA_MCP_HTTP_TOKEN>.")
                return
        await self._app(scope, receive, send)


async def _deny(send: Send, status: int, message: str) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": -32001, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="zuora-mcp"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
