"""Zoho Billing in the bench: tools/list size, cold start and per-call ratios against the Zoho tenant.

Everything here runs in one section, interleaved, beside floors measured in the same run:

- **tools/list** in cl100k tokens: the Zoho catalog (``tools_list_payload("zoho")``) and the whole
  Zoho server's listing, beside FastMCP's ``from_openapi`` on the same Zoho spec (all its
  operations; when FastMCP is installed, ``make bench-peers``) and beside the hosted Zoho MCP server's
  figure as users report it (quoted, not measured: ``QUOTED_HOSTED``).
- **cold start**: ``zuora-mcp serve --provider zoho`` spawn → first tools/list over stdio, alternating
  with the bare server (:mod:`bench.bare_server`).
- **per call**: Zoho ``get_invoice`` over stdio and over streamable HTTP with a kept-alive client,
  beside the bare server's ``fetch`` making the same GET with Zoho's auth headers
  (``Authorization: Zoho-oauthtoken …`` and the organisation header), and a direct httpx2 GET; in
  interleaved rounds, medians with the range of the rounds' medians, server CPU per call.

The Zoho tenant is ``zuora-mcp sandbox --provider zoho`` in its own process (the demo organisation).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp.client import Client
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from bench import procs
from bench.cold_start import _start_to_tools_list
from bench.latency import Path_, _figure, _timed, _tool_call
from bench.stats import ratio, summarize

__all__ = ["QUOTED_HOSTED", "ZOHO_SPEC", "measure_zoho", "measure_zoho_footprint"]

ZOHO_SPEC = procs.ROOT.parent / "shared" / "spec" / "zoho" / "zoho-billing-invoices.openapi.json"
# Not measured: what users report for Zoho's hosted MCP server (no account here to measure it).
QUOTED_HOSTED: dict[str, Any] = {
    "tokens": 30_000,
    "text": "~30k tokens per request for the hosted Zoho MCP (vs ~3k for a curated server)",
    "source": "user complaint quoted in InfraXAI/zoho-books-mcp-server's README; /work/shared/notes/zoho.md §4 M4",
    "measured": False,
}
OURS_ZOHO_STDIO = ("-m", "zuora_mcp", "serve", "--provider", "zoho")
OURS_ZOHO_HTTP = ("-m", "zuora_mcp", "serve", "--provider", "zoho", "--transport", "http", "--port", "0")
_READ_INVOICE = "INV-000001"
_ORGANIZATION_HEADER = "X-com-zoho-subscriptions-organizationid"


@dataclass(frozen=True)
class ZohoTenant:
    """A Zoho sandbox process: its API base, accounts host and the self client's credentials."""

    accounts_url: str
    base_url: str
    pid: int
    client_id: str
    client_secret: str
    refresh_token: str
    organization_id: str


@contextlib.asynccontextmanager
async def zoho_process() -> AsyncIterator[ZohoTenant]:
    """``zuora-mcp sandbox --provider zoho --port 0`` (the demo organisation, default credentials) for the block."""
    from zuora_mcp.providers.zoho.sandbox import server

    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(procs.ROOT)}
    argv = [sys.executable, "-m", "zuora_mcp", "sandbox", "--provider", "zoho", "--port", "0"]
    with tempfile.NamedTemporaryFile(prefix="bench-zoho-", suffix=".log") as log:
        with procs._spawned(argv, env, log) as proc:
            origin = await procs._wait_for_url(Path(log.name), proc, "the Zoho sandbox")
            await procs._wait_for_port(origin)
            yield ZohoTenant(
                accounts_url=origin,
                base_url=origin + "/billing/v1",
                pid=proc.pid,
                client_id=server.DEFAULT_CLIENT_ID,
                client_secret=server.DEFAULT_CLIENT_SECRET,
                refresh_token=server.DEFAULT_REFRESH_TOKEN,
                organization_id=server.DEFAULT_ORGANIZATION_ID,
            )


def zoho_env(tenant: ZohoTenant, workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of ``zuora-mcp serve --provider zoho`` pointed at ``tenant`` (and nothing else)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(workdir),
        "PYTHONPATH": str(procs.ROOT),
        "ZUORA_MCP_PROVIDER": "zoho",
        "ZOHO_BASE_URL": tenant.base_url,
        "ZOHO_ACCOUNTS_URL": tenant.accounts_url,
        "ZOHO_CLIENT_ID": tenant.client_id,
        "ZOHO_CLIENT_SECRET": tenant.client_secret,
        "ZOHO_REFRESH_TOKEN": tenant.refresh_token,
        "ZOHO_ORGANIZATION_ID": tenant.organization_id,
        "ZUORA_MCP_SECRET_KEY": secrets.token_hex(32),
        "ZUORA_MCP_LEDGER": str(workdir / "zoho-ledger.db"),
    }
    env.update(extra)
    return env


async def _token(http: httpx2.AsyncClient, tenant: ZohoTenant) -> str:
    answer = await http.post(
        tenant.accounts_url + "/oauth/v2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": tenant.client_id,
            "client_secret": tenant.client_secret,
            "refresh_token": tenant.refresh_token,
        },
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


