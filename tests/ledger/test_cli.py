"""``zuora-mcp audit verify|show|export`` through the real command line, on both engines."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest

from zuora_mcp.cli import main
from zuora_mcp.commands.audit import parse_since
from zuora_mcp.ledger import ENV, open_ledger, verify_rows
from zuora_mcp.ledger.export import read_export

from .conftest import call, execute


def populate(location: str) -> str:
    """Three records: a preview, an intent and its outcome; returns the intent id."""

    async def write() -> str:
        async with await open_ledger(location) as ledger:
            await ledger.record(call("reverse_invoice"), "previewed", "dry run")
            intent = await ledger.record_intent(call("write_off_debit_memo"), approval="token")
            await ledger.record_outcome(intent, "executed", request_id="req-42")
            return intent

    return anyio.run(write)


def test_audit_verify_says_intact_then_names_the_first_edited_record(
    location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(location)
    assert main(["audit", "verify", "--ledger", location]) == 0
    assert "intact: 3 records" in capsys.readouterr().out
    execute(location, "UPDATE ledger_records SET tool = 'cancel_invoice' WHERE seq = 2")
    assert main(["audit", "verify", "--ledger", location]) == 1
    assert "broken at record #2" in capsys.readouterr().err


def test_audit_show_prints_a_table_filtered_by_tool_and_decision(
    location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(location)
    assert main(["audit", "show", "--ledger", location]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:4] == ["#", "time", "(UTC)", "decision"]
    assert len(table) == 2 + 3
    assert main(["audit", "show", "--ledger", location, "--decision", "executed"]) == 0
    [row] = capsys.readouterr().out.splitlines()[2:]
    assert "write_off_debit_memo" in row
    assert "req-42" in row
    assert main(["audit", "show", "--ledger", location, "--tool", "reverse_invoice", "--since", "1h"]) == 0
    [row] = capsys.readouterr().out.splitlines()[2:]
    assert "previewed" in row
    assert main(["audit", "show", "--ledger", location, "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out.strip() == "No records match."


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_audit_export_round_trips_and_the_file_verifies_on_its_own(
    location: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    intent = populate(location)
    output = tmp_path / f"ledger.{fmt}"
    assert main(["audit", "export", "--ledger", location, "--format", fmt, "--output", str(output)]) == 0
    assert "Wrote 3 records" in capsys.readouterr().err
    assert output.stat().st_mode & 0o077 == 0
    with output.open(newline="") as source:
        rows = read_export(source, fmt)  # type: ignore[arg-type]
    assert [(row["seq"], row["decision"]) for row in rows] == [(1, "previewed"), (2, "intent"), (3, "executed")]
    assert rows[2]["intent_id"] == intent
    assert verify_rows(rows) is None
    # The stored records and the exported ones are the same, field by field (CSV writes None as "").
    stored = anyio.run(_stored, location)
    assert [{k: ("" if v is None else v) for k, v in r.items()} for r in stored] == [
        {k: ("" if v is None else v) for k, v in r.items()} for r in rows
    ]
    rows[1]["request_id"] = "forged"
    broken = verify_rows(rows)
    assert broken is not None
    assert broken.seq == 2


def test_audit_export_writes_json_lines_to_standard_output_by_default(
    location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(location)
    assert main(["audit", "export", "--ledger", location]) == 0
    rows = read_export(io.StringIO(capsys.readouterr().out), "jsonl")
    assert [json.dumps(row["tool"]) for row in rows] == ['"reverse_invoice"'] + ['"write_off_debit_memo"'] * 2


def test_audit_never_creates_a_ledger_where_there_is_none(location: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "show", "--ledger", location]) == 2
    assert "there is no ledger at" in capsys.readouterr().err
    assert main(["audit", "show", "--ledger", location]) == 2  # and the first attempt left nothing behind


def test_audit_reads_the_ledger_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    location = str(tmp_path / "from-env.db")
    populate(location)
    monkeypatch.setenv(ENV, location)
    assert main(["audit", "verify"]) == 0
    assert location in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["audit", "show", "--ledger", "{tmp}/absent.db"], "no ledger at"),
        (["audit", "show", "--ledger", "{tmp}/x.db", "--since", "last tuesday"], "--since 'last tuesday'"),
        (["audit", "export", "--ledger", "{tmp}/x.db", "--output", "{tmp}/no/such/dir/out.csv"], "cannot write"),
        (["audit"], "say what to do"),
        (["audit", "verify", "--ledger", "postgresql://u:pw-secret@127.0.0.1:1/db"], "unreachable"),
    ],
)
def test_audit_configuration_errors_are_one_line_and_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(str(tmp_path / "x.db"))
    assert main([arg.replace("{tmp}", str(tmp_path)) for arg in argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert "pw-secret" not in err


def test_since_takes_an_age_or_an_iso_time_in_utc() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert parse_since("90m", now) == datetime(2026, 11, 30, 10, 30, tzinfo=UTC)
    assert parse_since("2d", now) == datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert parse_since("2026-11-01") == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since(None) is None


async def _stored(location: str) -> list[dict[str, object]]:
    async with await open_ledger(location) as ledger:
        return [record.as_dict() for record in await ledger.records()]
