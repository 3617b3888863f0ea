"""One explorer operation as the executor sees a tool: a pure planner, a shaper and a summary.

:class:`OperationCall` satisfies :class:`~zuora_mcp.executor.ToolLike` under the name
``call_operation``: the guard's policy (``mode_for("call_operation")``), its confirmation tokens and
its audit records all use that name, and the token covers ``operation_id`` together with
``arguments``, so a token minted for one operation or one set of arguments runs nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from zuora_mcp.catalog.recipe import Safety
from zuora_mcp.derive.schema import CUSTOM_FIELD_PATTERN
from zuora_mcp.explorer.index import Operation
from zuora_mcp.plan import FilePart, RequestPlan, place_arguments

__all__ = ["CALL_TOOL", "MAX_RESULT_CHARS", "OperationCall", "trim_result"]

CALL_TOOL = "call_operation"
# A result larger than this (as compact JSON) has its longest lists cut; a model's context is finite.
MAX_RESULT_CHARS = 24_000
_CUSTOM_SUFFIX = CUSTOM_FIELD_PATTERN.removesuffix("$")
# Zuora's bookkeeping on every response: it says nothing once the call has succeeded.
_NOISE = ("success", "processId", "reasons", "requestId")


class OperationCall:
    """``call_operation`` bound to one operation. Arguments are the tool's: ``{"operation_id", "arguments", ...}``."""

    name = CALL_TOOL

    def __init__(self, operation: Operation) -> None:
        self.operation = operation

    @property
    def safety(self) -> Safety:
        return self.operation.safety

    def plan(self, arguments: Mapping[str, Any]) -> RequestPlan:
        """The request ``arguments["arguments"]`` make. Pure; path values are checked when the plan is encoded."""
        op = self.operation
        given: Mapping[str, Any] = arguments.get("arguments") or {}
        path_params, query, body = place_arguments(
            given,
            locations=op.locations,
            wire_names=op.wire_names,
            custom_suffix=_CUSTOM_SUFFIX if _accepts_custom(op) else None,
            whole_body=op.whole_body,
        )
        files: tuple[FilePart, ...] = ()
        if op.multipart and isinstance(body, dict):
            files = tuple(FilePart.from_argument(name, body.pop(name)) for name in op.file_parts if name in body)
        return RequestPlan(
            method=op.method,
            path=op.path,
            path_params=path_params,
            query=query,
            body=body,
            operation_id=op.operation_id,
            files=files,
            multipart=op.multipart,
        )

    def shape(self, data: Any, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Zuora's answer without its bookkeeping, cut to :data:`MAX_RESULT_CHARS`."""
        if isinstance(data, Mapping):
            result = {key: value for key, value in data.items() if key not in _NOISE}
        elif data is None:
            result = {}
        else:
            result = {"data": data}
        return trim_result(result)

    def summary(self, shaped: Mapping[str, Any]) -> str:
        """One line: the operation, and how many records of each list came back."""
        lists = [f"{len(value)} {key}" for key, value in shaped.items() if isinstance(value, list)]
        more = " More pages: pass the next page or cursor." if shaped.get("nextPage") else ""
        cut = " (cut to fit; ask for fewer records)" if shaped.get("truncated") else ""
        detail = f": {', '.join(lists)}" if lists else ""
        return f"{self.operation.operation_id} ({self.operation.summary}){detail}{cut}.{more}"


def trim_result(result: dict[str, Any], limit: int = MAX_RESULT_CHARS) -> dict[str, Any]:
    """Halve the longest top-level list until the result fits; say what was cut under ``truncated``."""
    cut: dict[str, str] = {}
    totals = {key: len(value) for key, value in result.items() if isinstance(value, list)}
    while len(json.dumps(result, default=str)) > limit:
        lists = [key for key, value in result.items() if isinstance(value, list) and len(value) > 1]
        if not lists:
            break
        longest = max(lists, key=lambda key: len(json.dumps(result[key], default=str)))
        result = {**result, longest: result[longest][: len(result[longest]) // 2]}
        cut[longest] = f"kept {len(result[longest])} of {totals[longest]}"
    if cut:
        result["truncated"] = cut
    return result


def _accepts_custom(operation: Operation) -> bool:
    return CUSTOM_FIELD_PATTERN in (operation.input_schema.get("patternProperties") or {})
