"""The issue's fault test: a real ``zuora-mcp serve`` killed between intent and outcome.

The server runs as its own process over stdio, in ``auto`` mode, on the Zuora sandbox tenant (served
by this test on loopback) with a SQLite ledger file. The tenant applies the reversal and then holds
the answer (``delay_after_commit``); while the server waits for it, the process is killed with
SIGKILL. Then: the applied write has its intent in the ledger, nothing is recorded as failed, and
``zuora-mcp reconcile`` — a second process — settles it as executed from what the tenant shows.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream

from tests.reconcile.conftest import SECRET_KEY, zuora_environ
from zuora_mcp.ledger import Filters, open_ledger
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

pytestmark = pytest.mark.anyio

PROTOCOL = "2025-06-18"


def environ(zuora: RunningSandbox, ledger: Path) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("ZUORA", "ZOHO"))}
    return {
        **kept,
        **zuora_environ(zuora),
        "ZUORA_MCP_LEDGER": str(ledger),
        "ZUORA_MCP_MODE": "auto",
        "ZUORA_MCP_TIMEOUT": "60",  # the server is still waiting for the answer when it is killed
        "ZUORA_MCP_SECRET_KEY": SECRET_KEY,
    }


class StdioPeer:
    """Newline-delimited JSON-RPC to a server process, as an MCP client over stdio speaks it."""

    def __init__(self, process: Process) -> None:
        assert process.stdin is not None
        assert process.stdout is not None
        self.process = process
        self._lines = TextReceiveStream(process.stdout)
        self._buffer = ""

    async def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send((json.dumps({"jsonrpc": "2.0", **message}) + "\n").encode())

    async def answer(self, request_id: int) -> dict[str, Any]:
        while True:
            while "\n" not in self._buffer:
                self._buffer += await self._lines.receive()
            line, self._buffer = self._buffer.split("\n", 1)
            message = json.loads(line)
            if message.get("id") == request_id:
                return dict(message)


async def test_a_serve_process_killed_while_waiting_for_a_write_leaves_an_intent_that_reconcile_settles(
    zuora: RunningSandbox, tmp_path: Path
) -> None:
    ledger_path = tmp_path / "ledger.db"
    env = environ(zuora, ledger_path)
    zuora.faults.once("delay_after_commit", "PUT", "/v1/invoices/*/reverse", seconds=3)
    command = [sys.executable, "-m", "zuora_mcp", "serve"]
    process = await anyio.open_process(command, env=env, stderr=None)
    try:
        peer = StdioPeer(process)
        with anyio.fail_after(60):
            await peer.send(
                {
                    "id": 1,
                    "method": "initialize",
                    "params": {
                        "protocolVersion": PROTOCOL,
                        "capabilities": {},
                        "clientInfo": {"name": "killer", "version": "1"},
                    },
                }
            )
            assert "result" in await peer.answer(1)
            await peer.send({"method": "notifications/initialized"})
            await peer.send(
                {
                    "id": 2,
                    "method": "tools/call",
                    "params": {"name": "reverse_invoice", "arguments": {"invoiceKey": "INV00000001"}},
                }
            )
            # The tenant has applied the reversal and holds the answer: the server is waiting for it.
            await zuora.counters.wait_for(lambda c: c.writes_applied >= 1)
        process.kill()  # SIGKILL: no outcome can be recorded
        with anyio.fail_after(10):
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
        await process.aclose()

    assert process.returncode == -9
    assert zuora.tenant.invoice("INV00000001").reversed
    async with await open_ledger(str(ledger_path), create=False) as ledger:
        intents = await ledger.records(Filters(kind="intent", tool="reverse_invoice"))
        assert len(intents) == zuora.counters.writes_applied == 1  # no write applied without an intent
        assert await ledger.records(Filters(decision="failed")) == []  # no applied write reported as failed
        [open_write] = await ledger.unsettled()
        assert open_write.id == intents[0].id
        assert open_write.natural_key == "invoiceKey=INV00000001"

    with anyio.fail_after(60):
        done = await anyio.run_process([sys.executable, "-m", "zuora_mcp", "reconcile"], env=env, check=False)
    out = done.stdout.decode()
    assert done.returncode == 0, (out, done.stderr.decode())
    assert "reverse_invoice" in out
    assert "executed (recorded)" in out
    assert zuora.client_secret not in out + done.stderr.decode()

    async with await open_ledger(str(ledger_path), create=False) as ledger:
        assert await ledger.unsettled() == []
        [settlement] = await ledger.records(Filters(kind="settlement"))
        assert (settlement.decision, settlement.intent_id) == ("executed", intents[0].id)
        assert await ledger.records(Filters(decision="failed")) == []
        assert await ledger.verify() is None
