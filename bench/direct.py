"""The floor's network half: the same GET the server makes, sent straight from httpx2.

One pooled ``httpx2.AsyncClient`` with a bearer token from the sandbox and the headers zuora-mcp's
client sends, so the difference to ``get_invoice`` is everything zuora-mcp and MCP add.
"""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Any, Self

import httpx2

from bench.procs import Sandbox
from zuora_mcp.providers.zuora.settings import DEFAULT_ZUORA_VERSION

__all__ = ["DirectZuora", "counter_diff"]


class DirectZuora:
    """GETs against the sandbox with a token, and reads of its admin counters."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._http = httpx2.AsyncClient(
            base_url=sandbox.base_url,
            headers={"Accept": "application/json", "Accept-Encoding": "gzip", "Zuora-Version": DEFAULT_ZUORA_VERSION},
            timeout=30.0,
        )
        # Each admin read comes on a connection of its own ("Connection: close"), so the reader knows
        # exactly how many of the sandbox's accepted connections were its own, however long it idles.
        self._admin = httpx2.AsyncClient(base_url=sandbox.base_url, timeout=30.0, headers={"Connection": "close"})
        self._admin_reads = 0
        self._token = ""

    async def __aenter__(self) -> Self:
        return self

    async def authenticate(self) -> None:
        """Fetch a bearer token (one token request, counted by the sandbox)."""
        answer = await self._http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self._sandbox.client_id,
                "client_secret": self._sandbox.client_secret,
            },
        )
        answer.raise_for_status()
        self._token = str(answer.json()["access_token"])

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._http.aclose()
        await self._admin.aclose()

    async def get(self, path: str) -> httpx2.Response:
        """GET ``path`` with the bearer token; raises on a non-2xx answer."""
        headers = {"Authorization": f"Bearer {self._token}", "Zuora-Track-Id": "bench-" + uuid.uuid4().hex}
        answer = await self._http.get(path, headers=headers)
        answer.raise_for_status()
        return answer

    async def put(self, path: str, body: dict[str, Any], idempotency_key: str) -> httpx2.Response:
        """PUT ``body`` to ``path`` with the token and an idempotency key; raises on a non-2xx answer."""
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Zuora-Track-Id": "bench-" + uuid.uuid4().hex,
            "Idempotency-Key": idempotency_key,
        }
        answer = await self._http.put(path, json=body, headers=headers)
        answer.raise_for_status()
        return answer

    @property
    def token(self) -> str:
        """The bearer token from :meth:`authenticate` (for the bare proxy server)."""
        return self._token

    async def counters(self) -> dict[str, Any]:
        """The sandbox's counters (its admin API; not counted as API requests).

        ``connections_accepted`` leaves out the connections these admin reads opened themselves.
        """
        answer = await self._admin.get("/_sandbox/counters")
        answer.raise_for_status()
        self._admin_reads += 1
        data: dict[str, Any] = answer.json()
        data["connections_accepted"] = int(data["connections_accepted"]) - self._admin_reads
        return data


def counter_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What happened between two counter readings: totals and API requests by route."""
    routes_before: dict[str, int] = before.get("requests_by_route", {})
    routes = {
        route: n - routes_before.get(route, 0)
        for route, n in after.get("requests_by_route", {}).items()
        if n - routes_before.get(route, 0)
    }
    totals = {k: int(after[k]) - int(before.get(k, 0)) for k, v in after.items() if isinstance(v, int)}
    return {**totals, "requests_by_route": routes}
