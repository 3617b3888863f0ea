"""Fixtures for the release tests: the wheel, sdist and MCP bundle built from this checkout, a fresh
virtual environment outside the repository with the wheel installed, and uv as users run it.

Everything is built once per test session (``scripts/dist.sh``, the same script as ``make dist``) into a
temporary folder. Installing resolves the dependencies from PyPI, as a user's install does; every
subprocess has a deadline, so a stuck registry fails the test instead of hanging CI.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DIST_SCRIPT = REPO / "scripts" / "dist.sh"
NODE_TOOLS_SCRIPT = REPO / "scripts" / "node-tools.sh"
BUILD_TIMEOUT = 300.0
INSTALL_TIMEOUT = 300.0
RUN_TIMEOUT = 120.0
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: nothing of this repository's venv, no billing settings."""
    dropped = ("ZUORA_", "ZOHO_", "COVERAGE", "UV_")
    exact = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped) and k not in exact}
    # The test venv's bin first on PATH would shadow the fresh install; keep it out.
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env.update(extra)
    return env


def run(
    args: list[str], *, env: dict[str, str], cwd: Path, timeout: float = RUN_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion within ``timeout``; its output is captured for the assertion message."""
    return subprocess.run(  # noqa: S603 - our own scripts and the binaries they install
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def must(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """``done`` if it exited 0; otherwise fail with what it printed."""
    if done.returncode != 0:
        pytest.fail(
            f"{done.args!r} exited {done.returncode}\n--- stdout ---\n{done.stdout[-4000:]}\n"
            f"--- stderr ---\n{done.stderr[-4000:]}"
        )
    return done


def package_files() -> frozenset[str]:
    """Every file of the package in the source tree, as a path inside the wheel (bytecode aside)."""
    return frozenset(
        path.relative_to(REPO).as_posix()
        for path in (REPO / "zuora_mcp").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


@dataclass(frozen=True)
class Dist:
    """What ``scripts/dist.sh`` built: the wheel and the sdist (and, once asked for, the bundle)."""

    folder: Path
    version: str
    # The package's files in the source tree just before the build (bytecode aside), as wheel paths.
    source_files: frozenset[str]

    @property
    def wheel(self) -> Path:
        return self.folder / f"zuora_mcp-{self.version}-py3-none-any.whl"

    @property
    def sdist(self) -> Path:
        return self.folder / f"zuora_mcp-{self.version}.tar.gz"

    @property
    def bundle(self) -> Path:
        return self.folder / f"zuora-mcp-{self.version}.mcpb"


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """The wheel and sdist of this checkout, built once per session with ``python -m build``."""
    from zuora_mcp import __version__

    folder = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "PYTHON": sys.executable}
    source_files = package_files()
    must(run([str(DIST_SCRIPT), "--python-only", str(folder)], env=env, cwd=REPO, timeout=BUILD_TIMEOUT))
    built = Dist(folder, __version__, source_files)
    assert built.wheel.is_file(), sorted(p.name for p in folder.iterdir())
    assert built.sdist.is_file(), sorted(p.name for p in folder.iterdir())
    return built


@dataclass(frozen=True)
class Venv:
    """A fresh virtual environment outside the repository with only the wheel (and its dependencies)."""

    root: Path
    workdir: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def script(self) -> Path:
        return self.root / "bin" / "zuora-mcp"

    def env(self, **extra: str) -> dict[str, str]:
        return clean_env(**extra)


@pytest.fixture(scope="session")
def installed(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """``python -m venv`` + ``pip install <wheel>`` with wheels only: no dependency may need a compiler."""
    base = tmp_path_factory.mktemp("fresh")
    venv = Venv(base / "venv", base / "work")
    venv.workdir.mkdir()
    env = clean_env()
    must(run([sys.executable, "-m", "venv", str(venv.root)], env=env, cwd=venv.workdir, timeout=INSTALL_TIMEOUT))
    install = [str(venv.python), "-m", "pip", "install", "--quiet", "--only-binary=:all:", str(dist.wheel)]
    must(run(install, env=env, cwd=venv.workdir, timeout=INSTALL_TIMEOUT))
    return venv


@dataclass(frozen=True)
class Uv:
    """uv from the dev extra, with its own cache and no Python downloads (only PyPI is reached)."""

    bin_dir: Path
    env: dict[str, str]

    @property
    def uv(self) -> Path:
        return self.bin_dir / "uv"

    @property
    def uvx(self) -> Path:
        return self.bin_dir / "uvx"


@pytest.fixture(scope="session")
def uv(tmp_path_factory: pytest.TempPathFactory) -> Uv:
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "uv").exists() or not (bin_dir / "uvx").exists():
        pytest.fail(f"uv is missing from {bin_dir}: install the dev extra (make install) before the release tests")
    home = tmp_path_factory.mktemp("uv")
    env = clean_env(
        # The cache lives in the repository's .cache (ignored by git), so a second run reuses the downloads.
        UV_CACHE_DIR=str(REPO / ".cache" / "uv"),
        UV_TOOL_DIR=str(home / "tools"),
        UV_TOOL_BIN_DIR=str(home / "bin"),
        # The interpreter running the tests; uv must not download one (only package registries are reachable).
        UV_PYTHON=sys.executable,
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
    )
    # An MCPB host runs the bundle's "uv" from PATH: this uv, and not the one of another venv.
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    return Uv(bin_dir, env)


@dataclass(frozen=True)
class NodeTools:
    """The pinned npm tools (mcpb among them) and the environment to run them in."""

    bin_dir: Path
    env: dict[str, str]

    @property
    def mcpb_package(self) -> Path:
        return self.bin_dir.parent / "@anthropic-ai" / "mcpb"


@pytest.fixture(scope="session")
def node_tools(tmp_path_factory: pytest.TempPathFactory) -> NodeTools:
    """Install (or find in the cache) the pinned npm tools; ``ZUORA_MCP_SKIP_NODE=1`` skips on purpose."""
    if os.environ.get("ZUORA_MCP_SKIP_NODE") == "1":
        pytest.skip("ZUORA_MCP_SKIP_NODE=1: the Node-based release tests were skipped on purpose")
    done = run([str(NODE_TOOLS_SCRIPT)], env=dict(os.environ), cwd=REPO, timeout=900.0)
    if done.returncode != 0:
        pytest.fail(f"scripts/node-tools.sh exited {done.returncode}:\n{done.stderr[-3000:]}")
    bin_dir = Path(done.stdout.strip().splitlines()[-1])
    home = tmp_path_factory.mktemp("node-home")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": str(home)}
    return NodeTools(bin_dir, env)


class Process:
    """A long-running child (a sandbox tenant) whose output lines are read by a thread, within deadlines."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.popen = subprocess.Popen(  # noqa: S603 - our own console script
            args,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert self.popen.stdout is not None
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line.rstrip("\n"))

    def values(self, names: tuple[str, ...], timeout: float = START_TIMEOUT) -> dict[str, str]:
        """The ``NAME=value`` lines the process prints for each of ``names``."""
        found: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        while len(found) < len(names) and (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.popen.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if (match := re.match(r"\s*([A-Z_]+)=(\S+)$", line)) and match.group(1) in names:
                found[match.group(1)] = match.group(2)
        if len(found) < len(names):
            self.stop()
            pytest.fail(f"{self.popen.args!r} did not print {names}; output:\n" + "\n".join(self.seen))
        return found

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=STOP_TIMEOUT)
        self.reader.join(timeout=STOP_TIMEOUT)
        if self.popen.stdout is not None:
            self.popen.stdout.close()


