"""``zuora-mcp zoho-sandbox`` (wired by the CLI): run the local Zoho Billing tenant alone until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from zuora_mcp.errors import ConfigError

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8090, help="port on 127.0.0.1 (0 picks a free one; default 8090)")
    parser.add_argument("--seed", type=Path, default=None, help="JSON seed file (default: the demo organisation)")
    parser.add_argument(
        "--expires-in", type=int, default=3600, metavar="S", help="access token lifetime in seconds (default 3600)"
    )


def run(args: argparse.Namespace) -> int:
    from zuora_mcp.providers.zoho.sandbox.demo_data import load_seed
    from zuora_mcp.providers.zoho.sandbox.server import ZohoSandboxOptions

    if args.expires_in < 1:
        raise ConfigError("--expires-in must be at least 1 second.")
    if not 0 <= args.port <= 65535:
        raise ConfigError("--port must be between 0 and 65535.")
    seed = load_seed(args.seed) if args.seed else None
    options = ZohoSandboxOptions(port=args.port, token_expires_in=args.expires_in, seed=seed)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(options))
    return 0


def _shown(value: str, default: str, variable: str) -> str:
    """A demo default is printed; a value that came from the environment is not echoed."""
    return value if value == default else f"(from {variable})"


async def _serve(options: object) -> None:
    from zuora_mcp.providers.zoho.sandbox import server

    assert isinstance(options, server.ZohoSandboxOptions)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with server.running_sandbox(options) as sandbox:
            print(f"Zoho Billing sandbox tenant at {sandbox.base_url}", flush=True)
            print(f"  ZOHO_BASE_URL={sandbox.base_url}", flush=True)
            print(f"  ZOHO_ACCOUNTS_URL={sandbox.accounts_url}", flush=True)
            print(f"  ZOHO_ORGANIZATION_ID={sandbox.organization_id}", flush=True)
            print(f"  ZOHO_CLIENT_ID={sandbox.client_id}", flush=True)
            secret = _shown(sandbox.client_secret, server.DEFAULT_CLIENT_SECRET, "ZOHO_CLIENT_SECRET")
            print(f"  ZOHO_CLIENT_SECRET={secret}", flush=True)
            refresh = _shown(sandbox.refresh_token, server.DEFAULT_REFRESH_TOKEN, "ZOHO_REFRESH_TOKEN")
            print(f"  ZOHO_REFRESH_TOKEN={refresh}", flush=True)
            print(f"  admin: {sandbox.accounts_url}/_sandbox/counters   (Ctrl-C to stop)", flush=True)
            await stop.wait()
    except OSError as exc:
        raise ConfigError(
            f"Cannot listen on 127.0.0.1:{options.port} ({exc.strerror}); choose another --port."
        ) from None
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"The seed data is not in the expected shape ({exc!r}); see zuora_mcp.providers.zoho.sandbox.demo_data."
        ) from None
    print("Zoho sandbox stopped", file=sys.stderr)
