"""``/metrics`` over HTTP: the telemetry's metrics in the Prometheus text format.

:func:`with_metrics` wraps the streamable HTTP app *before* the bearer gate wraps it, so a scrape needs
the same credentials as ``/mcp``::

    BearerGate(with_metrics(server.streamable_http_app(...)), token=...)

With telemetry off (:mod:`zuora_mcp.telemetry`) the path is not served: the request goes on to the
wrapped app, which answers 404. Plain ASGI, no framework: this module imports neither the MCP SDK nor
an ASGI server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from zuora_mcp import telemetry

__all__ = ["CONTENT_TYPE", "METRICS_PATH", "with_metrics"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

METRICS_PATH = "/metrics"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def with_metrics(app: ASGIApp, path: str = METRICS_PATH) -> ASGIApp:
    """``app``, with ``path`` answered by the metrics while telemetry is on."""

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") == path:
            text = telemetry.prometheus_text()
            if text is not None:
                await _answer(scope, send, text)
                return
        await app(scope, receive, send)

    return dispatch


async def _answer(scope: Scope, send: Send, text: str) -> None:
    method = scope.get("method", "GET")
    if method not in ("GET", "HEAD"):
        body = b"Method not allowed: GET /metrics.\n"
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"allow", b"GET, HEAD")]
        await _send(send, 405, headers, body)
        return
    body = text.encode("utf-8")
    headers = [(b"content-type", CONTENT_TYPE.encode()), (b"cache-control", b"no-store")]
    await _send(send, 200, headers, b"" if method == "HEAD" else body, length=len(body))


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, length: int = -1) -> None:
    size = len(body) if length < 0 else length
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(size).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
