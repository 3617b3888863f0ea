"""Reconcile: settle the writes the ledger left open, by reading what they were meant to change.

A write whose intent is in the ledger but whose outcome is not ``executed`` or ``failed`` is
*unsettled*: the answer was lost (``outcome_unknown``), or the process ended between sending and
recording (no outcome at all). Each provider knows, per tool, which read of the billing system shows
whether such a write happened (:attr:`~zuora_mcp.provider.Provider.settle`); this module walks the
unsettled intents of one provider and environment, makes those reads through the shared client
(GETs only, through the same read-only :class:`~zuora_mcp.preflight.Reader` preflight uses), and —
when asked to — records what they established with :meth:`~zuora_mcp.ledger.Ledger.settle`.

Nothing here writes to the billing system, ever, and nothing is settled on a guess:

- a provider answers ``executed`` or ``failed`` only when the read shows it, and ``None`` with the
  read to make when it cannot tell (a person decides);
- ``failed`` is held back while the write is younger than :data:`QUIET_PERIOD`: a request the
  vendor is still processing could yet land, and an applied write must never be recorded as failed.

Core: no provider is imported; the provider is reached through :func:`zuora_mcp.providers.get_provider`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from zuora_mcp.errors import BillingError, InvalidArgument, OutcomeUnknown, TransportError
from zuora_mcp.executor import settle_read
from zuora_mcp.ledger import Filters, Ledger, LedgerError, Record
from zuora_mcp.preflight import Reader, ReadFailed
from zuora_mcp.providers import get_provider

if TYPE_CHECKING:
    from zuora_mcp.client import BillingClient
    from zuora_mcp.config import Settings
    from zuora_mcp.provider import Provider

__all__ = [
    "CLOCK_SKEW",
    "QUIET_PERIOD",
    "ClientReader",
    "Row",
    "SettleFn",
    "Settlement",
    "Verdict",
    "environment_of",
    "intent_time",
    "parse_time",
    "reconcile",
    "render_rows",
    "unsettled_elsewhere",
]

logger = logging.getLogger("zuora_mcp.reconcile")

Verdict = Literal["executed", "failed", "needs a person"]

# A write younger than this is not recorded as failed: the vendor may still be processing it.
QUIET_PERIOD = timedelta(minutes=10)
# How far the vendor's clock and ours may disagree; a provider compares vendor times with this margin.
CLOCK_SKEW = timedelta(seconds=30)


@dataclass(frozen=True)
class Settlement:
    """What one settling read established.

    ``outcome``: ``executed`` or ``failed`` when the read shows it; None when a read cannot tell and
    a person must look. ``how``: the read made and what it showed, in words (no bodies, no secrets).
    """

    outcome: Literal["executed", "failed"] | None
    how: str


SettleFn = Callable[[Record, Reader], Awaitable[Settlement]]


@dataclass(frozen=True)
class Row:
    """One unsettled write and what reconciling it found."""

    intent_id: str
    tool: str
    when: str  # the intent's time, ISO 8601 UTC
    natural_key: str | None
    last: str  # what the ledger knew: "outcome_unknown" or "no outcome recorded"
    verdict: Verdict
    how: str
    settle_read: str  # the read that settles it, in call syntax
    recorded: bool = False  # the settlement was appended to the ledger

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent_id": self.intent_id,
            "tool": self.tool,
            "when": self.when,
            "natural_key": self.natural_key,
            "last": self.last,
            "verdict": self.verdict,
            "how": self.how,
            "settle_read": self.settle_read,
            "recorded": self.recorded,
        }


def environment_of(settings: Settings) -> str:
    """The ledger's environment of a configured tenant: as the guard writes it (name|base URL)."""
    return f"{settings.environment}|{settings.base_url}"


