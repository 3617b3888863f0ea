"""``zuora-mcp serve``: the MCP server over stdio (default) or streamable HTTP at ``/mcp``.

``--provider`` picks the billing system (one per process). With ``--sandbox`` the provider's built-in
sandbox tenant starts in the same process and the server's client points at it, so everything runs
with no credentials. stdout belongs to the MCP protocol on
stdio; everything a person should read goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from functools import partial
from typing import Any

from zuora_mcp.config import MODES, Settings, is_loopback, load_settings, provider_name
from zuora_mcp.errors import ConfigError
from zuora_mcp.provider import Provider, SandboxInfo

__all__ = ["add_arguments", "chosen_provider", "provider_settings", "run", "sandbox_settings", "settings_from_args"]


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags every billing-facing command shares (they win over environment and policy file)."""
    parser.add_argument("--provider", help="zuora | zoho: the billing system to serve (ZUORA_MCP_PROVIDER)")
    parser.add_argument("--environment", help="named environment or data centre (ZUORA_ENVIRONMENT, ZOHO_DATA_CENTER)")
    parser.add_argument("--base-url", help="any other REST base URL (ZUORA_BASE_URL, ZOHO_BASE_URL)")
    parser.add_argument("--config", help="TOML policy file (ZUORA_MCP_CONFIG)")
    parser.add_argument("--sandbox", action="store_true", help="use the provider's built-in sandbox tenant")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio", help="default: stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000; 0 picks a free one)")
    parser.add_argument("--stateless", action="store_true", help="HTTP without sessions, for several replicas")
    parser.add_argument("--mode", choices=MODES, help="confirm | dry-run | read-only | auto (ZUORA_MCP_MODE)")
    parser.add_argument("--toolsets", help="catalog,explorer (ZUORA_MCP_TOOLSETS)")
    parser.add_argument("--audit-log", help="JSON-lines copy of the ledger's records (ZUORA_MCP_AUDIT_LOG)")
    parser.add_argument("--ledger", help="write ledger: SQLite path or postgresql://… (ZUORA_MCP_LEDGER)")
    parser.add_argument("--token-expires-in", type=int, default=3600, help="sandbox token lifetime, seconds")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "provider": getattr(args, "provider", None),
        "config": getattr(args, "config", None),
        "mode": getattr(args, "mode", None),
        "toolsets": getattr(args, "toolsets", None),
        "audit_log": getattr(args, "audit_log", None),
        "ledger": getattr(args, "ledger", None),
    }


def settings_from_args(args: argparse.Namespace, **overrides: Any) -> Settings:
    flags = {
        **_flags(args),
        "environment": getattr(args, "environment", None),
        "base_url": getattr(args, "base_url", None),
        **overrides,
    }
    return load_settings(flags)


def sandbox_settings(args: argparse.Namespace, provider: Provider, sandbox: SandboxInfo) -> Settings:
    """Settings pointing at a running sandbox: its URL and its credentials, nothing of a real tenant."""
    environ: Mapping[str, str] = {
        **{k: v for k, v in os.environ.items() if k not in provider.connection_env},
        **sandbox.environ,
    }
    return load_settings({**_flags(args), "provider": provider.name}, environ)


def chosen_provider(args: argparse.Namespace) -> Provider:
    """The provider named by --provider, else ZUORA_MCP_PROVIDER, else the policy file, else the default.

    Raises:
        ConfigError: an unknown provider (the message lists the known ones).
    """
    from zuora_mcp.providers import get_provider

    return get_provider(provider_name(_flags(args)))


