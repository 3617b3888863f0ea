"""Who is calling: a small frozen :class:`Principal`, and the per-request ``current_principal()``.

Three kinds of caller reach the server:

- ``oauth``: an HTTP request carrying a JWT access token the verifier accepted; ``subject`` is the
  token's ``sub``, ``client_id`` its ``client_id`` (or ``azp``), ``scopes`` what it was granted.
- ``static``: an HTTP request carrying ``ZUORA_MCP_HTTP_TOKEN``. A shared secret names no person,
  so it means every scope and the subject ``"static token"``.
- ``local``: stdio (the OS user who started the process), or HTTP on loopback with no
  authentication configured (the same trust as stdio: only this machine can connect).

How the server reads it: the HTTP gate sets the principal of each request with
:func:`use_principal` before handing the request to the SDK app. The SDK runs handlers in its own
task group but carries the sending task's contextvars to every message it dispatches (see
``mcp.shared.jsonrpc_dispatcher``), so inside ``on_call_tool`` / ``on_list_tools``
:func:`current_principal` returns the caller of *that* request, also on a stateful session shared
by several requests. The gate also stores it in the ASGI scope under :data:`SCOPE_KEY`, so
:func:`principal_of_request` can read it from ``ctx.request`` if a future SDK stops carrying
contextvars. Outside any request (stdio, in-process tests) the answer is :meth:`Principal.local`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import getpass
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from zuora_mcp.identity.scopes import ALL_SCOPES, allows, grants

__all__ = [
    "SCOPE_KEY",
    "Kind",
    "Principal",
    "current_principal",
    "principal_if_set",
    "principal_of_request",
    "use_principal",
]

Kind = Literal["oauth", "static", "local"]
# Where the gate leaves the principal in the ASGI scope (a Starlette request's ``.scope``).
SCOPE_KEY: Final = "zuora_mcp.principal"


@dataclass(frozen=True)
class Principal:
    kind: Kind
    subject: str
    client_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    # The token's ``iss``: ``sub`` is unique only per issuer.
    issuer: str | None = None

    @classmethod
    def static(cls) -> Principal:
        """The holder of ``ZUORA_MCP_HTTP_TOKEN``: every scope."""
        return cls("static", "static token", None, frozenset(ALL_SCOPES))

    @classmethod
    def local(cls) -> Principal:
        """The OS user running the process (stdio, or unauthenticated loopback HTTP): every scope."""
        return _local()

    def allows(self, safety: str) -> bool:
        """Whether this caller may list and call a tool of this safety class."""
        return allows(self.scopes, safety)

    def grants(self, scope: str) -> bool:
        """Whether this caller holds ``scope`` or a scope above it."""
        return grants(self.scopes, scope)

    @property
    def key(self) -> str:
        """A stable identity to bind confirmation tokens and request state to.

        Scopes are left out on purpose: a token refreshed with other scopes is still the same caller.
        """
        return "|".join((self.kind, self.issuer or "", self.subject, self.client_id or ""))

    @property
    def label(self) -> str:
        """What a ledger record or log line names: never a token, only who."""
        if self.kind == "oauth":
            client = f" via {self.client_id}" if self.client_id and self.client_id != self.subject else ""
            return f"{self.subject}{client}"
        if self.kind == "static":
            return "static token"
        return f"local user {self.subject}"

    def as_record(self) -> dict[str, Any]:
        """The JSON a ledger or audit record carries."""
        return {
            "kind": self.kind,
            "subject": self.subject,
            "client_id": self.client_id,
            "issuer": self.issuer,
            "scopes": sorted(self.scopes),
        }


@functools.cache
def _local() -> Principal:
    # Asked on every stdio call; the login name does not change while the process runs.
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        user = "unknown"
    return Principal("local", user, None, frozenset(ALL_SCOPES))


_CURRENT: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("zuora_mcp_principal", default=None)


def current_principal() -> Principal:
    """The caller of the request being handled; :meth:`Principal.local` outside an HTTP request."""
    found = _CURRENT.get()
    return found if found is not None else Principal.local()


def principal_if_set() -> Principal | None:
    """The principal the gate set, or ``None``: for code that must not fall back to the local user
    (e.g. to refuse rather than assume, should an HTTP path ever bypass the gate)."""
    return _CURRENT.get()


@contextlib.contextmanager
def use_principal(principal: Principal) -> Iterator[Principal]:
    """Make ``principal`` the current one for the block (the gate, per request; tests)."""
    token = _CURRENT.set(principal)
    try:
        yield principal
    finally:
        _CURRENT.reset(token)


def principal_of_request(request: Any) -> Principal | None:
    """The principal the gate stored on an ASGI request (``ctx.request``), if any."""
    scope = getattr(request, "scope", None)
    found = scope.get(SCOPE_KEY) if isinstance(scope, Mapping) else None
    return found if isinstance(found, Principal) else None
