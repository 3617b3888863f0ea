#!/usr/bin/env bash
# Installs the approval card's pinned npm packages (the ext-apps library, the esbuild bundler, and
# playwright-core for the browser tests) into a cache directory, from package.json + package-lock.json.
# A second run with the same lockfile is a no-op.
#
#   apps/approval-card/tools.sh      install (or confirm) into .cache/card, print its node_modules/.bin
#   ZUORA_MCP_CARD_TOOLS=DIR         install somewhere else
#   ZUORA_MCP_SKIP_NODE=1            do nothing (the card's build check and browser tests then skip)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
dest=${ZUORA_MCP_CARD_TOOLS:-$repo/.cache/card}
bin=$dest/node_modules/.bin

if [ "${ZUORA_MCP_SKIP_NODE:-}" = "1" ]; then
    echo "card-tools: skipped (ZUORA_MCP_SKIP_NODE=1)" >&2
    exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "card-tools: node and npm are not on PATH. The approval card is built and tested with packages from" >&2
    echo "the npm registry: install Node.js 20 or newer with npm, or set ZUORA_MCP_SKIP_NODE=1 to skip on purpose." >&2
    exit 1
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
    echo "card-tools: the ext-apps library needs Node 20 or newer (found $(node --version))." >&2
    exit 1
fi

mkdir -p "$dest"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$dest/.lock"
    flock -w 900 9
fi

want=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ -f "$dest/.installed" ] && [ "$(cat "$dest/.installed")" = "$want" ] && [ -x "$bin/esbuild" ]; then
    echo "$bin"
    exit 0
fi

rm -f "$dest/.installed"
cp "$here/package.json" "$here/package-lock.json" "$dest/"
started=$(date +%s)
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error) >&2
echo "$want" >"$dest/.installed"
echo "card-tools: installed into $dest in $(( $(date +%s) - started ))s" >&2
echo "$bin"
