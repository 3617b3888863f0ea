"""``zuora-mcp schemas build|check [--provider NAME] [--spec PATH | --spec-dir DIR] [--out DIR]``.

For each provider (or the one named), the tool schemas under ``tool_schemas/<provider>/`` and, for a
provider with an explorer, its operation index are built from that provider's spec, or checked
against it. Specs are read from ``--spec-dir`` (default ``../shared/spec``), each under the
provider's ``spec_name``; ``--spec`` names one file for one provider. ``check`` skips a provider
whose spec is absent (a user's clone has none) and fails on any stale file: it is CI's freshness gate.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]

_INDEX_NAME = "operations.json.gz"
DEFAULT_SPEC_DIR = Path("../shared/spec")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="schemas_action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="write tool_schemas/<provider>/<tool>.json for every catalog tool")
    check = actions.add_parser("check", help="exit 1 with a diff when the committed files are stale")
    for sub in (build, check):
        sub.add_argument("--provider", help="only this provider (default: every provider)")
        sub.add_argument("--spec", type=Path, default=None, help="the provider's OpenAPI 3.0 spec, JSON or YAML")
        sub.add_argument(
            "--spec-dir", type=Path, default=DEFAULT_SPEC_DIR, help="where the specs are (default ../shared/spec)"
        )
        sub.add_argument("--out", type=Path, default=None, help="schema directory (default: tool_schemas/<provider>)")
        sub.add_argument(
            "--index",
            type=Path,
            default=None,
            help="the explorer's operation index (default: the provider's packaged index, or in --out)",
        )


def run(args: argparse.Namespace) -> int:
    # Imported here so `zuora-mcp --help` stays cheap.
    from zuora_mcp.providers import DEFAULT_PROVIDER, PROVIDERS, get_provider

    if args.spec is not None and args.provider is None:
        args.provider = DEFAULT_PROVIDER  # one spec file is one provider's; the default keeps old commands working
    names = [args.provider] if args.provider else list(PROVIDERS)
    status = 0
    for name in names:
        provider = get_provider(name)
        spec_path = args.spec or args.spec_dir / provider.spec_name
        if not spec_path.is_file():
            if args.provider is not None or (args.schemas_action == "build" and args.spec is not None):
                missing = f"cannot read {spec_path}: not found ({provider.name}'s spec)"
                print(f"zuora-mcp schemas: {missing}", file=sys.stderr)
                return 2
            print(f"{provider.name}: skipped, its spec {spec_path} is not here.")
            continue
        status = max(status, _one(args, name, spec_path))
    return status


def _one(args: argparse.Namespace, name: str, spec_path: Path) -> int:
    from zuora_mcp.derive import build as builder
    from zuora_mcp.derive import index as indexer
    from zuora_mcp.derive.spec import SpecError, load_spec, with_supplement
    from zuora_mcp.providers import get_provider

    provider = get_provider(name)
    recipes = provider.recipes
    out: Path = args.out or provider.schema_dir
    index: Path | None = getattr(args, "index", None) or (
        args.out / _INDEX_NAME if args.out else provider.explorer_index
    )
    try:
        spec = load_spec(spec_path)
        if provider.spec_supplement is not None:
            spec = with_supplement(spec, provider.spec_supplement)
        if args.schemas_action == "build":
            changed = builder.write(spec, recipes, out, vendor_key=provider.name)
            print(f"{name}: {len(recipes)} tool schemas in {out}; {len(changed)} changed" + (": " if changed else "."))
            for changed_name in changed:
                print(f"  {changed_name}")
            if provider.explorer_index is not None and index is not None:
                written = indexer.write_index(spec, index)
                print(f"{name}: operation index {index}: {'written' if written else 'unchanged'}.")
            if provider.build_extras is not None and args.out is None:
                for changed_name in provider.build_extras(spec, True):
                    print(f"{name}: {changed_name} written.")
            return 0
        differences = builder.check(spec, recipes, out, vendor_key=provider.name)
        index_problems = (
            indexer.check_index(spec, index) if provider.explorer_index is not None and index is not None else []
        )
        if provider.build_extras is not None and args.out is None:
            index_problems += provider.build_extras(spec, False)
    except SpecError as exc:
        print(f"zuora-mcp schemas: {name}: {exc}", file=sys.stderr)
        return 2
    if not differences and not index_problems:
        print(f"{name}: {len(recipes)} tool schemas in {out} are fresh (spec {spec.version or 'unversioned'}).")
        if provider.explorer_index is not None:
            print(f"{name}: operation index {index} is fresh.")
        return 0
    for difference in differences:
        sys.stdout.write(difference.diff)
    for problem in index_problems[:40]:
        print(f"operation index: {problem}")
    if len(index_problems) > 40:
        print(f"operation index: ... and {len(index_problems) - 40} more")
    stale = ", ".join([d.name for d in differences] + ([index.name] if index_problems and index else []))
    print(
        f"\nzuora-mcp schemas: {name}: stale: {stale}. Run `zuora-mcp schemas build --provider {name} "
        f"--spec {spec_path}`.",
        file=sys.stderr,
    )
    return 1
