"""The tenant's records as plain data, so two moments compare by content."""

from __future__ import annotations

from typing import Any

from zuora_mcp.providers.zuora.sandbox import RunningSandbox


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dict__"):
        return {k: _plain(v) for k, v in vars(value).items()}
    return value


def tenant_state(sandbox: RunningSandbox) -> Any:
    """Every record a write may change; the id counter aside (a refused write may draw an id)."""
    return _plain({name: value for name, value in sandbox.tenant.snapshot().items() if name != "_id_seq"})
