# One command per job; CI (.ci/run) calls `make test`, the README's Quickstart calls `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SPEC_DIR ?= ../shared/spec
SPEC   ?= $(SPEC_DIR)/zuora-openapi-2025-12-12-described.json

.PHONY: demo serve install test lint typecheck unit schemas schemas-check docs-check node-tools card bench bench-peers clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("zuora-mcp needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the package metadata changes.
$(VENV)/.installed: pyproject.toml zuora_mcp/__init__.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## The run command: start the server on the built-in sandbox tenant and play a short scripted session.
demo: install
	$(BIN)/zuora-mcp demo

serve: install
	$(BIN)/zuora-mcp serve --sandbox

## The test command: lint, type check, schema freshness, the whole test suite.
test: install lint typecheck schemas-check docs-check node-tools unit

lint:
	$(BIN)/ruff check zuora_mcp tests bench
	$(BIN)/ruff format --check zuora_mcp tests bench

typecheck:
	$(BIN)/mypy
	$(BIN)/mypy --strict bench

# Pinned npm clients for the end-to-end tests (tools/node/), cached in .cache/node; ZUORA_MCP_SKIP_NODE=1 skips.
node-tools:
	@scripts/node-tools.sh >/dev/null

# The approval card (an MCP App, docs/approval-card.md): rebuilds zuora_mcp/apps/approval_card.html from
# apps/approval-card/src with the pinned esbuild (apps/approval-card/package-lock.json, cached in .cache/card).
# Commit the result; tests/apps checks the committed file is what this produces.
card:
	@apps/approval-card/tools.sh >/dev/null
	node apps/approval-card/build.mjs

# The specs live outside the repo; a provider whose spec is absent (a user's clone) is skipped.
schemas-check:
	@$(BIN)/zuora-mcp schemas check --spec-dir "$(SPEC_DIR)"

# README's tool and configuration tables are generated from code; this fails when they drift.
docs-check:
	$(BIN)/python -m zuora_mcp.docs --check

schemas: install
	$(BIN)/zuora-mcp schemas build --spec-dir "$(SPEC_DIR)"

unit:
	$(BIN)/python -m pytest -q

# Figures beside floors measured in the same run; writes bench/results.json and README's Performance table.
bench: install
	$(BIN)/python -m bench --spec "$(SPEC)" --readme

# Two stateless HTTP replicas on one PostgreSQL ledger (a throwaway cluster), faults on: applied = recorded, 0 twice.
.PHONY: soak-fleet
SOAK_MINUTES ?= 1
soak-fleet: install
	$(BIN)/python -m bench.fleet_soak --minutes $(SOAK_MINUTES) --output bench/fleet-soak.json

# The optional peer row: FastMCP's from_openapi on the same operations (pinned; adds packages, upgrades none).
FASTMCP ?= 4.1.6
bench-peers: install
	$(BIN)/python -m pip install --quiet 'fastmcp==$(FASTMCP)'

# The release into dist/: wheel, sdist, MCP bundle (.mcpb) and the registry entry server.json (scripts/dist.sh).
.PHONY: dist
dist: install
	PYTHON=$(BIN)/python scripts/dist.sh dist

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist .cache/uv
