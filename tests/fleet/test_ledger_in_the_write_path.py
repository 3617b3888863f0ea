"""The write ledger in the guard's write path, as an operator relies on it.

- no write is sent without a durable intent; a ledger that cannot take one refuses the write, reads go on;
- an applied write is never reported as failed: neither a full audit disk nor a ledger that falls
  behind after the send changes what the caller is told;
- a confirmation is single use across replicas: two stateless HTTP replicas sharing the signing key and
  one PostgreSQL ledger, the same token sent 8 times at once — one write reaches the tenant.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client import Client

from tests.ledger.conftest import postgres_server, postgres_url  # noqa: F401 - fixtures
from tests.server.conftest import SECRET_KEY, connected, settings_for, writes_sent
from tests.server.test_transports import HTTP_TOKEN, http_client, http_server
from zuora_mcp.client import BillingClient
from zuora_mcp.identity import Principal
from zuora_mcp.ledger import Filters, LedgerUnavailable, open_ledger
from zuora_mcp.ledger.sqlite import SQLiteLedger
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox
from zuora_mcp.server import build_app, build_server

pytestmark = pytest.mark.anyio

REVERSE = {"invoiceKey": "INV00000001"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(SandboxOptions(port=0)) as running:
        yield running


async def token_for(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    first = await client.call_tool(tool, arguments)
    assert first.structured_content is not None
    assert first.structured_content["status"] == "confirmation_required", first.content
    return str(first.structured_content["confirmation_token"])


async def test_a_confirmed_write_leaves_its_intent_and_outcome_in_the_ledger(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    ledger = await open_ledger(str(tmp_path / "ledger.db"))
    settings = settings_for(sandbox)
    async with BillingClient(settings) as zuora:
        app = build_app(settings, zuora, ledger=ledger)
        async with Client(build_server(app), mode="legacy") as client:
            token = await token_for(client, "reverse_invoice", REVERSE)
            done = await client.call_tool("reverse_invoice", {**REVERSE, "confirmation_token": token})
    assert done.structured_content is not None
    assert done.structured_content["status"] == "executed"
    records = await ledger.records(Filters(tool="reverse_invoice"))
    assert [(r.kind, r.decision) for r in records] == [
        ("event", "previewed"),
        ("intent", "intent"),
        ("outcome", "executed"),
    ]
    assert records[0].principal == Principal.local().label  # the preview names its caller too
    intent, outcome = records[1], records[2]
    assert intent.approval == "token"
    assert intent.principal == Principal.local().label  # stdio/in-process: the local OS user
    assert intent.natural_key == "invoiceKey=INV00000001"
    assert outcome.intent_id == intent.id
    assert outcome.request_id is not None
    assert await ledger.verify() is None
    await ledger.close()


async def test_a_ledger_that_cannot_record_the_intent_stops_the_write_and_reads_go_on(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    ledger = await open_ledger(str(tmp_path / "ledger.db"))
    settings = settings_for(sandbox, mode="auto")
    async with BillingClient(settings) as zuora:
        app = build_app(settings, zuora, ledger=ledger)
        async with Client(build_server(app), mode="legacy") as client:
            await ledger.close()  # the ledger is lost mid-run
            refused = await client.call_tool("reverse_invoice", REVERSE)
            read = await client.call_tool("get_invoice", {"invoiceKey": "INV00000001"})
    assert refused.is_error
    assert refused.structured_content is not None
    assert refused.structured_content["status"] == "refused"
    assert "write ledger cannot record this write" in refused.structured_content["message"]
    assert "Nothing was changed" in refused.structured_content["message"]
    assert writes_sent(sandbox) == 0
    assert not read.is_error
    assert "Posted" in str(read.structured_content)


async def test_a_full_audit_disk_never_turns_an_applied_write_into_an_error(sandbox: RunningSandbox) -> None:
    async with connected(sandbox, mode="auto", audit=Path("/dev/full")) as harness:
        done = await harness.call("write_off_debit_memo", {"debitMemoKey": "DM00000001"})
    assert not done.is_error, done.content
    assert done.structured_content["status"] == "executed"
    assert writes_sent(sandbox) == 1


class _OutcomeLost(SQLiteLedger):
    """A ledger whose storage fails right after the intent: the outcome cannot be written yet."""

    async def record_outcome(self, intent_id: str, outcome: Any, **kwargs: Any) -> str:
        raise LedgerUnavailable("the disk filled up after the intent")


async def test_an_outcome_the_ledger_cannot_take_is_still_reported_truly_with_a_warning(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    opened = await open_ledger(str(tmp_path / "ledger.db"))
    assert isinstance(opened, SQLiteLedger)
    opened.__class__ = _OutcomeLost
    settings = settings_for(sandbox, mode="auto")
    async with BillingClient(settings) as zuora:
        async with Client(build_server(build_app(settings, zuora, ledger=opened)), mode="legacy") as client:
            done = await client.call_tool("reverse_invoice", REVERSE)
    assert not done.is_error
    assert done.structured_content is not None
    assert done.structured_content["status"] == "executed"
    assert "ledger is behind" in done.structured_content["ledger_warning"]
    assert writes_sent(sandbox) == 1
    await opened.close()


async def test_one_token_sent_eight_times_at_once_to_two_replicas_sharing_a_ledger_writes_once(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    location = str(tmp_path / "shared-ledger.db")
    ledgers = [await open_ledger(location), await open_ledger(location)]
    settings = settings_for(sandbox)
    async with BillingClient(settings) as zuora_a, BillingClient(settings) as zuora_b:
        apps = [build_app(settings, zuora_a, ledger=ledgers[0]), build_app(settings, zuora_b, ledger=ledgers[1])]
        async with (
            Client(build_server(apps[0]), mode="legacy") as a,
            Client(build_server(apps[1]), mode="legacy") as b,
        ):
            token = await token_for(a, "reverse_invoice", REVERSE)
            results: list[Any] = []

            async def spend(client: Client) -> None:
                results.append(await client.call_tool("reverse_invoice", {**REVERSE, "confirmation_token": token}))

            with anyio.fail_after(30):
                async with anyio.create_task_group() as group:
                    for i in range(8):
                        group.start_soon(spend, (a, b)[i % 2])
    statuses = sorted(r.structured_content["status"] for r in results)
    assert statuses == ["executed"] + ["refused"] * 7
    assert writes_sent(sandbox) == 1
    executed = await ledgers[0].records(Filters(decision="executed"))
    assert len(executed) == 1
    for ledger in ledgers:
        await ledger.close()


@pytest.mark.e2e
async def test_two_http_replicas_and_one_postgresql_ledger_apply_a_token_sent_eight_times_once(
    sandbox: RunningSandbox,
    postgres_url: str,  # noqa: F811 - the fixture
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZUORA_", "COVERAGE"))}
    env.update(
        ZUORA_BASE_URL=sandbox.base_url,
        ZUORA_CLIENT_ID=sandbox.client_id,
        ZUORA_CLIENT_SECRET=sandbox.client_secret,
        ZUORA_MCP_SECRET_KEY=SECRET_KEY,
        ZUORA_MCP_HTTP_TOKEN=HTTP_TOKEN,
        ZUORA_MCP_LEDGER=postgres_url,
    )
    assert sys.executable
    async with http_server(env, "--stateless") as url_a, http_server(env, "--stateless") as url_b:
        async with http_client(url_a, "legacy") as a, http_client(url_b, "legacy") as b:
            token = await token_for(a, "reverse_invoice", REVERSE)
            results: list[Any] = []

            async def spend(client: Client) -> None:
                results.append(await client.call_tool("reverse_invoice", {**REVERSE, "confirmation_token": token}))

            with anyio.fail_after(60):
                async with anyio.create_task_group() as group:
                    for i in range(8):
                        group.start_soon(spend, (a, b)[i % 2])
    statuses = sorted(r.structured_content["status"] for r in results)
    assert statuses == ["executed"] + ["refused"] * 7
    refusals = [r.structured_content["message"] for r in results if r.structured_content["status"] == "refused"]
    assert all("already been used" in message for message in refusals), refusals
    assert writes_sent(sandbox) == 1
    ledger = await open_ledger(postgres_url, create=False)
    try:
        executed = await ledger.records(Filters(decision="executed"))
        assert len(executed) == 1
        assert await ledger.verify() is None
    finally:
        await ledger.close()
