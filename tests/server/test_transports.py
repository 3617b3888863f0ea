"""The server as users run it: a subprocess over stdio, and over streamable HTTP behind its gate."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import pytest
from anyio.abc import Process
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.server.cases import WRITE_CASES
from tests.server.conftest import SECRET_KEY
from zuora_mcp.providers.zuora.sandbox import RunningSandbox
from zuora_mcp.providers.zuora.sandbox.demo_data import demo_id

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]
HTTP_TOKEN = "http-bearer-for-tests-7f3a"
EUR_MEMO = {
    "invoiceKey": "INV00000006",
    "invoiceId": demo_id("INV00000006"),
    "items": [{"invoiceItemId": demo_id("INV00000006-item-1"), "amount": 50, "skuName": "SKU-LIZENZ"}],
}


def server_env(sandbox: RunningSandbox | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZUORA_", "COVERAGE"))}
    if sandbox is not None:
        env.update(
            ZUORA_BASE_URL=sandbox.base_url,
            ZUORA_CLIENT_ID=sandbox.client_id,
            ZUORA_CLIENT_SECRET=sandbox.client_secret,
        )
    # Each server its own in-memory ledger unless a test names one: never the user's ledger file.
    env.update(ZUORA_MCP_SECRET_KEY=SECRET_KEY, ZUORA_MCP_LEDGER=":memory:")
    env.update(extra)
    return env


@contextlib.asynccontextmanager
async def http_server(env: dict[str, str], *args: str) -> AsyncIterator[str]:
    """Start ``zuora-mcp serve --transport http --port 0`` and yield its /mcp URL."""
    command = [sys.executable, "-m", "zuora_mcp", "serve", "--transport", "http", "--port", "0", *args]
    process: Process = await anyio.open_process(command, env=env)
    try:
        assert process.stderr is not None
        seen = b""
        with anyio.fail_after(30):
            while b"/mcp" not in seen:
                chunk = await process.stderr.receive()
                seen += chunk
        line = next(part for part in seen.decode().splitlines() if "/mcp" in part)
        yield line.rsplit(" ", 1)[-1]
    finally:
        process.terminate()
        with anyio.fail_after(10):
            await process.wait()


@contextlib.asynccontextmanager
async def http_client(url: str, era: str, token: str | None = HTTP_TOKEN) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0)) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=era) as client:  # type: ignore[arg-type]
            yield client


async def confirm(client: Client, tool: str, arguments: dict[str, Any]) -> tuple[str, Any]:
    first = await client.call_tool(tool, arguments)
    assert first.structured_content is not None
    assert first.structured_content["status"] == "confirmation_required", first.content
    token = str(first.structured_content["confirmation_token"])
    return token, await client.call_tool(tool, {**arguments, "confirmation_token": token})


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_stdio_subprocess_serves_reads_previews_and_confirmed_writes(era: str) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "zuora_mcp", "serve", "--sandbox"], env=server_env()
    )
    with anyio.fail_after(60):
        async with Client(params, mode=era) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert {"get_invoice", "reverse_invoice", "write_off_debit_memo"} <= names
            read = await client.call_tool("get_invoice", {"invoiceKey": "INV00000001"})
            assert not read.is_error
            assert read.structured_content is not None
            assert read.structured_content["invoiceNumber"] == "INV00000001"
            preview = await client.call_tool("reverse_invoice", {"invoiceKey": "INV00000001", "dry_run": True})
            assert preview.structured_content is not None
            assert preview.structured_content["status"] == "preview"
            _, done = await confirm(client, "reverse_invoice", {"invoiceKey": "INV00000001"})
            assert done.structured_content["status"] == "executed"
            again = await client.call_tool("get_invoice", {"invoiceKey": "INV00000001"})
            assert again.structured_content is not None
            assert again.structured_content["balance"] in (0, "0", "0.00", 0.0)


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_http_serves_both_eras_behind_the_bearer_token(sandbox: RunningSandbox, era: str) -> None:
    with anyio.fail_after(60):
        async with http_server(server_env(sandbox, ZUORA_MCP_HTTP_TOKEN=HTTP_TOKEN)) as url:
            async with http_client(url, era) as client:
                read = await client.call_tool("get_invoice", {"invoiceKey": "INV00000006"})
                assert not read.is_error
                _, done = await confirm(client, "write_off_debit_memo", WRITE_CASES["write_off_debit_memo"])
                assert done.structured_content["status"] == "executed"
    assert sandbox.counters.writes_applied == 1


async def test_http_refuses_missing_or_wrong_bearer_tokens_and_foreign_origins(sandbox: RunningSandbox) -> None:
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    accept = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    with anyio.fail_after(60):
        async with http_server(server_env(sandbox, ZUORA_MCP_HTTP_TOKEN=HTTP_TOKEN)) as url:
            async with httpx2.AsyncClient(timeout=10) as http:
                missing = await http.post(url, json=ping, headers=accept)
                wrong = await http.post(url, json=ping, headers={**accept, "Authorization": "Bearer nope"})
                foreign = await http.post(
                    url,
                    json=ping,
                    headers={**accept, "Authorization": f"Bearer {HTTP_TOKEN}", "Origin": "http://evil.example"},
                )
    assert missing.status_code == 401
    assert wrong.status_code == 401
    assert foreign.status_code == 403
    assert HTTP_TOKEN not in missing.text + wrong.text + foreign.text
    assert sandbox.counters.requests == 0


async def test_a_non_loopback_bind_without_a_token_is_refused_at_start() -> None:
    command = [sys.executable, "-m", "zuora_mcp", "serve", "--sandbox", "--transport", "http", "--host", "0.0.0.0"]
    with anyio.fail_after(30):
        result = await anyio.run_process(command, env=server_env(), check=False)
    assert result.returncode == 2
    assert b"ZUORA_MCP_HTTP_TOKEN" in result.stderr
    assert b"Traceback" not in result.stderr


async def test_two_replicas_sharing_the_key_honour_each_others_tokens_and_never_apply_twice(
    sandbox: RunningSandbox,
) -> None:
    env = server_env(sandbox, ZUORA_MCP_HTTP_TOKEN=HTTP_TOKEN)
    with anyio.fail_after(90):
        async with http_server(env, "--stateless") as url_a, http_server(env, "--stateless") as url_b:
            async with http_client(url_a, "legacy") as a, http_client(url_b, "legacy") as b:
                # A PUT (Zuora does not dedupe it: the state fingerprint stops the replay) and a POST
                # (the token's nonce is its Idempotency-Key: Zuora returns the first answer).
                for tool, arguments in (
                    ("reverse_invoice", WRITE_CASES["reverse_invoice"]),
                    ("create_credit_memo_from_invoice", EUR_MEMO),
                ):
                    first = await a.call_tool(tool, arguments)
                    assert first.structured_content is not None
                    token = first.structured_content.get("confirmation_token")
                    assert token, first.content
                    args = {**arguments, "confirmation_token": token}
                    done = await b.call_tool(tool, args)  # minted by A, runs on B
                    assert done.structured_content is not None
                    assert done.structured_content["status"] == "executed", done.content
                    applied = sandbox.counters.writes_applied
                    for replica in (a, b):  # a replay on either replica applies nothing
                        await replica.call_tool(tool, args)
                        assert sandbox.counters.writes_applied == applied
    assert sandbox.counters.writes_applied == 2
