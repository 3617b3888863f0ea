"""Fixtures for the tenant's conformance: the Zuora tenant on loopback in a thread, Zuora's spec.

The official SDK is synchronous (urllib3), so the tenant runs on its own event loop in a thread
rather than in the test's loop. The spec is read from ``/work/shared`` (or ``ZUORA_SPEC``); tests
that need it are skipped with the reason when it is absent, as on an installed package.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest

from tests.tenant_conformance.reference import SpecResponses
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox

SPEC = Path(os.environ.get("ZUORA_SPEC", "/work/shared/spec/zuora-openapi-2025-12-12-described.json"))
CLOCK_START = 1748779200.0  # 2025-06-01 12:00:00 UTC
START_TIMEOUT = 10.0


class ThreadedTenant:
    """The sandbox served by its own event loop in a daemon thread, until :meth:`stop`."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._ready: Future[RunningSandbox] = Future()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._main(),), daemon=True)
        self._thread.start()
        self.sandbox = self._ready.result(timeout=START_TIMEOUT)

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        try:
            async with running_sandbox(SandboxOptions(clock_start=CLOCK_START)) as sandbox:
                self._ready.set_result(sandbox)
                await self._stop.wait()
        except BaseException as exc:  # the test thread must hear of a failed start, not wait forever
            if not self._ready.done():
                self._ready.set_exception(exc)
            raise

    def run(self, action: object) -> None:
        """Run ``action()`` on the tenant's loop (so it never races a request) and wait for it."""
        done: Future[None] = Future()

        def call() -> None:
            try:
                action()  # type: ignore[operator]
                done.set_result(None)
            except BaseException as exc:
                done.set_exception(exc)

        self._loop.call_soon_threadsafe(call)
        done.result(timeout=START_TIMEOUT)

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=START_TIMEOUT)
        if not self._thread.is_alive():
            self._loop.close()


@pytest.fixture(scope="session")
def threaded_tenant() -> Iterator[ThreadedTenant]:
    tenant = ThreadedTenant()
    try:
        yield tenant
    finally:
        tenant.stop()


@pytest.fixture
def tenant(threaded_tenant: ThreadedTenant) -> RunningSandbox:
    """The running tenant, back to its seed data for each test."""
    threaded_tenant.run(threaded_tenant.sandbox.reset)
    return threaded_tenant.sandbox


@pytest.fixture(scope="session")
def spec_responses() -> SpecResponses | None:
    """Zuora's spec, or None when absent: the SDK checks still run, the spec checks are skipped."""
    return SpecResponses(SPEC) if SPEC.is_file() else None


def spec_problems(spec: SpecResponses | None, operation_id: str, status: int, body: object) -> list[str]:
    """The spec's objections to ``body``; skips the test (after its SDK checks) when the spec is absent."""
    if spec is None:
        pytest.skip(f"the SDK read the answer; Zuora's spec is not at {SPEC} (set ZUORA_SPEC) to check it against")
    return spec.problems(operation_id, status, body)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.tenant_conformance import figure
    from zuora_mcp.providers.zuora.sandbox.spec_requests import OPERATIONS

    text = figure.line(len(OPERATIONS))
    if text is not None:
        terminalreporter.write_line(f"Zuora tenant conformance: {text}")
