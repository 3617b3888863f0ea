"""Zoho Billing's preconditions, checked before a write (being written)."""

from __future__ import annotations

from zuora_mcp.preflight import PreflightFn

__all__ = ["PREFLIGHTS"]

PREFLIGHTS: dict[str, PreflightFn] = {}
