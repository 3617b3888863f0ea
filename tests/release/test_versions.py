"""One version, one source: ``zuora_mcp.__version__``; everything that names a version repeats it."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from tests.release.conftest import REPO
from zuora_mcp import __version__
from zuora_mcp.cli import main


def test_the_package_version_is_one_plain_release_number() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?", __version__), __version__


def test_pyproject_reads_the_version_from_the_package_instead_of_repeating_it() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "zuora_mcp.__version__"}


def test_the_version_line_is_a_literal_setuptools_and_the_dist_script_read_without_importing() -> None:
    lines = (REPO / "zuora_mcp" / "__init__.py").read_text().splitlines()
    assert f'__version__ = "{__version__}"' in lines


def test_zuora_mcp_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"zuora-mcp {__version__}"


def test_the_bundle_manifest_carries_the_package_version() -> None:
    manifest = json.loads((REPO / "manifest.json").read_text())
    assert manifest["version"] == __version__


def test_the_registry_entry_and_each_of_its_packages_carry_the_package_version() -> None:
    entry = json.loads((REPO / "server.json").read_text())
    assert entry["version"] == __version__
    assert [package["version"] for package in entry["packages"]] == [__version__] * len(entry["packages"])
