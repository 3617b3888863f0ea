"""``zuora-mcp schemas build|check --spec PATH [--out DIR]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def _default_out() -> Path:
    from zuora_mcp.schemas import schema_dir

    return schema_dir()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="schemas_action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="write tool_schemas/<tool>.json for every catalog tool")
    check = actions.add_parser("check", help="exit 1 with a diff when the committed files are stale")
    for sub in (build, check):
        sub.add_argument("--spec", required=True, type=Path, help="Zuora's OpenAPI 3.0 spec, JSON or YAML")
        sub.add_argument("--out", type=Path, default=None, help="schema directory (default: tool_schemas/)")


def run(args: argparse.Namespace) -> int:
    # Imported here so `zuora-mcp --help` stays cheap.
    from zuora_mcp.catalog import RECIPES
    from zuora_mcp.derive import build as builder
    from zuora_mcp.derive.spec import SpecError, load_spec

    out: Path = args.out or _default_out()
    try:
        spec = load_spec(args.spec)
        if args.schemas_action == "build":
            changed = builder.write(spec, RECIPES, out)
            print(f"{len(RECIPES)} tool schemas in {out}; {len(changed)} changed" + (": " if changed else "."))
            for name in changed:
                print(f"  {name}")
            return 0
        differences = builder.check(spec, RECIPES, out)
    except SpecError as exc:
        print(f"zuora-mcp schemas: {exc}", file=sys.stderr)
        return 2
    if not differences:
        print(f"{len(RECIPES)} tool schemas in {out} are fresh (spec {spec.version or 'unversioned'}).")
        return 0
    for difference in differences:
        sys.stdout.write(difference.diff)
    names = ", ".join(d.name for d in differences)
    print(f"\nzuora-mcp schemas: stale: {names}. Run `zuora-mcp schemas build --spec {args.spec}`.", file=sys.stderr)
    return 1
