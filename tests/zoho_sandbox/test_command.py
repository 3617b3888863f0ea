"""Seed files and the stand-alone command (``command.add_arguments`` / ``command.run``)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

import anyio
import httpx2
import pytest

from zuora_mcp.errors import ConfigError
from zuora_mcp.providers.zoho.sandbox import ZohoSandboxOptions, demo_seed, load_seed, running_sandbox
from zuora_mcp.providers.zoho.sandbox.command import add_arguments, run

from .conftest import headers_for, token_for

pytestmark = pytest.mark.anyio


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_the_demo_seed_round_trips_through_json(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(demo_seed("2025-06-01")), encoding="utf-8")
    assert load_seed(path) == demo_seed("2025-06-01")


@pytest.mark.parametrize("content", ["{broken", "[1, 2]"])
def test_bad_seed_files_are_a_config_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "seed.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_seed(path)
    with pytest.raises(ConfigError):
        load_seed(tmp_path / "missing.json")


@pytest.mark.parametrize("argv", [("--port", "70000"), ("--expires-in", "0")])
def test_the_command_refuses_bad_arguments(argv: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError):
        run(parse(*argv))


async def test_a_small_seed_makes_a_small_organisation() -> None:
    seed = {
        "customers": [{"customer_id": "1", "display_name": "Solo", "email": "solo@example.com"}],
        "products": [{"product_id": "2", "name": "Thing", "code": "thing", "price": 9.5}],
        "invoices": [
            {
                "invoice_id": "3",
                "invoice_number": "S-1",
                "customer_id": "1",
                "date": "2025-06-01",
                "due_date": "2025-06-30",
                "state": "open",
                "line_items": [{"item_id": "4", "product_id": "2", "name": "Thing", "price": 9.5, "quantity": 2}],
            }
        ],
    }
    async with (
        running_sandbox(ZohoSandboxOptions(seed=seed)) as zoho,
        httpx2.AsyncClient(base_url=zoho.base_url) as api,
    ):
        api.headers.update(headers_for(zoho, await token_for(zoho, api)))
        invoices = (await api.get("/invoices")).json()["invoices"]
        assert [(i["number"], i["total"]) for i in invoices] == [("S-1", 19.0)]
        created = await api.post(
            "/invoices",
            json={
                "customer_id": "1",
                "date": "2025-06-02",
                "invoice_items": [{"product_id": "2", "price": 1, "quantity": 1}],
            },
        )
        assert created.json()["invoice"]["invoice_number"] == "INV-000002"


@pytest.mark.e2e
async def test_the_command_prints_its_urls_hides_secrets_from_the_environment_and_stops_on_ctrl_c() -> None:
    code = (
        "import sys; from zuora_mcp.providers.zoho.sandbox.command import *; import argparse; "
        "p = argparse.ArgumentParser(); add_arguments(p); sys.exit(run(p.parse_args(sys.argv[1:])))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOHO_")}
    env["ZOHO_CLIENT_SECRET"] = "from-the-environment"
    with anyio.fail_after(20):
        async with await anyio.open_process([sys.executable, "-c", code, "--port", "0"], env=env) as process:
            assert process.stdout is not None
            text = ""
            while "ZOHO_REFRESH_TOKEN" not in text:
                text += (await process.stdout.receive()).decode()
            assert "from-the-environment" not in text
            assert "ZOHO_CLIENT_SECRET=(from ZOHO_CLIENT_SECRET)" in text
            url = text.split("ZOHO_ACCOUNTS_URL=", 1)[1].split()[0]
            assert url.startswith("http://127.0.0.1:")
            async with httpx2.AsyncClient(base_url=url) as http:
                assert (await http.get("/_sandbox/counters")).status_code == 200
            process.send_signal(signal.SIGINT)
            assert await process.wait() == 0
