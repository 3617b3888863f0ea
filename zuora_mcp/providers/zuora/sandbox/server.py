"""Running the sandbox on a real loopback socket inside the caller's event loop.

:func:`running_sandbox` serves the app with :func:`zuora_mcp.tenant_kit.serve_on_loopback`: it binds
``127.0.0.1`` (never another address), leaves signal handlers alone, and on exit closes the listener
and aborts open connections at once, so a test can start and stop a sandbox in a few milliseconds.
The kit counts accepted TCP connections and lets the app abort the connection of a given client
address (``scope["client"]``): that is how the ``drop_before_commit`` and ``drop_after_commit``
faults cut a connection mid-request.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from zuora_mcp.providers.zuora.sandbox.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SandboxApp
from zuora_mcp.providers.zuora.sandbox.demo_data import demo_seed
from zuora_mcp.providers.zuora.sandbox.faults import Counters, FaultRates, Faults
from zuora_mcp.providers.zuora.sandbox.tenant import Clock, Tenant
from zuora_mcp.tenant_kit import HOST, serve_on_loopback

__all__ = ["HOST", "RunningSandbox", "SandboxOptions", "running_sandbox"]


@dataclass(frozen=True)
class SandboxOptions:
    """How to run a sandbox.

    ``client_id``/``client_secret`` default to ``ZUORA_CLIENT_ID``/``ZUORA_CLIENT_SECRET``, then to
    ``sandbox-client-id-0000-0000-00000001``/``sandbox-client-secret``. ``seed`` is seed data (a dict in the shape of
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

    def count_connection() -> None:
        counters.connections_accepted += 1

    async with serve_on_loopback(app, port=options.port, on_connect=count_connection) as served:
        # date_header stays off: the app writes Date itself, shifted by date_offset.
        app.dropper = served.drop
        client_id, secret = options.credentials()
        yield RunningSandbox(
            base_url=f"http://{HOST}:{served.port}",
            port=served.port,
            client_id=client_id,
            client_secret=secret,
            tenant=tenant,
            counters=counters,
            faults=faults,
            app=app,
        )
