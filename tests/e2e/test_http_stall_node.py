"""The official TypeScript SDK client, keeping its connection open, gets each answer without a stall.

The same property as ``tests/server/test_http_stall.py``, with the client most people's hosts run:
``@modelcontextprotocol/sdk`` from the pinned npm tools, over undici. With Nagle on the server's
connections about half of its calls waited for a delayed ACK (44-55 ms against 9-20 ms; median 32 ms
against 13 ms under the same load). The reference is the same client with a new connection per
request, called in turn; the kept-alive median may exceed it by at most 20 ms.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from tests.e2e.conftest import HttpServer, NodeTools

pytestmark = [pytest.mark.node, pytest.mark.e2e]
PROBE = Path(__file__).with_name("stall_probe.mjs")
CALLS = 30
STALL_BOUND_MS = 20.0


def test_the_typescript_sdk_client_over_a_kept_alive_connection_is_not_slower_than_reconnecting(
    node_tools: NodeTools, http_server: HttpServer
) -> None:
    node_modules = node_tools.bin_dir.parent
    if not (node_modules / "undici" / "index.js").is_file():
        pytest.skip("undici is not among the pinned npm packages any more; the probe needs its Agent")
    done = node_tools.run(["node", str(PROBE), str(node_modules), http_server.url, str(CALLS)], timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    samples = json.loads(done.stdout.strip().splitlines()[-1])
    kept, fresh = statistics.median(samples["kept"]), statistics.median(samples["fresh"])
    assert kept - fresh < STALL_BOUND_MS, (
        f"kept-alive median {kept:.1f} ms, new-connection median {fresh:.1f} ms; "
        f"kept-alive: {sorted(round(s, 1) for s in samples['kept'])}"
    )
