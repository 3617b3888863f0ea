"""``zuora-mcp doctor`` against a real sandbox on loopback: what passes, what fails, and the fix it names.

The sandbox runs in the test's event loop; the command runs as a user would, through ``main``, in a
worker thread (it starts its own event loop). Every run checks that the client secret is never printed.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator

import anyio
import anyio.to_thread
import httpx2
import pytest

from zuora_mcp.cli import main
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox
from zuora_mcp.providers.zuora.settings import ENVIRONMENTS

CLIENT_ID = "doctor-client"
SECRET = "doctor-known-secret-5d1f0c"
CHECKS = ("configuration", "proxy", "reachable", "credentials", "read", "clock", "entity")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No Zuora settings or proxies from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith("ZUORA_") or name.upper() in {"HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"}:
            monkeypatch.delenv(name)


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(SandboxOptions(client_id=CLIENT_ID, client_secret=SECRET)) as running:
        yield running


def use(monkeypatch: pytest.MonkeyPatch, base_url: str, **extra: str) -> None:
    monkeypatch.setenv("ZUORA_BASE_URL", base_url)
    monkeypatch.setenv("ZUORA_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("ZUORA_CLIENT_SECRET", SECRET)
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


async def doctor(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with anyio.fail_after(10):
        code = await anyio.to_thread.run_sync(main, ["doctor", *argv])
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    return code, out


def marks(out: str) -> dict[str, str]:
    """{check name: ✓ | ✗ | -} from the report."""
    return {name: mark for mark, name in re.findall(r"^([✓✗-]) (\w+)", out, re.MULTILINE)}


def section(out: str, name: str) -> str:
    """The check's line and the indented lines under it."""
    found = re.search(rf"^[✓✗-] {name}\b.*\n(?:^ +.*\n)*", out, re.MULTILINE)
    assert found, out
    return found.group(0)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.anyio
