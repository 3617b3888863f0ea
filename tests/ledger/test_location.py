"""Where the ledger lives when nobody says: the per-user state directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zuora_mcp.ledger import ENV, default_path, is_postgres, open_ledger, resolve_location

from .conftest import call


def test_the_default_ledger_is_a_file_in_the_users_state_directory() -> None:
    assert default_path({"XDG_STATE_HOME": "/state"}) == Path("/state/zuora-mcp/ledger.db")
    assert default_path({"HOME": "/home/ana"}) == Path("/home/ana/.local/state/zuora-mcp/ledger.db")


def test_an_explicit_location_beats_the_environment_which_beats_the_default() -> None:
    env = {ENV: "postgresql://ledger.internal/zuora", "HOME": "/home/ana"}
    assert resolve_location("/tmp/explicit.db", env) == "/tmp/explicit.db"
    assert is_postgres(resolve_location(None, env))
    assert resolve_location(None, {"HOME": "/home/ana"}).endswith(".local/state/zuora-mcp/ledger.db")


@pytest.mark.anyio
async def test_a_new_default_ledger_is_created_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    async with await open_ledger() as ledger:
        await ledger.record(call(), "previewed")
        assert ledger.location == str(tmp_path / "state" / "zuora-mcp" / "ledger.db")
    assert os.stat(ledger.location).st_mode & 0o077 == 0
    assert os.stat(os.path.dirname(ledger.location)).st_mode & 0o077 == 0


@pytest.mark.anyio
async def test_an_in_memory_ledger_works_for_tests_of_the_guard() -> None:
    async with await open_ledger(":memory:") as ledger:
        intent = await ledger.record_intent(call(), approval="auto")
        await ledger.record_outcome(intent, "executed")
        assert await ledger.verify() is None


@pytest.mark.anyio
async def test_a_sqlite_ledger_commits_durably_in_wal_mode(tmp_path: Path) -> None:
    async with await open_ledger(str(tmp_path / "ledger.db")) as ledger:
        connection = ledger._conn  # type: ignore[attr-defined]
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL: fsync on every commit


def test_the_ledger_is_core_and_imports_no_provider_nor_the_mcp_sdk_nor_the_http_client() -> None:
    probe = (
        "import sys, zuora_mcp.ledger, zuora_mcp.ledger.sqlite, zuora_mcp.ledger.postgres, zuora_mcp.ledger.export\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mcp', 'httpx2', 'httpx')"
        " or m.startswith('zuora_mcp.providers')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)  # noqa: S603
    assert done.stdout.strip() == "[]"
