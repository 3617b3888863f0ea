"""The Zoho server as users run it: ``serve --provider zoho --sandbox`` as a subprocess, over stdio and
over streamable HTTP, making a read and a confirmed card charge; the tenant's own admin API then
shows exactly one approved charge."""

from __future__ import annotations

import contextlib
import os
import re
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

from tests.zoho.cases import WRITE_CASES, inv
from tests.zoho.conftest import SECRET_KEY

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

COMMAND = [sys.executable, "-m", "zuora_mcp", "serve", "--provider", "zoho", "--sandbox"]
SANDBOX_LINE = re.compile(r"sandbox tenant at (http://127\.0\.0\.1:\d+)/billing/v1")


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZUORA_", "ZOHO_", "COVERAGE"))}
    env["ZUORA_MCP_SECRET_KEY"] = SECRET_KEY
    return env


async def read_then_charge(client: Client) -> None:
    names = {tool.name for tool in (await client.list_tools()).tools}
    assert {"get_invoice", "collect_invoice_payment", "attach_file_to_invoice"} <= names
    read = await client.call_tool("get_invoice", {"invoice_id": inv(1)})
    assert read.structured_content is not None
    assert read.structured_content["invoice"]["balance"] == 240
    args = WRITE_CASES["collect_invoice_payment"]
    asked = await client.call_tool("collect_invoice_payment", args)
    assert asked.structured_content is not None
    token = asked.structured_content["confirmation_token"]
    done = await client.call_tool("collect_invoice_payment", {**args, "confirmation_token": token})
    assert done.structured_content is not None
    assert done.structured_content["status"] == "executed", done.content
    again = await client.call_tool("collect_invoice_payment", {**args, "confirmation_token": token})
    assert again.structured_content is not None
    assert again.structured_content["status"] == "refused"


async def approved_charges(origin: str) -> int:
    async with httpx2.AsyncClient(timeout=10) as http:
        charges = (await http.get(f"{origin}/_sandbox/charges")).json()
    found = charges.get("charges", charges) if isinstance(charges, dict) else charges
    return sum(1 for c in found if c["status"] == "approved")


async def test_over_stdio_a_read_and_a_confirmed_charge_run_once(tmp_path: Path) -> None:
    errlog = tmp_path / "stderr.txt"
    params = StdioServerParameters(command=COMMAND[0], args=COMMAND[1:], env=server_env())
    with anyio.fail_after(60), errlog.open("w") as stderr:
        async with Client(stdio_client(params, errlog=stderr), mode="legacy") as client:
            await read_then_charge(client)
            found = SANDBOX_LINE.search(errlog.read_text())
            assert found, errlog.read_text()
            assert await approved_charges(found.group(1)) == 1


@contextlib.asynccontextmanager
async def http_server() -> AsyncIterator[tuple[str, str]]:
    """``serve --provider zoho --sandbox --transport http --port 0``: its /mcp URL and its tenant's origin."""
    process = await anyio.open_process([*COMMAND, "--transport", "http", "--port", "0"], env=server_env())
    try:
        assert process.stderr is not None
        seen = b""
        with anyio.fail_after(30):
            while b"/mcp" not in seen:
                seen += await process.stderr.receive()
        text = seen.decode()
        url = next(part for part in text.splitlines() if "/mcp" in part).rsplit(" ", 1)[-1]
        found = SANDBOX_LINE.search(text)
        assert found, text
        yield url, found.group(1)
    finally:
        process.terminate()
        with anyio.fail_after(10):
            await process.wait()


async def test_over_http_a_read_and_a_confirmed_charge_run_once() -> None:
    with anyio.fail_after(60):
        async with http_server() as (url, origin):
            async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0)) as http:
                transport: Any = streamable_http_client(url, http_client=http)
                async with Client(transport, mode="auto") as client:
                    await read_then_charge(client)
            assert await approved_charges(origin) == 1
