"""The write ledger: every write's intent before it is sent, its outcome after, in a hash chain.

Core, shared by every provider: nothing here imports a provider, the MCP SDK or the HTTP client.
Open one with :func:`open_ledger`; the guard talks to it through :class:`Ledger` only.

Where it lives (first that is set):
    ``open_ledger(location)``             an explicit path or URL (the CLI's ``--ledger``)
    ``ZUORA_MCP_LEDGER``                  ``/path/ledger.db`` (SQLite) or ``postgresql://…`` (PostgreSQL)
    ``$XDG_STATE_HOME/zuora-mcp/ledger.db``, else ``~/.local/state/zuora-mcp/ledger.db``
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from zuora_mcp.ledger.base import LedgerBase
from zuora_mcp.ledger.chain import verify_rows
from zuora_mcp.ledger.model import (
    Approval,
    BrokenLink,
    Call,
    EventDecision,
    Filters,
    Head,
    Ledger,
    LedgerError,
    LedgerUnavailable,
    Outcome,
    Record,
    Settled,
)

__all__ = [
    "ENV",
    "Approval",
    "BrokenLink",
    "Call",
    "EventDecision",
    "Filters",
    "Head",
    "Ledger",
    "LedgerBase",
    "LedgerError",
    "LedgerUnavailable",
    "Outcome",
    "Record",
    "Settled",
    "default_path",
    "is_postgres",
    "open_ledger",
    "resolve_location",
    "verify_rows",
]

ENV = "ZUORA_MCP_LEDGER"

if TYPE_CHECKING:

    def _conforms(ledger: LedgerBase) -> Ledger:
        return ledger  # mypy proves here that every engine is the interface the guard types against


_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """The per-user state file: ``$XDG_STATE_HOME/zuora-mcp/ledger.db`` or ``~/.local/state/…``."""
    env = os.environ if environ is None else environ
    state = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local" / "state")
    return Path(state) / "zuora-mcp" / "ledger.db"


def resolve_location(location: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return location or env.get(ENV) or str(default_path(env))


def is_postgres(location: str) -> bool:
    return location.startswith(_POSTGRES_SCHEMES)


async def open_ledger(
    location: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    create: bool = True,
    wait_seconds: float = 5.0,
) -> LedgerBase:
    """Open the ledger, creating its schema on first use.

    ``create=False`` refuses to start a new ledger (the audit commands: reading a ledger that
    does not exist is a typo, not an empty ledger). ``wait_seconds`` bounds every wait on the storage,
    so a lost ledger ends in :class:`LedgerUnavailable` rather than a hung write.

    Raises:
        ConfigError: one line saying which ledger could not be opened and why.
    """
    where = resolve_location(location, environ)
    if is_postgres(where):
        from zuora_mcp.ledger.postgres import PostgresLedger

        return await PostgresLedger.open(where, create=create, wait_seconds=wait_seconds)
    from zuora_mcp.ledger.sqlite import SQLiteLedger

    return await SQLiteLedger.open(where.removeprefix("sqlite://"), create=create, wait_seconds=wait_seconds)
