"""``zuora-mcp doctor --provider zoho`` against the Zoho tenant: passes, and names the fix when it does not."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import anyio
import anyio.to_thread
import pytest

from zuora_mcp.cli import main
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, ZohoSandboxOptions, running_sandbox


@pytest.fixture
def zoho() -> Iterator[RunningZohoSandbox]:
    """A Zoho tenant on its own thread's loop, so the doctor can run its own asyncio.run."""
    ready, stop = threading.Event(), threading.Event()
    holder: list[RunningZohoSandbox] = []

    async def serve() -> None:
        async with running_sandbox(ZohoSandboxOptions(port=0)) as sandbox:
            holder.append(sandbox)
            ready.set()
            await anyio.to_thread.run_sync(stop.wait, 60.0)  # bounded: the test ends long before

    thread = threading.Thread(target=anyio.run, args=(serve,), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield holder[0]
    stop.set()
    thread.join(10)


def _environ(monkeypatch: pytest.MonkeyPatch, zoho: RunningZohoSandbox, **overrides: str) -> None:
    values = {
        "ZOHO_BASE_URL": zoho.base_url,
        "ZOHO_ACCOUNTS_URL": zoho.accounts_url,
        "ZOHO_CLIENT_ID": zoho.client_id,
        "ZOHO_CLIENT_SECRET": zoho.client_secret,
        "ZOHO_REFRESH_TOKEN": zoho.refresh_token,
        "ZOHO_ORGANIZATION_ID": zoho.organization_id,
        **overrides,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_doctor_passes_against_a_reachable_organisation(
    zoho: RunningZohoSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _environ(monkeypatch, zoho)
    assert main(["doctor", "--provider", "zoho"]) == 0
    out = capsys.readouterr().out
    assert "✓ organisation" in out
    assert zoho.client_secret not in out
    assert zoho.refresh_token not in out


def test_doctor_names_the_organisation_fix_for_6041(
    zoho: RunningZohoSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _environ(monkeypatch, zoho, ZOHO_ORGANIZATION_ID="99999")
    assert main(["doctor", "--provider", "zoho"]) == 1
    assert "fix: set ZOHO_ORGANIZATION_ID" in capsys.readouterr().out


def test_doctor_names_the_refresh_token_fix(
    zoho: RunningZohoSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _environ(monkeypatch, zoho, ZOHO_REFRESH_TOKEN="1000.revoked.refresh-token")
    assert main(["doctor", "--provider", "zoho"]) == 1
    out = capsys.readouterr().out
    assert "the refresh token is wrong, revoked or from another data centre" in out
    assert "1000.revoked.refresh-token" not in out
