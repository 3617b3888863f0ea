"""The Zoho tenant's ASGI app: the accounts token endpoint and Zoho Billing's API dialect.

One request goes: count → fault plan (latency, 429/5xx/200-with-failure, drop or delay) → token
(``/oauth/v2/token``) or API (``/billing/v1``): URL → ``Authorization: Zoho-oauthtoken`` (else 401,
code 57) → ``X-com-zoho-subscriptions-organizationid`` (else 400, code 6041) → body → the spec's
request schemas (:mod:`.validation`) → the route's rule (the commit) → answer. ``/_sandbox/`` is the
unauthenticated admin API (:mod:`.admin`).

Zoho documents no request-id header, so the tenant sends none of Zoho's; every answer carries
``X-Sandbox-Request-Id``, which is the sandbox's own (a real Zoho will not send it).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs

import anyio

from zuora_mcp.providers.zoho.sandbox import admin
from zuora_mcp.providers.zoho.sandbox.accounts import Accounts
from zuora_mcp.providers.zoho.sandbox.calls import Call, RawAnswer
from zuora_mcp.providers.zoho.sandbox.dialect import (
    CONCURRENCY_CAP,
    DAILY_CAP,
    INTERNAL,
    INVALID_URL,
    INVALID_VALUE,
    NOT_AUTHORIZED,
    NOT_AUTHORIZED_MESSAGE,
    NOT_IN_ORGANISATION,
    NOT_IN_ORGANISATION_MESSAGE,
    PER_MINUTE_CAP,
    ZohoError,
    invalid_value,
)
from zuora_mcp.providers.zoho.sandbox.faults import FaultPlan, ZohoCounters, ZohoFaults
from zuora_mcp.providers.zoho.sandbox.routes import API_PREFIX, Route, match
from zuora_mcp.providers.zoho.sandbox.tenant import Tenant
from zuora_mcp.providers.zoho.sandbox.validation import validate_request

__all__ = ["ORG_HEADER", "TOKEN_PATH", "Reply", "ZohoApp"]

TOKEN_PATH = "/oauth/v2/token"  # noqa: S105 - a URL path, not a secret
ORG_HEADER = "x-com-zoho-subscriptions-organizationid"
JSON_TYPE = "application/json;charset=UTF-8"
Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


@dataclass
class Reply:
    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()


def _error(status: int, code: int, message: str, headers: list[tuple[str, str]] | None = None) -> Reply:
    return Reply(status, {"code": code, "message": message}, headers or [])


class ZohoApp:
    """The ASGI app. ``dropper(client)`` aborts the TCP connection of ``scope["client"]``."""

    def __init__(
        self,
        tenant: Tenant,
        accounts: Accounts,
        *,
        organization_id: str,
        faults: ZohoFaults,
        counters: ZohoCounters,
        attachment_max_bytes: int = 5 * 1024 * 1024,
        dropper: Callable[[tuple[str, int] | None], bool] = lambda client: False,
    ) -> None:
        self.tenant = tenant
        self.accounts = accounts
        self.organization_id = organization_id
        self.faults = faults
        self.counters = counters
        self.attachment_max_bytes = attachment_max_bytes
        self.dropper = dropper

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw, too_large = await _read_body(receive, self.attachment_max_bytes + 256 * 1024)
        method = str(scope["method"]).upper()
        path = scope.get("raw_path", scope["path"].encode()).decode("latin-1").split("?", 1)[0]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        query_string = scope.get("query_string", b"").decode("latin-1")
        query = {k: v[-1] for k, v in parse_qs(query_string, keep_blank_values=True).items()}
        request_id = uuid.uuid4().hex
        if path.startswith("/_sandbox/"):
            await self._send(send, admin.handle(self, method, path, raw), request_id)
            return
        route, params, known = (
            match(method, path[len(API_PREFIX) :]) if path.startswith(API_PREFIX) else (None, {}, False)
        )
        self.counters.requests += 1
        self.counters.requests_by_route[route.label if route else f"{method} {path}"] += 1
        self.counters.notify()
        plan = self.faults.plan(method, path)
        if plan.latency:
            await anyio.sleep(plan.latency)
        if plan.status is not None:
            self.counters.faults_injected += 1
            await self._send(send, _fault_reply(plan), request_id)
            return
        if plan.drop == "before":
            self.counters.faults_injected += 1
            self.dropper(scope.get("client"))
            return
        if too_large:
            limit = self.attachment_max_bytes + 256 * 1024
            reply = _error(
                413, INVALID_VALUE, f"The request body is larger than the {limit} bytes the sandbox accepts."
            )
        elif path == TOKEN_PATH:
            reply = await self._token(method, raw, query, headers, plan)
        else:
            reply = await self._api(route, params, known, method, path, query, headers, raw, plan)
        if plan.delay_after:
            await anyio.sleep(plan.delay_after)
        if plan.drop == "after":
            self.counters.faults_injected += 1
            self.dropper(scope.get("client"))
            return
        await self._send(send, reply, request_id)

    async def _token(
        self, method: str, raw: bytes, query: dict[str, str], headers: dict[str, str], plan: FaultPlan
    ) -> Reply:
        if method != "POST":
            return Reply(405, {"error": "method_not_allowed"})
        self.counters.token_requests += 1
        form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
        if plan.delay_before:
            await anyio.sleep(plan.delay_before)
        # The lifetime lives on the faults (as in the Zuora tenant) so the admin API can shorten it.
        status, body = self.accounts.issue(query | form, _origin(headers), self.faults.token_expires_in)
        if "error" in body:
            self.counters.token_refusals += 1
        self.counters.notify()
        return Reply(status, body)

    async def _api(
        self,
        route: Route | None,
        params: dict[str, str],
        known: bool,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        raw: bytes,
        plan: FaultPlan,
    ) -> Reply:
        if route is None:
            return _error(405 if known else 404, INVALID_URL, "Invalid URL Passed")
        if not self.accounts.valid(headers.get("authorization")):
            # Code 57 with HTTP 401, as community code reports for a bad or expired token (notes C3);
            # Zoho Books documents 401 as "invalid OAuth token" (notes D2).
            return _error(401, NOT_AUTHORIZED, NOT_AUTHORIZED_MESSAGE)
        if headers.get(ORG_HEADER, "").strip() != self.organization_id:
            return _error(400, NOT_IN_ORGANISATION, NOT_IN_ORGANISATION_MESSAGE)  # notes C3 (stub: HTTP 400)
        content_type = headers.get("content-type", "")
        call = Call(
            self.tenant,
            params,
            query,
            None,
            raw,
            content_type,
            headers.get("accept", ""),
            self.attachment_max_bytes,
            force_decline=plan.kind == "gateway_decline",
        )
        try:
            call.body = _parse_body(raw, content_type) if method in {"POST", "PUT"} else None
            if route.operation is not None:  # judged by the spec first, then by the route's rule
                validate_request(route.operation, params, query, call.body)
            if plan.delay_before:
                await anyio.sleep(plan.delay_before)
            result = route.handler(call)
        except ZohoError as refusal:
            return Reply(refusal.status, refusal.body())
        finally:
            self._count(call)
        if isinstance(result, RawAnswer):
            return Reply(200, result.body, [("Content-Type", result.content_type), *result.headers])
        return Reply(call.status, result)

    def _count(self, call: Call) -> None:
        self.counters.charges += call.charged
        self.counters.charges_declined += call.declined
        self.counters.emails_sent = len(self.tenant.outbox)
        if call.wrote:
            self.counters.writes_applied += 1
        self.counters.notify()

    async def _send(self, send: Send, reply: Reply, request_id: str) -> None:
        body = reply.encoded()
        names = {name.lower() for name, _ in reply.headers}
        headers = list(reply.headers)
        if "content-type" not in names:
            plain = isinstance(reply.body, bytes)
            headers.append(("Content-Type", "text/html;charset=UTF-8" if plain else JSON_TYPE))
        headers.append(("Date", formatdate(usegmt=True)))
        headers.append(("X-Sandbox-Request-Id", request_id))  # the sandbox's own; Zoho documents none
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _fault_reply(plan: FaultPlan) -> Reply:
    """An injected refusal, in the shape Zoho gives it (wording of 44/45/1070 is the sandbox's)."""
    status = plan.status or 500
    retry = [("Retry-After", str(max(int(plan.retry_after + 0.999), 0)))]
    if plan.kind == "429_daily":
        return _error(429, DAILY_CAP, "You have reached the maximum number of API calls allowed for the day.")
    if plan.kind == "429_concurrency":
        return _error(429, CONCURRENCY_CAP, "Too many concurrent requests. Please try again later.", retry)
    if status == 429:
        return _error(429, PER_MINUTE_CAP, "You have made too many requests per minute. Please try again later.", retry)
    if status == 200:  # code_nonzero_200: Zoho's "HTTP 200 that says failure"; nothing was changed
        return _error(200, INTERNAL, "Internal Error. Please try again after some time.")
    if status == 500:
        return _error(500, INTERNAL, "Internal Error")
    # 502/503 come from the load balancer in front of the API: an HTML page, not Zoho's envelope.
    title = "502 Bad Gateway" if status == 502 else "503 Service Temporarily Unavailable"
    return Reply(status, f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>".encode())


def _parse_body(raw: bytes, content_type: str) -> Any:
    """JSON, or a form with ``JSONString`` (Zoho's older convention); multipart is read by its rule."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind.startswith("multipart/") or not raw.strip():
        return None
    text = raw.decode("utf-8", "replace")
    if kind == "application/x-www-form-urlencoded":
        text = parse_qs(text).get("JSONString", [""])[-1]
    try:
        return json.loads(text, parse_constant=_not_json)
    except ValueError:
        raise invalid_value("JSONString") from None


def _not_json(constant: str) -> Any:
    """NaN and Infinity are Python's, not JSON's: such a body is refused, never stored."""
    raise ValueError(constant)


def _origin(headers: dict[str, str]) -> str:
    return f"http://{headers.get('host', '127.0.0.1')}"


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body, but no more than ``limit`` bytes are kept (the rest is read and dropped)."""
    chunks: list[bytes] = []
    size, too_large = 0, False
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            too_large = True
        else:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), too_large
