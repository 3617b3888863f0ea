"""Who is calling, and what they may do: OAuth 2.1 resource-server identity for the HTTP transport.

- :mod:`~zuora_mcp.identity.scopes`: ``billing:read`` / ``billing:write`` / ``billing:destructive``
  per safety class (:func:`scope_for`, :func:`allows`).
- :mod:`~zuora_mcp.identity.principal`: :class:`Principal` and :func:`current_principal`.
- :mod:`~zuora_mcp.identity.settings`: ``ZUORA_MCP_OAUTH_*`` (:data:`OAUTH_SETTINGS` documents them).
- :mod:`~zuora_mcp.identity.jwks` and :mod:`~zuora_mcp.identity.verifier`: JWT access tokens checked
  against the issuer's keys.

The package is core: it imports no provider and no ``mcp``. The HTTP gate (:mod:`zuora_mcp.http_gate`)
uses it to authenticate each request; see ``docs/identity.md``.
"""

from __future__ import annotations

from zuora_mcp.identity.principal import (
    SCOPE_KEY,
    Principal,
    current_principal,
    principal_if_set,
    principal_of_request,
    use_principal,
)
from zuora_mcp.identity.scopes import (
    ALL_SCOPES,
    DESTRUCTIVE,
    READ,
    WRITE,
    allows,
    grants,
    refusal_text,
    scope_for,
    scope_needed_by,
)
from zuora_mcp.identity.settings import OAUTH_SETTINGS, OAuthSettings, load_oauth_settings

__all__ = [
    "ALL_SCOPES",
    "DESTRUCTIVE",
    "OAUTH_SETTINGS",
    "READ",
    "SCOPE_KEY",
    "WRITE",
    "OAuthSettings",
    "Principal",
    "allows",
    "current_principal",
    "grants",
    "load_oauth_settings",
    "principal_if_set",
    "principal_of_request",
    "refusal_text",
    "scope_for",
    "scope_needed_by",
    "use_principal",
]
