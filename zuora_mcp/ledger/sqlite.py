"""The SQLite engine: the embedded default, one file on this machine.

The standard library's sqlite3 runs in a worker thread (``anyio.to_thread``) behind a limiter of
one, so the event loop never waits on the disk and the one connection is never used by two threads
at once. WAL with ``synchronous=FULL``: a commit has reached the disk before ``record_intent``
returns, which is the whole point of writing the intent ahead of the send. ``BEGIN IMMEDIATE``
takes the write lock before reading the head, so two processes sharing the file cannot fork the chain.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import anyio
import anyio.to_thread

from zuora_mcp.errors import ConfigError
from zuora_mcp.ledger import base
from zuora_mcp.ledger.base import LedgerBase, RowSpec
from zuora_mcp.ledger.chain import ChainWalker
from zuora_mcp.ledger.model import BrokenLink, Filters, Head, LedgerUnavailable, Record
from zuora_mcp.ledger.schema import LATEST, MIGRATIONS, VERSION_TABLE

__all__ = ["SQLiteLedger"]

T = TypeVar("T")


class SQLiteLedger(LedgerBase):
    def __init__(self, connection: sqlite3.Connection, location: str) -> None:
        super().__init__(location)
        self._conn: sqlite3.Connection | None = connection
        self._limiter = anyio.CapacityLimiter(1)

    @classmethod
    async def open(cls, path: str, *, create: bool = True, wait_seconds: float = 5.0) -> SQLiteLedger:
        """Open (and on first use create and migrate) the ledger file.

        Raises:
            ConfigError: the file cannot be created or opened, or its schema is newer than this code.
        """
        return await anyio.to_thread.run_sync(_open, path, create, wait_seconds)

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            if self._conn is None:
                raise LedgerUnavailable(f"the ledger {self.location} is closed")
            with _unavailable(self.location):
                return work(self._conn)

        return await anyio.to_thread.run_sync(call, limiter=self._limiter)

    async def _append(self, specs: Sequence[RowSpec]) -> None:
        def append(conn: sqlite3.Connection) -> None:
            with _immediate(conn):
                seq, hash_ = conn.execute(base.SELECT_HEAD).fetchone()
                found = {
                    name: conn.execute(sql, params).fetchall() for name, (sql, params) in base.lookups(specs).items()
                }
                rows = base.build_rows(specs, Head(seq, hash_), found)
                if rows:
                    conn.executemany(base.INSERT_RECORD, rows)
                    conn.execute(base.UPDATE_HEAD, (rows[-1][0], rows[-1][-1]))

        await self._run(append)

    async def claim(self, nonce: str) -> bool:
        def claim(conn: sqlite3.Connection) -> bool:
            with _immediate(conn):
                return conn.execute(base.CLAIM, (nonce, base.now())).rowcount == 1

        return await self._run(claim)

    async def unsettled(self, *, before: datetime | None = None) -> list[Record]:
        sql, params = base.unsettled_query(before)
        return await self._run(lambda conn: [base.to_record(r) for r in conn.execute(sql, params)])

    async def records(self, filters: Filters | None = None) -> list[Record]:
        sql, params = base.records_query(filters or Filters())
        return await self._run(lambda conn: [base.to_record(r) for r in conn.execute(sql, params)])

    async def head(self) -> Head:
        return await self._run(lambda conn: Head(*conn.execute(base.SELECT_HEAD).fetchone()))

    async def verify(self) -> BrokenLink | None:
        def verify(conn: sqlite3.Connection) -> BrokenLink | None:
            # One read transaction: the rows and the head are one consistent snapshot under WAL.
            conn.execute("BEGIN")
            try:
                walker = ChainWalker()
                while True:
                    page = conn.execute(base.PAGE, (walker.seq, base.PAGE_SIZE)).fetchall()
                    rows = [base.to_record(r).as_dict() for r in page]
                    if not all(walker.feed(row) for row in rows) or len(rows) < base.PAGE_SIZE:
                        break
                return walker.finish(Head(*conn.execute(base.SELECT_HEAD).fetchone()))
            finally:
                conn.execute("COMMIT")

        return await self._run(verify)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await anyio.to_thread.run_sync(conn.close, limiter=self._limiter)


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (disk full) may already have rolled back; nothing more to undo then.
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


@contextmanager
def _unavailable(location: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise LedgerUnavailable(f"the ledger {location} cannot be written: {exc}") from exc


def _open(path: str, create: bool, timeout: float) -> SQLiteLedger:
    memory = path == ":memory:"
    if not memory:
        file = Path(path).expanduser()
        if not file.exists():
            if not create:
                raise ConfigError(f"there is no ledger at {file} (nothing has been recorded there yet)")
            try:
                file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                # Owner-only from the first byte; SQLite gives the -wal and -shm files the same mode.
                os.close(os.open(file, os.O_WRONLY | os.O_CREAT, 0o600))
            except OSError as exc:
                raise ConfigError(f"the ledger {file} cannot be created: {exc.strerror or exc}") from exc
        path = str(file)
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise ConfigError(f"the ledger {path} cannot be opened: {exc}") from exc
    try:
        _wal(conn, timeout)
        conn.execute("PRAGMA synchronous=FULL")
        _migrate(conn, path)
    except sqlite3.Error as exc:
        conn.close()
        raise ConfigError(f"the ledger {path} cannot be used: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return SQLiteLedger(conn, path)


def _wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch a new file to WAL (it stays so). SQLite does not wait on a lock for this switch, so two
    processes creating the ledger together would see "database is locked"; retry until ``timeout``.
    (``:memory:`` answers "memory" and stays so; commits there are not durable, which tests accept.)"""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)  # a worker thread, never the event loop


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    with _immediate(conn):
        conn.execute(VERSION_TABLE)
        current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
        if current > LATEST:
            raise ConfigError(
                f"the ledger {path} has schema version {current}, newer than this zuora-mcp knows ({LATEST}); "
                "upgrade zuora-mcp"
            )
        for version, statements in MIGRATIONS:
            if version > current:
                for statement in statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (version, base.now()))