# --- tools/list ---------------------------------------------------------------------------------


def _tokens(payload: Any) -> dict[str, Any]:
    from zuora_mcp.catalog.report import wire_text
    from zuora_mcp.context_size import size_of

    size, tokens = size_of(wire_text(payload))
    return {"tools": len(payload["tools"]), "bytes": size, "tokens": tokens}


async def _whole_server_tools() -> list[dict[str, Any]]:
    """tools/list of a Zoho server with default settings (placeholder URLs: nothing is called)."""
    from zuora_mcp.client import BillingClient
    from zuora_mcp.config import load_settings
    from zuora_mcp.server import build_app, build_server

    environ = {
        "ZOHO_BASE_URL": "http://127.0.0.1:9/billing/v1",
        "ZOHO_ACCOUNTS_URL": "http://127.0.0.1:9",
        "ZOHO_CLIENT_ID": "x",
        "ZOHO_CLIENT_SECRET": "y",
        "ZOHO_REFRESH_TOKEN": "z",
        "ZOHO_ORGANIZATION_ID": "1",
    }
    settings = load_settings({"provider": "zoho"}, environ)
    async with BillingClient(settings) as client:
        async with Client(build_server(build_app(settings, client)), mode="legacy", cache=None) as session:
            tools = (await session.list_tools()).tools
    return [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools]


def fastmcp_listing(spec_path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """FastMCP's ``from_openapi`` listing of ``spec_path`` in a child process, or None and why not."""
    from bench.peers import available

    why = available(spec_path)
    if why is not None:
        return None, why.replace("Zuora's spec", "Zoho's spec")
    code = (
        "import asyncio, json, sys, httpx2\n"
        "from fastmcp import FastMCP, Client\n"
        "spec = json.load(open(sys.argv[1]))\n"
        "for item in spec.get('paths', {}).values():\n"
        "    for op in item.values():\n"
        "        if isinstance(op, dict):\n"
        "            for r in (op.get('responses') or {}).values():\n"
        "                if isinstance(r, dict) and '$ref' not in r: r.setdefault('description', '')\n"
        "async def main():\n"
        "    server = FastMCP.from_openapi(spec, client=httpx2.AsyncClient(base_url='http://127.0.0.1:9'),"
        " name='fastmcp-peer', validate_output=False)\n"
        "    async with Client(server) as c:\n"
        "        tools = await c.list_tools()\n"
        "    print(json.dumps({'tools': [t.model_dump(by_alias=True, exclude_none=True, mode='json')"
        " for t in tools]}))\n"
        "asyncio.run(main())\n"
    )
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", code, str(spec_path)], capture_output=True, text=True, timeout=120, check=False
        )
    except subprocess.TimeoutExpired:
        return None, "FastMCP's from_openapi did not finish in 120 s"
    if done.returncode != 0:
        return None, f"FastMCP's from_openapi failed: {done.stderr.strip()[-300:]}"
    payload: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return payload, None


async def measure_zoho_footprint(spec_path: Path = ZOHO_SPEC) -> dict[str, Any]:
    """Tokens of the Zoho catalog, the whole Zoho server, FastMCP on the same spec, and the quoted hosted figure."""
    from zuora_mcp.catalog.report import tools_list_payload

    result: dict[str, Any] = {
        "catalog": _tokens(tools_list_payload("zoho")),
        "whole_server": _tokens({"tools": await _whole_server_tools()}),
        "hosted_quoted": QUOTED_HOSTED,
    }
    payload, why = await anyio.to_thread.run_sync(fastmcp_listing, spec_path)
    if payload is None:
        print(f"bench: Zoho FastMCP row left out: {why}", file=sys.stderr)
        result["fastmcp"] = {"runs": False, "why": why}
    else:
        from importlib.metadata import version

        result["fastmcp"] = {"runs": True, "fastmcp": version("fastmcp"), "spec": spec_path.name, **_tokens(payload)}
        result["ratio_to_fastmcp"] = ratio(result["whole_server"]["tokens"], result["fastmcp"]["tokens"])
    result["ratio_to_hosted_quoted"] = ratio(result["whole_server"]["tokens"], QUOTED_HOSTED["tokens"])
    return result


# --- cold start and per call --------------------------------------------------------------------


