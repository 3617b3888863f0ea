"""A ledger that loses its storage mid-run raises LedgerUnavailable, keeps the outcome it could not
write, and records it with the next append once the storage is back."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from zuora_mcp.errors import ConfigError
from zuora_mcp.ledger import LedgerUnavailable, open_ledger
from zuora_mcp.ledger.base import LedgerBase

from .conftest import Cluster, call, start_cluster

pytestmark = pytest.mark.anyio


@contextlib.contextmanager
def tiny_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A 1 MiB tmpfs (root only); None where this process cannot mount one."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0:
        yield None
        return
    mounted = subprocess.run(  # noqa: S603 - fixed arguments
        ["/bin/mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["/bin/umount", "-l", str(mount)], check=False)  # noqa: S603 - fixed arguments


def fill(directory: Path) -> Path:
    """Write a file until the disk says it is full; returns it (delete it to free the space)."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    finally:
        os.close(fd)
    return filler


async def test_a_full_disk_makes_record_intent_raise_unavailable_and_the_outcome_waits(tmp_path: Path) -> None:
    with tiny_disk(tmp_path) as disk:
        if disk is None:
            await _read_only_file(tmp_path)
            return
        ledger = await open_ledger(str(disk / "ledger.db"))
        try:
            intent = await ledger.record_intent(call(), approval="auto")
            filler = fill(disk)
            with pytest.raises(LedgerUnavailable, match="full"):
                await ledger.record_intent(call(arguments="next"), approval="auto")
            with pytest.raises(LedgerUnavailable):
                await ledger.record_outcome(intent, "executed", request_id="r-1")
            assert ledger.behind == 1
            filler.unlink()
            await _the_backlog_is_written_first(ledger, intent)
        finally:
            await ledger.close()


async def _read_only_file(tmp_path: Path) -> None:
    """Without root (no tmpfs), a ledger file made read-only stands in for a full disk."""
    path = tmp_path / "ledger.db"
    ledger = await open_ledger(str(path))
    _read_only(tmp_path, True)
    try:
        with pytest.raises(LedgerUnavailable):
            await ledger.record_intent(call(), approval="auto")
    finally:
        _read_only(tmp_path, False)
        await ledger.close()


def _read_only(directory: Path, yes: bool) -> None:
    for file in directory.glob("ledger.db*"):
        file.chmod(0o400 if yes else 0o600)
    directory.chmod(0o500 if yes else 0o700)


async def _the_backlog_is_written_first(ledger: LedgerBase, intent: str) -> None:
    later = await ledger.record(call(arguments="later"), "previewed")
    assert ledger.behind == 0
    records = await ledger.records()
    assert [(r.decision, r.intent_id) for r in records[-2:]] == [("executed", intent), ("previewed", None)]
    assert records[-1].id == later
    assert await ledger.unsettled() == []
    assert await ledger.verify() is None


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A cluster of its own: this test stops it, and other tests must not notice."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.run("stop")


async def test_postgresql_stopped_mid_run_makes_writes_unavailable_and_they_resume_after_restart(
    own_cluster: Cluster,
) -> None:
    ledger = await open_ledger(own_cluster.url, wait_seconds=1.0)
    try:
        intent = await ledger.record_intent(call(), approval="token", idempotency_key="nonce-1")
        await anyio.to_thread.run_sync(own_cluster.run, "halt")
        with anyio.fail_after(15):
            with pytest.raises(LedgerUnavailable):
                await ledger.record_intent(call(arguments="during the outage"), approval="auto")
            with pytest.raises(LedgerUnavailable):
                await ledger.claim("nonce-2")
            with pytest.raises(LedgerUnavailable):
                await ledger.record_outcome(intent, "executed", request_id="r-1")
        assert ledger.behind == 1
        await anyio.to_thread.run_sync(own_cluster.run, "resume")
        with anyio.fail_after(30):
            while True:
                try:
                    await _the_backlog_is_written_first(ledger, intent)
                    break
                except LedgerUnavailable:
                    await anyio.sleep(0.1)  # the pool reconnects in the background
        assert await ledger.claim("nonce-2") is True
    finally:
        await ledger.close()


async def test_an_unreachable_postgresql_at_start_is_one_config_error_without_the_password() -> None:
    with pytest.raises(ConfigError, match=r"unreachable") as raised:
        await open_ledger("postgresql://zuora:hunter2@127.0.0.1:1/zuora_mcp", wait_seconds=1.0)
    assert "hunter2" not in str(raised.value)
    assert "\n" not in str(raised.value)


async def test_a_sqlite_ledger_that_cannot_be_created_is_one_config_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(ConfigError, match="cannot be created"):
        await open_ledger(str(tmp_path / "a-file" / "ledger.db"))
    with pytest.raises(ConfigError, match="no ledger at"):
        await open_ledger(str(tmp_path / "absent.db"), create=False)


KILLED_WRITER = """
import sys, anyio, hashlib
from zuora_mcp.ledger import Call, open_ledger

async def main():
    ledger = await open_ledger(sys.argv[1])
    call = Call("reverse_invoice", "zuora", "sandbox", hashlib.sha256(b"x").hexdigest())
    print(await ledger.record_intent(call, approval="auto", idempotency_key="k-1"), flush=True)
    await anyio.sleep_forever()  # "sending": killed here, before any outcome

anyio.run(main)
"""


async def test_a_process_killed_between_intent_and_outcome_leaves_a_durable_unsettled_intent(location: str) -> None:
    process = await anyio.open_process([sys.executable, "-c", KILLED_WRITER, location])
    try:
        with anyio.fail_after(30):
            assert process.stdout is not None
            line = b""
            while not line.endswith(b"\n"):
                line += await process.stdout.receive()
    finally:
        process.kill()
        await process.wait()
    intent = line.decode().strip()
    async with await open_ledger(location) as ledger:
        [open_] = await ledger.unsettled()
        assert (open_.id, open_.idempotency_key) == (intent, "k-1")
        assert await ledger.verify() is None
        await ledger.settle(intent, "executed", "read the invoice after the crash: it was reversed")
        assert await ledger.unsettled() == []