async def test_every_check_passes_against_a_healthy_sandbox(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(monkeypatch, sandbox.base_url)
    code, out = await doctor(capsys)
    assert code == 0
    assert marks(out) == dict.fromkeys(CHECKS, "✓")
    assert f"client id {CLIENT_ID}, secret set (not shown)" in section(out, "configuration")
    assert "All 7 checks passed." in out


@pytest.mark.anyio
async def test_refused_secret_fails_credentials_and_says_to_check_the_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    options = SandboxOptions(client_id=CLIENT_ID, client_secret="the-right-secret")
    async with running_sandbox(options) as sandbox:
        use(monkeypatch, sandbox.base_url)  # sends SECRET, which this sandbox refuses
        code, out = await doctor(capsys)
    assert code == 1
    assert marks(out) == {**dict.fromkeys(CHECKS[:3], "✓"), "credentials": "✗", **dict.fromkeys(CHECKS[4:], "-")}
    credentials = section(out, "credentials")
    assert "refused the credentials" in credentials
    assert "Invalid client_id or client_secret" in credentials  # Zuora's own reason
    assert "fix: check ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET" in credentials


@pytest.mark.anyio
async def test_closed_port_fails_reachable_and_lists_the_environments(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}"
    use(monkeypatch, base_url)
    code, out = await doctor(capsys)
    assert code == 1
    assert marks(out) == {"configuration": "✓", "proxy": "✓", "reachable": "✗", **dict.fromkeys(CHECKS[3:], "-")}
    reachable = section(out, "reachable")
    assert f"nothing answered at {base_url}" in reachable
    assert "fix: check ZUORA_ENVIRONMENT / ZUORA_BASE_URL" in reachable
    for env in ENVIRONMENTS.values():
        assert f"{env.name:16} {env.base_url}" in reachable


@pytest.mark.anyio
async def test_unreachable_host_behind_a_proxy_variable_points_at_the_proxy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(monkeypatch, f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("HTTP_PROXY", f"http://proxyuser:proxy-password@127.0.0.1:{closed_port()}")
    code, out = await doctor(capsys)
    assert code == 1
    assert "requests to 127.0.0.1 go through HTTP_PROXY=http://proxyuser:****@127.0.0.1:" in section(out, "proxy")
    reachable = section(out, "reachable")
    assert marks(out)["reachable"] == "✗"
    assert "fix: HTTP_PROXY=" in reachable
    assert "add 127.0.0.1 to NO_PROXY" in reachable
    assert "proxy-password" not in out


@pytest.mark.anyio
async def test_proxy_exempted_by_no_proxy_is_reported_as_not_used(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(monkeypatch, sandbox.base_url, HTTP_PROXY=f"http://127.0.0.1:{closed_port()}", NO_PROXY="127.0.0.1")
    code, out = await doctor(capsys)
    assert code == 0  # httpx2 agrees: the request went straight to the sandbox
    proxy = section(out, "proxy")
    assert "set, but not used for 127.0.0.1" in proxy
    assert "HTTP_PROXY=" in proxy
    assert "NO_PROXY=127.0.0.1" in proxy


@pytest.mark.anyio
async def test_server_clock_ten_minutes_ahead_fails_the_clock_check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_sandbox(SandboxOptions(client_id=CLIENT_ID, client_secret=SECRET, date_offset=600)) as sandbox:
        use(monkeypatch, sandbox.base_url)
        code, out = await doctor(capsys)
    assert code == 1
    assert marks(out) == {**dict.fromkeys(CHECKS, "✓"), "clock": "✗"}
    clock = section(out, "clock")
    assert re.search(r"Zuora's clock is (9 min 59 s|10 min 0 s|10 min 1 s) ahead of this machine's", clock)
    assert "set-ntp" in clock


@pytest.mark.anyio
async def test_clock_two_minutes_behind_passes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_sandbox(SandboxOptions(client_id=CLIENT_ID, client_secret=SECRET, date_offset=-120)) as sandbox:
        use(monkeypatch, sandbox.base_url)
        code, out = await doctor(capsys)
    assert code == 0
    assert re.search(r"within 1[12]\d s of Zuora's", section(out, "clock"))


@pytest.mark.anyio
async def test_multi_entity_tenant_asks_for_zuora_entity_ids_and_passes_once_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    options = SandboxOptions(client_id=CLIENT_ID, client_secret=SECRET, entity_ids=("ent-us", "ent-eu"))
    async with running_sandbox(options) as sandbox:
        use(monkeypatch, sandbox.base_url)
        code, out = await doctor(capsys)
        assert code == 1
        assert marks(out) == {**dict.fromkeys(CHECKS[:4], "✓"), "read": "✗", "clock": "-", "entity": "✗"}
        assert "HTTP 400" in section(out, "read")
        assert "fix: set ZUORA_ENTITY_IDS" in section(out, "entity")

        monkeypatch.setenv("ZUORA_ENTITY_IDS", "ent-eu")
        code, out = await doctor(capsys)
    assert code == 0
    assert "entity ids     ent-eu" in section(out, "configuration")
    assert "Zuora accepted Zuora-Entity-Ids ent-eu" in section(out, "entity")


@pytest.mark.anyio
async def test_entity_id_the_token_is_not_valid_for_says_to_check_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    options = SandboxOptions(client_id=CLIENT_ID, client_secret=SECRET, entity_ids=("ent-us",))
    async with running_sandbox(options) as sandbox:
        use(monkeypatch, sandbox.base_url, ZUORA_ENTITY_IDS="ent-mars")
        code, out = await doctor(capsys)
    assert code == 1
    assert marks(out)["entity"] == "✗"
    assert "fix: check ZUORA_ENTITY_IDS (now ent-mars)" in section(out, "entity")


@pytest.mark.anyio
async def test_access_token_is_checked_by_the_read_and_never_printed(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with httpx2.AsyncClient(base_url=sandbox.base_url, timeout=5.0) as http:
        form = {"client_id": CLIENT_ID, "client_secret": SECRET, "grant_type": "client_credentials"}
        token = (await http.post("/oauth/token", data=form)).json()["access_token"]
    monkeypatch.setenv("ZUORA_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("ZUORA_ACCESS_TOKEN", token)
    code, out = await doctor(capsys)
    assert code == 0
    assert "Zuora accepted ZUORA_ACCESS_TOKEN" in section(out, "credentials")
    assert token not in out

    monkeypatch.setenv("ZUORA_ACCESS_TOKEN", "expired-token-0123456789abcdef")
    code, out = await doctor(capsys)
    assert code == 1
    credentials = section(out, "credentials")
    assert marks(out)["credentials"] == "✗"
    assert "Zuora refused ZUORA_ACCESS_TOKEN" in credentials
    assert "fix: get a new token" in credentials
    assert "expired-token-0123456789abcdef" not in out


def test_unknown_environment_exits_2_with_the_list_of_environments(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ZUORA_ENVIRONMENT", "mars-production")
    monkeypatch.setenv("ZUORA_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("ZUORA_CLIENT_SECRET", SECRET)
    assert main(["doctor"]) == 2
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    assert marks(out) == {"configuration": "✗"}
    configuration = section(out, "configuration")
    assert "ZUORA_ENVIRONMENT='mars-production' is not a known environment" in configuration
    assert "fix: set ZUORA_ENVIRONMENT to one of: " + ", ".join(ENVIRONMENTS) in configuration
    for env in ENVIRONMENTS.values():
        assert env.base_url in configuration


def test_missing_credentials_exit_2_and_name_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--environment", "eu-sandbox"]) == 2
    configuration = section(capsys.readouterr().out, "configuration")
    assert "ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET" in configuration
    assert "--sandbox" in configuration


def test_doctor_sandbox_passes_end_to_end_in_plain_ascii() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZUORA_") and not k.lower().endswith("_proxy")}
    done = subprocess.run(
        [sys.executable, "-m", "zuora_mcp", "doctor", "--sandbox"],
        env={**environ, "PYTHONIOENCODING": "ascii", "ZUORA_CLIENT_SECRET": SECRET},
        capture_output=True,
        timeout=30,
        check=False,
    )
    out = done.stdout.decode("ascii")  # raises if anything but ASCII was written
    assert done.returncode == 0, out + done.stderr.decode()
    assert [line.split()[1] for line in out.splitlines() if line.startswith("OK ")] == list(CHECKS)
    assert SECRET.encode() not in done.stdout + done.stderr


def test_serve_sandbox_client_ignores_proxy_variables_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy meant for a real tenant must not swallow the built-in sandbox's loopback traffic.
    import anyio

    from zuora_mcp.client import BillingClient
    from zuora_mcp.config import load_settings
    from zuora_mcp.providers.zuora.sandbox import SandboxOptions, running_sandbox

    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)

    async def read() -> int:
        async with running_sandbox(SandboxOptions(port=0)) as sandbox:
            flags = {
                "base_url": sandbox.base_url,
                "client_id": sandbox.client_id,
                "client_secret": sandbox.client_secret,
            }
            async with BillingClient(load_settings(flags, environ={})) as client:
                return (await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV00000001"})).status

    assert anyio.run(read) == 200
