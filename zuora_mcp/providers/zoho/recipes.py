"""Zoho Billing's tools as recipes (being written)."""

from __future__ import annotations

from zuora_mcp.catalog.recipe import Recipe

__all__ = ["RECIPES", "SETTLE_WITH"]

RECIPES: tuple[Recipe, ...] = ()

# Which read settles a write whose outcome is unknown (filled with the recipes).
SETTLE_WITH: dict[str, tuple[str, str | None]] = {}
