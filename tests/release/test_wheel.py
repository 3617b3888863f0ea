"""The wheel works alone: built from this checkout, installed into a fresh venv outside the repository,
its commands run with nothing from the repository on the path; and uvx runs it as users do."""

from __future__ import annotations

import zipfile
from pathlib import Path

import anyio
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.release.conftest import Dist, Uv, Venv, must, run
from zuora_mcp import __version__

pytestmark = pytest.mark.e2e
# One read each server must answer on its sandbox, and tools it must list.
READS = {
    "zuora": ("get_invoice", {"invoiceKey": "INV00000001"}),
    "zoho": ("get_invoice", {"invoice_id": "460000000000101"}),
}
EXPECTED_TOOLS = {
    "zuora": {"get_invoice", "write_off_invoice", "search_operations", "describe_operation", "call_operation"},
    "zoho": {"get_invoice", "list_invoices", "write_off_invoice"},
}


def test_the_wheel_carries_every_file_of_the_package_schemas_indexes_and_sandbox_data_included(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        inside = set(wheel.namelist())
    missing = sorted(dist.source_files - inside)
    assert not missing, f"files of zuora_mcp/ that the wheel lacks (add a package-data pattern): {missing}"
    assert any(name.startswith("zuora_mcp/tool_schemas/zuora/") for name in inside)
    assert any(name.startswith("zuora_mcp/tool_schemas/zoho/") for name in inside)
    assert "zuora_mcp/providers/zuora/data/operations.json.gz" in inside


def test_the_wheel_and_the_sdist_carry_the_single_sourced_version(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        metadata = wheel.read(f"zuora_mcp-{__version__}.dist-info/METADATA").decode()
    assert f"\nVersion: {__version__}\n" in metadata
    assert dist.sdist.name == f"zuora_mcp-{__version__}.tar.gz"


def test_the_installed_package_is_the_wheel_not_the_repository(installed: Venv) -> None:
    done = must(
        run(
            [
                str(installed.python),
                "-c",
                "import zuora_mcp, importlib.metadata as m; print(zuora_mcp.__file__); print(m.version('zuora-mcp'))",
            ],
            env=installed.env(),
            cwd=installed.workdir,
        )
    )
    location, version = done.stdout.split()
    assert Path(location).is_relative_to(installed.root)
    assert version == __version__


def test_zuora_mcp_version_from_the_wheel_prints_the_package_version(installed: Venv) -> None:
    done = must(run([str(installed.script), "--version"], env=installed.env(), cwd=installed.workdir))
    assert done.stdout.strip() == f"zuora-mcp {__version__}"


@pytest.mark.parametrize("provider", ["zuora", "zoho"])
def test_zuora_mcp_demo_from_the_wheel_plays_its_session_for_each_provider(installed: Venv, provider: str) -> None:
    args = [str(installed.script), "demo", "--provider", provider, "--no-color"]
    done = must(run(args, env=installed.env(), cwd=installed.workdir))
    output = done.stdout + done.stderr
    assert "sandbox tenant at http://127.0.0.1:" in output
    assert "Traceback" not in output, output[-4000:]


@pytest.mark.parametrize("provider", ["zuora", "zoho"])
def test_zuora_mcp_tools_from_the_wheel_reads_the_packaged_schemas(installed: Venv, provider: str) -> None:
    args = [str(installed.script), "tools", "--provider", provider]
    done = must(run(args, env=installed.env(), cwd=installed.workdir))
    assert "get_invoice" in done.stdout


@pytest.mark.anyio
@pytest.mark.parametrize("provider", ["zuora", "zoho"])
async def test_zuora_mcp_serve_sandbox_from_the_wheel_answers_an_mcp_client_over_stdio(
    installed: Venv, provider: str, tmp_path: Path
) -> None:
    params = StdioServerParameters(
        command=str(installed.script),
        args=["serve", "--provider", provider, "--sandbox"],
        env=installed.env(),
        cwd=str(installed.workdir),
    )
    tool, arguments = READS[provider]
    errlog = tmp_path / "stderr.txt"
    with anyio.fail_after(60), errlog.open("w") as stderr:
        async with Client(stdio_client(params, errlog=stderr), mode="legacy") as client:
            names = {t.name for t in (await client.list_tools()).tools}
            read = await client.call_tool(tool, arguments)
    assert EXPECTED_TOOLS[provider] <= names, (names, errlog.read_text()[-3000:])
    assert not read.is_error, (read.content, errlog.read_text()[-3000:])


def test_uvx_runs_the_demo_straight_from_the_wheel_file(dist: Dist, uv: Uv, tmp_path: Path) -> None:
    args = [str(uv.uvx), "--from", str(dist.wheel), "zuora-mcp", "demo", "--no-color"]
    done = must(run(args, env=uv.env, cwd=tmp_path, timeout=240.0))
    output = done.stdout + done.stderr
    assert "sandbox tenant at http://127.0.0.1:" in output
    assert "Traceback" not in output, output[-4000:]
