"""Building and checking ``tool_schemas/``: one file per catalog tool, derived from the spec."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zuora_mcp.catalog.recipe import Recipe
from zuora_mcp.catalog.shaping import output_schema, own_arguments
from zuora_mcp.derive.operation import DeriveOptions, derive_operation
from zuora_mcp.derive.spec import Spec, SpecError

__all__ = ["Difference", "build_tool_file", "check", "render", "write"]

_FILTER_WORDS = {"GE": "On or after.", "LE": "On or before.", "GT": "Above.", "LT": "Below."}


def build_tool_file(spec: Spec, recipe: Recipe, *, vendor_key: str) -> dict[str, Any]:
    """The content of ``tool_schemas/<provider>/<recipe.name>.json``; ``vendor_key`` is the provider's name.

    Raises:
        SpecError: the recipe asks for something the spec does not have.
    """
    filter_names = set(recipe.filters)
    query = (*recipe.query, "filter[]") if filter_names else recipe.query
    options = DeriveOptions(
        query=query,
        notes={path: text for path, text in recipe.notes.items() if path.split(".")[0] not in filter_names},
        limits=recipe.limits,
        omit=recipe.omit,
    )
    derived = derive_operation(spec, recipe.operation_id, options)
    inputs = dict(derived.input_schema)
    properties = dict(inputs["properties"])
    locations = dict(derived.locations)
    if filter_names:
        # filter[] is built from flat arguments; the raw list is not offered.
        properties.pop("filter", None)
        locations.pop("filter", None)
        item = ((derived.output_schema or {}).get("properties") or {}).get("data", {}).get("items", {})
        for name, condition in recipe.filters.items():
            source = (item.get("properties") or {}).get(condition.field)
            if source is None:
                raise SpecError(f"{recipe.name}: the response has no field {condition.field!r} to filter on")
            schema = {key: source[key] for key in ("type", "format", "enum") if key in source}
            if condition.op in _FILTER_WORDS:
                schema["description"] = _FILTER_WORDS[condition.op]
            if name in recipe.notes:
                schema["description"] = recipe.notes[name]
            properties[name] = schema
            locations[name] = "query"
    for name, schema in own_arguments(recipe).items():
        if name in properties:
            raise SpecError(f"{recipe.name}: the spec already has an argument {name!r}")
        properties[name] = schema
    inputs["properties"] = properties
    advertised = _by_reference(recipe, inputs)
    try:
        output = output_schema(recipe, derived.output_schema, vendor_key)
    except KeyError as exc:
        raise SpecError(f"{recipe.name}: {exc.args[0]}") from None
    return {
        "name": recipe.name,
        "operation": {"operationId": derived.operation_id, "method": derived.method, "path": derived.path},
        "locations": locations,
        "wire_names": derived.wire_names,
        "dropped": list(derived.dropped),
        "omitted": list(derived.omitted),
        "input": advertised,
        "validation": inputs if advertised is not inputs else None,
        "output": output,
        "request": derived.request,
        # Only multipart operations carry these, so every JSON tool's file stays as it was.
        **({"body_media": derived.body_media, "file_parts": list(derived.file_parts)} if derived.body_media else {}),
    }


def _by_reference(recipe: Recipe, inputs: dict[str, Any]) -> dict[str, Any]:
    """The advertised input: arrays another tool spells out get a one-line item schema instead."""
    if not recipe.by_reference:
        return inputs
    advertised = json.loads(json.dumps(inputs))  # a deep copy; the full schema stays for validation
    for name, text in recipe.by_reference.items():
        array = advertised["properties"].get(name)
        if not isinstance(array, dict) or array.get("type") != "array":
            raise SpecError(f"{recipe.name}: {name!r} is not an array argument")
        array["items"] = {"type": "object", "description": text}
    return dict(advertised)


def render(content: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, two-space indent, trailing newline; diffs show real changes."""
    return json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _expected(spec: Spec, recipes: Iterable[Recipe], vendor_key: str) -> dict[str, str]:
    return {f"{recipe.name}.json": render(build_tool_file(spec, recipe, vendor_key=vendor_key)) for recipe in recipes}


def write(spec: Spec, recipes: Iterable[Recipe], out: Path, *, vendor_key: str) -> list[str]:
    """Write every tool's file into ``out``; remove tool files no recipe wants. Returns what changed."""
    expected = _expected(spec, recipes, vendor_key)
    out.mkdir(parents=True, exist_ok=True)
    changed: list[str] = []
    for name, text in sorted(expected.items()):
        target = out / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(name)
    for stale in sorted(out.glob("*.json")):
        if stale.name not in expected:
            stale.unlink()
            changed.append(stale.name)
    return changed


@dataclass(frozen=True)
class Difference:
    """One file that is not what the build would write: ``diff`` is a unified diff."""

    name: str
    diff: str


def check(spec: Spec, recipes: Iterable[Recipe], out: Path, *, vendor_key: str) -> list[Difference]:
    """What ``write`` would change in ``out``, as unified diffs; empty when everything is fresh."""
    expected = _expected(spec, recipes, vendor_key)
    differences: list[Difference] = []
    present = {path.name for path in out.glob("*.json")} if out.is_dir() else set()
    for name in sorted(expected.keys() | present):
        target = out / name
        old = target.read_text(encoding="utf-8") if name in present else ""
        new = expected.get(name, "")
        if old != new:
            diff = "".join(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    fromfile=f"committed/{name}" if name in present else "/dev/null",
                    tofile=f"derived/{name}" if name in expected else "/dev/null",
                )
            )
            differences.append(Difference(name, diff))
    return differences
