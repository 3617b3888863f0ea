"""Fixtures for the end-to-end tests: pinned npm clients, and zuora-mcp processes on loopback.

The clients (MCP Inspector CLI, MCP conformance suite, Node 22) come from the npm registry through
``scripts/node-tools.sh``, pinned by ``tools/node/package-lock.json`` and cached in ``.cache/node``.
Without npm the tests fail with a message saying so; ``ZUORA_MCP_SKIP_NODE=1`` skips them on purpose.
Every process started here is stopped when its test ends, and every wait has a deadline.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx2
import pytest

REPO = Path(__file__).resolve().parents[2]
NODE_TOOLS_SCRIPT = REPO / "scripts" / "node-tools.sh"
INSTALL_TIMEOUT = 900.0  # the first install downloads about 100 MB; later runs take milliseconds
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# A secret the stdio replicas share, so a token minted by one process verifies in the next.
SHARED_SECRET_KEY = "e2e-shared-signing-key-0123456789abcdef"


@dataclass(frozen=True)
class NodeTools:
    """Where the pinned clients live, and the environment to run them in."""

    bin_dir: Path
    env: dict[str, str]

    def run(self, args: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
        """Run one of the installed binaries (``args[0]`` names it) and capture its output."""
        command = [str(self.bin_dir / args[0]), *args[1:]]
        return subprocess.run(  # noqa: S603 - fixed binaries from our own pinned install
            command, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )


@pytest.fixture(scope="session")
def node_tools(tmp_path_factory: pytest.TempPathFactory) -> NodeTools:
    """Install (or find in the cache) the pinned npm clients; fail loudly when that is impossible."""
    if os.environ.get("ZUORA_MCP_SKIP_NODE") == "1":
        pytest.skip("ZUORA_MCP_SKIP_NODE=1: the Node-based end-to-end tests were skipped on purpose")
    done = subprocess.run(  # noqa: S603 - our own script
        [str(NODE_TOOLS_SCRIPT)], capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
    )
    if done.returncode != 0:
        pytest.fail(
            "Could not install the pinned Node tools for the end-to-end tests "
            f"(scripts/node-tools.sh exited {done.returncode}). Set ZUORA_MCP_SKIP_NODE=1 to skip them on "
            f"purpose.\n{done.stderr[-3000:]}"
        )
    bin_dir = Path(done.stdout.strip().splitlines()[-1])
    home = tmp_path_factory.mktemp("node-home")
    env = {
        **os.environ,
        # Node 22 from the cache comes first, so the tools' `#!/usr/bin/env node` finds it.
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        # The Inspector keeps a catalog and client config under ~/.mcp-inspector: keep them out of $HOME.
        "HOME": str(home),
        "MCP_CATALOG_PATH": str(home / "mcp.json"),
        "MCP_CLIENT_CONFIG_PATH": str(home / "client.json"),
        "NO_COLOR": "1",
    }
    return NodeTools(bin_dir=bin_dir, env=env)


def zuora_mcp_command() -> list[str]:
    """The installed console script, beside the Python running the tests."""
    script = Path(sys.executable).with_name("zuora-mcp")
    if not script.exists():
        pytest.fail(f"{script} is missing: install the package (make install) before the end-to-end tests")
    return [str(script)]


@dataclass
class Process:
    """A child process whose stdout and stderr lines are collected by a reader thread each."""

    popen: subprocess.Popen[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)
    readers: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def start(cls, args: list[str], env: dict[str, str] | None = None) -> Process:
        popen = subprocess.Popen(  # noqa: S603 - our own console script
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        process = cls(popen)
        for stream in (popen.stdout, popen.stderr):
            assert stream is not None
            reader = threading.Thread(target=process._drain, args=(stream,), daemon=True)
            reader.start()
            process.readers.append(reader)
        return process

    def _drain(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        """The first output line matching ``pattern``; fails the test if none comes in time."""
        deadline = time.monotonic() + timeout
        compiled = re.compile(pattern)
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.popen.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if match := compiled.search(line):
                return match
        self.stop()
        output = "\n".join(self.seen)
        pytest.fail(f"{self.popen.args!r} printed no line matching {pattern!r}; output so far:\n{output}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=STOP_TIMEOUT)
        # The readers end at end of file once the process is gone; then the pipes can be closed.
        for reader in self.readers:
            reader.join(timeout=STOP_TIMEOUT)
        for stream in (self.popen.stdout, self.popen.stderr):
            if stream is not None:
                stream.close()


@dataclass(frozen=True)
class HttpServer:
    """``zuora-mcp serve --sandbox --transport http`` on loopback: its MCP URL and its sandbox's URL."""

    url: str
    sandbox_url: str


@pytest.fixture(scope="session")
def http_server() -> Iterator[HttpServer]:
    """One server with its own sandbox tenant for the session; reset the tenant before relying on its state."""
    args = [*zuora_mcp_command(), "serve", "--sandbox", "--transport", "http", "--host", "127.0.0.1", "--port", "0"]
    process = Process.start(args)
    try:
        sandbox = process.wait_for(r"sandbox tenant at (http://127\.0\.0\.1:\d+)").group(1)
        url = process.wait_for(r"serving MCP over streamable HTTP at (http://127\.0\.0\.1:\d+/mcp)").group(1)
        yield HttpServer(url=url, sandbox_url=sandbox)
    finally:
        process.stop()


@dataclass(frozen=True)
class Sandbox:
    """A stand-alone sandbox tenant (``zuora-mcp sandbox``) that several server processes can share."""

    base_url: str
    client_id: str
    client_secret: str

    def server_env(self) -> dict[str, str]:
        """What a ``zuora-mcp serve`` replica needs to reach this tenant and honour the others' tokens."""
        return {
            "ZUORA_BASE_URL": self.base_url,
            "ZUORA_CLIENT_ID": self.client_id,
            "ZUORA_CLIENT_SECRET": self.client_secret,
            "ZUORA_MCP_SECRET_KEY": SHARED_SECRET_KEY,
        }


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """A stand-alone sandbox tenant on loopback for the session; reset it before relying on its state."""
    process = Process.start([*zuora_mcp_command(), "sandbox", "--port", "0"])
    try:
        base_url = process.wait_for(r"ZUORA_BASE_URL=(\S+)").group(1)
        client_id = process.wait_for(r"ZUORA_CLIENT_ID=(\S+)").group(1)
        client_secret = process.wait_for(r"ZUORA_CLIENT_SECRET=(\S+)").group(1)
        yield Sandbox(base_url=base_url, client_id=client_id, client_secret=client_secret)
    finally:
        process.stop()


def reset_sandbox(base_url: str) -> None:
    """Put the tenant back to its demo data and zero its counters (its admin API)."""
    httpx2.post(f"{base_url}/_sandbox/reset", timeout=10.0).raise_for_status()


def sandbox_counters(base_url: str) -> dict[str, object]:
    """The sandbox's request and write counters (its admin API)."""
    answer = httpx2.get(f"{base_url}/_sandbox/counters", timeout=10.0)
    answer.raise_for_status()
    counters: dict[str, object] = answer.json()
    return counters
