"""The tool catalog: every tool as a value, built from a hand-written recipe and its derived schema.

Recipes come from the provider (``zuora_mcp/providers/<name>/``) and say what a person decides;
``tool_schemas/<provider>/<name>.json`` holds what the build step derived from that provider's spec.
:func:`load_catalog` joins them once per provider.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from zuora_mcp.catalog.recipe import Recipe, Safety, Shaping, data_not_instructions
from zuora_mcp.catalog.tool import (
    META_OPERATION,
    OWN_ARGUMENTS,
    Location,
    ToolSpec,
    annotations_for,
    tool_definition,
)
from zuora_mcp.plan import Method
from zuora_mcp.providers import DEFAULT_PROVIDER, get_provider
from zuora_mcp.schemas import load_tool_file

__all__ = [
    "META_OPERATION",
    "OWN_ARGUMENTS",
    "Location",
    "Recipe",
    "Safety",
    "Shaping",
    "ToolSpec",
    "annotations_for",
    "describe",
    "get_tool",
    "load_catalog",
    "tool_definition",
]


def describe(recipe: Recipe, derived: dict[str, Any], vendor: str) -> str:
    """The tool's description: the recipe's text plus the notes every tool of its kind needs."""
    parts = [recipe.description]
    if recipe.safety == "read":
        parts.append(data_not_instructions(vendor))
    # Zuora's derivation leaves these marks; other vendors' specs have neither.
    custom = "patternProperties" in derived["input"]
    left_out = bool(derived.get("dropped") or derived.get("omitted"))
    if custom and left_out:
        parts.append("Custom fields go in as Name__c; integration fields (__NS, __QT, revenue codes) are left out.")
    elif custom:
        parts.append("Custom fields go in as Name__c.")
    elif left_out:
        parts.append("Integration fields (__NS, __QT, revenue codes) are left out.")
    return " ".join(parts)


def _tool(recipe: Recipe, provider: str, vendor: str) -> ToolSpec:
    derived = load_tool_file(recipe.name, provider)
    operation = derived["operation"]
    return ToolSpec(
        name=recipe.name,
        title=recipe.title,
        description=describe(recipe, derived, vendor),
        operation_id=recipe.operation_id,
        method=cast(Method, operation["method"]),
        path=operation["path"],
        safety=recipe.safety,
        locations=derived["locations"],
        input_schema=derived["input"],
        output_schema=derived["output"],
        shaping=recipe.shaping,
        wire_names=derived.get("wire_names") or {},
        filters=recipe.filters,
        summarize=recipe.summarize,
        multipart=derived.get("body_media") == "multipart/form-data",
        # The derive step names a body that is not an object (an array) "body": it travels as the body.
        whole_body=derived["locations"].get("body") == "body"
        and not ((derived.get("request") or {}).get("body") or {}).get("properties"),
        file_parts=tuple(derived.get("file_parts") or ()),
    )


@cache
def load_catalog(provider: str = DEFAULT_PROVIDER) -> tuple[ToolSpec, ...]:
    """Every tool of ``provider``, in catalog order. Loaded once.

    Raises:
        KeyError: a recipe has no schema file (run ``zuora-mcp schemas build``).
        ConfigError: no provider has that name.
    """
    chosen = get_provider(provider)
    return tuple(_tool(recipe, chosen.name, chosen.vendor) for recipe in chosen.recipes)


def get_tool(name: str, provider: str = DEFAULT_PROVIDER) -> ToolSpec:
    """The tool called ``name``.

    Raises:
        KeyError: no tool has that name.
    """
    for spec in load_catalog(provider):
        if spec.name == name:
            return spec
    raise KeyError(name)
