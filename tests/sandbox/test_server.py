"""Running the sandbox: loopback only, clean stop, counters, seed files, the ``zuora-mcp sandbox`` command."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import anyio
import httpx2
import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.errors import ConfigError
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, demo_seed, load_seed, running_sandbox

from .conftest import settings_for

pytestmark = pytest.mark.anyio


async def test_sandbox_listens_on_loopback_and_stops_cleanly() -> None:
    async with running_sandbox() as sandbox:
        assert sandbox.base_url == f"http://127.0.0.1:{sandbox.port}"
        async with httpx2.AsyncClient(base_url=sandbox.base_url) as http:
            assert (await http.get("/_sandbox/counters")).status_code == 200
    async with httpx2.AsyncClient(base_url=sandbox.base_url) as http:
        with pytest.raises(httpx2.ConnectError):
            await http.get("/_sandbox/counters")


async def test_counters_count_connections_tokens_writes_and_routes(sandbox: RunningSandbox) -> None:
    async with BillingClient(settings_for(sandbox)) as client:
        for _ in range(3):
            await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV00000001"})
        await client.get("/v1/accounts/{account-key}", {"account-key": "A00000001"})
    counters = sandbox.counters.as_json()
    assert counters["connections_accepted"] == 1  # one pooled keep-alive connection
    assert counters["token_requests"] == 1
    assert counters["requests"] == 5
    assert counters["writes_applied"] == 0
    assert counters["requests_by_route"] == {
        "GET /v1/accounts/{account-key}": 1,
        "GET /v1/invoices/{invoiceKey}": 3,
        "POST /oauth/token": 1,
    }


async def test_seed_file_in_the_demo_shape_is_loaded(tmp_path: Path) -> None:
    seed = {
        "accounts": [{"id": "a" * 32, "accountNumber": "ACME-1", "currency": "GBP"}],
        "invoices": [
            {
                "id": "b" * 32,
                "invoiceNumber": "INV00000042",
                "accountNumber": "ACME-1",
                "invoiceDate": "2025-05-01",
                "items": [{"id": "c" * 32, "chargeName": "Widget", "amount": "12.50"}],
            }
        ],
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    async with running_sandbox(SandboxOptions(seed=load_seed(path))) as sandbox:
        invoice = sandbox.tenant.invoice("INV00000042")
        assert (invoice.currency, invoice.amount, invoice.status) == ("GBP", 12.5, "Posted")
        assert sandbox.tenant.next_number("invoice") == "INV00000043"


def test_demo_seed_round_trips_through_json(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(demo_seed()), encoding="utf-8")
    assert load_seed(path) == demo_seed()


@pytest.mark.parametrize("content", ["{broken", "[1, 2]"])
def test_bad_seed_files_are_a_config_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "seed.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_seed(path)
    with pytest.raises(ConfigError):
        load_seed(tmp_path / "missing.json")


@pytest.mark.e2e
async def test_sandbox_command_prints_its_url_and_stops_on_ctrl_c() -> None:
    command = [sys.executable, "-m", "zuora_mcp", "sandbox", "--port", "0", "--expires-in", "120"]
    with anyio.fail_after(20):
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZUORA_")}  # the documented defaults
        async with await anyio.open_process(command, env=env) as process:
            assert process.stdout is not None
            text = ""
            while "ZUORA_CLIENT_SECRET" not in text:
                text += (await process.stdout.receive()).decode()
            url = text.split("ZUORA_BASE_URL=", 1)[1].split()[0]
            assert url.startswith("http://127.0.0.1:")
            async with httpx2.AsyncClient(base_url=url) as http:
                token = await http.post(
                    "/oauth/token",
                    data={
                        "client_id": "sandbox-client-id-0000-0000-00000001",  # 36 characters, as Zuora's
                        "client_secret": "sandbox-client-secret",
                        "grant_type": "client_credentials",
                    },
                )
            assert token.json()["expires_in"] == 120
            process.send_signal(signal.SIGINT)
            assert await process.wait() == 0
