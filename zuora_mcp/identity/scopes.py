"""OAuth scopes per safety class: what a token's scopes let its holder list and call.

The classes nest — ``billing:write`` includes everything ``billing:read`` allows, and
``billing:destructive`` includes both — so an identity provider can hand out one scope per role. The
scope a *call* needs is the scope of its tool's safety class; nesting is resolved here, once, so
that neither the server nor the HTTP gate has to know it.

Policy may narrow what a scope allows (a tool in ``read-only`` mode is never run, whatever the
token says); nothing here widens it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

__all__ = [
    "ALL_SCOPES",
    "DESTRUCTIVE",
    "READ",
    "WRITE",
    "allows",
    "grants",
    "refusal_text",
    "scope_for",
    "scope_needed_by",
]

READ: Final = "billing:read"
WRITE: Final = "billing:write"
DESTRUCTIVE: Final = "billing:destructive"
# Weakest first: the order discovery documents and challenges list them in.
ALL_SCOPES: Final[tuple[str, ...]] = (READ, WRITE, DESTRUCTIVE)

_BY_SAFETY: Final[Mapping[str, str]] = {"read": READ, "write": WRITE, "destructive": DESTRUCTIVE}
# A scope grants its own class and every weaker one.
_GRANTS: Final[Mapping[str, frozenset[str]]] = {
    READ: frozenset({READ}),
    WRITE: frozenset({READ, WRITE}),
    DESTRUCTIVE: frozenset({READ, WRITE, DESTRUCTIVE}),
}


def scope_for(safety: str) -> str:
    """The scope a tool of this safety class (``read`` | ``write`` | ``destructive``) needs.

    An unknown class needs the strongest scope: a new class added to the catalog without a scope
    must fail closed, not open.
    """
    return _BY_SAFETY.get(safety, DESTRUCTIVE)


def allows(scopes: Iterable[str], safety: str) -> bool:
    """Whether a holder of ``scopes`` may list and call a tool of this safety class."""
    return grants(scopes, scope_for(safety))


def grants(scopes: Iterable[str], needed: str) -> bool:
    """Whether ``scopes`` include ``needed`` or a scope above it (``billing:write`` grants ``billing:read``)."""
    return any(needed in _GRANTS.get(scope, frozenset()) for scope in scopes)


def scope_needed_by(message: Any, safety_of: Callable[[str], str | None]) -> str | None:
    """The scope one JSON-RPC message needs, or ``None`` when it needs none beyond a valid token.

    Only ``tools/call`` is scoped per message (``tools/list`` is filtered, not refused). ``safety_of``
    maps a tool name to its safety class, ``None`` for a name the server does not serve (the server
    answers those itself). A message this cannot read needs nothing here: the server refuses it.
    """
    if not isinstance(message, Mapping) or message.get("method") != "tools/call":
        return None
    params = message.get("params")
    name = params.get("name") if isinstance(params, Mapping) else None
    if not isinstance(name, str):
        return None
    safety = safety_of(name)
    return None if safety is None else scope_for(safety)


def refusal_text(tool: str, needed: str) -> str:
    """What the server says (an ``is_error`` result) when a caller calls ``tool`` without ``needed``.

    Worded like the HTTP gate's 403 ("needs the … scope") so a client or a model reads one message.
    """
    return (
        f"Insufficient scope: {tool} needs the {needed} scope, which this caller's access token lacks. "
        "Nothing was sent to the billing system; ask for a token with that scope."
    )
