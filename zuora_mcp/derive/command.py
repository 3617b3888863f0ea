"""``zuora-mcp schemas build|check --spec PATH [--out DIR] [--index FILE]``.

Both the catalog's ``tool_schemas/`` and the explorer's operation index are built and checked. The
index goes to the package's ``zuora_mcp/data/operations.json.gz``, or into ``--out`` when that is
given (so a build into a scratch directory never touches the package), or to ``--index``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


_INDEX_NAME = "operations.json.gz"


def _default_index() -> Path:
    from zuora_mcp.explorer.index import INDEX_FILE

    return INDEX_FILE


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
        sub.add_argument(
            "--index",
            type=Path,
            default=None,
            help="the explorer's operation index (default: zuora_mcp/data/operations.json.gz, or in --out)",
        )


def run(args: argparse.Namespace) -> int:
    # Imported here so `zuora-mcp --help` stays cheap.
    from zuora_mcp.catalog import RECIPES
    from zuora_mcp.derive import build as builder
    from zuora_mcp.derive import index as indexer
    from zuora_mcp.derive.spec import SpecError, load_spec

    out: Path = args.out or _default_out()
    index: Path = getattr(args, "index", None) or (args.out / _INDEX_NAME if args.out else _default_index())
    try:
        spec = load_spec(args.spec)
        if args.schemas_action == "build":
            changed = builder.write(spec, RECIPES, out)
            print(f"{len(RECIPES)} tool schemas in {out}; {len(changed)} changed" + (": " if changed else "."))
            for name in changed:
                print(f"  {name}")
            written = indexer.write_index(spec, index)
            print(f"Operation index {index}: {'written' if written else 'unchanged'}.")
            return 0
        differences = builder.check(spec, RECIPES, out)
        index_problems = indexer.check_index(spec, index)
    except SpecError as exc:
        print(f"zuora-mcp schemas: {exc}", file=sys.stderr)
        return 2
    if not differences and not index_problems:
        print(f"{len(RECIPES)} tool schemas in {out} are fresh (spec {spec.version or 'unversioned'}).")
        print(f"Operation index {index} is fresh.")
        return 0
    for difference in differences:
        sys.stdout.write(difference.diff)
    for problem in index_problems[:40]:
        print(f"operation index: {problem}")
    if len(index_problems) > 40:
        print(f"operation index: ... and {len(index_problems) - 40} more")
    names = [d.name for d in differences] + ([index.name] if index_problems else [])
    stale = ", ".join(names)
    print(f"\nzuora-mcp schemas: stale: {stale}. Run `zuora-mcp schemas build --spec {args.spec}`.", file=sys.stderr)
    return 1
