"""Starting the processes a run measures, and reading what the kernel says about them.

Every process binds 127.0.0.1 only. The sandbox runs in its own process so its work does not share
an interpreter (and a GIL) with the server being measured. Servers get a minimal environment: the
sandbox's URL and credentials, nothing of a real tenant.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import anyio
from mcp.client.stdio import StdioServerParameters

__all__ = [
    "BARE_HTTP",
    "BARE_STDIO",
    "OURS_HTTP",
    "OURS_STDIO",
    "Sandbox",
    "child_pid",
    "cpu_seconds",
    "http_server",
    "machine_facts",
    "peer_args",
    "rss_kib",
    "sandbox_process",
    "server_env",
    "stdio_params",
]

CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret-" + secrets.token_hex(8)
STARTUP_TIMEOUT = 30.0
_URL = re.compile(r"(http://127\.0\.0\.1:\d+(?:/mcp)?)")

# Commands (after the interpreter) for each server: ours through the same entry point a user runs.
OURS_STDIO = ("-m", "zuora_mcp", "serve")
OURS_HTTP = ("-m", "zuora_mcp", "serve", "--transport", "http", "--port", "0")
BARE_STDIO = ("-m", "bench.bare_server")
BARE_HTTP = ("-m", "bench.bare_server", "--http", "--port", "0")


def peer_args(spec: Path, http: bool = False) -> tuple[str, ...]:
    """The FastMCP peer (:mod:`bench.peers`) on ``spec``, over stdio or HTTP."""
    args = ("-m", "bench.peers", "--spec", str(spec))
    return (*args, "--http", "--port", "0") if http else args


ROOT = Path(__file__).resolve().parent.parent
_ROOT = ROOT


@dataclass(frozen=True)
class Sandbox:
    """A sandbox process: where it listens and the credentials it accepts."""

    base_url: str
    pid: int
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET


def server_env(sandbox: Sandbox, workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of a zuora-mcp server pointed at ``sandbox`` (and nothing else)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(workdir),
        "PYTHONPATH": str(_ROOT),
        "ZUORA_BASE_URL": sandbox.base_url,
        "ZUORA_CLIENT_ID": sandbox.client_id,
        "ZUORA_CLIENT_SECRET": sandbox.client_secret,
        "ZUORA_MCP_SECRET_KEY": secrets.token_hex(32),
        "ZUORA_MCP_AUDIT_LOG": str(workdir / "audit.jsonl"),
    }
    env.update(extra)
    return env


def stdio_params(args: tuple[str, ...], env: dict[str, str] | None = None) -> StdioServerParameters:
    """How the MCP client spawns a stdio server: this interpreter, ``args``, the repository as cwd."""
    return StdioServerParameters(
        command=sys.executable, args=list(args), env=env or {"PYTHONPATH": str(_ROOT)}, cwd=str(_ROOT)
    )


def _read(log: Path) -> str:
    return log.read_text(errors="replace")


async def _wait_for_url(log: Path, proc: subprocess.Popen[bytes], what: str) -> str:
    """The URL the process prints once it listens (polled: it writes to a file, not a pipe we must drain)."""
    with anyio.fail_after(STARTUP_TIMEOUT):
        while True:
            found = _URL.search(_read(log))
            if found:
                return found.group(1)
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}: {_read(log)[-4000:]}")
            await anyio.sleep(0.01)


@contextlib.contextmanager
def _spawned(argv: list[str], env: dict[str, str], log: IO[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(  # noqa: S603 (our own interpreter and modules)
        argv, env=env, cwd=str(_ROOT), stdin=subprocess.DEVNULL, stdout=log, stderr=log
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@contextlib.asynccontextmanager
async def sandbox_process(seed: Path, token_expires_in: int = 3600) -> AsyncIterator[Sandbox]:
    """``zuora-mcp sandbox`` on a free port with ``seed``, for the duration of the block."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(_ROOT),
        "ZUORA_CLIENT_ID": CLIENT_ID,
        "ZUORA_CLIENT_SECRET": CLIENT_SECRET,
    }
    argv = [sys.executable, "-m", "zuora_mcp", "sandbox", "--port", "0", "--seed", str(seed)]
    argv += ["--expires-in", str(token_expires_in)]
    with tempfile.NamedTemporaryFile(prefix="bench-sandbox-", suffix=".log") as log:
        with _spawned(argv, env, log) as proc:
            url = await _wait_for_url(Path(log.name), proc, "the sandbox")
            yield Sandbox(base_url=url, pid=proc.pid)


async def _wait_for_port(url: str) -> None:
    """Until something accepts connections at ``url`` (a server may print its URL before it listens)."""
    port = int(url.split(":")[2].split("/")[0])
    with anyio.fail_after(STARTUP_TIMEOUT):
        while True:
            try:
                stream = await anyio.connect_tcp("127.0.0.1", port)
            except OSError:
                await anyio.sleep(0.02)
                continue
            await stream.aclose()
            return


@contextlib.asynccontextmanager
async def http_server(args: tuple[str, ...], env: dict[str, str]) -> AsyncIterator[tuple[str, int]]:
    """An MCP server over streamable HTTP; yields its ``/mcp`` URL and pid once it accepts connections."""
    with tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log") as log:
        with _spawned([sys.executable, *args], env, log) as proc:
            url = await _wait_for_url(Path(log.name), proc, " ".join(args))
            await _wait_for_port(url)
            yield url, proc.pid


def child_pid(marker: tuple[str, ...]) -> int:
    """The pid of this process's child running ``python *marker`` (the newest, if several)."""
    me = os.getpid()
    found: list[tuple[float, int]] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != me:
                continue
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            if tuple(a for a in argv[1:] if a) == marker:
                found.append((float(stat.rsplit(")", 1)[1].split()[19]), int(entry.name)))
    if not found:
        raise LookupError(f"no child process runs {' '.join(marker)}")
    return max(found)[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time ``pid`` has used so far (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (``VmRSS`` from ``/proc/PID/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError(f"no VmRSS for pid {pid}")


def machine_facts() -> dict[str, Any]:
    """What a reader needs to compare a run with theirs."""
    import platform

    import mcp

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "loadavg_at_start": [round(x, 2) for x in load],
        "mcp": _version("mcp") or getattr(mcp, "__version__", ""),
        "httpx2": _version("httpx2"),
        "uvicorn": _version("uvicorn"),
        "pydantic": _version("pydantic"),
        "zuora_mcp": _version("zuora-mcp"),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return ""
