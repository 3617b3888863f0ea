"""Fixtures for the ledger tests: every behaviour runs on SQLite and on a real PostgreSQL server.

PostgreSQL comes from ``ZUORA_MCP_TEST_POSTGRES`` when set (CI may start one cluster for the whole
run), else from ``scripts/postgres.sh start``, once per session. It is skipped only outside CI on a
machine that has no PostgreSQL and cannot install it; in CI that is a failure, never a quiet skip.
Each test gets its own schema (``search_path`` in the URL), so tests never see each other's rows.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from zuora_mcp.ledger import Call, is_postgres

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "postgres.sh"
BASH = shutil.which("bash") or "/bin/bash"
CANNOT_INSTALL = 3  # scripts/postgres.sh's exit code when PostgreSQL is missing and cannot be installed


@dataclass(frozen=True)
class Cluster:
    url: str
    directory: str

    def run(self, action: str) -> None:
        """``halt``, ``resume`` or ``stop`` this cluster through the script."""
        subprocess.run(  # noqa: S603 - our own script
            [BASH, str(SCRIPT), action, self.directory], check=True, capture_output=True, timeout=120
        )


def start_cluster() -> Cluster:
    """A new throwaway cluster; skips or fails (in CI) when PostgreSQL cannot be had."""
    try:
        done = subprocess.run(  # noqa: S603 - our own script
            [BASH, str(SCRIPT), "start"], capture_output=True, text=True, timeout=900
        )
    except subprocess.TimeoutExpired:
        pytest.fail("scripts/postgres.sh start did not finish in 15 minutes")
    if done.returncode == CANNOT_INSTALL and not os.environ.get("CI"):
        pytest.skip(f"PostgreSQL is not installed and cannot be installed here: {done.stderr.strip()}")
    if done.returncode != 0:
        pytest.fail(f"scripts/postgres.sh start failed ({done.returncode}): {done.stderr.strip()}")
    values = dict(shlex.split(line)[0].split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return Cluster(url=values["ZUORA_MCP_TEST_POSTGRES"], directory=values["ZUORA_MCP_TEST_POSTGRES_STOP"].split()[-1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    given = os.environ.get("ZUORA_MCP_TEST_POSTGRES")
    if given:
        yield given
        return
    cluster = start_cluster()
    try:
        yield cluster.url
    finally:
        cluster.run("stop")


def with_schema(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose ``search_path`` is a fresh schema of its own, dropped afterwards."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_schema(postgres_server, schema)
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the ledger under test lives: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "state" / "ledger.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def execute(location: str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run SQL on the ledger's storage behind its back, as someone tampering with it would."""
    if is_postgres(location):
        import psycopg

        with psycopg.connect(location, autocommit=True) as conn:
            cursor = conn.execute(sql.replace("?", "%s"), params)
            return list(cursor.fetchall()) if cursor.description else []
    database = sqlite3.connect(location, isolation_level=None)
    try:
        return database.execute(sql, params).fetchall()
    finally:
        database.close()


def call(tool: str = "reverse_invoice", arguments: str = "INV00000001") -> Call:
    return Call(
        tool=tool,
        provider="zuora",
        environment="sandbox|http://127.0.0.1:1",
        arguments_hash=hashlib.sha256(arguments.encode()).hexdigest(),
    )
