"""A tool as the server sees it: a value with a pure planner, a shaper and a summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from zuora_mcp.catalog.recipe import Filter, Safety, Shaping, Summarizer
from zuora_mcp.catalog.shaping import Fit, conformer, shape
from zuora_mcp.derive.schema import CUSTOM_FIELD_PATTERN
from zuora_mcp.plan import FilePart, Method, RequestPlan, as_text, place_arguments

__all__ = ["META_OPERATION", "OWN_ARGUMENTS", "Location", "ToolSpec", "annotations_for", "tool_definition"]

Location = Literal["path", "query", "body"]

# Read by the guard and the shaper, never sent to the billing system.
OWN_ARGUMENTS = frozenset({"dry_run", "confirmation_token", "fields", "full"})
_CUSTOM_SUFFIX = CUSTOM_FIELD_PATTERN.removesuffix("$")
# The ``_meta`` key of every tool that calls a spec operation: its operationId in the provider's spec,
# so a reader (and tests/test_seam.py) can trace each tool to the spec it was derived from.
META_OPERATION = "zuora-mcp/operation"


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its definition (from the recipe and the derived schema file) and its behaviour.

    ``locations`` says where each of the vendor's arguments goes; the tool's own arguments are absent from it.
    ``wire_names`` maps an argument to the spec's name where they differ (``accountKey`` →
    ``account-key``). Arguments named ``*__c`` are custom fields and go in the body when the input
    schema accepts them.
    """

    name: str
    title: str
    description: str
    operation_id: str
    method: Method
    path: str
    safety: Safety
    locations: Mapping[str, Location]
    input_schema: Mapping[str, Any]
    output_schema: Mapping[str, Any] | None
    shaping: Shaping = field(default_factory=Shaping)
    wire_names: Mapping[str, str] = field(default_factory=dict)
    filters: Mapping[str, Filter] = field(default_factory=dict)
    summarize: Summarizer | None = None
    multipart: bool = False  # the body is multipart/form-data; ``file_parts`` are its files
    whole_body: bool = False  # the argument ``body`` is the request body itself (an array), not a field
    file_parts: tuple[str, ...] = ()

    @property
    def accepts_custom_fields(self) -> bool:
        return CUSTOM_FIELD_PATTERN in (self.input_schema.get("patternProperties") or {})

    def plan(self, arguments: Mapping[str, Any]) -> RequestPlan:
        """The request these arguments make. Pure: no I/O, no validation beyond path safety.

        Raises:
            InvalidPathValue: a path argument is missing or unsafe (from plan.py, when encoding).
            InvalidArgument: a file part's content is not base64.
        """
        filters = sorted(
            f"{self.filters[name].field}.{self.filters[name].op}:{as_text(value)}"
            for name, value in arguments.items()
            if name in self.filters and value is not None
        )
        path_params, query, body = place_arguments(
            arguments,
            locations=self.locations,
            wire_names=self.wire_names,
            custom_suffix=_CUSTOM_SUFFIX if self.accepts_custom_fields else None,
            skip=OWN_ARGUMENTS | self.filters.keys(),
            whole_body=self.whole_body,
        )
        if filters:
            query["filter[]"] = filters
        files: tuple[FilePart, ...] = ()
        if self.multipart and isinstance(body, dict):
            files = tuple(FilePart.from_argument(name, body.pop(name)) for name in self.file_parts if name in body)
        return RequestPlan(
            method=self.method,
            path=self.path,
            path_params=path_params,
            query=query,
            body=body,
            operation_id=self.operation_id,
            files=files,
            multipart=self.multipart,
        )

    def shape(self, data: Any, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The vendor's response projected to the default fields (plus ``fields``, or all with ``full``),
        each declared field made to fit its declared type so clients that check outputSchema accept it."""
        shaped = shape(self.shaping, data, arguments)
        fit = self._fit
        if fit is None:
            return shaped
        fitted = fit(shaped)
        return fitted if isinstance(fitted, dict) else {}

    @cached_property
    def _fit(self) -> Fit | None:
        """The shaped result's schema (a write's ``result``), compiled once per tool; None without one."""
        schema = self.output_schema
        if schema is not None and self.safety != "read":
            schema = (schema.get("properties") or {}).get("result")
        return conformer(schema) if schema is not None else None

    def summary(self, shaped: Mapping[str, Any]) -> str:
        """One or two readable lines about a shaped result."""
        if self.summarize is not None:
            return self.summarize(shaped)
        container = self.shaping.container
        if container is not None:
            count = len(shaped.get(container) or [])
            more = shaped.get("nextPage")
            text = f"{count} {'record' if count == 1 else 'records'} from {self.title.lower()}."
            return f"{text} More: call again with the next page ({more})." if more else text
        pairs = [f"{key}={value}" for key, value in shaped.items() if isinstance(value, str | int | float)]
        return f"{self.title}: " + (", ".join(pairs[:6]) if pairs else "done.")


def annotations_for(safety: Safety) -> dict[str, bool]:
    """MCP tool annotations (wire names), computed from the safety class, never written by hand."""
    return {
        "readOnlyHint": safety == "read",
        "destructiveHint": safety == "destructive",
        "idempotentHint": safety == "read",
        "openWorldHint": True,
    }


def tool_definition(spec: ToolSpec) -> dict[str, Any]:
    """One entry of ``tools/list``, shaped as the server sends it (camelCase wire names)."""
    definition: dict[str, Any] = {
        "name": spec.name,
        "title": spec.title,
        "description": spec.description,
        "inputSchema": dict(spec.input_schema),
        "annotations": annotations_for(spec.safety),
        "_meta": {META_OPERATION: spec.operation_id},
    }
    if spec.output_schema is not None:
        definition["outputSchema"] = dict(spec.output_schema)
    return definition
