"""The provider registry: billing systems by name, each imported only when asked for.

The core reaches a provider only through :func:`get_provider`, never by importing its package, so
the core cannot grow a dependency on one billing system (``tests/test_seam.py`` checks it). Adding a
billing system is one line in :data:`PROVIDERS` and one package under ``zuora_mcp/providers/``.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from zuora_mcp.errors import ConfigError

if TYPE_CHECKING:
    from zuora_mcp.provider import Provider

__all__ = ["DEFAULT_PROVIDER", "PROVIDERS", "get_provider"]

# name → the module whose ``PROVIDER`` attribute is the provider.
PROVIDERS: dict[str, str] = {
    "zuora": "zuora_mcp.providers.zuora",
    "zoho": "zuora_mcp.providers.zoho",
}
DEFAULT_PROVIDER = "zuora"


@cache
def get_provider(name: str) -> Provider:
    """The provider called ``name``.

    Raises:
        ConfigError: no provider has that name (the message lists the known ones).
    """
    module_name = PROVIDERS.get(name.strip().lower())
    if module_name is None:
        raise ConfigError(f"Unknown provider {name!r}; known providers: {', '.join(PROVIDERS)}.")
    provider: Provider = importlib.import_module(module_name).PROVIDER
    return provider
