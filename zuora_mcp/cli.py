"""The ``zuora-mcp`` command.

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and ``run(args) -> int``;
this module only wires them, so ``zuora-mcp --help`` stays cheap (nothing heavy is imported until a
subcommand runs). Configuration errors end with one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Protocol, cast

from zuora_mcp import __version__
from zuora_mcp.errors import ConfigError

__all__ = ["main"]


class _Command(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


# name -> (module, one-line help). Modules are imported only to build their own sub-parser.
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("zuora_mcp.commands.serve", "serve the MCP tools over stdio (default) or streamable HTTP"),
    "demo": ("zuora_mcp.commands.demo", "start the sandbox and play a short scripted session"),
    "sandbox": ("zuora_mcp.commands.sandbox", "run a provider's local sandbox tenant alone"),
    "tools": ("zuora_mcp.catalog.report", "print the tool table and the size of tools/list"),
    "schemas": ("zuora_mcp.derive.command", "derive tool schemas from each provider's OpenAPI spec, or check them"),
    "doctor": ("zuora_mcp.commands.doctor", "check configuration, credentials and one read against the billing system"),
    "audit": ("zuora_mcp.commands.audit", "verify, show or export the write ledger"),
    "reconcile": ("zuora_mcp.commands.reconcile", "settle writes of unknown outcome by reading the billing system"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zuora-mcp",
        description="An MCP server for billing systems (Zuora Billing, Zoho Billing). Every write is previewed, "
        "confirmed and checked against policy. With no command, serves over stdio.",
    )
    parser.add_argument("--version", action="version", version=f"zuora-mcp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = cast(_Command, importlib.import_module(module_name))
        except ModuleNotFoundError as exc:
            if exc.name is None or not module_name.startswith(exc.name):
                raise
            continue  # a command whose module is not built yet is simply not offered
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not arguments or (arguments[0].startswith("-") and arguments[0] not in {"-h", "--help", "--version"}):
        arguments = ["serve", *arguments]
    args = parser.parse_args(arguments)
    run = getattr(args, "_run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        return int(run(args))
    except ConfigError as exc:
        print(f"zuora-mcp: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
