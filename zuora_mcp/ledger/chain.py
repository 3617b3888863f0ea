"""The hash chain: how a record's hash is computed and how a chain is checked.

Pure functions over plain mappings, so the same check runs on a live ledger (either engine) and on
an export file a finance team received (``verify_rows``) without the database.

The canonical form maps None to "" and ``seq`` to an int: a CSV export cannot tell None from "",
and a record must hash the same however it travelled.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from zuora_mcp.ledger.model import COLUMNS, GENESIS, BrokenLink, Head

__all__ = ["ChainWalker", "record_hash", "verify_rows"]

_HASHED = tuple(name for name in COLUMNS if name != "hash")


def record_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of every field but ``hash`` (``prev_hash`` and ``seq`` included).

    ``seq`` is inside the hash so that moving a record to another place in the chain breaks it.
    """
    canonical = {name: _canonical(name, row.get(name)) for name in _HASHED}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(name: str, value: Any) -> Any:
    if name == "seq":
        return int(value)
    return "" if value is None else str(value)


class ChainWalker:
    """Feed rows in ``seq`` order; remembers the first broken link and where the chain ended."""

    def __init__(self) -> None:
        self.seq = 0
        self.hash = GENESIS
        self.broken: BrokenLink | None = None

    def feed(self, row: Mapping[str, Any]) -> bool:
        """False once the chain is broken (the caller may stop reading)."""
        if self.broken is not None:
            return False
        seq, record_id = int(row["seq"]), str(row.get("id") or "") or None
        if seq != self.seq + 1:
            missing = f"#{self.seq + 1}" if seq == self.seq + 2 else f"#{self.seq + 1}–#{seq - 1}"
            self.broken = BrokenLink(seq, record_id, f"record {missing} is missing (deleted or moved)")
        elif row.get("prev_hash") != self.hash:
            self.broken = BrokenLink(seq, record_id, "its prev_hash does not match the record before it")
        elif record_hash(row) != row.get("hash"):
            self.broken = BrokenLink(seq, record_id, "its content does not match its hash (edited or moved)")
        else:
            self.seq, self.hash = seq, str(row["hash"])
            return True
        return False

    def finish(self, head: Head | None) -> BrokenLink | None:
        """The verdict; ``head`` (the ledger's own note of its last record) catches a cut-off tail."""
        if self.broken is not None or head is None:
            return self.broken
        if head.seq != self.seq or head.hash != self.hash:
            return BrokenLink(
                self.seq,
                None,
                f"the chain ends at #{self.seq} but the ledger's head says #{head.seq}: "
                "records were removed from the end, or the head was edited",
            )
        return None


def verify_rows(rows: Iterable[Mapping[str, Any]], head: Head | None = None) -> BrokenLink | None:
    """Check a whole chain given oldest first (for example an export read back)."""
    walker = ChainWalker()
    for row in rows:
        if not walker.feed(row):
            break
    return walker.finish(head)