def parse_time(text: Any) -> datetime | None:
    """A vendor timestamp as a datetime: aware when it carries an offset (``Z``, ``+00:00``,
    ``+0000``), naive when it does not (Zuora's v1 ``yyyy-mm-dd hh:mm:ss`` is in the tenant's zone),
    None when it is not a timestamp."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def intent_time(record: Record) -> datetime:
    """When the write's intent was committed (UTC): the write went out after this moment."""
    moment = datetime.fromisoformat(record.time)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ClientReader:
    """Read-only GETs through the shared client, as preflight's :class:`Reader`."""

    def __init__(self, client: BillingClient, vendor: str) -> None:
        self._client = client
        self._vendor = vendor

    async def read(
        self, path: str, path_params: Mapping[str, str] | None = None, query: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            response = await self._client.get(path, path_params, query)
        except BillingError as exc:
            reasons = "; ".join(r.message for r in exc.reasons) or f"HTTP {exc.status}"
            raise ReadFailed(f"{self._vendor}: {reasons}", not_found=exc.status == 404) from None
        except (TransportError, OutcomeUnknown) as exc:
            raise ReadFailed(f"{self._vendor} could not be reached: {exc}") from None
        except InvalidArgument as exc:
            raise ReadFailed(str(exc)) from None
        return response.data


def _key_args(record: Record) -> dict[str, str]:
    """The natural key (``invoiceKey=INV00000001``) as the arguments it came from."""
    if not record.natural_key or "=" not in record.natural_key:
        return {}
    name, _, value = record.natural_key.partition("=")
    return {name: value}


async def _last_state(ledger: Ledger, record: Record) -> str:
    linked = await ledger.records(Filters(intent_id=record.id))
    outcomes = [r.decision for r in linked if r.kind == "outcome"]
    return outcomes[-1] if outcomes else "no outcome recorded"


async def _settle_one(provider: Provider, record: Record, reader: Reader) -> Settlement:
    if provider.settle is None:
        return Settlement(None, f"{provider.vendor} has no settling reads here; make the read named and decide.")
    try:
        return await provider.settle(record, reader)
    except ReadFailed as exc:
        return Settlement(None, f"the settling read failed ({exc.detail}); run reconcile again later.")
    except Exception:  # a bug of ours must not stop the other rows; the traceback goes to the log
        logger.exception("settling %s (%s) failed unexpectedly", record.tool, record.id)
        return Settlement(None, "settling it failed inside zuora-mcp (a bug; see the log); read the record and decide.")


async def unsettled_elsewhere(ledger: Ledger, provider: str, environment: str) -> list[Record]:
    """Unsettled intents of other providers or environments: this run cannot read their tenant."""
    return [r for r in await ledger.unsettled() if (r.provider, r.environment) != (provider, environment)]


async def reconcile(
    ledger: Ledger,
    client: BillingClient,
    *,
    provider: str,
    environment: str,
    apply: bool,
    quiet: timedelta = QUIET_PERIOD,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[Row]:
    """Settle every unsettled write of ``provider`` in ``environment`` that a read can settle.

    ``client`` is the shared client for that tenant; only GETs go through it. With ``apply`` each
    known outcome is recorded in the ledger (``Ledger.settle``); without, nothing is written anywhere.
    An intent settled meanwhile by another reconcile is reported as such, not settled twice.
    """
    chosen = get_provider(provider)
    reader = ClientReader(client, chosen.vendor)
    rows: list[Row] = []
    for record in await ledger.unsettled():
        if (record.provider, record.environment) != (provider, environment):
            continue
        last = await _last_state(ledger, record)
        settlement = await _settle_one(chosen, record, reader)
        outcome, how = settlement.outcome, settlement.how
        age = now() - intent_time(record)
        if outcome == "failed" and age < quiet:
            wait_until = (intent_time(record) + quiet).isoformat(timespec="seconds")
            outcome = None
            how = (
                f"so far: {how.rstrip('.')}; but the write is only {int(age.total_seconds())} s old and could "
                f"still land, so it is not recorded as failed before {wait_until} (run reconcile again then)."
            )
        recorded = False
        if apply and outcome is not None:
            try:
                await ledger.settle(record.id, outcome, how)
                recorded = True
            except LedgerError as exc:
                if "already settled" not in str(exc):
                    raise
                how = f"{how} (another reconcile settled it meanwhile)"
        rows.append(
            Row(
                intent_id=record.id,
                tool=record.tool,
                when=record.time,
                natural_key=record.natural_key,
                last=last,
                verdict=outcome or "needs a person",
                how=how,
                settle_read=settle_read(record.tool, _key_args(record), chosen),
                recorded=recorded,
            )
        )
    return rows


def render_rows(rows: Sequence[Row]) -> str:
    """A table a person reads in a terminal: one line per write, then how each was (or can be) settled."""
    header = ["time (UTC)", "tool", "record", "was", "verdict"]
    cells = [
        [
            row.when[:19].replace("T", " "),
            row.tool,
            row.natural_key or "-",
            row.last,
            row.verdict + (" (recorded)" if row.recorded else ""),
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]

    def line(values: list[str]) -> str:
        return "  ".join(value.ljust(width) for value, width in zip(values, widths, strict=True)).rstrip()

    out = [line(header), "  ".join("-" * width for width in widths)]
    for row, values in zip(rows, cells, strict=True):
        out.append(line(values))
        out.append(f"    how: {row.how}")
        if row.verdict == "needs a person":
            out.append(f"    read: {row.settle_read}")
    return "\n".join(out)
