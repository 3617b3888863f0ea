"""``zuora-mcp reconcile`` through ``zuora_mcp.cli.main``, against the Zuora sandbox and a SQLite ledger."""

from __future__ import annotations

import anyio
import anyio.to_thread
import pytest

from tests.reconcile.conftest import plan, tenant, zuora_environ
from zuora_mcp.cli import main
from zuora_mcp.ledger import Filters, open_ledger
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def pointed_at(zuora: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's settings come from the environment, as an operator's would: the sandbox tenant."""
    for name in ("ZUORA_MCP_LEDGER", "ZUORA_MCP_CONFIG", "ZUORA_MCP_PROVIDER", "ZUORA_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in zuora_environ(zuora).items():
        monkeypatch.setenv(name, value)


async def reconcile_command(*args: str) -> int:
    # The command runs its own event loop; the sandbox answers from this one meanwhile.
    with anyio.fail_after(60):
        return await anyio.to_thread.run_sync(main, ["reconcile", *args])


async def test_the_command_settles_what_reads_show_prints_a_table_and_exits_0(
    zuora: RunningSandbox, sqlite_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with tenant(zuora, sqlite_location) as t:
        await t.crashed_write(
            "delete_invoice",
            "invoiceKey=INV00000003",
            plan("DELETE", "/v1/invoices/{invoiceKey}", {"invoiceKey": "INV00000003"}),
        )
        await t.record_intent("delete_invoice", "invoiceKey=INV00000009")

    code = await reconcile_command("--ledger", sqlite_location, "--quiet-period", "0")

    out = capsys.readouterr().out
    assert code == 0, out
    assert "executed (recorded)" in out
    assert "failed (recorded)" in out
    assert "2 settled by a read and recorded, 0 need a person" in out
    assert zuora.client_secret not in out
    async with await open_ledger(sqlite_location, create=False) as ledger:
        assert await ledger.unsettled() == []
        assert len(await ledger.records(Filters(kind="settlement"))) == 2


async def test_a_write_no_read_settles_is_listed_with_the_read_to_make_and_the_command_exits_1(
    zuora: RunningSandbox, sqlite_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with tenant(zuora, sqlite_location) as t:
        await t.record_intent("email_invoice", "invoiceKey=INV00000001")

    code = await reconcile_command("--ledger", sqlite_location)

    out = capsys.readouterr().out
    assert code == 1
    assert "needs a person" in out
    assert "read: get_invoice(invoiceKey='INV00000001')" in out


async def test_a_dry_run_records_nothing_and_a_young_write_is_not_called_failed(
    zuora: RunningSandbox, sqlite_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with tenant(zuora, sqlite_location) as t:
        await t.record_intent("delete_invoice", "invoiceKey=INV00000009")

    young = await reconcile_command("--ledger", sqlite_location)
    assert young == 1
    assert "could still land" in capsys.readouterr().out

    dry = await reconcile_command("--ledger", sqlite_location, "--quiet-period", "0", "--dry-run")
    out = capsys.readouterr().out
    assert dry == 0
    assert "would be recorded (dry run)" in out
    async with await open_ledger(sqlite_location, create=False) as ledger:
        assert len(await ledger.unsettled()) == 1


async def test_nothing_to_settle_exits_0_and_a_missing_ledger_is_one_line_and_exit_2(
    zuora: RunningSandbox, sqlite_location: str, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    async with tenant(zuora, sqlite_location):
        pass

    assert await reconcile_command("--ledger", sqlite_location) == 0
    assert "No unsettled writes" in capsys.readouterr().out

    missing = sqlite_location + ".typo"
    assert await reconcile_command("--ledger", missing) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("zuora-mcp: ")
