"""A client that keeps its HTTP connection open gets each answer at once, not after a delayed ACK.

The server runs as users run it (``zuora-mcp serve --transport http``, a subprocess) against an
in-process sandbox tenant; the client is the SDK's, over one kept-alive httpx2 connection. With
Nagle's algorithm on the server's connections, every call waited ~40 ms for the client's delayed
ACK (issue 19): a median of 40-55 ms against ~6 ms with it off. The bound, 20 ms, is about 3x the
healthy median and half the stalled one, so a busy machine does not fail the test and a stall does.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator

import anyio
import httpx2
import pytest
from anyio.abc import Process
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from tests.server.conftest import SECRET_KEY
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]
CALLS = 30
WARM_UP = 5
MEDIAN_BOUND_MS = 20.0


@contextlib.asynccontextmanager
async def http_server(sandbox: RunningSandbox) -> AsyncIterator[str]:
    """``zuora-mcp serve --transport http --port 0`` on loopback, pointed at ``sandbox``; yields its URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZUORA_", "COVERAGE"))}
    env.update(
        ZUORA_BASE_URL=sandbox.base_url,
        ZUORA_CLIENT_ID=sandbox.client_id,
        ZUORA_CLIENT_SECRET=sandbox.client_secret,
        ZUORA_MCP_SECRET_KEY=SECRET_KEY,
    )
    command = [sys.executable, "-m", "zuora_mcp", "serve", "--transport", "http", "--port", "0"]
    process: Process = await anyio.open_process(command, env=env)
    try:
        assert process.stderr is not None
        seen = b""
        with anyio.fail_after(30):
            while b"/mcp" not in seen:
                seen += await process.stderr.receive()
        line = next(part for part in seen.decode().splitlines() if "/mcp" in part)
        yield line.rsplit(" ", 1)[-1]
    finally:
        process.terminate()
        with anyio.fail_after(10):
            await process.wait()


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_a_kept_alive_client_gets_get_invoice_in_milliseconds_not_tens(sandbox: RunningSandbox, era: str) -> None:
    with anyio.fail_after(90):
        async with http_server(sandbox) as url, httpx2.AsyncClient(timeout=httpx2.Timeout(30.0)) as http:
            connections_before = sandbox.counters.connections_accepted
            async with Client(streamable_http_client(url, http_client=http), mode=era) as client:
                arguments = {"invoiceKey": "INV00000001"}
                for _ in range(WARM_UP):  # token, pools and first-call imports
                    assert not (await client.call_tool("get_invoice", arguments)).is_error
                samples = []
                for _ in range(CALLS):
                    began = time.perf_counter()
                    result = await client.call_tool("get_invoice", arguments)
                    samples.append((time.perf_counter() - began) * 1000)
                    assert not result.is_error
    median = statistics.median(samples)
    assert median < MEDIAN_BOUND_MS, f"median {median:.1f} ms over {CALLS} calls: {sorted(samples)}"
    # The server reused its own pooled connection to the tenant too (one, maybe two with the token).
    assert sandbox.counters.connections_accepted - connections_before <= 2
