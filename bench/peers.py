"""The peer: FastMCP's ``from_openapi`` on the same Zuora operations as our catalog, over stdio or HTTP.

An optional extra (``make bench-peers`` installs it); without FastMCP or without Zuora's spec the
bench leaves the peer rows out and says why. Run as ``python -m bench.peers --spec PATH`` (stdio)
or with ``--http --port 0`` (prints its URL on stderr like the other servers). The spec is cut to
the catalog's operations (components kept whole, so every ``$ref`` resolves); FastMCP gets a pooled
httpx2 client pointed at ``BENCH_PEER_URL`` with the bearer token in ``BENCH_PEER_TOKEN`` (it does
not fetch OAuth tokens itself) and the headers our client sends.

Its tools are named by operationId: ``get_invoice`` is ``Get_GetInvoice`` with ``invoiceKey``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["GET_INVOICE_TOOL", "available", "catalog_operation_ids", "subset_spec"]

GET_INVOICE_TOOL = "Get_GetInvoice"
_METHODS = {"get", "put", "post", "patch", "delete"}


def available(spec: Path | None) -> str | None:
    """None when the peer can run; else why not (for the results)."""
    try:
        import fastmcp  # noqa: F401
    except ImportError:
        return "FastMCP is not installed (make bench-peers)"
    if spec is None or not spec.is_file():
        return f"Zuora's spec is not at {spec}"
    return None


def catalog_operation_ids() -> list[str]:
    """The operationIds behind our curated tools."""
    from zuora_mcp.catalog import load_catalog

    return [spec.operation_id for spec in load_catalog()]


def subset_spec(spec: dict[str, Any], operation_ids: set[str]) -> dict[str, Any]:
    """``spec`` with only the operations in ``operation_ids`` (and every component)."""
    paths: dict[str, Any] = {}
    for path, item in (spec.get("paths") or {}).items():
        kept = {
            key: value
            for key, value in item.items()
            if key not in _METHODS or (isinstance(value, dict) and value.get("operationId") in operation_ids)
        }
        if any(key in _METHODS for key in kept):
            paths[path] = kept
            for key, operation in kept.items():
                if key in _METHODS:
                    # Zuora's responses carry no "description", which OpenAPI requires and FastMCP's
                    # parser insists on; an empty one is what anyone feeding it this spec must add.
                    for response in (operation.get("responses") or {}).values():
                        if isinstance(response, dict) and "$ref" not in response:
                            response.setdefault("description", "")
    return {**spec, "paths": paths, "components": _reachable_components(spec, paths)}


def _reachable_components(spec: dict[str, Any], paths: dict[str, Any]) -> dict[str, Any]:
    """The components the kept operations reach through ``$ref`` (so start-up parses no more than needed)."""
    components: dict[str, Any] = spec.get("components") or {}
    kept: dict[str, dict[str, Any]] = {}
    pending: list[Any] = [paths]
    for _ in range(1_000_000):  # a bound: each component is queued once
        if not pending:
            break
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                _, _, kind, name = ref.split("/", 3)
                if name not in kept.setdefault(kind, {}) and name in (components.get(kind) or {}):
                    kept[kind][name] = components[kind][name]
                    pending.append(components[kind][name])
            pending.extend(value for key, value in node.items() if key != "$ref")
    return {kind: kept.get(kind, {}) for kind in components if kind in kept or kind == "securitySchemes"} | {
        "securitySchemes": components.get("securitySchemes") or {}
    }


def build_peer(spec_path: Path) -> Any:
    import httpx2
    from fastmcp import FastMCP

    from zuora_mcp.providers.zuora.settings import DEFAULT_ZUORA_VERSION

    spec = subset_spec(json.loads(spec_path.read_text()), set(catalog_operation_ids()))
    client = httpx2.AsyncClient(
        base_url=os.environ["BENCH_PEER_URL"],
        headers={
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "Authorization": f"Bearer {os.environ['BENCH_PEER_TOKEN']}",
            "Zuora-Version": DEFAULT_ZUORA_VERSION,
        },
        timeout=30.0,
    )
    # validate_output=False: Zuora's schemas say "string" where the tenant sends null (targetDate);
    # with validation on, the SDK's client rejects the peer's answers.
    return FastMCP.from_openapi(spec, client=client, name="fastmcp-peer", validate_output=False)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peers")
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--http", action="store_true", help="streamable HTTP at /mcp instead of stdio")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = build_peer(args.spec)
    with contextlib.suppress(KeyboardInterrupt):
        if not args.http:
            asyncio.run(server.run_async(transport="stdio", show_banner=False))
            return
        import socket

        # FastMCP picks no free port itself: find one, then let it bind (loopback only).
        port = args.port
        if port == 0:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
        print(f"peer: serving MCP over streamable HTTP at http://127.0.0.1:{port}/mcp", file=sys.stderr, flush=True)
        asyncio.run(
            server.run_async(
                transport="http", host="127.0.0.1", port=port, path="/mcp", show_banner=False, log_level="warning"
            )
        )


if __name__ == "__main__":
    main()