@contextlib.asynccontextmanager
async def provider_settings(args: argparse.Namespace) -> AsyncIterator[Settings]:
    """The settings to serve with; with ``--sandbox``, the provider's sandbox runs for as long as the block."""
    if not getattr(args, "sandbox", False):
        yield settings_from_args(args)
        return
    provider = chosen_provider(args)
    async with provider.sandbox(0, getattr(args, "token_expires_in", 3600)) as sandbox:
        print(f"zuora-mcp: {provider.vendor} sandbox tenant at {sandbox.base_url}", file=sys.stderr)
        yield sandbox_settings(args, provider, sandbox)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    if args.transport == "http":
        _check_bind(args.host)
        # SIGTERM (a supervisor, a container stop) ends the HTTP server like Ctrl-C: the ledger is closed
        # and telemetry flushed on the way out. Not over stdio: there a thread blocks reading stdin, and
        # the client ends the session by closing it; the ledger's commits are durable either way.
        signal.signal(signal.SIGTERM, _interrupt)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _check_bind(host: str) -> None:
    authenticated = os.environ.get("ZUORA_MCP_HTTP_TOKEN") or os.environ.get("ZUORA_MCP_OAUTH_ISSUER")
    if not is_loopback(host) and not authenticated:
        raise ConfigError(
            f"Refusing to serve HTTP on {host} without authentication: set ZUORA_MCP_HTTP_TOKEN or "
            "ZUORA_MCP_OAUTH_ISSUER (with ZUORA_MCP_OAUTH_RESOURCE), or bind to 127.0.0.1."
        )


async def _serve(args: argparse.Namespace) -> None:
    from zuora_mcp.client import BillingClient
    from zuora_mcp.ledger import open_ledger
    from zuora_mcp.server import build_app, build_server

    async with provider_settings(args) as settings, BillingClient(settings) as client:
        # Opened before serving: an unreachable ledger is one clear message at start, not a failed write later.
        # A sandbox run keeps its ledger in memory unless one is named: demo writes are not the user's records.
        sandboxed = getattr(args, "sandbox", False)
        ledger = await open_ledger(settings.ledger or (":memory:" if sandboxed else None))
        try:
            server_app = build_app(settings, client, ledger=ledger)
            server = build_server(server_app)
            if args.transport == "stdio":
                from mcp.server.stdio import stdio_server

                async with stdio_server() as (read, write):
                    await server.run(read, write, server.create_initialization_options())
                return
            await _serve_http(server, settings, args, server_app.safety_of)
        finally:
            await ledger.close()


async def _serve_http(
    server: Any, settings: Settings, args: argparse.Namespace, safety_of: Callable[[str], str | None]
) -> None:
    from zuora_mcp.http_gate import BearerGate
    from zuora_mcp.http_listener import listening_socket, serve
    from zuora_mcp.identity import scope_needed_by
    from zuora_mcp.metrics_app import with_metrics

    if settings.secret_key is None:
        print(
            "zuora-mcp: warning: ZUORA_MCP_SECRET_KEY is unset; confirmation tokens are signed with a random "
            "per-process key and will not work across replicas or restarts.",
            file=sys.stderr,
        )
    app = server.streamable_http_app(streamable_http_path="/mcp", host=args.host, stateless_http=args.stateless)
    token = settings.http_token.reveal() if settings.http_token else None
    # The static token means every scope; a JWT from ZUORA_MCP_OAUTH_ISSUER carries its own. A tools/call
    # beyond the caller's scopes is refused at the door with a 403 challenge naming the scope it needs.
    gated = BearerGate.from_environment(
        with_metrics(app),  # /metrics (telemetry on) behind the same gate as /mcp
        token=token,
        allowed_origins=_allowed_origins(args.host),
        required_scope=partial(scope_needed_by, safety_of=safety_of),
    )
    problem = await gated.warm_up()
    if problem is not None:
        print(f"zuora-mcp: warning: {problem}", file=sys.stderr, flush=True)
    # Nagle off on every connection, or a kept-alive client waits ~40 ms per answer (http_listener).
    sock = listening_socket(args.host, args.port)
    sock.listen()  # before the address is printed: a client that connects at once must not be refused
    port = sock.getsockname()[1]
    print(f"zuora-mcp: serving MCP over streamable HTTP at http://{args.host}:{port}/mcp", file=sys.stderr, flush=True)
    await serve(gated, sock)


def _allowed_origins(host: str) -> frozenset[str] | None:
    """Loopback: the SDK checks Host and Origin itself. Elsewhere: only origins listed in
    ZUORA_MCP_ALLOWED_ORIGINS (none by default: automations send no Origin, browsers do)."""
    if is_loopback(host):
        return None
    configured = os.environ.get("ZUORA_MCP_ALLOWED_ORIGINS", "")
    return frozenset(o.strip() for o in configured.split(",") if o.strip())
