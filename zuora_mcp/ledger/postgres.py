"""The PostgreSQL engine: one ledger shared by every replica of a fleet.

psycopg 3's async driver with a small pool (psycopg-pool), installed with the ``postgres`` extra.
Every append runs in one transaction that first locks the head row (``SELECT … FOR UPDATE``), so
appends from all replicas queue on it and the chain cannot fork; a claim is an
``INSERT … ON CONFLICT DO NOTHING`` on the nonce's primary key, so exactly one replica's insert lands.

The pool checks a connection before lending it, so after the server restarts the first write does
not fail on a dead socket; and it gives up reconnecting after a few seconds (then the next write
starts a fresh attempt) instead of backing off for minutes while writes fail closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from zuora_mcp.errors import ConfigError
from zuora_mcp.ledger import base
from zuora_mcp.ledger.base import LedgerBase, RowSpec
from zuora_mcp.ledger.chain import ChainWalker
from zuora_mcp.ledger.model import BrokenLink, Filters, Head, LedgerUnavailable, Record
from zuora_mcp.ledger.schema import LATEST, MIGRATIONS, VERSION_TABLE

if TYPE_CHECKING:
    from psycopg import AsyncConnection
    from psycopg_pool import AsyncConnectionPool

__all__ = ["PostgresLedger", "redact"]

# Any constant will do: it only has to be the same for every replica running migrations.
_MIGRATION_LOCK = 0x7A756F7261  # "zuora"


def redact(url: str) -> str:
    """The URL with its password masked, fit for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _sql(text: str) -> str:
    """Our SQL is written with ``?``; psycopg wants ``%s``."""
    return text.replace("?", "%s")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class PostgresLedger(LedgerBase):
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[Any]], location: str) -> None:
        super().__init__(location)
        self._pool = pool
        self._closed = False

    @classmethod
    async def open(cls, url: str, *, create: bool = True, wait_seconds: float = 5.0) -> PostgresLedger:
        """Connect, migrate, and open the pool.

        Raises:
            ConfigError: psycopg is not installed, the server cannot be reached, the schema is newer,
                or (``create=False``) the database holds no ledger yet.
        """
        try:
            import psycopg
            from psycopg_pool import AsyncConnectionPool
        except ImportError as exc:
            raise ConfigError(
                "ZUORA_MCP_LEDGER names a PostgreSQL ledger, but psycopg is not installed: "
                "pip install 'zuora-mcp[postgres]'"
            ) from exc
        shown = redact(url)
        # libpq's connect_timeout is whole seconds, at least 2.
        connect: dict[str, Any] = {"connect_timeout": max(2, round(wait_seconds)), "autocommit": True}
        try:
            async with await psycopg.AsyncConnection.connect(url, **connect) as conn:
                await _migrate(conn, shown, create)
        except psycopg.Error as exc:
            raise ConfigError(f"the write ledger at {shown} is unreachable: {_first_line(exc)}") from exc
        statement_timeout = f"SET statement_timeout = {int(wait_seconds * 2000)}"

        async def configure(conn: AsyncConnection[Any]) -> None:
            # A hung server or a stuck lock must end in LedgerUnavailable, not a write that waits for ever.
            await conn.execute(statement_timeout)

        pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=4,
            open=False,
            timeout=wait_seconds,
            reconnect_timeout=max(5.0, 2 * wait_seconds),
            kwargs=connect,
            configure=configure,
            check=AsyncConnectionPool.check_connection,
            name="zuora-mcp-ledger",
        )
        try:
            await pool.open(wait=True, timeout=wait_seconds + 5)
        except Exception as exc:
            await pool.close()
            raise ConfigError(f"the write ledger at {shown} is unreachable: {_first_line(exc)}") from exc
        return cls(pool, shown)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection[Any]]:
        import psycopg
        from psycopg_pool import PoolClosed, PoolTimeout

        if self._closed:
            raise LedgerUnavailable(f"the ledger {self.location} is closed")
        try:
            async with self._pool.connection() as conn, conn.transaction():
                yield conn
        except (psycopg.Error, PoolTimeout, PoolClosed, OSError) as exc:
            raise LedgerUnavailable(f"the ledger {self.location} cannot be written: {_first_line(exc)}") from exc

    async def _append(self, specs: Sequence[RowSpec]) -> None:
        async with self._transaction() as conn:
            cursor = await conn.execute(base.SELECT_HEAD + " FOR UPDATE")
            seq, hash_ = await _one(cursor)
            found = {
                name: await (await conn.execute(_sql(sql), params)).fetchall()
                for name, (sql, params) in base.lookups(specs).items()
            }
            rows = base.build_rows(specs, Head(seq, hash_), found)
            if rows:
                async with conn.cursor() as cur:
                    await cur.executemany(_sql(base.INSERT_RECORD), rows)
                await conn.execute(_sql(base.UPDATE_HEAD), (rows[-1][0], rows[-1][-1]))

    async def claim(self, nonce: str) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(_sql(base.CLAIM), (nonce, base.now()))
            return cursor.rowcount == 1

    async def unsettled(self, *, before: datetime | None = None) -> list[Record]:
        return await self._select(*base.unsettled_query(before))

    async def records(self, filters: Filters | None = None) -> list[Record]:
        return await self._select(*base.records_query(filters or Filters()))

    async def _select(self, sql: str, params: Sequence[Any]) -> list[Record]:
        async with self._transaction() as conn:
            rows = await (await conn.execute(_sql(sql), params)).fetchall()
        return [base.to_record(r) for r in rows]

    async def head(self) -> Head:
        async with self._transaction() as conn:
            return Head(*await _one(await conn.execute(base.SELECT_HEAD)))

    async def verify(self) -> BrokenLink | None:
        async with self._transaction() as conn:
            # REPEATABLE READ: the pages and the head come from one snapshot while replicas keep appending.
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            walker = ChainWalker()
            while True:
                cursor = await conn.execute(_sql(base.PAGE), (walker.seq, base.PAGE_SIZE))
                rows = [base.to_record(r).as_dict() for r in await cursor.fetchall()]
                if not all(walker.feed(row) for row in rows) or len(rows) < base.PAGE_SIZE:
                    break
            return walker.finish(Head(*await _one(await conn.execute(base.SELECT_HEAD))))

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._pool.close()


async def _one(cursor: Any) -> tuple[Any, ...]:
    row = await cursor.fetchone()
    if row is None:
        raise LedgerUnavailable("the ledger's head row is missing; the schema was changed by hand")
    return tuple(row)


async def _migrate(conn: AsyncConnection[Any], shown: str, create: bool) -> None:
    async with conn.transaction():
        # Replicas starting together queue here; the loser finds the migrations applied.
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        if not create:
            found = await _one(await conn.execute("SELECT to_regclass('ledger_records') IS NOT NULL"))
            if not found[0]:
                raise ConfigError(f"there is no ledger at {shown} (nothing has been recorded there yet)")
        await conn.execute(VERSION_TABLE)
        cursor = await conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        current = int((await _one(cursor))[0])
        if current > LATEST:
            raise ConfigError(
                f"the ledger at {shown} has schema version {current}, newer than this zuora-mcp knows ({LATEST}); "
                "upgrade zuora-mcp"
            )
        for version, statements in MIGRATIONS:
            if version > current:
                for statement in statements:
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (%s, %s)", (version, base.now())
                )
