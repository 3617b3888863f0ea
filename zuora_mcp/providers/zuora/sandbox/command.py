"""``zuora-mcp sandbox``: run the local Zuora sandbox tenant alone until Ctrl-C."""

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
    parser.add_argument("--port", type=int, default=8089, help="port on 127.0.0.1 (0 picks a free one; default 8089)")
    parser.add_argument("--seed", type=Path, default=None, help="JSON seed file (default: the built-in demo tenant)")
    parser.add_argument(
        "--expires-in", type=int, default=3600, metavar="S", help="bearer token lifetime in seconds (default 3600)"
    )


def run(args: argparse.Namespace) -> int:
    from zuora_mcp.providers.zuora.sandbox.demo_data import load_seed
    from zuora_mcp.providers.zuora.sandbox.server import SandboxOptions

    if args.expires_in < 1:
        raise ConfigError("--expires-in must be at least 1 second.")
    if not 0 <= args.port <= 65535:
        raise ConfigError("--port must be between 0 and 65535.")
    seed = load_seed(args.seed) if args.seed else None
    options = SandboxOptions(port=args.port, token_expires_in=args.expires_in, seed=seed)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(options))
    return 0


async def _serve(options: object) -> None:
    from zuora_mcp.providers.zuora.sandbox.app import DEFAULT_CLIENT_SECRET
    from zuora_mcp.providers.zuora.sandbox.server import SandboxOptions, running_sandbox

    assert isinstance(options, SandboxOptions)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with running_sandbox(options) as sandbox:
            print(f"Zuora sandbox tenant at {sandbox.base_url}", flush=True)
            print(f"  ZUORA_BASE_URL={sandbox.base_url}", flush=True)
            print(f"  ZUORA_CLIENT_ID={sandbox.client_id}", flush=True)
            # The default is a documented demo value; a secret that came from the environment is not echoed.
            shown = (
                sandbox.client_secret
                if sandbox.client_secret == DEFAULT_CLIENT_SECRET
                else "(from ZUORA_CLIENT_SECRET)"
            )
            print(f"  ZUORA_CLIENT_SECRET={shown}", flush=True)
            print(f"  admin: {sandbox.base_url}/_sandbox/counters   (Ctrl-C to stop)", flush=True)
            await stop.wait()
    except OSError as exc:
        raise ConfigError(
            f"Cannot listen on 127.0.0.1:{options.port} ({exc.strerror}); choose another --port."
        ) from None
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"The seed data is not in the expected shape ({exc!r}); see zuora_mcp.providers.zuora.sandbox.demo_data."
        ) from None
    print("sandbox stopped", file=sys.stderr)
