"""Fixtures for the approval card's tests: its pinned npm packages, Debian's Chromium, the test host's bundle.

The npm packages (ext-apps, esbuild, playwright-core) come from ``apps/approval-card/package-lock.json``
through ``apps/approval-card/tools.sh`` into ``.cache/card``. Chromium is Debian's ``chromium`` package
(installed with apt-get when it is missing and this process may); Playwright never downloads a browser.
``ZUORA_MCP_SKIP_NODE=1`` skips these tests on purpose; otherwise a missing tool fails them loudly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CARD_DIR = REPO / "apps" / "approval-card"
TOOLS_SCRIPT = CARD_DIR / "tools.sh"
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
CHROMIUM = Path(os.environ.get("ZUORA_MCP_CHROMIUM", "/usr/bin/chromium"))
INSTALL_TIMEOUT = 600.0
BUILD_TIMEOUT = 120.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass(frozen=True)
class CardTools:
    """The installed npm packages: ``modules`` is the node_modules directory build scripts resolve from."""

    modules: Path
    node: str

    def run(self, args: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own scripts under the pinned packages
            [self.node, *args], capture_output=True, text=True, timeout=timeout, check=False
        )


@pytest.fixture(scope="session")
def card_tools() -> CardTools:
    if os.environ.get("ZUORA_MCP_SKIP_NODE") == "1":
        pytest.skip("ZUORA_MCP_SKIP_NODE=1: the approval card's Node-based tests were skipped on purpose")
    done = subprocess.run(  # noqa: S603 - our own script
        [str(TOOLS_SCRIPT)], capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
    )
    if done.returncode != 0:
        pytest.fail(
            f"Could not install the approval card's npm packages (apps/approval-card/tools.sh exited "
            f"{done.returncode}). Set ZUORA_MCP_SKIP_NODE=1 to skip on purpose.\n{done.stderr[-3000:]}"
        )
    bin_dir = Path(done.stdout.strip().splitlines()[-1])
    node = shutil.which("node")
    assert node is not None, "tools.sh succeeded without node on PATH"
    return CardTools(modules=bin_dir.parent, node=node)


@pytest.fixture(scope="session")
def chromium(card_tools: CardTools) -> Path:
    """Debian's Chromium; installed with apt-get when missing and we run as root (CI images do)."""
    if not CHROMIUM.exists() and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]):
            subprocess.run(command, capture_output=True, timeout=INSTALL_TIMEOUT, check=False, env=env)  # noqa: S603
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium), point "
            "ZUORA_MCP_CHROMIUM at a Chromium binary, or set ZUORA_MCP_SKIP_NODE=1 to skip these tests on purpose."
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def host_bundle(card_tools: CardTools, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test host's script with the ext-apps host-side bridge bundled in (esbuild, pinned)."""
    out = tmp_path_factory.mktemp("host") / "host.js"
    build = (
        "const esbuild = require('esbuild');"
        "esbuild.buildSync({entryPoints: [process.argv[1]], bundle: true, format: 'iife', outfile: process.argv[2],"
        " nodePaths: [process.argv[3]], logLevel: 'warning', target: ['chrome120']});"
    )
    done = subprocess.run(  # noqa: S603 - node with a fixed script
        [card_tools.node, "-e", build, str(HERE / "host" / "host.js"), str(out), str(card_tools.modules)],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
        env={**os.environ, "NODE_PATH": str(card_tools.modules)},
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
