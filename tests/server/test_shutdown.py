"""A supervisor's SIGTERM ends the server cleanly: exit code 0, the ledger closed, not a killed process."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import anyio
import pytest

from tests.server.test_transports import server_env
from zuora_mcp.ledger import open_ledger

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


async def test_sigterm_ends_the_http_server_with_exit_code_zero_and_a_readable_ledger(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.db"
    command = [sys.executable, "-m", "zuora_mcp", "serve", "--sandbox", "--transport", "http", "--port", "0"]
    env = server_env(None, ZUORA_MCP_LEDGER=str(ledger))
    process = await anyio.open_process([*command], env=env)
    try:
        assert process.stderr is not None
        seen = b""
        with anyio.fail_after(30):
            while b"/mcp" not in seen:
                seen += await process.stderr.receive()
        process.send_signal(signal.SIGTERM)
        with anyio.fail_after(15):
            code = await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
    assert code == 0
    reopened = await open_ledger(str(ledger), create=False)
    assert await reopened.verify() is None
    await reopened.close()
