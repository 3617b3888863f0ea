"""Hostile input at the transports: huge and deeply nested JSON over HTTP and stdio, and the HTTP gate.

``tests/server/test_transports.py`` covers a missing or wrong bearer token, one foreign Origin and a
``0.0.0.0`` bind without a token; these extend that. After every hostile request the server must
still answer a normal call, and nothing may have reached the sandbox but that call's own reads.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import anyio
import httpx2
import pytest

from tests.server.test_transports import HTTP_TOKEN, http_client, http_server, server_env
from zuora_mcp.http_gate import BearerGate
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
DEPTH = 100_000


def nested_call(depth: int) -> bytes:
    inner = "[" * depth + "]" * depth
    return (
        '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_invoice","arguments":{"invoiceKey":'
        + inner
        + "}}}"
    ).encode()


def huge_call(size: int) -> bytes:
    call = {
        "jsonrpc": "2.0",
        "id": 8,
        "method": "tools/call",
        "params": {"name": "update_invoice", "arguments": {"invoiceKey": "INV00000001", "comments": "x" * size}},
    }
    return json.dumps(call).encode()


@pytest.fixture
async def sandbox() -> Any:
    async with running_sandbox(SandboxOptions(port=0)) as running:
        yield running


async def test_http_refuses_huge_and_deeply_nested_bodies_and_keeps_serving(sandbox: RunningSandbox) -> None:
    auth = {**ACCEPT, "Authorization": f"Bearer {HTTP_TOKEN}"}
    with anyio.fail_after(60):
        async with http_server(server_env(sandbox, ZUORA_MCP_HTTP_TOKEN=HTTP_TOKEN), "--stateless") as url:
            async with httpx2.AsyncClient(timeout=30) as http:
                huge = await http.post(url, content=huge_call(5 * 1024 * 1024), headers=auth)
                nested = await http.post(url, content=nested_call(DEPTH), headers=auth)
                garbage = await http.post(url, content=b"\xff\xfe{not json", headers=auth)
            assert huge.status_code == 413
            assert nested.status_code in {400, 200}
            if nested.status_code == 200:  # a JSON-RPC error, never a result
                assert "error" in nested.json()
            assert garbage.status_code == 400
            assert sandbox.counters.requests == 0
            async with http_client(url, "legacy") as client:
                read = await client.call_tool("get_invoice", {"invoiceKey": "INV00000001"})
            assert not read.is_error
    assert sandbox.counters.writes_applied == 0


async def test_stdio_survives_huge_and_deeply_nested_lines(sandbox: RunningSandbox) -> None:
    command = [sys.executable, "-m", "zuora_mcp", "serve"]
    process = await anyio.open_process(command, env=server_env(sandbox))
    assert process.stdin is not None
    assert process.stdout is not None
    replies: dict[int, Any] = {}
    buffer = b""

    async def send(raw: bytes) -> None:
        assert process.stdin is not None
        await process.stdin.send(raw + b"\n")

    async def reply_to(request_id: int) -> Any:
        nonlocal buffer
        assert process.stdout is not None
        while request_id not in replies:
            while b"\n" not in buffer:
                buffer += await process.stdout.receive()
            line, buffer = buffer.split(b"\n", 1)
            message = json.loads(line)
            if "id" in message:
                replies[message["id"]] = message
        return replies[request_id]

    try:
        with anyio.fail_after(60):
            init = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
            await send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}).encode())
            await reply_to(1)
            await send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')
            await send(nested_call(DEPTH))
            await send(b"\x00\x01 not json at all")
            await send(huge_call(5 * 1024 * 1024))
            huge = await reply_to(8)
            assert huge["result"]["isError"] is True
            assert huge["result"]["structuredContent"]["status"] == "confirmation_required" or (
                "invalid" in huge["result"]["structuredContent"]
            )
            call = {"name": "get_invoice", "arguments": {"invoiceKey": "INV00000001"}}
            await send(json.dumps({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": call}).encode())
            read = await reply_to(9)
            assert read["result"]["isError"] is False
            if 7 in replies:  # the nested line, if answered at all, is an error, never a result
                assert "error" in replies[7] or replies[7]["result"]["isError"] is True
    finally:
        process.terminate()
        with anyio.fail_after(10):
            await process.wait()
    assert sandbox.counters.writes_applied == 0


async def test_http_gate_refuses_near_miss_tokens_token_in_query_and_other_schemes(sandbox: RunningSandbox) -> None:
    ping = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode()
    attempts = [
        {"Authorization": f"Bearer {HTTP_TOKEN}x"},
        {"Authorization": f"Bearer {HTTP_TOKEN[:-1]}"},
        {"Authorization": f"Basic {HTTP_TOKEN}"},
        {"Authorization": HTTP_TOKEN},
        {"Authorization": "Bearer"},
        {"X-Api-Key": HTTP_TOKEN},
    ]
    with anyio.fail_after(60):
        async with http_server(server_env(sandbox, ZUORA_MCP_HTTP_TOKEN=HTTP_TOKEN)) as url:
            async with httpx2.AsyncClient(timeout=10) as http:
                answers = [await http.post(url, content=ping, headers={**ACCEPT, **extra}) for extra in attempts]
                in_query = await http.post(f"{url}?token={HTTP_TOKEN}", content=ping, headers=ACCEPT)
                rebinding = await http.post(
                    url,
                    content=ping,
                    headers={**ACCEPT, "Authorization": f"Bearer {HTTP_TOKEN}", "Host": "evil.example"},
                )
    assert [a.status_code for a in answers] == [401] * len(attempts)
    assert in_query.status_code == 401
    assert 400 <= rebinding.status_code < 500  # DNS rebinding: the SDK refuses a foreign Host on loopback
    for answer in [*answers, in_query, rebinding]:
        assert HTTP_TOKEN not in answer.text
    assert sandbox.counters.requests == 0


@pytest.mark.parametrize("host", ["::", "192.0.2.10", "localhost.example.com"])
async def test_other_non_loopback_binds_without_a_token_are_refused_at_start(host: str) -> None:
    command = [sys.executable, "-m", "zuora_mcp", "serve", "--sandbox", "--transport", "http", "--host", host]
    with anyio.fail_after(30):
        result = await anyio.run_process(command, env=server_env(ZUORA_MCP_HTTP_TOKEN=""), check=False)
    assert result.returncode == 2
    assert b"ZUORA_MCP_HTTP_TOKEN" in result.stderr
    assert b"Traceback" not in result.stderr


async def test_gate_on_a_non_loopback_bind_refuses_unlisted_origins() -> None:
    # The gate as a non-loopback bind configures it, in-process (tests never bind beyond 127.0.0.1).
    reached: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    gate = BearerGate(app, token=HTTP_TOKEN, allowed_origins=frozenset({"https://ops.example"}))
    auth = {"Authorization": f"Bearer {HTTP_TOKEN}"}
    transport = httpx2.ASGITransport(app=gate)
    async with httpx2.AsyncClient(transport=transport, base_url="http://10.0.0.5:8000") as http:
        foreign = await http.post("/mcp", headers={**auth, "Origin": "https://evil.example"})
        null = await http.post("/mcp", headers={**auth, "Origin": "null"})
        listed_without_token = await http.post("/mcp", headers={"Origin": "https://ops.example"})
        listed = await http.post("/mcp", headers={**auth, "Origin": "https://ops.example"})
        automation = await http.post("/mcp", headers=auth)
    assert (foreign.status_code, null.status_code, listed_without_token.status_code) == (403, 403, 401)
    assert (listed.status_code, automation.status_code) == (200, 200)
    assert reached == ["/mcp", "/mcp"]