SANDBOX_VALUES = {
    "zuora": ("ZUORA_BASE_URL", "ZUORA_CLIENT_ID", "ZUORA_CLIENT_SECRET"),
    "zoho": (
        "ZOHO_BASE_URL",
        "ZOHO_ACCOUNTS_URL",
        "ZOHO_ORGANIZATION_ID",
        "ZOHO_CLIENT_ID",
        "ZOHO_CLIENT_SECRET",
        "ZOHO_REFRESH_TOKEN",
    ),
}


@pytest.fixture(scope="session")
def sandboxes(installed: Venv) -> Iterator[dict[str, dict[str, str]]]:
    """A stand-alone sandbox tenant per provider (from the installed wheel), and what reaches each."""
    processes: list[Process] = []
    try:
        found: dict[str, dict[str, str]] = {}
        for provider, names in SANDBOX_VALUES.items():
            args = [str(installed.script), "sandbox", "--provider", provider, "--port", "0"]
            process = Process(args, installed.env(), installed.workdir)
            processes.append(process)
            found[provider] = process.values(names)
        yield found
    finally:
        for process in processes:
            process.stop()


@pytest.fixture(scope="session")
def bundle(dist: Dist, node_tools: NodeTools) -> Path:
    """The MCP bundle packed from the sdist's files and manifest.json (``scripts/dist.sh --bundle-only``)."""
    env = {**node_tools.env, "PYTHON": sys.executable}
    must(run([str(DIST_SCRIPT), "--bundle-only", str(dist.folder)], env=env, cwd=REPO, timeout=BUILD_TIMEOUT))
    assert dist.bundle.is_file(), sorted(p.name for p in dist.folder.iterdir())
    return dist.bundle


@pytest.fixture(scope="session")
def release_entry(bundle: Path) -> Path:
    """The registry entry ``scripts/dist.sh`` writes beside the bundle (server.json plus the bundle)."""
    return bundle.with_name("server.json")
