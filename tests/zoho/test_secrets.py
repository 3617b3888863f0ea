"""No Zoho secret in any output: the client secret, the refresh token, the access tokens Zoho issued.

An in-process pass with every logger at DEBUG runs reads, a preview, a confirmed charge, a refusal,
a failure (an answer that says code 1000), an unknown outcome (a 500 on a write), invalid arguments
and a token refresh, against a tenant with known credentials; every tool result, log record, audit
line and repr is then searched for each secret, including every access token the tenant issued.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.zoho.cases import WRITE_CASES, inv
from tests.zoho.conftest import SECRET_KEY, connected, fresh
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox

pytestmark = pytest.mark.anyio

CLIENT_SECRET = "zoho-client-secret-5f0e8a1d9c"
REFRESH_TOKEN = "1000.zoho-refresh-token-77b2c41e0a"


def text_of(result: Any) -> str:
    return "\n".join(getattr(b, "text", "") for b in result.content) + json.dumps(
        result.structured_content, default=str
    )


async def test_a_pass_through_every_path_leaks_no_secret(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    audit = tmp_path / "audit.jsonl"
    issued: set[str] = set()
    texts: list[str] = []
    with anyio.fail_after(30):
        async with fresh(client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN) as zoho:

            async def call(name: str, arguments: dict[str, Any]) -> Any:
                result = await h.call(name, arguments)
                texts.append(text_of(result))
                issued.update(zoho.app.accounts.tokens)
                return result

            async with connected(zoho, audit=audit) as h:
                await call("get_invoice", {"invoice_id": inv(1)})
                await call("get_invoice", {"invoice_id": "999"})  # Zoho: 1002
                await call("get_invoice", {"invoice_id": "../x"})  # refused before sending
                asked = await call("collect_invoice_payment", WRITE_CASES["collect_invoice_payment"])
                token = asked.structured_content["confirmation_token"]
                await call(
                    "collect_invoice_payment", {**WRITE_CASES["collect_invoice_payment"], "confirmation_token": token}
                )
                await call("delete_invoice", {"invoice_id": inv(4)})  # refused by preflight
                zoho.expire_tokens()  # the next call gets 401 and refreshes
                await call("list_invoices", {"filter_by": "Status.Unpaid"})
                zoho.faults.once("code_nonzero_200", "GET", "/billing/v1/invoices")
                await call("list_invoices", {})
                zoho.faults.once("500", "POST", "/billing/v1/invoices/*/void")
                asked = await call("void_invoice", {"invoice_id": inv(2)})
                token = asked.structured_content["confirmation_token"]
                unknown = await call("void_invoice", {"invoice_id": inv(2), "confirmation_token": token})
                assert unknown.structured_content["status"] == "outcome_unknown"
                reprs = [repr(h.app.settings), repr(h.app.client), repr(h.app.executor.guard.signer)]
            assert_sandbox_used(zoho)
    secrets = {CLIENT_SECRET, REFRESH_TOKEN, SECRET_KEY, *issued}
    assert len(issued) >= 2  # the refresh happened
    where = {
        "a tool result": "\n".join(texts),
        "a repr": "\n".join(reprs),
        "the log": "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records),
        "the audit file": audit.read_text(),
    }
    assert where["the audit file"].count("\n") >= 4
    for name, text in where.items():
        for secret in secrets:
            assert secret not in text, f"a secret ({secret[:6]}…) appears in {name}"


def assert_sandbox_used(zoho: RunningZohoSandbox) -> None:
    assert zoho.client_secret == CLIENT_SECRET
    assert zoho.counters.token_requests >= 2


ACCESS_TOKEN_SHAPE = re.compile(r"1000\.[0-9a-f]{32}\.[0-9a-f]{32}")


@pytest.mark.e2e
async def test_a_verbose_stdio_server_leaks_no_secret(tmp_path: Path) -> None:
    """``serve --provider zoho --sandbox -v`` with credentials in the environment (they become the
    tenant's): its stderr, the audit file and every answer hold no secret and no access token."""
    audit, errlog = tmp_path / "audit.jsonl", tmp_path / "stderr.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZUORA_", "ZOHO_", "COVERAGE"))}
    env.update(
        ZUORA_MCP_SECRET_KEY=SECRET_KEY,
        ZUORA_MCP_AUDIT_LOG=str(audit),
        ZOHO_CLIENT_SECRET=CLIENT_SECRET,
        ZOHO_REFRESH_TOKEN=REFRESH_TOKEN,
    )
    command = ["-m", "zuora_mcp", "serve", "--provider", "zoho", "--sandbox", "-v"]
    params = StdioServerParameters(command=sys.executable, args=command, env=env)
    texts: list[str] = []
    with anyio.fail_after(60), errlog.open("w") as stderr:
        async with Client(stdio_client(params, errlog=stderr), mode="legacy") as client:
            for name, arguments in (
                ("get_invoice", {"invoice_id": inv(1)}),
                ("get_invoice", {"invoice_id": "999"}),
                ("delete_invoice", {"invoice_id": inv(4)}),
            ):
                texts.append(text_of(await client.call_tool(name, arguments)))
            charge = WRITE_CASES["collect_invoice_payment"]
            asked = await client.call_tool("collect_invoice_payment", charge)
            texts.append(text_of(asked))
            token = (asked.structured_content or {})["confirmation_token"]
            done = await client.call_tool("collect_invoice_payment", {**charge, "confirmation_token": token})
            texts.append(text_of(done))
    assert "executed" in texts[-1]
    printed = errlog.read_text()
    assert "GET /invoices/{invoice_id}" in printed  # -v did log requests
    for name, text in {"an answer": "\n".join(texts), "stderr": printed, "the audit file": audit.read_text()}.items():
        for secret in (CLIENT_SECRET, REFRESH_TOKEN, SECRET_KEY):
            assert secret not in text, f"a secret ({secret[:6]}…) appears in {name}"
        assert not ACCESS_TOKEN_SHAPE.search(text), f"an access token appears in {name}"
        assert "Zoho-oauthtoken" not in text
