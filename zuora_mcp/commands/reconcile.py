"""``zuora-mcp reconcile``: settle the writes whose outcome the ledger does not know.

    zuora-mcp reconcile [--provider zuora|zoho] [--ledger PATH_OR_URL] [--sandbox] [--dry-run]

For every intent of the configured provider and tenant with no ``executed``/``failed`` outcome (an
answer lost, or a process that ended between sending and recording), the provider's settling read is
made — GETs only, nothing is written to the billing system — and each outcome it establishes is
recorded in the ledger as a settlement. ``--dry-run`` makes the reads and records nothing.

Exit code: 0 when every unsettled write was settled (or there was none), 1 when some need a person
(the table says which read to make), 2 on a configuration error. No ledger is created here.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

import anyio

from zuora_mcp.commands.serve import add_common_arguments, provider_settings
from zuora_mcp.errors import ConfigError
from zuora_mcp.ledger import ENV, LedgerUnavailable, open_ledger
from zuora_mcp.reconcile import QUIET_PERIOD, environment_of, reconcile, render_rows, unsettled_elsewhere

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument(
        "--ledger",
        metavar="PATH_OR_URL",
        help=f"the ledger: a SQLite file or postgresql://… (default: ${ENV}, else the per-user state file)",
    )
    parser.add_argument("--dry-run", action="store_true", help="make the settling reads, record nothing")
    parser.add_argument(
        "--quiet-period",
        type=float,
        default=QUIET_PERIOD.total_seconds(),
        metavar="SECONDS",
        help="a write younger than this is not recorded as failed: it could still land (default 600)",
    )


def run(args: argparse.Namespace) -> int:
    return anyio.run(_run, args)


async def _run(args: argparse.Namespace) -> int:
    from zuora_mcp.client import BillingClient

    async with provider_settings(args) as settings:
        ledger = await open_ledger(settings.ledger, create=False)
        try:
            environment = environment_of(settings)
            async with BillingClient(settings) as client:
                rows = await reconcile(
                    ledger,
                    client,
                    provider=settings.provider,
                    environment=environment,
                    apply=not args.dry_run,
                    quiet=timedelta(seconds=max(args.quiet_period, 0.0)),
                )
            elsewhere = await unsettled_elsewhere(ledger, settings.provider, environment)
        except LedgerUnavailable as exc:
            raise ConfigError(str(exc)) from exc
        finally:
            await ledger.close()
    where = f"{settings.provider} at {settings.environment} ({settings.base_url})"
    if not rows:
        print(f"No unsettled writes for {where} in the ledger {ledger.location}.")
    else:
        print(render_rows(rows))
        known = sum(1 for row in rows if row.verdict != "needs a person")
        verb = "would be recorded (dry run)" if args.dry_run else "recorded"
        print(f"\n{len(rows)} unsettled write(s) of {where}: {known} settled by a read and {verb}, "
              f"{len(rows) - known} need a person.")  # fmt: skip
    if elsewhere:
        print(
            f"{len(elsewhere)} unsettled write(s) belong to another provider or tenant; run reconcile configured "
            "for that one.",
            file=sys.stderr,
        )
    return 1 if any(row.verdict == "needs a person" for row in rows) else 0
