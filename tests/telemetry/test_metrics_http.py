"""``/metrics`` over HTTP: the Prometheus text format, behind the same bearer token as ``/mcp``, and not
served while telemetry is off. The stack is the one ``serve`` builds: BearerGate(with_metrics(app))."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

import anyio
import httpx2
import pytest
import uvicorn
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from tests.server.conftest import settings_for
from tests.telemetry.conftest import Otel
from zuora_mcp.client import BillingClient
from zuora_mcp.http_gate import BearerGate
from zuora_mcp.http_listener import listening_socket
from zuora_mcp.metrics_app import CONTENT_TYPE, with_metrics
from zuora_mcp.providers.zuora.sandbox import RunningSandbox
from zuora_mcp.server import build_app, build_server

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]
TOKEN = "metrics-bearer-for-tests-91c2"


@contextlib.asynccontextmanager
async def serving(sandbox: RunningSandbox) -> AsyncIterator[str]:
    """The server over streamable HTTP on 127.0.0.1, gated as ``serve`` gates it; yields its base URL."""
    settings = settings_for(sandbox)
    async with BillingClient(settings) as billing:
        server = build_server(build_app(settings, billing))
        app = server.streamable_http_app(streamable_http_path="/mcp", host="127.0.0.1")
        gated = BearerGate(with_metrics(app), token=TOKEN)
        sock = listening_socket("127.0.0.1", 0)
        port = sock.getsockname()[1]
        config = uvicorn.Config(gated, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
        web = uvicorn.Server(config)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(web.serve, [sock])
            with anyio.fail_after(10):
                while not web.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
                    await anyio.sleep(0.01)
            try:
                yield f"http://127.0.0.1:{port}"
            finally:
                web.should_exit = True


async def test_metrics_need_the_bearer_token_and_are_prometheus_text(sandbox: RunningSandbox, otel: Otel) -> None:
    with anyio.fail_after(60):
        async with serving(sandbox) as base:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0)) as http:
                async with Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client:  # type: ignore[arg-type]
                    assert not (await client.call_tool("get_invoice", {"invoiceKey": "INV00000001"})).is_error
                    preview = await client.call_tool("reverse_invoice", {"invoiceKey": "INV00000001", "dry_run": True})
                    assert preview.structured_content is not None
                    assert preview.structured_content["status"] == "preview"
                scraped = await http.get(f"{base}/metrics")
                posted = await http.post(f"{base}/metrics")
            async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0)) as anonymous:
                refused = await anonymous.get(f"{base}/metrics")
                wrong = await anonymous.get(f"{base}/metrics", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401
    assert wrong.status_code == 401
    assert "zuora_mcp" not in refused.text
    assert posted.status_code == 405
    assert scraped.status_code == 200
    assert scraped.headers["content-type"] == CONTENT_TYPE
    text = scraped.text
    assert "# TYPE mcp_server_operation_duration_seconds histogram" in text
    count = re.search(
        r'^mcp_server_operation_duration_seconds_count\{[^}]*gen_ai_tool_name="get_invoice"[^}]*\} (\d+)$', text, re.M
    )
    assert count is not None
    assert count.group(1) == "1"
    assert "# TYPE zuora_mcp_previews_total counter" in text
    assert 'zuora_mcp_previews_total{kind="dry_run",provider="zuora",tool="reverse_invoice"} 1' in text


async def test_metrics_are_not_served_while_telemetry_is_off(sandbox: RunningSandbox) -> None:
    with anyio.fail_after(60):
        async with serving(sandbox) as base:
            async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
                answer = await http.get(f"{base}/metrics")
    assert answer.status_code == 404
