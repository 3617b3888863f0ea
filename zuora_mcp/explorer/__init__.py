"""The explorer: all of Zuora's v1 API behind three guarded tools with a constant footprint.

- ``search_operations(query, tag?, safety?, limit?)``: BM25F ranking over operationId, summary, path,
  tag and description words (:mod:`.search`);
- ``describe_operation(operation_id, field?)``: the derived input schema (catalog derivation rules),
  the safety class and the preconditions the spec states (:mod:`.describe`);
- ``call_operation(operation_id, arguments, dry_run?, confirmation_token?)``: validated against the
  derived schema, then the executor's read path or :meth:`~zuora_mcp.executor.Executor.write` — the
  same guard, audit and client as the catalog's tools (:mod:`.tools`, :mod:`.operation`).

Safety (:mod:`.safety`): GET is read; other methods are at least write; DELETE and verbs that cancel,
reverse, write off, refund, delete, void or remove are destructive, and so is an unknown verb.
Operations a catalog tool covers are refused with that tool's name.

The index (:mod:`.index`, ``zuora_mcp/data/operations.json.gz``) is written by ``zuora-mcp schemas
build`` and read on the first explorer call, never at start-up.
"""

from __future__ import annotations

from zuora_mcp.explorer.index import IndexUnavailable, Operation, OperationIndex, load_index
from zuora_mcp.explorer.safety import classify
from zuora_mcp.explorer.search import SearchIndex
from zuora_mcp.explorer.tools import DEFINITIONS, EXPLORER_TOOLS, Explorer

__all__ = [
    "DEFINITIONS",
    "EXPLORER_TOOLS",
    "Explorer",
    "IndexUnavailable",
    "Operation",
    "OperationIndex",
    "SearchIndex",
    "classify",
    "load_index",
]
