"""The MCP bundle (manifest.json, MCPB 0.4, server type uv): its user configuration maps onto the
settings the server reads with every credential sensitive; ``mcpb validate`` and ``mcpb pack`` pass;
and the packed bundle, unpacked as a host unpacks it, starts from its own files on each sandbox."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.release.conftest import REPO, NodeTools, Uv, must, run
from tests.release.test_registry import CREDENTIALS, documented_settings
from zuora_mcp.config import MODES
from zuora_mcp.providers import PROVIDERS
from zuora_mcp.providers.zoho.settings import DATA_CENTERS
from zuora_mcp.providers.zuora.settings import ENVIRONMENTS

RESOLVER = Path(__file__).with_name("resolve_mcp_config.mjs")
REFERENCE = re.compile(r"\$\{user_config\.([a-z_]+)\}")


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPO / "manifest.json").read_text())
    return loaded


def env_by_field() -> dict[str, set[str]]:
    """user_config field → the environment variables it fills."""
    fields: dict[str, set[str]] = {}
    for name, value in manifest()["server"]["mcp_config"]["env"].items():
        for field in REFERENCE.findall(value):
            fields.setdefault(field, set()).add(name)
    return fields


def test_the_manifest_uses_the_uv_server_type_of_manifest_version_0_4() -> None:
    server = manifest()["server"]
    assert manifest()["manifest_version"] == "0.4"
    assert server["type"] == "uv"
    assert (REPO / server["entry_point"]).is_file()
    assert server["mcp_config"]["command"] == "uv"
    assert server["mcp_config"]["args"][-3:] == ["-m", "zuora_mcp", "serve"]


def test_every_variable_the_manifest_sets_is_a_setting_the_server_reads() -> None:
    names = set(manifest()["server"]["mcp_config"]["env"])
    assert names <= documented_settings(), names - documented_settings()


def test_every_user_config_field_is_used_and_every_reference_names_a_field() -> None:
    assert set(env_by_field()) == set(manifest()["user_config"])


def test_credentials_are_sensitive_in_the_bundle_and_nothing_else_is() -> None:
    for field, names in env_by_field().items():
        sensitive = manifest()["user_config"][field].get("sensitive", False)
        assert sensitive == bool(names & CREDENTIALS), (field, names)
    credentials = {name for names in env_by_field().values() for name in names} & CREDENTIALS
    assert credentials == {
        "ZUORA_CLIENT_ID",
        "ZUORA_CLIENT_SECRET",
        "ZOHO_CLIENT_ID",
        "ZOHO_CLIENT_SECRET",
        "ZOHO_REFRESH_TOKEN",
        "ZOHO_ORGANIZATION_ID",
    }


def test_the_user_config_defaults_are_values_the_server_accepts() -> None:
    config = manifest()["user_config"]
    assert config["provider"]["default"] in PROVIDERS
    assert config["mode"]["default"] in MODES
    assert config["zuora_environment"]["default"] in ENVIRONMENTS
    assert config["zoho_data_center"]["default"] in DATA_CENTERS
    production = config["allow_production_writes"]
    assert (production["type"], production["default"]) == ("boolean", False)
    # An optional field needs a default: a host leaves "${user_config.x}" unreplaced when there is none.
    for field, option in config.items():
        assert option.get("required", False) or "default" in option, field


def test_the_user_config_descriptions_list_every_environment_and_data_centre() -> None:
    config = manifest()["user_config"]
    assert all(name in config["zuora_environment"]["description"] for name in ENVIRONMENTS)
    assert all(name in config["zoho_data_center"]["description"] for name in DATA_CENTERS)


@pytest.mark.e2e
@pytest.mark.node
def test_mcpb_validate_accepts_the_manifest(node_tools: NodeTools) -> None:
    done = must(run(["mcpb", "validate", str(REPO / "manifest.json")], env=node_tools.env, cwd=REPO))
    assert "Manifest schema validation passes" in done.stdout


@pytest.mark.e2e
@pytest.mark.node
def test_mcpb_pack_makes_a_bundle_of_the_package_manifest_and_pyproject_without_tests(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as packed:
        names = set(packed.namelist())
        packed_manifest = json.loads(packed.read("manifest.json"))
    assert packed_manifest == manifest()
    assert {"manifest.json", "pyproject.toml", "README.md", manifest()["server"]["entry_point"]} <= names
    assert "zuora_mcp/providers/zuora/data/operations.json.gz" in names
    assert any(name.startswith("zuora_mcp/tool_schemas/zoho/") for name in names)
    assert not [name for name in names if name.startswith(("tests/", ".venv/", "bench/")) or "__pycache__" in name]


def unpack(bundle: Path, node_tools: NodeTools, into: Path) -> Path:
    """The bundle unpacked by ``mcpb unpack``, as a host unpacks it before starting it."""
    must(run(["mcpb", "unpack", str(bundle), str(into)], env=node_tools.env, cwd=into.parent))
    return into


def resolve(node_tools: NodeTools, unpacked: Path, user_config: dict[str, str]) -> dict[str, Any]:
    """{command, args, env} as mcpb's getMcpConfigForManifest (the host's code) resolves them."""
    args = ["node", str(RESOLVER), str(node_tools.mcpb_package), str(unpacked), json.dumps(user_config)]
    done = must(run(args, env=node_tools.env, cwd=unpacked))
    resolved: dict[str, Any] = json.loads(done.stdout)
    return resolved


def user_config_for(provider: str, sandbox: dict[str, str]) -> dict[str, str]:
    """What a person would type into the host's form, pointed at the sandbox tenant."""
    if provider == "zuora":
        return {
            "provider": "zuora",
            "base_url": sandbox["ZUORA_BASE_URL"],
            "zuora_client_id": sandbox["ZUORA_CLIENT_ID"],
            "zuora_client_secret": sandbox["ZUORA_CLIENT_SECRET"],
        }
    return {
        "provider": "zoho",
        "base_url": sandbox["ZOHO_BASE_URL"],
        "zoho_client_id": sandbox["ZOHO_CLIENT_ID"],
        "zoho_client_secret": sandbox["ZOHO_CLIENT_SECRET"],
        "zoho_refresh_token": sandbox["ZOHO_REFRESH_TOKEN"],
        "zoho_organization_id": sandbox["ZOHO_ORGANIZATION_ID"],
    }


