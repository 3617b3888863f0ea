"""The ledger's schema as numbered migrations, in SQL both SQLite and PostgreSQL run unchanged.

A migration is applied once, inside the same locked transaction that reads ``schema_version``, so
two replicas starting together cannot both apply it. Append a new numbered entry to change the
schema; never edit one that has shipped (a ledger in the field already ran it).

Why these tables:
- ``ledger_records``: the chain. Append-only: no UPDATE or DELETE touches it, outcomes are new rows
  pointing at their intent. ``seq`` is assigned by the appender under the head lock (not by a
  sequence, whose gaps after a rollback would look like a deleted record).
- ``ledger_head``: one row, the chain's last seq and hash. Appenders lock it (``BEGIN IMMEDIATE`` on
  SQLite, ``SELECT … FOR UPDATE`` on PostgreSQL) so two replicas cannot fork the chain, and
  ``verify`` compares it with the last record, which catches records cut off the end.
- ``ledger_claims``: used confirmation nonces. A primary key, so a second claim on any replica
  inserts nothing (``ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

from zuora_mcp.ledger.model import GENESIS

__all__ = ["LATEST", "MIGRATIONS", "VERSION_TABLE"]

VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """CREATE TABLE ledger_records (
                seq BIGINT PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                time TEXT NOT NULL,
                kind TEXT NOT NULL,
                decision TEXT NOT NULL,
                tool TEXT NOT NULL,
                provider TEXT NOT NULL,
                environment TEXT NOT NULL,
                arguments_hash TEXT NOT NULL,
                approval TEXT,
                principal TEXT,
                idempotency_key TEXT,
                natural_key TEXT,
                request_id TEXT,
                track_id TEXT,
                operation TEXT,
                intent_id TEXT,
                detail TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            )""",
            "CREATE INDEX ledger_records_intent ON ledger_records (intent_id)",
            "CREATE INDEX ledger_records_kind ON ledger_records (kind, seq)",
            "CREATE INDEX ledger_records_tool ON ledger_records (tool, seq)",
            "CREATE TABLE ledger_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
            f"INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '{GENESIS}')",  # noqa: S608 - a constant
            "CREATE TABLE ledger_claims (nonce TEXT PRIMARY KEY, claimed_at TEXT NOT NULL)",
        ),
    ),
)

LATEST = MIGRATIONS[-1][0]
