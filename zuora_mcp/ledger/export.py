"""Records out of the ledger for a finance system, and back in for checking.

Both formats carry every field, hashes included, so whoever receives an export can check its chain
with :func:`zuora_mcp.ledger.verify_rows` without access to the database. CSV has no None: absent
text is an empty cell, which the chain's canonical form treats the same.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, Literal, TextIO

from zuora_mcp.ledger.model import COLUMNS, Record

__all__ = ["Format", "read_export", "write_export"]

Format = Literal["jsonl", "csv"]


def write_export(records: Iterable[Record], out: TextIO, fmt: Format) -> int:
    """Write ``records`` to ``out``; returns how many."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow(record.as_dict())
            count += 1
        return count
    for record in records:
        out.write(json.dumps(record.as_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def read_export(source: TextIO, fmt: Format) -> list[dict[str, Any]]:
    """The rows of an export, oldest first, as plain dicts (``seq`` as an int)."""
    if fmt == "csv":
        rows: list[dict[str, Any]] = list(csv.DictReader(source))
    else:
        rows = [json.loads(line) for line in source if line.strip()]
    for row in rows:
        row["seq"] = int(row["seq"])
    return rows