READS = {
    "zuora": ("get_invoice", {"invoiceKey": "INV00000001"}),
    "zoho": ("get_invoice", {"invoice_id": "460000000000101"}),
}


@pytest.mark.e2e
@pytest.mark.node
@pytest.mark.anyio
@pytest.mark.parametrize("provider", ["zuora", "zoho"])
async def test_the_unpacked_bundle_serves_each_sandbox_from_its_own_files_as_its_manifest_says(
    bundle: Path,
    node_tools: NodeTools,
    uv: Uv,
    sandboxes: dict[str, dict[str, str]],
    provider: str,
    tmp_path: Path,
) -> None:
    unpacked = unpack(bundle, node_tools, tmp_path / "bundle")
    config = resolve(node_tools, unpacked, user_config_for(provider, sandboxes[provider]))
    assert config["command"] == "uv"
    env = {**uv.env, **config["env"]}
    if provider == "zoho":
        env["ZOHO_ACCOUNTS_URL"] = sandboxes["zoho"]["ZOHO_ACCOUNTS_URL"]  # the token host of the sandbox
    tool, arguments = READS[provider]
    # Two launches: the manifest's mcp_config, and the entry point alone under uv, the way a host that
    # manages the uv server type itself may start it. The first installs the project and its
    # dependencies into the bundle's own .venv (uv, from PyPI).
    entry_point = ["run", "--directory", str(unpacked), manifest()["server"]["entry_point"]]
    for launch, args in (("mcp_config", config["args"]), ("entry_point", entry_point)):
        params = StdioServerParameters(command=str(uv.uv), args=args, env=env, cwd=str(tmp_path))
        errlog = tmp_path / f"{launch}.stderr.txt"
        with anyio.fail_after(180), errlog.open("w") as stderr:
            async with Client(stdio_client(params, errlog=stderr), mode="legacy") as client:
                names = {t.name for t in (await client.list_tools()).tools}
                read = await client.call_tool(tool, arguments)
        assert tool in names, (launch, errlog.read_text()[-3000:])
        assert not read.is_error, (launch, read.content, errlog.read_text()[-3000:])
    assert served_from(uv, config["args"], env, tmp_path).is_relative_to(unpacked.resolve())


def served_from(uv: Uv, args: list[str], env: dict[str, str], cwd: Path) -> Path:
    """Where the bundle's interpreter imports zuora_mcp from (the same uv run, asked a question)."""
    python = args[: args.index("python") + 1]
    done = must(run([str(uv.uv), *python, "-c", "import zuora_mcp; print(zuora_mcp.__file__)"], env=env, cwd=cwd))
    return Path(done.stdout.strip()).resolve()
