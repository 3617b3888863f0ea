"""``zuora-mcp doctor [--provider NAME]``: check configuration, credentials and one read, for a person.

The checks are the provider's (what can go wrong differs per billing system); this command only picks
the provider and hands it the arguments.
"""

from __future__ import annotations

import argparse

from zuora_mcp.commands.serve import add_common_arguments, chosen_provider
from zuora_mcp.errors import ConfigError

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    provider = chosen_provider(args)
    if provider.doctor is None:
        raise ConfigError(f"zuora-mcp doctor has no checks for {provider.vendor} yet.")
    return provider.doctor(args)
