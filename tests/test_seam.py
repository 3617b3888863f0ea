"""The provider seam holds: the core imports no provider, HTTP and MCP stay where they belong, and
every catalog tool can be traced to the operation of its provider's spec.

The rules are drawn in :mod:`zuora_mcp.provider`. They are checked two ways: statically over every
import statement of every core module (function-level imports included, so a lazy import cannot hide
a dependency), and at run time by importing the core in a fresh interpreter and looking at which
modules were loaded (so a dependency through another module cannot hide either).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from zuora_mcp.catalog import META_OPERATION, load_catalog, tool_definition
from zuora_mcp.derive.spec import load_spec
from zuora_mcp.providers import PROVIDERS, get_provider
from zuora_mcp.schemas import load_tool_file

PACKAGE = Path(__file__).resolve().parent.parent / "zuora_mcp"
SPEC_DIR = PACKAGE.parent.parent / "shared" / "spec"

# The shared client's modules: the only core modules that talk HTTP to a billing system.
# Plus the identity provider's key-set fetcher: it talks to the OAuth issuer, never a billing system.
HTTP_CLIENT_MODULES = {"zuora_mcp.client", "zuora_mcp._answers", "zuora_mcp._retry", "zuora_mcp.identity.jwks"}
# The MCP boundary and the commands that drive the server as a client.
MCP_MODULES = {"zuora_mcp.server", "zuora_mcp.commands.serve", "zuora_mcp.commands.demo"}
# Serving HTTP (not talking to a vendor): the server's listener and the tenants' loopback host.
ASGI_SERVER_MODULES = {"zuora_mcp.http_listener", "zuora_mcp.tenant_kit.loopback"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_provider_module(name: str) -> bool:
    return name.startswith("zuora_mcp.providers.") and name.split(".")[2] in PROVIDERS


def _core_modules() -> dict[str, Path]:
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: path for name, path in modules.items() if not _is_provider_module(name)}


def _imports(path: Path) -> set[str]:
    """Every module an import statement in ``path`` names, wherever the statement stands."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


CORE = _core_modules()


def test_the_core_is_found_and_both_providers_are_packages_outside_it() -> None:
    assert {"zuora_mcp.server", "zuora_mcp.executor", "zuora_mcp.guard", "zuora_mcp.providers"} <= CORE.keys()
    assert not any(_is_provider_module(name) for name in CORE)
    assert set(PROVIDERS) == {"zuora", "zoho"}


@pytest.mark.parametrize("module", sorted(CORE), ids=str)
def test_no_core_module_imports_a_provider(module: str) -> None:
    reached = sorted(name for name in _imports(CORE[module]) if _is_provider_module(name))
    assert reached == [], f"{module} imports {reached}; reach a provider through zuora_mcp.providers.get_provider"


@pytest.mark.parametrize("module", sorted(CORE), ids=str)
def test_only_the_shared_client_imports_the_http_library(module: str) -> None:
    http = {name for name in _imports(CORE[module]) if name.split(".")[0] in {"httpx2", "httpx", "requests"}}
    if module not in HTTP_CLIENT_MODULES:
        assert http == set(), f"{module} imports {sorted(http)}; only the shared client talks HTTP"


@pytest.mark.parametrize("module", sorted(CORE), ids=str)
def test_only_the_server_and_its_driving_commands_import_mcp(module: str) -> None:
    found = {name for name in _imports(CORE[module]) if name.split(".")[0] == "mcp"}
    if module not in MCP_MODULES:
        assert found == set(), f"{module} imports {sorted(found)}; only the MCP boundary may"


@pytest.mark.parametrize("module", sorted(CORE), ids=str)
def test_only_listeners_import_an_asgi_server(module: str) -> None:
    found = {name for name in _imports(CORE[module]) if name.split(".")[0] in {"uvicorn", "starlette"}}
    if module not in ASGI_SERVER_MODULES:
        assert found == set(), f"{module} imports {sorted(found)}"


def test_importing_the_whole_core_loads_no_provider() -> None:
    # A fresh interpreter: what the core pulls in at import time, through any chain of modules.
    # The registry and zuora_mcp.config only reach a provider when asked for one by name.
    names = sorted(name for name in CORE if not name.endswith("__main__"))
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('zuora_mcp.providers.'))\n"
        "print(loaded)\n"
    )
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_provider_imports_no_other_provider() -> None:
    for name in PROVIDERS:
        folder = PACKAGE / "providers" / name
        for path in folder.rglob("*.py"):
            others = {
                module for module in _imports(path) if _is_provider_module(module) and module.split(".")[2] != name
            }
            assert others == set(), f"{path} imports {sorted(others)}"


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_every_catalog_tool_names_its_spec_operation_in_meta(provider: str) -> None:
    tools = load_catalog(provider)
    spec_path = SPEC_DIR / get_provider(provider).spec_name
    operations = {op.operation_id for op in load_spec(spec_path).operations()} if spec_path.is_file() else None
    for tool in tools:
        meta = tool_definition(tool)["_meta"]
        assert (
            meta[META_OPERATION] == tool.operation_id == load_tool_file(tool.name, provider)["operation"]["operationId"]
        )
        if operations is not None:
            assert tool.operation_id in operations, f"{provider}/{tool.name}: {tool.operation_id} is not in the spec"
        json.dumps(meta)  # plain JSON, as it travels


@pytest.mark.parametrize("module", sorted(CORE), ids=str)
def test_no_core_module_builds_a_path_into_a_provider_package(module: str) -> None:
    # A provider's files (its index, its schemas) reach the core through its Provider value.
    text = CORE[module].read_text(encoding="utf-8")
    for name in PROVIDERS:
        assert f'"providers" / "{name}"' not in text, f"{module} points into providers/{name}"
        assert f"providers/{name}/" not in text.replace(f"zuora_mcp/providers/{name}/", ""), module
