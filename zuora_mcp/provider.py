"""The seam between the guarded core and a billing system.

The core — server, executor, guard, confirmation, request plan, the derive/build step, the explorer
machinery, audit and the one shared HTTP client — knows no billing system. Everything a billing
system brings is one :class:`Provider` value, defined in its own package under
``zuora_mcp/providers/<name>/`` and found by name through the registry in
:mod:`zuora_mcp.providers` (which imports a provider package only when it is asked for it)::

                     ┌──────────────────────────── core ────────────────────────────┐
    MCP request ──>  │ server ─> executor ─> guard (+ audit) ─> client ─> shape     │
                     │   │          │           │                  │               │
                     └───┼──────────┼───────────┼──────────────────┼───────────────┘
                         │ recipes  │ preflight │ settings         │ Dialect: auth, headers,
                         │ (tools)  │ rules     │ (connection)     │ "is this a failure?",
                         ▼          ▼           ▼                  ▼ idempotency, rate limits
                     ┌──────────── providers/<name>/  (one package per billing system) ─────┐
                     │ PROVIDER = Provider(...)   recipes, preflight, summaries, dialect,   │
                     │ settings, sandbox tenant, demo script, doctor                        │
                     └──────────────────────────────────────────────────────────────────────┘

Rules the import test (``tests/test_seam.py``) holds the code to: no core module imports a provider
package, directly or through another core module; only the shared client's modules (``client``,
``_answers``, ``_retry``) import the HTTP library; only the server and the commands that drive it as
a client import ``mcp``. A provider may import the core, never another provider.

Adding a billing system is one new package that builds a :class:`Provider` and one line in the
registry; nothing in the core changes. What a provider answers is deliberately small — the
questions the core asks, never the core's control flow:

- *settings*: which environments or data centres exist, which are production, which credentials and
  headers a call needs (:attr:`Provider.load_connection`, :attr:`Provider.settings_docs`);
- *the dialect* the shared client speaks (:class:`Dialect`): how a token is obtained and refreshed,
  which headers every call carries, how an answer is recognised as a failure — including HTTP 200
  bodies that say failure — and turned into the one error type, whether a write can carry an
  idempotency key, and which rate-limit answers waiting cannot fix;
- *tools* as data (:attr:`Provider.recipes`), their *preflight* rules, and which read settles a write
  whose outcome is unknown (:attr:`Provider.settle_with`);
- *files* a person wants to read (invoice PDFs) as resource templates (:mod:`zuora_mcp.resources`);
- *a sandbox tenant*, a *demo* script and a *doctor* for the commands of the same names.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from zuora_mcp.errors import Reason

if TYPE_CHECKING:
    from zuora_mcp.catalog.recipe import Recipe
    from zuora_mcp.config import SettingDoc, Settings
    from zuora_mcp.ledger import Record
    from zuora_mcp.preflight import PreflightFn, Reader
    from zuora_mcp.reconcile import Settlement
    from zuora_mcp.resources import FileResource

__all__ = [
    "Connection",
    "DemoSession",
    "Dialect",
    "Provider",
    "SandboxInfo",
    "SettingsSource",
    "TokenRequest",
]


@dataclass(frozen=True)
class Connection:
    """Where the billing system is and as whom to call it: what a provider's settings loader returns.

    ``environment`` is a short name a person recognises (``us-sandbox-1``, ``eu``, ``custom``);
    ``production`` decides whether writes need ``allow_production_writes``; ``details`` is the
    provider's own frozen value (credentials as :class:`~zuora_mcp.config.Secret`, extra headers).
    """

    environment: str
    base_url: str
    production: bool
    details: Any = None


class SettingsSource(Protocol):
    """What a provider's settings loader may read: flags > environment > policy file."""

    @property
    def env(self) -> Mapping[str, str]: ...

    @property
    def flags(self) -> Mapping[str, Any]: ...

    def pick(self, key: str, env_name: str) -> Any:
        """The value of a setting by its policy-file key and environment name, flags first."""
        ...


@dataclass(frozen=True, repr=False)
class TokenRequest:
    """One request to a token endpoint: ``form`` is sent as application/x-www-form-urlencoded."""

    url: str
    form: Mapping[str, str]

    def __repr__(self) -> str:  # the form holds secrets
        return f"TokenRequest(url={self.url!r})"