async def measure_zoho(
    workdir: Path, calls: int, warmup: int, cold_starts: int, rounds: int = 10, spec_path: Path = ZOHO_SPEC
) -> dict[str, Any]:
    """The whole Zoho section: footprint, cold start, per-call ratios (see the module's docstring)."""
    from zuora_mcp.providers.zoho.sandbox.demo_data import invoice_id

    result: dict[str, Any] = {"footprint": await measure_zoho_footprint(spec_path)}
    invoice = invoice_id(int(_READ_INVOICE.rsplit("-", 1)[1]))
    async with zoho_process() as tenant, contextlib.AsyncExitStack() as stack:
        env = zoho_env(tenant, workdir)
        direct = await stack.enter_async_context(httpx2.AsyncClient(timeout=30.0))
        token = await _token(direct, tenant)
        headers = {
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "Authorization": f"Zoho-oauthtoken {token}",
            _ORGANIZATION_HEADER: tenant.organization_id,
        }
        floor_env = {
            "PYTHONPATH": str(procs.ROOT),
            "BENCH_PROXY_URL": tenant.base_url + "/invoices/",
            "BENCH_PROXY_TOKEN": token,
            "BENCH_PROXY_AUTH_SCHEME": "Zoho-oauthtoken",
            "BENCH_PROXY_HEADERS": json.dumps({_ORGANIZATION_HEADER: tenant.organization_id}),
        }
        errlog = stack.enter_context((workdir / "zoho.log").open("w"))

        # Cold start first, before the measured servers run: alternating, one untimed start of each.
        starts = {
            "ours": procs.stdio_params(OURS_ZOHO_STDIO, env),
            "bare": procs.stdio_params(procs.BARE_STDIO, floor_env),
        }
        samples: dict[str, list[float]] = {name: [] for name in starts}
        for params in starts.values():
            await _start_to_tools_list(params, errlog)
        for _ in range(cold_starts):
            for name, params in starts.items():
                samples[name].append((await _start_to_tools_list(params, errlog))[0])
        cold = {name: summarize(values) for name, values in samples.items()}
        result["cold_start"] = {
            "runs": cold_starts,
            "ours_ms": cold["ours"].as_json(),
            "bare_ms": cold["bare"].as_json(),
            "ratio_p50": ratio(cold["ours"].p50, cold["bare"].p50),
        }

        kept_alive = await stack.enter_async_context(
            httpx2.AsyncClient(timeout=30.0, limits=httpx2.Limits(max_connections=1))
        )
        paths: dict[str, Path_] = {}
        arguments = {"ours": ("get_invoice", {"invoice_id": invoice}), "bare": ("fetch", {"invoiceKey": invoice})}
        for name, stdio_args, http_args, environ in (
            ("ours", OURS_ZOHO_STDIO, OURS_ZOHO_HTTP, env),
            ("bare", procs.BARE_STDIO, procs.BARE_HTTP, floor_env),
        ):
            tool, args = arguments[name]
            client = Client(stdio_client(procs.stdio_params(stdio_args, environ), errlog=errlog), cache=None)
            await stack.enter_async_context(client)
            await client.list_tools()
            paths[f"{name}_stdio"] = Path_(_tool_call(client, tool, args), procs.child_pid(stdio_args))
            url, pid = await stack.enter_async_context(procs.http_server(http_args, environ))
            session = await stack.enter_async_context(
                Client(streamable_http_client(url, http_client=kept_alive), cache=None)
            )
            paths[f"{name}_http"] = Path_(_tool_call(session, tool, args), pid)
        get_url = f"{tenant.base_url}/invoices/{invoice}"

        async def direct_get() -> bool:
            answer = await direct.get(get_url, headers=headers)
            return answer.status_code == 200

        paths["direct"] = Path_(direct_get)
        first = await paths["ours_stdio"].call()
        if not first:
            raise RuntimeError("Zoho get_invoice failed through our server; see zoho.log")
        for path in paths.values():
            await _timed(path, warmup, keep=False)
        per_round = max(1, calls // rounds)
        pids = {path.pid for path in paths.values() if path.pid is not None}
        cpu_before = {pid: procs.cpu_seconds(pid) for pid in pids}
        for _ in range(rounds):
            for path in paths.values():
                await _timed(path, per_round, keep=True)
        cpu_used = {pid: procs.cpu_seconds(pid) - cpu_before[pid] for pid in pids}

    n = per_round * rounds
    figures = {name: _figure(path) for name, path in paths.items()}
    per_call: dict[str, Any] = {"calls_per_path": n, "invoice": _READ_INVOICE, "direct_get_ms": figures["direct"]}
    for transport in ("stdio", "http"):
        bare = figures[f"bare_{transport}"]["p50"]
        rows: dict[str, Any] = {}
        for name in ("ours", "bare"):
            key = f"{name}_{transport}"
            server_pid = paths[key].pid
            rows[name] = {
                "ms": figures[key],
                "ratio_to_bare": ratio(figures[key]["p50"], bare),
                "ratio_to_direct": ratio(figures[key]["p50"], figures["direct"]["p50"]),
                "server_cpu_ms_per_call": round(1000 * cpu_used[server_pid] / n, 3) if server_pid is not None else None,
            }
        per_call[transport] = rows
    per_call["errors"] = {name: path.errors for name, path in paths.items()}
    result["per_call"] = per_call
    return result


def main() -> int:
    """``python -m bench.zoho``: the section alone, printed as JSON."""
    with tempfile.TemporaryDirectory(prefix="zuora-mcp-bench-zoho-") as tmp:
        figures = anyio.run(measure_zoho, Path(tmp), 100, 20, 3)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
