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
from zuora_mcp.plan import QueryValue, RequestPlan

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
        path_params: dict[str, str] = {}
        query: dict[str, QueryValue] = {}
        body_fields = any(where == "body" for where in op.locations.values())
        has_body = body_fields or _accepts_custom(op)
        body: Any = {} if has_body else None
        for name, value in given.items():
            if value is None:
                continue
            wire = op.wire_names.get(name, name)
            where = op.locations.get(name)
            if where == "path":
                path_params[wire] = _text(value)
            elif where == "query":
                query[wire] = value if isinstance(value, str | int | float | bool | list) else json.dumps(value)
            elif op.whole_body and name == "body":
                body = value
            elif has_body and (where == "body" or name.endswith(_CUSTOM_SUFFIX)):
                body[wire] = value
        if body == {} and not body_fields:
            body = None  # only custom fields were possible, and none were given
        return RequestPlan(
            method=op.method,
            path=op.path,
            path_params=path_params,
            query=query,
            body=body,
            operation_id=op.operation_id,
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


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
