"""``list_unsettled_writes``: reconcile as a tool, so an automation can clean up after a crash.

It lists the writes of this server's provider and tenant whose outcome the ledger does not know,
each with the read that settles it. With ``settle: true`` it also makes those reads (GETs only) and
records in the ledger each outcome a read establishes; it never writes to the billing system.

The server registers it beside the catalog tools: :data:`DEFINITION` in tools/list, :func:`call`
for tools/call. Core: no provider and no MCP import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zuora_mcp.catalog.tool import annotations_for
from zuora_mcp.executor import settle_read
from zuora_mcp.guard import ToolOutcome
from zuora_mcp.ledger import Filters, LedgerUnavailable, Record
from zuora_mcp.reconcile import reconcile

if TYPE_CHECKING:
    from zuora_mcp.client import BillingClient
    from zuora_mcp.guard import Guard
    from zuora_mcp.provider import Provider

__all__ = ["DEFINITION", "NAME", "call"]

NAME = "list_unsettled_writes"

DEFINITION: dict[str, Any] = {
    "name": NAME,
    "title": "List unsettled writes",
    "description": (
        "Writes whose outcome is unknown (an answer lost, a crash mid-write), each with the read that settles it. "
        "settle=true makes those reads and records what they show in the write ledger; it never changes anything "
        "in the billing system. Do not repeat such a write before it is settled."
    ),
    "inputSchema": {
        "type": "object",
        "properties": {
            "settle": {
                "type": "boolean",
                "default": False,
                "description": "Make the settling reads and record the outcomes they establish in the ledger.",
            }
        },
        "additionalProperties": False,
    },
    "annotations": annotations_for("read"),
}


def _key_args(record: Record) -> dict[str, str]:
    name, _, value = (record.natural_key or "").partition("=")
    return {name: value} if name and value else {}


async def _listed(guard: Guard, provider: Provider) -> list[dict[str, Any]]:
    ledger = await guard.ledger()
    writes = []
    for record in await ledger.unsettled():
        if (record.provider, record.environment) != (guard.provider, guard.environment):
            continue
        outcomes = [r.decision for r in await ledger.records(Filters(intent_id=record.id)) if r.kind == "outcome"]
        writes.append(
            {
                "intent_id": record.id,
                "tool": record.tool,
                "when": record.time,
                "natural_key": record.natural_key,
                "last": outcomes[-1] if outcomes else "no outcome recorded",
                "settle_read": settle_read(record.tool, _key_args(record), provider),
            }
        )
    return writes


async def call(
    guard: Guard, client: BillingClient, provider: Provider, arguments: Mapping[str, Any] | None
) -> ToolOutcome:
    """List (and with ``settle``, settle) the unsettled writes of ``guard``'s provider and tenant."""
    args = dict(arguments or {})
    unknown = sorted(set(args) - {"settle"})
    if unknown or not isinstance(args.get("settle", False), bool):
        problem = f"unknown argument(s) {', '.join(unknown)}" if unknown else "settle must be true or false"
        text = f"Invalid arguments — nothing was read or recorded: {problem}."
        return ToolOutcome({"status": "refused", "changed": False, "message": text}, text, is_error=True)
    try:
        if not args.get("settle", False):
            writes = await _listed(guard, provider)
            text = (
                f"{len(writes)} write(s) with an unknown outcome; make each one's settle_read (or call "
                f"{NAME} with settle=true) before repeating any of them."
                if writes
                else "No unsettled writes: every write in the ledger has a known outcome."
            )
            lines = [
                f"- {w['tool']} at {w['when'][:19]} ({w['natural_key'] or 'no key'}): {w['settle_read']}"
                for w in writes
            ]
            return ToolOutcome(
                {"status": "listed", "changed": False, "message": text, "writes": writes},
                "\n".join([text, *lines]),
            )
        rows = await reconcile(
            await guard.ledger(), client, provider=guard.provider, environment=guard.environment, apply=True
        )
    except LedgerUnavailable as exc:
        text = f"The write ledger cannot be read right now ({exc}); nothing was settled."
        return ToolOutcome({"status": "failed", "changed": False, "message": text}, text, is_error=True)
    recorded = sum(1 for row in rows if row.recorded)
    open_rows = [row for row in rows if row.verdict == "needs a person"]
    text = (
        f"Settled {recorded} of {len(rows)} unsettled write(s) by reading {provider.vendor} and recorded them in the "
        f"ledger; {len(open_rows)} need a person. Nothing was changed in {provider.vendor}."
    )
    lines = [
        f"- {row.tool} at {row.when[:19]} ({row.natural_key or 'no key'}): {row.verdict} — {row.how}" for row in rows
    ]
    content = {
        "status": "settled",
        "changed": False,
        "message": text,
        "recorded": recorded,
        "writes": [row.as_dict() for row in rows],
    }
    return ToolOutcome(content, "\n".join([text, *lines]))
