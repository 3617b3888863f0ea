"""Serving an ASGI app on a real loopback socket inside the caller's event loop.

:func:`serve_on_loopback` binds ``127.0.0.1`` (never another address), starts uvicorn on that
socket without touching signal handlers, and on exit closes the listener and aborts open
connections at once, so a test can start and stop a tenant in a few milliseconds.

uvicorn's h11 protocol is subclassed to count accepted TCP connections and to let the app abort
the connection of a given client address (``scope["client"]``): that is how the
``drop_before_commit`` and ``drop_after_commit`` faults cut a connection mid-request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["HOST", "LoopbackServer", "serve_on_loopback"]

HOST = "127.0.0.1"


class _Connections:
    """Open connections by client address, shared by the protocol instances of one server."""

    def __init__(self, on_connect: Callable[[], None]) -> None:
        self.on_connect = on_connect
        self.by_client: dict[tuple[str, int], H11Protocol] = {}

    def drop(self, client: tuple[str, int] | None) -> bool:
        protocol = self.by_client.get(tuple(client)) if client else None  # type: ignore[arg-type]
        if protocol is None:
            return False
        if protocol.cycle is not None:
            protocol.cycle.disconnected = True  # the app's later sends are discarded
        protocol.transport.abort()
        return True


def _protocol_class(connections: _Connections) -> type[H11Protocol]:
    class CountingProtocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            # asyncio only sets TCP_NODELAY when the listening socket was made with IPPROTO_TCP;
            # without it every answer (headers, then body) waits ~40 ms for a delayed ACK.
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connections.on_connect()
            if self.client is not None:
                connections.by_client[self.client] = self

        def connection_lost(self, exc: Exception | None) -> None:
            if self.client is not None and connections.by_client.get(self.client) is self:
                del connections.by_client[self.client]
            super().connection_lost(exc)

    return CountingProtocol


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves the caller's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Any:
        yield


@dataclass(frozen=True)
class LoopbackServer:
    """The bound port, and ``drop(client)``: abort the TCP connection of ``scope["client"]``."""

    port: int
    drop: Callable[[tuple[str, int] | None], bool]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@contextlib.asynccontextmanager
async def serve_on_loopback(
    app: Any,
    *,
    port: int = 0,
    on_connect: Callable[[], None] = lambda: None,
    date_header: bool = False,
) -> AsyncIterator[LoopbackServer]:
    """Serve ``app`` on 127.0.0.1:``port`` (0 picks a free one) for the ``async with`` block.

    ``on_connect`` is called once per accepted TCP connection. ``date_header=False`` leaves the
    ``Date`` header to the app (a tenant may want to write a wrong clock on purpose).
    """
    connections = _Connections(on_connect)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    bound = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        http=_protocol_class(connections),
        lifespan="off",
        log_config=None,  # leave the host process's logging configuration alone
        log_level=logging.WARNING,
        access_log=False,
        server_header=False,
        date_header=date_header,
        timeout_keep_alive=30,
    )
    server = _QuietServer(config)
    config.load()
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    try:
        yield LoopbackServer(port=bound, drop=connections.drop)
    finally:
        await _stop(server, sock)


async def _stop(server: uvicorn.Server, sock: socket.socket) -> None:
    for listener in server.servers:
        listener.close()
    for connection in list(server.server_state.connections):
        transport = getattr(connection, "transport", None)
        if transport is not None:
            transport.abort()
    for task in list(server.server_state.tasks):
        task.cancel()
    for listener in server.servers:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(listener.wait_closed(), timeout=1.0)
    sock.close()
