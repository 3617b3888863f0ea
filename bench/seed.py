"""The benchmark tenant: the demo tenant plus enough fresh reversible invoices for the write path.

A confirmed reversal consumes its invoice (a reversed invoice cannot be reversed again), so each
timed reversal needs its own Posted invoice with nothing applied, shaped like the demo's INV00000001.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from zuora_mcp.providers.zuora.sandbox.demo_data import demo_id, demo_seed

__all__ = ["READ_INVOICE", "reversible_number", "write_seed"]

READ_INVOICE = "INV00000001"  # what get_invoice reads: Posted, two items with tax, two files
_TEMPLATE = "INV00000001"
_FIRST = 100_001  # well past the demo's numbers; new invoices the sandbox makes continue after these


def reversible_number(i: int) -> str:
    """The number of the ``i``-th (from 0) extra reversible invoice."""
    return f"INV{_FIRST + i:08d}"


def write_seed(path: Path, reversible: int) -> Path:
    """Write the demo seed plus ``reversible`` copies of INV00000001 (new ids and numbers) to ``path``."""
    seed: dict[str, Any] = demo_seed()
    template = next(i for i in seed["invoices"] if i["invoiceNumber"] == _TEMPLATE)
    for i in range(reversible):
        number = reversible_number(i)
        invoice = copy.deepcopy(template)
        invoice["id"] = demo_id(number)
        invoice["invoiceNumber"] = number
        for n, item in enumerate(invoice.get("items", []), start=1):
            item["id"] = demo_id(f"{number}-item-{n}")
            for t, tax in enumerate(item.get("taxationItems", []), start=1):
                tax["id"] = demo_id(f"{number}-item-{n}-tax-{t}")
        invoice["files"] = []
        seed["invoices"].append(invoice)
    path.write_text(json.dumps(seed))
    return path