class Dialect(Protocol):
    """How one billing system speaks HTTP, as the shared client needs to know it.

    Attributes are read once per call; nothing here does I/O.
    """

    @property
    def vendor(self) -> str:
        """The billing system's name in sentences: "Zuora", "Zoho Billing"."""
        ...

    @property
    def idempotency_header(self) -> str | None:
        """The header a POST/PATCH carries so the vendor drops a repeat, or None when it has none.

        Without one, no write is ever repeated once it may have reached the vendor.
        """
        ...

    @property
    def track_header(self) -> str | None:
        """A header the vendor echoes for tracing (``Zuora-Track-Id``), or None."""
        ...

    @property
    def request_id_header(self) -> str | None:
        """The (lower-case) response header holding the vendor's request id, or None."""
        ...

    @property
    def token_budget(self) -> tuple[int, float] | None:
        """At most this many token requests per this many seconds (the vendor's cap), or None."""
        ...

    def static_token(self) -> str | None:
        """A pre-issued access token, used as is; None when tokens come from :meth:`token_request`."""
        ...

    def token_request(self) -> TokenRequest | None:
        """The token endpoint request, or None when there are no credentials for one."""
        ...

    def headers(self, token: str) -> dict[str, str]:
        """Headers every API call carries: the ``Authorization`` in the vendor's scheme and the rest."""
        ...

    def says_failure(self, data: Any) -> bool:
        """True for a 2xx body that reports failure (Zuora's ``"success": false``, Zoho's ``code != 0``)."""
        ...

    def reasons(self, status: int, data: Any, phrase: str) -> tuple[tuple[Reason, ...], str | None]:
        """The vendor's reasons (never empty) and a process id when it gives one, from any error body."""
        ...

    def final_rate_limit(self, status: int, data: Any) -> str | None:
        """For a rate-limit answer that waiting a few seconds cannot fix (a daily cap): why, in words."""
        ...

    def secrets(self) -> tuple[str, ...]:
        """Every configured secret, so no text that leaves the client can carry one."""
        ...

    def missing_credentials(self) -> str | None:
        """What to set when no call can be authenticated, or None."""
        ...


@dataclass(frozen=True)
class SandboxInfo:
    """A running sandbox tenant: where it is, and the environment variables that point settings at it."""

    base_url: str
    environ: Mapping[str, str]
    admin_url: str = ""


class DemoSession(Protocol):
    """What a provider's demo script may do: call tools as a client would, and narrate."""

    async def list_tools(self) -> list[str]: ...

    async def call(self, name: str, arguments: dict[str, Any]) -> tuple[dict[str, Any], str, bool]:
        """(structured content, text, is_error) of one tools/call."""
        ...

    def step(self, title: str) -> None: ...

    def say(self, text: str) -> None: ...

    def audit_records(self) -> list[Mapping[str, object]]: ...


SandboxFactory = Callable[[int, int], AbstractAsyncContextManager[SandboxInfo]]


@dataclass(frozen=True)
class Provider:
    """One billing system, as the core sees it. See the module docstring."""

    name: str  # registry key, tool_schemas/<name>/, the key of vendor ids in write results
    vendor: str  # in sentences: "Nothing was sent to Zuora."
    title: str  # the MCP server title
    instructions: str  # the MCP server instructions
    settings_docs: tuple[SettingDoc, ...]
    connection_env: frozenset[str]  # variables that name a real tenant; a sandbox run drops them
    load_connection: Callable[[SettingsSource, bool], Connection]  # (source, require_credentials)
    dialect: Callable[[Settings], Dialect]
    recipes: tuple[Recipe, ...]
    preflights: Mapping[str, PreflightFn]
    # tool → (the read that settles an unknown outcome, the argument naming its record or None)
    settle_with: Mapping[str, tuple[str, str | None]]
    sandbox: SandboxFactory  # (port, token lifetime) → a running tenant
    demo: Callable[[DemoSession], Awaitable[int]]
    spec_name: str  # the spec file's name beside the others in ../shared/spec/
    sandbox_run: Callable[[argparse.Namespace], int]  # ``zuora-mcp sandbox``: --port, --seed, --expires-in
    doctor: Callable[[argparse.Namespace], int] | None = None  # ``zuora-mcp doctor``
    explorer_index: Path | None = None  # an operation index for search/describe/call_operation
    # Operations the vendor's spec no longer lists, written down from other documents (merged by the build)
    spec_supplement: Path | None = None
    # Other files the build step derives from the spec (the sandbox tenant's request schemas):
    # (spec, write) → what changed (write) or what is stale (check); ``schemas check`` fails on any.
    build_extras: Callable[[Any, bool], list[str]] | None = None
    file_keys: frozenset[str] = field(default_factory=frozenset)  # policy-file keys the provider reads
    resources: tuple[FileResource, ...] = ()  # files (invoice PDFs) served as MCP resources
    # tool → the argument that names what the write creates or touches, where it differs from the settle
    # read's (a create's reference number): the ledger records it so reconcile can look the write up.
    natural_keys: Mapping[str, str] = field(default_factory=dict)
    # reconcile: settle an unknown outcome from the intent (tool, natural key, time) by reading its target
    settle: Callable[[Record, Reader], Awaitable[Settlement]] | None = None

    @property
    def schema_dir(self) -> Path:
        """Where this provider's derived tool schemas are committed."""
        from zuora_mcp.schemas import schema_root

        return schema_root() / self.name
