"""Running the Zoho tenant on a real loopback socket inside the caller's event loop.

:func:`running_sandbox` serves the app with :func:`zuora_mcp.tenant_kit.serve_on_loopback` (127.0.0.1
only, quick clean stop, connection counting, dropping a connection mid-request). The accounts
token endpoint and the Billing API share the socket: ``accounts_url`` is the origin,
``base_url`` is ``accounts_url + "/billing/v1"``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from zuora_mcp.providers.zoho.sandbox import admin
from zuora_mcp.providers.zoho.sandbox.accounts import Accounts
from zuora_mcp.providers.zoho.sandbox.app import ZohoApp
from zuora_mcp.providers.zoho.sandbox.demo_data import demo_seed
from zuora_mcp.providers.zoho.sandbox.faults import FaultRates, ZohoCounters, ZohoFaults
from zuora_mcp.providers.zoho.sandbox.routes import API_PREFIX
from zuora_mcp.providers.zoho.sandbox.tenant import Tenant
from zuora_mcp.tenant_kit import HOST, Clock, serve_on_loopback

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_ORGANIZATION_ID",
    "DEFAULT_REFRESH_TOKEN",
    "RunningZohoSandbox",
    "ZohoSandboxOptions",
    "build_app",
    "running_sandbox",
]

# Documented demo values, not secrets: they only open the local tenant.
DEFAULT_CLIENT_ID = "1000.SANDBOXCLIENTID"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105
DEFAULT_REFRESH_TOKEN = "1000.sandbox.refresh-token"  # noqa: S105
DEFAULT_ORGANIZATION_ID = "10234695"  # the organisation id of Zoho's own examples


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    organization_id: str


@dataclass(frozen=True)
class ZohoSandboxOptions:
    """How to run the Zoho tenant.

    Credentials default to ``ZOHO_CLIENT_ID`` / ``ZOHO_CLIENT_SECRET`` / ``ZOHO_REFRESH_TOKEN`` /
    ``ZOHO_ORGANIZATION_ID`` when set, else to the ``DEFAULT_*`` demo values. ``seed`` is seed data
    in the shape of :func:`~.demo_data.demo_seed` (None: the demo organisation). ``refresh_cap`` is
    (tokens, seconds): how many access tokens one refresh token may mint per window (Zoho: 10 per
    600 s). ``clock_start`` fixes the tenant clock (seconds since the epoch) for reproducible runs.
    ``attachment_max_bytes`` is the largest attachment accepted.
    """

    port: int = 0
    token_expires_in: int = 3600
    seed: dict[str, Any] | None = None
    refresh_cap: tuple[int, float] = (10, 600.0)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    organization_id: str | None = None
    fault_rates: FaultRates = field(default_factory=FaultRates)
    clock_start: float | None = None
    attachment_max_bytes: int = 5 * 1024 * 1024

    def credentials(self) -> Credentials:
        env = os.environ.get
        return Credentials(
            client_id=self.client_id or env("ZOHO_CLIENT_ID") or DEFAULT_CLIENT_ID,
            client_secret=self.client_secret or env("ZOHO_CLIENT_SECRET") or DEFAULT_CLIENT_SECRET,
            refresh_token=self.refresh_token or env("ZOHO_REFRESH_TOKEN") or DEFAULT_REFRESH_TOKEN,
            organization_id=self.organization_id or env("ZOHO_ORGANIZATION_ID") or DEFAULT_ORGANIZATION_ID,
        )


@dataclass
class RunningZohoSandbox:
    """A tenant serving on ``base_url`` (API) and ``accounts_url`` (token endpoint).

    Read ``tenant`` (records, ``outbox``, ``charges``) and ``counters``; change ``faults``.
    """

    base_url: str
    accounts_url: str
    port: int
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    organization_id: str
    tenant: Tenant
    counters: ZohoCounters
    faults: ZohoFaults
    app: ZohoApp

    def expire_tokens(self) -> None:
        """Every issued access token stops working: the next API request gets 401 (code 57)."""
        self.app.accounts.expire_all()

    def reset(self) -> None:
        """Records back to the seed; tokens, refresh-cap windows, fault rules and counters cleared."""
        admin.reset(self.app)


def build_app(options: ZohoSandboxOptions) -> ZohoApp:
    """The app and its state, without a socket (for in-process ASGI use)."""
    clock = Clock(options.clock_start)
    credentials = options.credentials()
    count, window = options.refresh_cap
    accounts = Accounts(
        credentials.client_id,
        credentials.client_secret,
        credentials.refresh_token,
        clock,
        cap_count=int(count),
        cap_window=float(window),
    )
    tenant = Tenant(options.seed if options.seed is not None else demo_seed(clock.today()), clock)
    return ZohoApp(
        tenant,
        accounts,
        organization_id=credentials.organization_id,
        faults=ZohoFaults(options.fault_rates, token_expires_in=options.token_expires_in),
        counters=ZohoCounters(),
        attachment_max_bytes=options.attachment_max_bytes,
    )


@contextlib.asynccontextmanager
async def running_sandbox(options: ZohoSandboxOptions | None = None) -> AsyncIterator[RunningZohoSandbox]:
    """Serve the Zoho tenant on 127.0.0.1 for the duration of the ``async with`` block."""
    options = options or ZohoSandboxOptions()
    app = build_app(options)
    counters = app.counters

    def count_connection() -> None:
        counters.connections_accepted += 1
        counters.notify()

    async with serve_on_loopback(app, port=options.port, on_connect=count_connection) as served:
        app.dropper = served.drop
        credentials = options.credentials()
        origin = f"http://{HOST}:{served.port}"
        yield RunningZohoSandbox(
            base_url=origin + API_PREFIX,
            accounts_url=origin,
            port=served.port,
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
            refresh_token=credentials.refresh_token,
            organization_id=credentials.organization_id,
            tenant=app.tenant,
            counters=counters,
            faults=app.faults,
            app=app,
        )
