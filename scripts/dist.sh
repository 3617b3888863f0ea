#!/usr/bin/env bash
# Builds what a release publishes, from this checkout, into one folder:
#   zuora_mcp-VERSION-py3-none-any.whl and zuora_mcp-VERSION.tar.gz   (python -m build; the wheel is built from the sdist)
#   zuora-mcp-VERSION.mcpb                                            (MCP bundle: the sdist's files + manifest.json, mcpb pack)
#
#   scripts/dist.sh [OUTDIR]                 all three (default OUTDIR: dist/)
#   scripts/dist.sh --python-only [OUTDIR]   the wheel and the sdist only (no Node needed)
#   scripts/dist.sh --bundle-only OUTDIR     the bundle only, from the sdist already in OUTDIR
#
# PYTHON names the interpreter that has `build` installed (default: .venv/bin/python, the dev extra has it).
# mcpb comes from the pinned npm tools (scripts/node-tools.sh, tools/node/package.json).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-$repo/.venv/bin/python}
python_step=1
bundle_step=1
case "${1:-}" in
    --python-only) bundle_step=0; shift ;;
    --bundle-only) python_step=0; shift ;;
esac
out=${1:-$repo/dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The version has one source, zuora_mcp.__version__; read it without importing the package.
version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$repo/zuora_mcp/__init__.py")
if [ -z "$version" ]; then
    echo "dist: no __version__ = \"…\" line in zuora_mcp/__init__.py" >&2
    exit 1
fi
sdist=$out/zuora_mcp-$version.tar.gz

if [ "$python_step" = 1 ]; then
    rm -f "$out/zuora_mcp-$version"-*.whl "$sdist"
    "$python" -m build --outdir "$out" "$repo" >&2
fi

if [ "$bundle_step" = 1 ]; then
    [ -f "$sdist" ] || { echo "dist: $sdist is missing; build it first (scripts/dist.sh --python-only $out)" >&2; exit 1; }
    bin=$("$repo/scripts/node-tools.sh" | tail -n 1)
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    # The bundle carries the same files as the sdist (so the same as the wheel) plus the manifest; the
    # host runs it with uv, which installs the project and its dependencies from pyproject.toml.
    tar -xzf "$sdist" -C "$stage"
    root=$stage/zuora_mcp-$version
    rm -rf "$root"/*.egg-info "$root/setup.cfg"
    cp "$repo/manifest.json" "$root/manifest.json"
    rm -f "$out/zuora-mcp-$version.mcpb"
    PATH="$bin:$PATH" mcpb pack "$root" "$out/zuora-mcp-$version.mcpb" >&2
    # The registry entry for this release: server.json plus the bundle, as a release asset with its hash
    # (a bundle's hash is known only once it is packed, so the committed server.json names PyPI alone).
    "$python" - "$repo/server.json" "$out/zuora-mcp-$version.mcpb" "$out/server.json" <<'EOF'
import hashlib, json, sys
from pathlib import Path

entry, bundle, target = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]), Path(sys.argv[3])
release = f"{entry['repository']['url']}/releases/download/v{entry['version']}/{bundle.name}"
entry["packages"] = [p for p in entry["packages"] if p["registryType"] != "mcpb"] + [
    {
        "registryType": "mcpb",
        "identifier": release,
        "version": entry["version"],
        "fileSha256": hashlib.sha256(bundle.read_bytes()).hexdigest(),
        "transport": {"type": "stdio"},
    }
]
target.write_text(json.dumps(entry, indent=2) + "\n")
EOF
fi

ls -1 "$out"/zuora_mcp-"$version"* "$out"/zuora-mcp-"$version".mcpb "$out"/server.json 2>/dev/null || true
