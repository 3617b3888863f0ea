"""The real transport against a tiny HTTP server on 127.0.0.1: pooling, gzip, and real socket failures."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio
import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.errors import OutcomeUnknown, TransportError
from zuora_mcp.plan import RequestPlan

from .fakes import FakeTime, make_settings

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


@dataclass
class LoopbackZuora:
    """Speaks just enough HTTP/1.1. ``mode`` picks how API calls are answered."""

    mode: str = "ok"  # ok | gzip | drop (close without answering) | silent (never answer)
    seen: list[tuple[str, str]] = field(default_factory=list)
    connections: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    handlers: set[asyncio.Task[None]] = field(default_factory=set)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
                await reader.readexactly(int(headers.get("content-length", "0")))
                self.seen.append((method, target))
                if target == "/oauth/token":
                    self._send(writer, json.dumps({"access_token": "loop-tok", "expires_in": 3600}).encode())
                elif self.mode == "drop":
                    return
                elif self.mode == "silent":
                    await self.stop.wait()
                    return
                elif self.mode == "gzip":
                    self._send(writer, gzip.compress(b'{"success": true, "z": 1}'), {"Content-Encoding": "gzip"})
                else:
                    self._send(writer, b'{"success": true}', {"Zuora-Request-Id": "loop-req"})
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            self.handlers.discard(task)

    async def shut(self) -> None:
        """Let every connection handler finish, so no socket outlives the test."""
        self.stop.set()
        with anyio.fail_after(5):
            while self.handlers:
                await asyncio.wait(set(self.handlers))

    @staticmethod
    def _send(writer: asyncio.StreamWriter, body: bytes, extra: dict[str, str] | None = None) -> None:
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), **(extra or {})}
        head = "HTTP/1.1 200 OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode() + body)


@pytest.fixture
async def loopback() -> AsyncIterator[tuple[LoopbackZuora, str]]:
    zuora = LoopbackZuora()
    server = await asyncio.start_server(zuora.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield zuora, f"http://127.0.0.1:{port}"
        server.close()
        await zuora.shut()


def client_for(base_url: str, **overrides: object) -> BillingClient:
    fake_time = FakeTime()
    return BillingClient(make_settings(base_url=base_url, **overrides), sleep=fake_time.sleep)


async def test_calls_share_pooled_connections_and_decode_gzip(loopback: tuple[LoopbackZuora, str]) -> None:
    zuora, base_url = loopback
    zuora.mode = "gzip"
    async with client_for(base_url) as client:
        with anyio.fail_after(10):
            for _ in range(5):
                response = await client.get("/v1/accounts/{accountKey}", {"accountKey": "A-1"})
    assert response.data == {"success": True, "z": 1}
    assert zuora.seen[0] == ("POST", "/oauth/token")
    assert zuora.seen[1:] == [("GET", "/v1/accounts/A-1")] * 5
    assert zuora.connections == 1


async def test_put_on_a_dropped_connection_is_outcome_unknown(loopback: tuple[LoopbackZuora, str]) -> None:
    zuora, base_url = loopback
    zuora.mode = "drop"
    plan = RequestPlan(method="PUT", path="/v1/invoices/{invoiceKey}", path_params={"invoiceKey": "I-1"}, body={})
    async with client_for(base_url) as client:
        with anyio.fail_after(10), pytest.raises(OutcomeUnknown):
            await client.send(plan)
    assert zuora.seen.count(("PUT", "/v1/invoices/I-1")) == 1


async def test_read_timeout_on_a_get_is_retried_then_a_transport_error(loopback: tuple[LoopbackZuora, str]) -> None:
    zuora, base_url = loopback
    zuora.mode = "silent"
    async with client_for(base_url, timeout_seconds=0.2, max_retries=1) as client:
        with anyio.fail_after(10), pytest.raises(TransportError) as caught:
            await client.get("/v1/accounts/A-1")
    assert caught.value.sent is True
    assert zuora.seen.count(("GET", "/v1/accounts/A-1")) == 2


async def test_refused_connection_is_retried_and_reported_as_never_sent() -> None:
    # Bind a port, then close it: nothing listens there any more.
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    plan = RequestPlan(method="POST", path="/v1/invoices/I-1/reverse", body={})
    async with client_for(f"http://127.0.0.1:{port}", max_retries=2) as client:
        with anyio.fail_after(10), pytest.raises(TransportError) as caught:
            await client.send(plan)
    assert caught.value.sent is False
    assert client.stats.token_requests == 3
