"""No secret in any output: the client secret, bearer tokens, the OAuth token Zuora issued, the signing key.

One pass per way the server runs — in-process (both protocol eras, every logger at DEBUG), a stdio
subprocess and an HTTP subprocess (both with ``-v``), and ``doctor`` with right and wrong credentials —
through reads, previews, confirmed writes, failures (Zuora refusals, a 500 that leaves a write
unknown, invalid arguments, a token refresh), while the sandbox runs with a known client secret.
Then every stdout, stderr, log record, audit line, tool result and error text is searched for each
secret, including the access tokens the sandbox issued during the pass.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.reliability.conftest import harness
from tests.server.cases import WRITE_CASES
from tests.server.conftest import SECRET_KEY
from tests.server.test_transports import server_env
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox

pytestmark = pytest.mark.anyio

CLIENT_ID = "reliability-client-id"
CLIENT_SECRET = "cs-reliability-5f0e8a1d9c"
WRONG_SECRET = "cs-wrong-77b2c41e0a"
HTTP_TOKEN = "http-bearer-reliability-3e9d"


class IssuedTokens:
    """Every access token the sandbox hands out (``expire_tokens`` forgets them; this does not)."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.sandbox = sandbox
        self.seen: set[str] = set()

    def note(self) -> None:
        self.seen |= set(self.sandbox.app.tokens)

    def expire(self) -> None:
        self.note()
        self.sandbox.expire_tokens()


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    options = SandboxOptions(port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    async with running_sandbox(options) as running:
        yield running


def text_of(result: Any) -> str:
    texts = [getattr(block, "text", "") for block in result.content]
    return "\n".join(texts) + json.dumps(result.structured_content, default=str)


async def session(client: Any, sandbox: RunningSandbox, tokens: IssuedTokens) -> list[str]:
    """Reads, a preview, a confirmed write, failures and a token refresh; the texts of every result."""
    seen: list[str] = []

    async def call(name: str, arguments: dict[str, Any]) -> Any:
        result = await client.call_tool(name, arguments)
        seen.append(text_of(result))
        return result

    await call("get_invoice", {"invoiceKey": "INV00000001"})
    await call("get_invoice", {"invoiceKey": "INV99999999"})  # Zuora: not found
    await call("get_invoice", {"invoiceKey": "../x"})  # refused before sending
    await call("update_invoice", {"invoiceKey": "INV00000001", "comments": "x", "dry_run": True})
    first = await call("write_off_debit_memo", WRITE_CASES["write_off_debit_memo"])
    token = (first.structured_content or {}).get("confirmation_token")
    if token:
        await call("write_off_debit_memo", {**WRITE_CASES["write_off_debit_memo"], "confirmation_token": token})
    tokens.expire()  # the next call gets 401 and fetches a new token
    await call("list_invoices", {"status": "Posted"})
    sandbox.faults.once("500", "PUT", "/v1/invoices/*")
    args = {"invoiceKey": "INV00000002", "comments": "y"}
    preview = await call("update_invoice", args)
    token = (preview.structured_content or {}).get("confirmation_token")
    if token:
        await call("update_invoice", {**args, "confirmation_token": token})  # outcome unknown
    await call("call_operation", {"operation_id": "GET_SubscriptionsByKey", "arguments": {"subscriptionKey": "S1"}})
    tokens.note()
    return seen


def assert_clean(where: str, text: str, secrets: set[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"a secret ({secret[:4]}…) appears in {where}"


def all_secrets(tokens: IssuedTokens) -> set[str]:
    assert tokens.seen, "the pass never got an access token"
    return {CLIENT_SECRET, WRONG_SECRET, HTTP_TOKEN, SECRET_KEY, *tokens.seen}


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_in_process_pass_leaks_no_secret(
    sandbox: RunningSandbox, era: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = IssuedTokens(sandbox)
    audit = tmp_path / "audit.jsonl"
    with anyio.fail_after(60):
        async with harness(sandbox, era=era, audit_log=str(audit)) as h:
            texts = await session(h.client, sandbox, tokens)
            reprs = [repr(h.app.settings), repr(h.app.client), repr(h.app.executor.guard.signer)]
    secrets = all_secrets(tokens)
    assert len(tokens.seen) >= 2  # the refresh happened
    for text in texts:
        assert_clean("a tool result", text, secrets)
    assert_clean("the reprs", "\n".join(reprs), secrets)
    assert_clean("the log", "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records), secrets)
    assert audit.read_text().count("\n") >= 4
    assert_clean("the audit file", audit.read_text(), secrets)


def subprocess_env(sandbox: RunningSandbox, audit: Path, **extra: str) -> dict[str, str]:
    env = server_env(sandbox, ZUORA_MCP_AUDIT_LOG=str(audit), **extra)
    env["ZUORA_CLIENT_SECRET"] = CLIENT_SECRET
    return env


async def test_stdio_subprocess_leaks_no_secret(sandbox: RunningSandbox, tmp_path: Path) -> None:
    tokens = IssuedTokens(sandbox)
    audit = tmp_path / "audit.jsonl"
    errlog = tmp_path / "stderr.txt"
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "zuora_mcp", "serve", "-v"], env=subprocess_env(sandbox, audit)
    )
    with anyio.fail_after(60), errlog.open("w") as stderr:
        async with Client(stdio_client(params, errlog=stderr), mode="legacy") as client:  # type: ignore[arg-type]
            texts = await session(client, sandbox, tokens)
    secrets = all_secrets(tokens)
    for text in texts:
        assert_clean("a tool result over stdio", text, secrets)
    assert "GET /v1/invoices/{invoiceKey}" in errlog.read_text()  # -v did log requests
    assert_clean("the stdio server's stderr", errlog.read_text(), secrets)
    assert_clean("the audit file", audit.read_text(), secrets)


@contextlib.asynccontextmanager
async def http_process(env: dict[str, str]) -> AsyncIterator[tuple[str, list[bytes]]]:
    """``serve --transport http -v``; yields its URL and every byte it writes to stdout and stderr."""
    command = [sys.executable, "-m", "zuora_mcp", "serve", "--transport", "http", "--port", "0", "-v"]
    output: list[bytes] = []
    process = await anyio.open_process(command, env=env)

    async def drain(stream: Any) -> None:
        with contextlib.suppress(anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            while True:
                output.append(await stream.receive())

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(drain, process.stdout)
        tasks.start_soon(drain, process.stderr)
        try:
            with anyio.fail_after(30):
                while b"/mcp" not in b"".join(output):
                    await anyio.wait_all_tasks_blocked()
                    await anyio.lowlevel.checkpoint()
            line = next(p for p in b"".join(output).decode().splitlines() if "/mcp" in p)
            yield line.rsplit(" ", 1)[-1], output
        finally:
            process.terminate()
            with anyio.fail_after(10):
                await process.wait()


async def test_http_subprocess_leaks_no_secret(sandbox: RunningSandbox, tmp_path: Path) -> None:
    tokens = IssuedTokens(sandbox)
    audit = tmp_path / "audit.jsonl"
    env = subprocess_env(sandbox, audit, ZUORA_MCP_HTTP_TOKEN=HTTP_TOKEN)
    with anyio.fail_after(60):
        async with http_process(env) as (url, output):
            headers = {"Authorization": f"Bearer {HTTP_TOKEN}"}
            async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
                async with Client(streamable_http_client(url, http_client=http), mode="auto") as client:  # type: ignore[arg-type]
                    texts = await session(client, sandbox, tokens)
                refused = await http.post(url, headers={"Authorization": "Bearer wrong"}, json={})
    secrets = all_secrets(tokens)
    for text in [*texts, refused.text]:
        assert_clean("an HTTP answer", text, secrets)
    printed = b"".join(output).decode(errors="replace")
    assert "GET /v1/invoices/{invoiceKey}" in printed
    assert_clean("the HTTP server's output", printed, secrets)
    assert_clean("the audit file", audit.read_text(), secrets)


@pytest.mark.parametrize("secret", [CLIENT_SECRET, WRONG_SECRET])
async def test_doctor_leaks_no_secret(sandbox: RunningSandbox, tmp_path: Path, secret: str) -> None:
    tokens = IssuedTokens(sandbox)
    env = subprocess_env(sandbox, tmp_path / "audit.jsonl")
    env["ZUORA_CLIENT_SECRET"] = secret
    with anyio.fail_after(60):
        result = await anyio.run_process([sys.executable, "-m", "zuora_mcp", "doctor"], env=env, check=False)
    tokens.note()
    printed = (result.stdout + result.stderr).decode(errors="replace")
    assert (result.returncode == 0) == (secret == CLIENT_SECRET), printed
    assert_clean("doctor's output", printed, {CLIENT_SECRET, WRONG_SECRET, HTTP_TOKEN, SECRET_KEY, *tokens.seen})
