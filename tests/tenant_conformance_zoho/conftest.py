"""Fixtures for the Zoho tenant's conformance: the tenant on loopback in a thread, the spec and the seed.

The tenant runs on its own event loop in a daemon thread so that the tests call it over HTTP with a
plain synchronous client (httpx2), as any client of Zoho would. The spec and the seed are read from
``/work/shared`` (or ``ZOHO_SPEC`` / ``ZOHO_SEED``); checks that need them are skipped with the
reason when they are absent, as on an installed package.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path

import httpx2
import pytest

from tests.tenant_conformance_zoho.reference import SeedSection, SpecResponses, parse_seed
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, ZohoSandboxOptions, running_sandbox
from zuora_mcp.providers.zoho.sandbox.spec_requests import OPERATIONS

SPEC = Path(os.environ.get("ZOHO_SPEC", "/work/shared/spec/zoho/zoho-billing-invoices.openapi.json"))
SEED = Path(os.environ.get("ZOHO_SEED", "/work/shared/seeds/003_1114c82723e8b12b.txt"))
CLOCK_START = 1748779200.0  # 2025-06-01 12:00:00 UTC: statuses and dates are predictable
TIMEOUT = 10.0


class ThreadedTenant:
    """The Zoho sandbox served by its own event loop in a daemon thread, until :meth:`stop`."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._ready: Future[RunningZohoSandbox] = Future()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._main(),), daemon=True)
        self._thread.start()
        self.sandbox = self._ready.result(timeout=TIMEOUT)

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        try:
            async with running_sandbox(ZohoSandboxOptions(clock_start=CLOCK_START)) as sandbox:
                self._ready.set_result(sandbox)
                await self._stop.wait()
        except BaseException as exc:  # the test thread must hear of a failed start, not wait forever
            if not self._ready.done():
                self._ready.set_exception(exc)
            raise

    def run(self, action: Callable[[], object]) -> None:
        """Run ``action()`` on the tenant's loop (so it never races a request) and wait for it."""
        done: Future[None] = Future()

        def call() -> None:
            try:
                action()
                done.set_result(None)
            except BaseException as exc:
                done.set_exception(exc)

        self._loop.call_soon_threadsafe(call)
        done.result(timeout=TIMEOUT)

    def reset(self) -> None:
        """Records back to the demo seed; tokens are cleared too, so clients take a new one after."""
        self.run(self.sandbox.tenant.reset)

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=TIMEOUT)
        if not self._thread.is_alive():
            self._loop.close()


@pytest.fixture(scope="session")
def threaded_zoho() -> Iterator[ThreadedTenant]:
    tenant = ThreadedTenant()
    try:
        yield tenant
    finally:
        tenant.stop()


@pytest.fixture(scope="session")
def zoho_http(threaded_zoho: ThreadedTenant) -> Iterator[httpx2.Client]:
    """A client on the Billing API with an access token and the organisation header."""
    sandbox = threaded_zoho.sandbox
    with httpx2.Client(base_url=sandbox.base_url, timeout=TIMEOUT) as client:
        grant = {
            "grant_type": "refresh_token",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "refresh_token": sandbox.refresh_token,
        }
        token = client.post(f"{sandbox.accounts_url}/oauth/v2/token", params=grant).json()["access_token"]
        client.headers["Authorization"] = f"Zoho-oauthtoken {token}"
        client.headers["X-com-zoho-subscriptions-organizationid"] = sandbox.organization_id
        yield client


@pytest.fixture
def zoho(threaded_zoho: ThreadedTenant) -> RunningZohoSandbox:
    """The running tenant, its records back to the demo seed for each test (tokens kept)."""
    threaded_zoho.reset()
    return threaded_zoho.sandbox


@pytest.fixture(scope="session")
def spec_responses() -> SpecResponses | None:
    return SpecResponses(SPEC) if SPEC.is_file() else None


@pytest.fixture(scope="session")
def seed_sections(spec_responses: SpecResponses | None) -> dict[str, SeedSection] | None:
    if spec_responses is None or not SEED.is_file():
        return None
    return parse_seed(SEED, [spec_responses.section(operation_id) for operation_id in OPERATIONS])


def need_references(
    spec: SpecResponses | None, seed: dict[str, SeedSection] | None
) -> tuple[SpecResponses, dict[str, SeedSection]]:
    """The spec and the seed, or the test is skipped (after its own checks) with the reason."""
    if spec is None or seed is None:
        pytest.skip(f"our Zoho spec ({SPEC}) or the seed ({SEED}) is absent (set ZOHO_SPEC / ZOHO_SEED)")
    return spec, seed


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.tenant_conformance_zoho import figure

    text = figure.line(len(OPERATIONS))
    if text is not None:
        terminalreporter.write_line(f"Zoho tenant conformance: {text}")
