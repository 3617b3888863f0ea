"""The streamable-HTTP listener: a bound TCP socket and a uvicorn server whose connections never wait on Nagle.

A kept-alive MCP client sends a request and waits for the whole answer before it sends the next
one. uvicorn writes an answer in several small writes (headers, body, the end of a chunked body);
with Nagle's algorithm on, every write after the first waits until the client ACKs the previous
one, and the client delays that ACK by up to 40 ms because it has nothing to send. So each call
would take ~40 ms more than it should. Nagle is off on every accepted connection, two ways:

- the listening socket is made with ``IPPROTO_TCP``: asyncio's socket transport sets
  ``TCP_NODELAY`` only on sockets whose ``proto`` says TCP, and accepted sockets inherit the
  listener's ``proto`` (``0`` when the listener was made without it);
- the HTTP protocol sets ``TCP_NODELAY`` itself when a connection is made, so it holds on any event
  loop and for any socket handed to :func:`serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

__all__ = ["listening_socket", "nodelay_protocol", "serve"]


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (``0`` picks a free port), not yet listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle off on the connection under ``transport`` (nothing for non-TCP sockets)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        # A connection the peer already reset has nothing left to delay.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def nodelay_protocol() -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools when installed, else h11) with Nagle off on each connection."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class NoDelayProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            set_nodelay(transport)
            super().connection_made(transport)

    return NoDelayProtocol


async def serve(app: Any, sock: socket.socket, **config: Any) -> None:
    """Serve the ASGI ``app`` on ``sock`` until the process is told to stop (uvicorn's signals)."""
    import uvicorn

    settings: dict[str, Any] = {"log_level": "warning", "lifespan": "on", "timeout_graceful_shutdown": 2}
    settings.update(config)
    await uvicorn.Server(uvicorn.Config(app, http=nodelay_protocol(), **settings)).serve(sockets=[sock])
