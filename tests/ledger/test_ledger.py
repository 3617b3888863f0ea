"""The ledger's behaviour, the same on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest

from zuora_mcp.confirmation import arguments_hash
from zuora_mcp.errors import ConfigError
from zuora_mcp.ledger import Call, Filters, LedgerError, LedgerUnavailable, is_postgres, open_ledger
from zuora_mcp.ledger.base import RowSpec

from .conftest import call, execute

pytestmark = pytest.mark.anyio


async def test_an_intent_is_committed_before_the_send_and_its_outcome_is_a_new_linked_row(location: str) -> None:
    async with await open_ledger(location) as ledger:
        intent = await ledger.record_intent(
            call(), approval="token", principal="token 3f2a…", idempotency_key="nonce-1", natural_key="INV00000001"
        )
        # Another connection (another replica) sees the intent before any outcome exists: it is committed.
        async with await open_ledger(location) as other:
            [seen] = await other.records()
            assert (seen.kind, seen.decision, seen.approval, seen.idempotency_key) == (
                "intent",
                "intent",
                "token",
                "nonce-1",
            )
        outcome = await ledger.record_outcome(intent, "executed", request_id="req-1", track_id="track-1")
        first, second = await ledger.records()
    assert (first.id, second.id) == (intent, outcome)
    assert (second.kind, second.decision, second.intent_id, second.request_id) == (
        "outcome",
        "executed",
        intent,
        "req-1",
    )
    # The outcome row reads on its own: it carries its intent's tool, environment and keys.
    assert (second.tool, second.environment, second.natural_key) == (first.tool, first.environment, "INV00000001")
    assert first.hash == second.prev_hash


async def test_previews_refusals_and_declines_are_recorded_without_an_intent(location: str) -> None:
    async with await open_ledger(location) as ledger:
        for decision in ("previewed", "refused", "declined"):
            await ledger.record(call(), decision, f"{decision} in a test")
        records = await ledger.records()
        assert [(r.kind, r.decision) for r in records] == [
            ("event", "previewed"),
            ("event", "refused"),
            ("event", "declined"),
        ]
        assert await ledger.unsettled() == []


async def test_unsettled_lists_intents_without_a_final_outcome_until_they_are_settled(location: str) -> None:
    async with await open_ledger(location) as ledger:
        open_ = await ledger.record_intent(call(arguments="a"), approval="auto")
        unknown = await ledger.record_intent(call(arguments="b"), approval="token")
        await ledger.record_outcome(unknown, "outcome_unknown", detail="timed out after the send")
        done = await ledger.record_intent(call(arguments="c"), approval="elicitation")
        await ledger.record_outcome(done, "executed", request_id="r")
        refused = await ledger.record_intent(call(arguments="d"), approval="auto")
        await ledger.record_outcome(refused, "failed", detail="HTTP 400")

        assert [r.id for r in await ledger.unsettled()] == [open_, unknown]
        assert await ledger.unsettled(before=datetime.now(UTC) - timedelta(hours=1)) == []

        settlement = await ledger.settle(unknown, "executed", "read the invoice: it is reversed")
        assert [r.id for r in await ledger.unsettled()] == [open_]
        [row] = await ledger.records(Filters(kind="settlement"))
        assert (row.id, row.intent_id, row.decision, row.detail) == (
            settlement,
            unknown,
            "executed",
            "read the invoice: it is reversed",
        )
        with pytest.raises(LedgerError, match="already settled"):
            await ledger.settle(unknown, "failed", "a second opinion")
        with pytest.raises(LedgerError, match="no intent"):
            await ledger.settle("not-an-intent", "failed", "guess")
        assert await ledger.verify() is None


async def test_a_nonce_is_claimed_once_among_eight_concurrent_claims_from_two_instances(location: str) -> None:
    async with await open_ledger(location) as first, await open_ledger(location) as second:
        wins: list[bool] = []

        async def claim(ledger: object) -> None:
            wins.append(await ledger.claim("nonce-shared"))  # type: ignore[attr-defined]

        with anyio.fail_after(20):
            async with anyio.create_task_group() as group:
                for i in range(8):
                    group.start_soon(claim, first if i % 2 else second)
        assert sorted(wins) == [False] * 7 + [True]
        assert await first.claim("another-nonce") is True


async def test_two_instances_appending_at_once_keep_one_chain_without_a_fork(location: str) -> None:
    async with await open_ledger(location) as first, await open_ledger(location) as second:
        with anyio.fail_after(30):
            async with anyio.create_task_group() as group:
                for i in range(20):
                    group.start_soon((first if i % 2 else second).record, call(arguments=str(i)), "previewed")
        assert await first.verify() is None
        assert [r.seq for r in await second.records()] == list(range(1, 21))
        assert (await first.head()).seq == 20


async def test_verify_passes_on_an_intact_chain_and_names_an_edited_record(location: str) -> None:
    async with await open_ledger(location) as ledger:
        intent = await ledger.record_intent(call(), approval="token")
        await ledger.record_outcome(intent, "executed", request_id="r-1")
        await ledger.record(call(), "previewed")
        assert await ledger.verify() is None
        execute(location, "UPDATE ledger_records SET request_id = 'r-forged' WHERE seq = 2")
        broken = await ledger.verify()
    assert broken is not None
    assert (broken.seq, broken.record_id) == (2, await _id(location, 2))
    assert "does not match its hash" in broken.reason


async def test_verify_names_the_record_after_a_deleted_one(location: str) -> None:
    async with await open_ledger(location) as ledger:
        for i in range(4):
            await ledger.record(call(arguments=str(i)), "refused", "over the limit")
        execute(location, "DELETE FROM ledger_records WHERE seq = 2")
        broken = await ledger.verify()
    assert broken is not None
    assert broken.seq == 3
    assert "#2 is missing" in broken.reason


async def test_verify_notices_two_records_swapped(location: str) -> None:
    async with await open_ledger(location) as ledger:
        for i in range(4):
            await ledger.record(call(arguments=str(i)), "previewed")
        for old, new in ((2, -2), (3, 2), (-2, 3)):
            execute(location, "UPDATE ledger_records SET seq = ? WHERE seq = ?", (new, old))
        broken = await ledger.verify()
    assert broken is not None
    assert broken.seq == 2


async def test_verify_notices_records_cut_from_the_end(location: str) -> None:
    async with await open_ledger(location) as ledger:
        for i in range(3):
            await ledger.record(call(arguments=str(i)), "previewed")
        execute(location, "DELETE FROM ledger_records WHERE seq = 3")
        broken = await ledger.verify()
    assert broken is not None
    assert "head says #3" in broken.reason


async def test_a_secret_passed_in_the_arguments_never_reaches_the_database(location: str) -> None:
    secret = "sk_live_5ecret-DO-NOT-STORE"
    arguments = {"invoiceKey": "INV00000001", "comment": secret}
    with pytest.raises(ValueError, match="SHA-256"):
        Call("reverse_invoice", "zuora", "sandbox", arguments_hash=str(arguments))
    async with await open_ledger(location) as ledger:
        subject = Call("reverse_invoice", "zuora", "sandbox", arguments_hash(arguments))
        intent = await ledger.record_intent(subject, approval="token", idempotency_key="k")
        await ledger.record_outcome(intent, "executed", request_id="r")
        await ledger.record(subject, "previewed", "dry run")
    if is_postgres(location):
        tables = ("ledger_records", "ledger_claims", "ledger_head")
        rows = [execute(location, f"SELECT t::text FROM {table} AS t") for table in tables]  # noqa: S608
        stored = repr(rows).encode()
    else:
        # The database file with its -wal and -shm companions: everything SQLite wrote.
        stored = b"".join(path.read_bytes() for path in Path(location).parent.glob(Path(location).name + "*"))
    assert stored
    assert secret.encode() not in stored
    assert b"INV00000001" not in stored  # no argument at all, only their hash


async def test_records_are_filtered_by_tool_decision_time_and_count(location: str) -> None:
    async with await open_ledger(location) as ledger:
        await ledger.record(call("reverse_invoice"), "previewed")
        intent = await ledger.record_intent(call("write_off_debit_memo"), approval="auto")
        await ledger.record_outcome(intent, "failed", detail="HTTP 400")
        await ledger.record(call("reverse_invoice"), "refused")
        assert [r.seq for r in await ledger.records(Filters(tool="reverse_invoice"))] == [1, 4]
        assert [r.seq for r in await ledger.records(Filters(decision="failed"))] == [3]
        assert [r.seq for r in await ledger.records(Filters(limit=2))] == [3, 4]
        assert await ledger.records(Filters(since=datetime.now(UTC) + timedelta(minutes=1))) == []
        assert [r.seq for r in await ledger.records(Filters(intent_id=intent))] == [3]


async def test_an_outcome_for_an_unknown_intent_is_refused_and_not_kept_for_later(location: str) -> None:
    async with await open_ledger(location) as ledger:
        with pytest.raises(LedgerError, match="no intent"):
            await ledger.record_outcome("missing", "executed")
        assert ledger.behind == 0
        assert await ledger.records() == []


async def test_migrations_run_once_even_when_two_instances_open_a_new_ledger_together(location: str) -> None:
    opened = []

    async def open_one() -> None:
        opened.append(await open_ledger(location))

    with anyio.fail_after(20):
        async with anyio.create_task_group() as group:
            group.start_soon(open_one)
            group.start_soon(open_one)
    for ledger in opened:
        await ledger.close()
    assert execute(location, "SELECT version FROM schema_version") == [(1,)]


async def test_a_ledger_with_a_newer_schema_is_refused_in_one_message(location: str) -> None:
    await (await open_ledger(location)).close()
    execute(location, "INSERT INTO schema_version (version, applied_at) VALUES (99, 'later')")
    with pytest.raises(ConfigError, match="schema version 99, newer"):
        await open_ledger(location)


async def test_a_closed_ledger_refuses_writes_as_unavailable(location: str) -> None:
    ledger = await open_ledger(location)
    await ledger.close()
    with pytest.raises(LedgerUnavailable, match="closed"):
        await ledger.record_intent(call(), approval="auto")


async def _id(location: str, seq: int) -> str:
    return str(execute(location, "SELECT id FROM ledger_records WHERE seq = ?", (seq,))[0][0])


async def test_an_outcome_committed_before_its_answer_was_lost_is_not_written_twice(location: str) -> None:
    async with await open_ledger(location) as ledger:
        intent = await ledger.record_intent(call(), approval="auto")
        # As when the connection drops after COMMIT: the row is stored, yet the caller kept it to retry.
        spec = RowSpec({"kind": "outcome", "decision": "executed", "detail": ""}, intent_id=intent)
        await ledger._append([spec])
        ledger._backlog.append(spec)
        await ledger.record(call(), "previewed")
        assert ledger.behind == 0
        assert [r.decision for r in await ledger.records()] == ["intent", "executed", "previewed"]
        assert await ledger.verify() is None
