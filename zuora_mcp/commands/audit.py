"""``zuora-mcp audit verify|show|export``: read the write ledger.

    zuora-mcp audit verify                        walk the hash chain; exit 1 at the first broken link
    zuora-mcp audit show [--tool T] [--since S] [--decision D] [--limit N]
    zuora-mcp audit export --format jsonl|csv [--output FILE]

Each reads the ledger named by ``--ledger``, else ``ZUORA_MCP_LEDGER``, else the per-user default. None
of them creates a ledger: a path that holds none is a typo, reported in one line (exit 2).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import anyio
import anyio.to_thread

from zuora_mcp.errors import ConfigError
from zuora_mcp.ledger import ENV, Filters, LedgerBase, LedgerUnavailable, Record, open_ledger
from zuora_mcp.ledger.export import Format, write_export

__all__ = ["add_arguments", "run"]

DECISIONS = ("previewed", "refused", "declined", "intent", "executed", "failed", "outcome_unknown")
_RELATIVE = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--ledger",
        metavar="PATH_OR_URL",
        help=f"the ledger: a SQLite file or postgresql://… (default: ${ENV}, else the per-user state file)",
    )
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--tool", help="only records of this tool")
    filters.add_argument("--since", help="only records from then on: an ISO date or time (UTC), or 30m, 12h, 7d, 2w")
    filters.add_argument("--decision", choices=DECISIONS, help="only records with this decision")

    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION")
    sub.add_parser("verify", parents=[common], help="walk the hash chain and report the first broken link")
    show = sub.add_parser("show", parents=[common, filters], help="print records as a table, oldest first")
    show.add_argument("--limit", type=int, default=50, help="the latest N matching records (default 50; 0: all)")
    export = sub.add_parser("export", parents=[common, filters], help="write records as JSON lines or CSV")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="default: jsonl")
    export.add_argument("--output", metavar="FILE", help="write here instead of standard output")


def run(args: argparse.Namespace) -> int:
    actions: dict[str, Callable[[LedgerBase, argparse.Namespace], Awaitable[int]]] = {
        "verify": _verify,
        "show": _show,
        "export": _export,
    }
    action = actions.get(args.audit_command or "")
    if action is None:
        raise ConfigError("say what to do: zuora-mcp audit verify | show | export (see --help)")

    async def main() -> int:
        ledger = await open_ledger(args.ledger, create=False)
        try:
            return await action(ledger, args)
        except LedgerUnavailable as exc:
            raise ConfigError(str(exc)) from exc
        finally:
            await ledger.close()

    return anyio.run(main)


async def _verify(ledger: LedgerBase, args: argparse.Namespace) -> int:
    broken = await ledger.verify()
    if broken is not None:
        print(f"The ledger {ledger.location} is broken at {broken}.", file=sys.stderr)
        return 1
    head = await ledger.head()
    print(f"The ledger {ledger.location} is intact: {head.seq} records, every link holds (head {head.hash[:16]}…).")
    return 0


async def _show(ledger: LedgerBase, args: argparse.Namespace) -> int:
    records = await ledger.records(_filters(args, limit=args.limit or None))
    print(render_table(records) if records else "No records match.")
    return 0


async def _export(ledger: LedgerBase, args: argparse.Namespace) -> int:
    records = await ledger.records(_filters(args))
    count = await anyio.to_thread.run_sync(_write, records, args.output, args.format)
    if args.output:
        print(f"Wrote {count} records to {args.output}.", file=sys.stderr)
    return 0


def _write(records: list[Record], output: str | None, fmt: Format) -> int:
    if not output:
        return write_export(records, sys.stdout, fmt)
    # Owner-only: the records name tools, tenants and request ids, which is nobody else's business.
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from exc
    with open(fd, "w", encoding="utf-8", newline="") as out:
        return write_export(records, out, fmt)


def _filters(args: argparse.Namespace, limit: int | None = None) -> Filters:
    return Filters(tool=args.tool, decision=args.decision, since=parse_since(args.since), limit=limit)


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None:
    """``30m``/``12h``/``7d``/``2w`` ago, or an ISO date or time (UTC unless it says otherwise)."""
    if not text:
        return None
    relative = _RELATIVE.fullmatch(text.strip())
    if relative:
        amount, unit = int(relative.group(1)), _UNITS[relative.group(2)]
        return (now or datetime.now(UTC)) - timedelta(**{unit: amount})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"--since {text!r} is neither an ISO date or time nor an age like 30m, 12h or 7d") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def render_table(records: list[Record]) -> str:
    """A fixed-width table a person reads in a terminal; the export has every field."""
    header = ["#", "time (UTC)", "decision", "tool", "environment", "approval", "request id", "detail"]
    rows = [
        [
            str(r.seq),
            r.time[:19].replace("T", " "),
            r.decision if r.kind != "settlement" else f"settled {r.decision}",
            r.tool + (f" ({r.operation})" if r.operation else ""),
            _clip(r.environment, 24),
            r.approval or "",
            r.request_id or "",
            _clip(r.detail.replace("\n", " "), 48),
        ]
        for r in records
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    rule = "  ".join("-" * width for width in widths)
    title = "  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)).rstrip()
    return "\n".join([title, rule, *lines])


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
