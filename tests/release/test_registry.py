"""server.json, the MCP Registry entry: valid against the registry's published schema (vendored here,
see README.md beside this file), naming the PyPI package and the settings the server reads, with every
credential marked secret."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from tests.release.conftest import REPO
from zuora_mcp.config import CORE_SETTINGS, MODES
from zuora_mcp.providers import PROVIDERS, get_provider
from zuora_mcp.providers.zoho.settings import DATA_CENTERS
from zuora_mcp.providers.zuora.settings import ENVIRONMENTS

SCHEMA_FILE = Path(__file__).with_name("server.schema.json")
SCHEMA_SHA256 = "d4c163f299ece68b7432f4e44c4108f2fdb663d99dc088c8344142e5b0a4b520"
SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
# What a user must keep out of sight: credentials and anything naming the organisation.
CREDENTIALS = {
    "ZUORA_CLIENT_ID",
    "ZUORA_CLIENT_SECRET",
    "ZUORA_ACCESS_TOKEN",
    "ZOHO_CLIENT_ID",
    "ZOHO_CLIENT_SECRET",
    "ZOHO_REFRESH_TOKEN",
    "ZOHO_ORGANIZATION_ID",
    "ZUORA_MCP_HTTP_TOKEN",
    "ZUORA_MCP_SECRET_KEY",
}


def entry() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPO / "server.json").read_text())
    return loaded


def schema_errors(document: dict[str, Any]) -> list[str]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text())
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def documented_settings() -> set[str]:
    names = {doc.env for doc in CORE_SETTINGS}
    for name in PROVIDERS:
        names |= {doc.env for doc in get_provider(name).settings_docs}
    return names


def pypi_package() -> dict[str, Any]:
    (package,) = [p for p in entry()["packages"] if p["registryType"] == "pypi"]
    found: dict[str, Any] = package
    return found


def test_the_vendored_schema_is_the_registry_file_unchanged() -> None:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    assert json.loads(SCHEMA_FILE.read_text())["$id"] == SCHEMA_URL


def test_server_json_is_valid_against_the_registry_schema_it_names() -> None:
    assert entry()["$schema"] == SCHEMA_URL
    assert schema_errors(entry()) == []


def test_the_schema_check_catches_a_broken_entry() -> None:
    broken = {**entry(), "description": "x" * 101}
    del broken["version"]
    errors = schema_errors(broken)
    assert any("version" in error for error in errors), errors
    assert any(error.startswith("description") for error in errors), errors


def test_server_json_names_the_pypi_package_and_runs_its_stdio_server() -> None:
    package = pypi_package()
    assert package["identifier"] == "zuora-mcp"
    assert package["registryBaseUrl"] == "https://pypi.org"
    assert package["runtimeHint"] == "uvx"
    assert package["transport"] == {"type": "stdio"}
    assert package["packageArguments"] == [{"type": "positional", "value": "serve"}]


def test_every_environment_variable_in_server_json_is_a_setting_the_server_reads() -> None:
    names = [variable["name"] for variable in pypi_package()["environmentVariables"]]
    assert len(names) == len(set(names))
    assert set(names) <= documented_settings(), set(names) - documented_settings()


def test_every_credential_in_server_json_is_secret_and_nothing_else_is() -> None:
    for variable in pypi_package()["environmentVariables"]:
        assert variable.get("isSecret", False) == (variable["name"] in CREDENTIALS), variable["name"]


def test_the_choices_in_server_json_are_the_ones_the_server_accepts() -> None:
    choices = {v["name"]: v.get("choices") for v in pypi_package()["environmentVariables"]}
    assert choices["ZUORA_MCP_PROVIDER"] == list(PROVIDERS)
    assert choices["ZUORA_MCP_MODE"] == list(MODES)
    assert choices["ZUORA_ENVIRONMENT"] == list(ENVIRONMENTS)
    assert choices["ZOHO_DATA_CENTER"] == list(DATA_CENTERS)


def test_the_readme_proves_pypi_ownership_with_the_server_name() -> None:
    # The registry accepts a PyPI package only if its description (our README) names the server.
    assert f"mcp-name: {entry()['name']}" in (REPO / "README.md").read_text()


@pytest.mark.e2e
@pytest.mark.node
def test_the_release_entry_adds_the_bundle_with_its_hash_and_stays_valid(release_entry: Path) -> None:
    document = json.loads(release_entry.read_text())
    assert schema_errors(document) == []
    (bundle,) = [p for p in document["packages"] if p["registryType"] == "mcpb"]
    packed = release_entry.parent / Path(bundle["identifier"]).name
    assert bundle["fileSha256"] == hashlib.sha256(packed.read_bytes()).hexdigest()
    assert bundle["identifier"].startswith(f"{document['repository']['url']}/releases/download/v")
    assert {p["registryType"] for p in document["packages"]} == {"pypi", "mcpb"}
