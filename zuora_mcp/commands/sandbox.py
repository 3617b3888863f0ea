"""``zuora-mcp sandbox [--provider NAME]``: run a provider's local sandbox tenant alone until Ctrl-C."""

from __future__ import annotations

import argparse
from pathlib import Path

from zuora_mcp.commands.serve import chosen_provider
from zuora_mcp.errors import ConfigError

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", help="zuora | zoho (ZUORA_MCP_PROVIDER; default zuora)")
    parser.add_argument("--port", type=int, default=8089, help="port on 127.0.0.1 (0 picks a free one; default 8089)")
    parser.add_argument("--seed", type=Path, default=None, help="JSON seed file (default: the built-in demo tenant)")
    parser.add_argument(
        "--expires-in", type=int, default=3600, metavar="S", help="bearer token lifetime in seconds (default 3600)"
    )


def run(args: argparse.Namespace) -> int:
    if args.expires_in < 1:
        raise ConfigError("--expires-in must be at least 1 second.")
    if not 0 <= args.port <= 65535:
        raise ConfigError("--port must be between 0 and 65535.")
    return chosen_provider(args).sandbox_run(args)
