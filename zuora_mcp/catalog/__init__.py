"""The tool catalog: every tool as a value, built from a hand-written recipe and its derived schema.

Recipes (``invoices``, ``memos``, ``accounts``) say what a person decides; ``tool_schemas/<name>.json``
holds what the build step derived from Zuora's spec. :func:`load_catalog` joins them once.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from zuora_mcp.catalog.recipe import DATA_NOT_INSTRUCTIONS, Recipe, Safety, Shaping
from zuora_mcp.catalog.tool import OWN_ARGUMENTS, Location, ToolSpec, annotations_for, tool_definition
from zuora_mcp.plan import Method
from zuora_mcp.providers.zuora import accounts, invoices, memos
from zuora_mcp.schemas import load_tool_file

__all__ = [
    "OWN_ARGUMENTS",
    "RECIPES",
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

RECIPES: tuple[Recipe, ...] = (*invoices.RECIPES, *memos.RECIPES, *accounts.RECIPES)


def describe(recipe: Recipe, derived: dict[str, Any]) -> str:
    """The tool's description: the recipe's text plus the notes every tool of its kind needs."""
    parts = [recipe.description]
    if recipe.safety == "read":
        parts.append(DATA_NOT_INSTRUCTIONS)
    custom = "patternProperties" in derived["input"]
    left_out = bool(derived.get("dropped") or derived.get("omitted"))
    if custom and left_out:
        parts.append("Custom fields go in as Name__c; integration fields (__NS, __QT, revenue codes) are left out.")
    elif custom:
        parts.append("Custom fields go in as Name__c.")
    elif left_out:
        parts.append("Integration fields (__NS, __QT, revenue codes) are left out.")
    return " ".join(parts)


def _tool(recipe: Recipe) -> ToolSpec:
    derived = load_tool_file(recipe.name)
    operation = derived["operation"]
    return ToolSpec(
        name=recipe.name,
        title=recipe.title,
        description=describe(recipe, derived),
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
    )


@cache
def load_catalog() -> tuple[ToolSpec, ...]:
    """Every tool, in catalog order. Loaded once.

    Raises:
        KeyError: a recipe has no schema file (run ``zuora-mcp schemas build``).
    """
    return tuple(_tool(recipe) for recipe in RECIPES)


def get_tool(name: str) -> ToolSpec:
    """The tool called ``name``.

    Raises:
        KeyError: no tool has that name.
    """
    for spec in load_catalog():
        if spec.name == name:
            return spec
    raise KeyError(name)
