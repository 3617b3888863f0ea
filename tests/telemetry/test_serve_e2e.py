"""``zuora-mcp serve`` as operators run it with ZUORA_MCP_OTEL=1: /metrics behind the bearer token, and
spans and metrics exported over OTLP/HTTP to a collector (here a recorder on 127.0.0.1) while it serves."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anyio
import httpx2
import pytest

from tests.server.test_transports import HTTP_TOKEN, http_client, http_server, server_env

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


class Collector(ThreadingHTTPServer):
    """Takes OTLP/HTTP posts and remembers which paths got how many bytes."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.posts: list[tuple[str, int]] = []

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        size = int(self.headers.get("content-length", "0"))
        self.rfile.read(size)
        self.server.posts.append((self.path, size))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


async def test_serve_with_telemetry_on_serves_metrics_behind_the_token_and_exports_over_otlp(
    collector: Collector,
) -> None:
    env = server_env(
        ZUORA_MCP_HTTP_TOKEN=HTTP_TOKEN,
        ZUORA_MCP_OTEL="1",
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint,
        OTEL_SERVICE_NAME="zuora-mcp-test",
        # Export while serving (the SDK's standard knobs): spans after 0.1 s, metrics every 0.2 s.
        OTEL_BSP_SCHEDULE_DELAY="100",
        OTEL_METRIC_EXPORT_INTERVAL="200",
    )
    with anyio.fail_after(90):
        async with http_server(env, "--sandbox") as url:
            base = url.removesuffix("/mcp")
            async with http_client(url, "legacy") as client:
                read = await client.call_tool("get_invoice", {"invoiceKey": "INV00000001"})
                assert not read.is_error
            async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0)) as http:
                anonymous = await http.get(f"{base}/metrics")
                scraped = await http.get(f"{base}/metrics", headers={"Authorization": f"Bearer {HTTP_TOKEN}"})
            while not {"/v1/traces", "/v1/metrics"} <= {path for path, _ in collector.posts}:  # noqa: ASYNC110
                await anyio.sleep(0.05)  # the collector is a thread; nothing to wait on but its list
    assert anonymous.status_code == 401
    assert scraped.status_code == 200
    assert 'gen_ai_tool_name="get_invoice"' in scraped.text
    assert all(size > 0 for _, size in collector.posts)
