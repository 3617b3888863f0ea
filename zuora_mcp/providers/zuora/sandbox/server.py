"""Running the sandbox on a real loopback socket inside the caller's event loop.

:func:`running_sandbox` binds ``127.0.0.1`` (never another address), starts uvicorn on that socket
without touching signal handlers, and on exit closes the listener and aborts open connections
at once, so a test can start and stop a sandbox in a few milliseconds.

uvicorn's h11 protocol is subclassed to count accepted TCP connections and to let the app abort
the connection of a given client address (``scope["client"]``): that is how the
``drop_before_commit`` and ``drop_after_commit`` faults cut a connection mid-request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from zuora_mcp.providers.zuora.sandbox.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SandboxApp
from zuora_mcp.providers.zuora.sandbox.demo_data import demo_seed
from zuora_mcp.providers.zuora.sandbox.faults import Counters, FaultRates, Faults
from zuora_mcp.providers.zuora.sandbox.tenant import Clock, Tenant

__all__ = ["RunningSandbox", "SandboxOptions", "running_sandbox"]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class SandboxOptions:
    """How to run a sandbox.

    ``client_id``/``client_secret`` default to ``ZUORA_CLIENT_ID``/``ZUORA_CLIENT_SECRET``, then to
    ``sandbox-client-id``/``sandbox-client-secret``. ``seed`` is seed data (a dict in the shape of
    :func:`~zuora_mcp.providers.zuora.sandbox.demo_data.demo_seed`); None means the built-in demo tenant.
    ``clock_start`` fixes the sandbox clock's start (seconds since the epoch) for reproducible runs.
    ``entity_ids`` makes a multi-entity tenant: API requests must name one of these entities in
    ``Zuora-Entity-Ids`` or get Zuora's HTTP 400. ``date_offset`` shifts every answer's ``Date``
    header by that many seconds (a server clock that is wrong), without touching the tenant clock.
    """

    port: int = 0
    token_expires_in: int = 3600
    seed: dict[str, Any] | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    fault_rates: FaultRates = field(default_factory=FaultRates)
    clock_start: float | None = None
    entity_ids: tuple[str, ...] = ()
    date_offset: float = 0.0

    def credentials(self) -> tuple[str, str]:
        client_id = self.client_id or os.environ.get("ZUORA_CLIENT_ID") or DEFAULT_CLIENT_ID
        secret = self.client_secret or os.environ.get("ZUORA_CLIENT_SECRET") or DEFAULT_CLIENT_SECRET
        return client_id, secret


class _Connections:
    """Open connections by client address, shared by the protocol instances of one sandbox."""

    def __init__(self, counters: Counters) -> None:
        self.counters = counters
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
            connections.counters.connections_accepted += 1
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


@dataclass
class RunningSandbox:
    """A sandbox serving on ``base_url``. Read ``tenant`` and ``counters``; change ``faults``."""

    base_url: str
    port: int
    client_id: str
    client_secret: str = field(repr=False)
    tenant: Tenant
    counters: Counters
    faults: Faults
    app: SandboxApp

    def expire_tokens(self) -> None:
        """Every issued token stops working: the next request gets 401."""
        self.app.expire_tokens()

    def reset(self) -> None:
        """Tenant back to its seed, idempotency keys, fault rules and counters cleared."""
        self.tenant.reset()
        self.app.idempotency.clear()
        self.faults.clear()
        self.counters.reset()


def build_app(options: SandboxOptions) -> tuple[SandboxApp, Counters, Faults, Tenant]:
    """The app and its state, without a socket (for in-process ASGI use)."""
    counters = Counters()
    faults = Faults(options.fault_rates, token_expires_in=options.token_expires_in)
    tenant = Tenant(options.seed if options.seed is not None else demo_seed(), Clock(options.clock_start))
    client_id, secret = options.credentials()
    app = SandboxApp(
        tenant,
        client_id=client_id,
        client_secret=secret,
        faults=faults,
        counters=counters,
        entity_ids=options.entity_ids,
        date_offset=options.date_offset,
    )
    return app, counters, faults, tenant


@contextlib.asynccontextmanager
async def running_sandbox(options: SandboxOptions | None = None) -> AsyncIterator[RunningSandbox]:
    """Serve a sandbox on 127.0.0.1 for the duration of the ``async with`` block."""
    options = options or SandboxOptions()
    app, counters, faults, tenant = build_app(options)
    connections = _Connections(counters)
    app.dropper = connections.drop
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, options.port))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        http=_protocol_class(connections),
        lifespan="off",
        log_config=None,  # leave the host process's logging configuration alone
        log_level=logging.WARNING,
        access_log=False,
        server_header=False,
        date_header=False,  # the app writes Date, shifted by date_offset
        timeout_keep_alive=30,
    )
    server = _QuietServer(config)
    config.load()
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    client_id, secret = options.credentials()
    try:
        yield RunningSandbox(
            base_url=f"http://{HOST}:{port}",
            port=port,
            client_id=client_id,
            client_secret=secret,
            tenant=tenant,
            counters=counters,
            faults=faults,
            app=app,
        )
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
