"""The sandbox's ASGI app: Zuora's HTTP dialect around the tenant.

One request goes: count → fault plan (latency, 429/5xx, drop or delay) → bearer token →
``Idempotency-Key`` → strict validation → the route's rule (the commit) → answer. Every answer
carries ``Zuora-Request-Id``, echoes ``Zuora-Track-Id`` and has ``RateLimit-*`` and
``Concurrency-Limit-*`` headers. ``/_sandbox/`` is the unauthenticated admin API (see
:mod:`zuora_mcp.providers.zuora.sandbox.admin`).

Two switches imitate a tenant that is hard to reach correctly: ``entity_ids`` makes it a
multi-entity tenant whose token is valid for several entities, so an API request must name one of
them in ``Zuora-Entity-Ids`` (else HTTP 400, ``"success": false``); ``date_offset`` shifts the
``Date`` header of every answer by that many seconds, as a server with a wrong clock would.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import InvalidOperation
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs

import anyio

from zuora_mcp.providers.zuora.sandbox import admin
from zuora_mcp.providers.zuora.sandbox.crud_rules import CRUD_OPERATIONS, CrudAnswer
from zuora_mcp.providers.zuora.sandbox.dialect import Refusal, entity_refusal, error_body, error_code, with_top_level
from zuora_mcp.providers.zuora.sandbox.faults import Counters, FaultPlan, Faults
from zuora_mcp.providers.zuora.sandbox.file_rules import FileAnswer, parse_form
from zuora_mcp.providers.zuora.sandbox.idempotency import (
    IDEMPOTENT_METHODS,
    MAX_KEY_LENGTH,
    IdempotencyStore,
    fingerprint,
)
from zuora_mcp.providers.zuora.sandbox.routes import Call, Route, match
from zuora_mcp.providers.zuora.sandbox.tenant import Tenant
from zuora_mcp.providers.zuora.sandbox.unimplemented import find_operation
from zuora_mcp.providers.zuora.sandbox.validation import coerce_query, validate

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "Reply", "SandboxApp"]

# 36 characters: Zuora's client ids are, and the official SDK refuses any other length before it sends.
DEFAULT_CLIENT_ID = "sandbox-client-id-0000-0000-00000001"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 - the documented sandbox default, not a secret
logger = logging.getLogger(__name__)
# Zuora's documented 500 body (ErrorResponse): no success, no processId, a textual code.
SYSTEM_ERROR: dict[str, Any] = {"reasons": [{"code": "SystemError", "message": "internal server error"}]}
RATE_LIMIT = 10_000  # per minute window, like a generous Zuora tenant
Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


@dataclass
class Reply:
    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.body = with_top_level(self.status, self.body)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":")).encode()


def refusal_reply(refusal: Refusal, request_id: str) -> Reply:
    return Reply(refusal.status, error_body([(refusal.code, refusal.message)], request_id))


class SandboxApp:
    """The ASGI app. ``dropper(client)`` aborts the TCP connection of ``scope["client"]``.

    ``entity_ids``: when not empty, API requests must carry ``Zuora-Entity-Ids`` naming only these
    entities. ``date_offset``: seconds added to the ``Date`` header of every answer.
    """

    def __init__(
        self,
        tenant: Tenant,
        *,
        client_id: str,
        client_secret: str,
        faults: Faults,
        counters: Counters,
        dropper: Callable[[tuple[str, int] | None], bool] = lambda client: False,
        entity_ids: Sequence[str] = (),
        date_offset: float = 0.0,
    ) -> None:
        self.tenant = tenant
        self.client_id = client_id
        self._client_secret = client_secret
        self.faults = faults
        self.counters = counters
        self.dropper = dropper
        self.idempotency = IdempotencyStore()
        self.tokens: dict[str, float] = {}
        self._window = (0, 0)  # (minute, requests in it)
        self.entity_ids = tuple(entity_ids)
        self.date_offset = date_offset

    # ---- tokens ---------------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every issued token stops working at once (the next call gets 401)."""
        self.tokens.clear()

    def _token_valid(self, header: str | None) -> bool:
        if not header or not header.lower().startswith("bearer "):
            return False
        expiry = self.tokens.get(header[7:].strip())
        return expiry is not None and self.tenant.clock.now() < expiry

    def _issue_token(self, raw: bytes, request_id: str) -> Reply:
        self.counters.token_requests += 1
        form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
        if form.get("grant_type") != "client_credentials":
            return refusal_reply(
                Refusal("auth", "invalid", "grant_type must be client_credentials.", status=400), request_id
            )
        same_id = secrets.compare_digest(form.get("client_id", ""), self.client_id)
        same_secret = secrets.compare_digest(form.get("client_secret", ""), self._client_secret)
        if not (same_id and same_secret):
            return refusal_reply(
                Refusal("auth", "authentication", "Invalid client_id or client_secret.", status=401), request_id
            )
        token = secrets.token_hex(16)
        lifetime = self.faults.token_expires_in
        self.tokens[token] = self.tenant.clock.now() + lifetime
        return Reply(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": lifetime,
                "scope": "user.sandbox entity.sandbox service.usage.delete tenant.sandbox",
                "jti": secrets.token_hex(16),
            },
        )

    # ---- ASGI -----------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = await _read_body(receive)
        method = str(scope["method"]).upper()
        raw_path = scope.get("raw_path", scope["path"].encode()).decode("latin-1").split("?", 1)[0]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        request_id = str(uuid.uuid4())
        track_id = headers.get("zuora-track-id")
        if raw_path.startswith("/_sandbox/"):
            reply = admin.handle(self, method, raw_path, raw)
            await self._send(send, reply, request_id, track_id)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        route, params, path_known = match(method, raw_path)
        self.counters.requests += 1
        self.counters.requests_by_route[route.label if route else f"{method} {raw_path}"] += 1
        self.counters.notify()
        plan = self.faults.plan(method, raw_path)
        if plan.latency:
            await anyio.sleep(plan.latency)
        if plan.status is not None:
            self.counters.faults_injected += 1
            await self._send(send, _fault_reply(plan, request_id), request_id, track_id)
            return
        if plan.drop == "before":
            self.counters.faults_injected += 1
            self.dropper(scope.get("client"))
            return
        reply = await self._serve(
            scope, method, raw_path, route, params, path_known, query, headers, raw, plan, request_id
        )
        if plan.delay_after:
            await anyio.sleep(plan.delay_after)
        if plan.drop == "after":
            self.counters.faults_injected += 1
            self.dropper(scope.get("client"))
            return
        await self._send(send, reply, request_id, track_id)

    def _not_in_sandbox(
        self, operation: str, method: str, path: str, headers: dict[str, str], request_id: str
    ) -> Reply:
        if not self._token_valid(headers.get("authorization")):
            return Reply(
                401,
                error_body([(error_code("auth", "authentication"), "Authentication error")], request_id),
                [("WWW-Authenticate", "Bearer")],
            )
        message = (
            f"{operation} ({method} {path}) is a Zuora operation that is not available in the sandbox; "
            "nothing was done. The sandbox implements the invoice, memo and account operations of the catalog."
        )
        return Reply(200, error_body([(error_code("unknown", "unsupported"), message)], request_id))

    async def _serve(
        self,
        scope: Scope,
        method: str,
        raw_path: str,
        route: Route | None,
        params: dict[str, str],
        path_known: bool,
        query: dict[str, list[str]],
        headers: dict[str, str],
        raw: bytes,
        plan: FaultPlan,
        request_id: str,
    ) -> Reply:
        if method == "POST" and raw_path == "/oauth/token":
            if plan.delay_before:
                await anyio.sleep(plan.delay_before)
            return self._issue_token(raw, request_id)
        if route is None:
            operation = None if path_known else find_operation(method, raw_path)
            if operation is not None:
                return self._not_in_sandbox(operation, method, raw_path, headers, request_id)
            if path_known:
                return Reply(
                    405,
                    error_body([(error_code("unknown", "unsupported"), f"{method} is not allowed here.")], request_id),
                )
            return Reply(
                404,
                error_body([(error_code("unknown", "not_found"), "The requested resource was not found.")], request_id),
            )
        if not self._token_valid(headers.get("authorization")):
            return Reply(
                401,
                error_body([(error_code("auth", "authentication"), "Authentication error")], request_id),
                [("WWW-Authenticate", "Bearer")],
            )
        wrong_entity = entity_refusal(self.entity_ids, headers.get("zuora-entity-ids"))
        if wrong_entity is not None:
            return refusal_reply(wrong_entity, request_id)
        key = headers.get("idempotency-key") if method in IDEMPOTENT_METHODS else None
        if key is not None:
            replay = self._idempotent_start(key, method, raw_path, scope, raw, request_id)
            if replay is not None:
                return replay
        if plan.delay_before:
            await anyio.sleep(plan.delay_before)
        reply = self._commit(route, params, query, raw, raw_path, scope, headers, request_id)
        reply.headers.append(("Zuora-Request-Id", request_id))  # saved with the answer, as Zuora does
        if key is not None:
            self.idempotency.finish(key, reply.status, tuple(reply.headers), reply.encoded())
        return reply

    def _idempotent_start(
        self, key: str, method: str, raw_path: str, scope: Scope, raw: bytes, request_id: str
    ) -> Reply | None:
        if not key or len(key) > MAX_KEY_LENGTH:
            return Reply(
                400,
                error_body(
                    [(error_code("unknown", "invalid"), f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.")],
                    request_id,
                ),
            )
        now = self.tenant.clock.now()
        print_ = fingerprint(method, raw_path, scope.get("query_string", b"").decode("latin-1"), raw)
        saved = self.idempotency.lookup(key, print_, now)
        if saved is None:
            self.idempotency.begin(key, print_, now)
            return None
        if saved.fingerprint != print_:
            return Reply(
                422,
                error_body(
                    [(error_code("unknown", "invalid"), "This Idempotency-Key was used with a different request.")],
                    request_id,
                ),
            )
        if saved.status is None:
            return Reply(
                409,
                error_body(
                    [
                        (
                            error_code("unknown", "contention"),
                            "A request with this Idempotency-Key is still in progress.",
                        )
                    ],
                    request_id,
                ),
            )
        self.counters.idempotent_replays += 1
        return Reply(saved.status, saved.body, list(saved.headers))

    def _commit(
        self,
        route: Route,
        params: dict[str, str],
        query: dict[str, list[str]],
        raw: bytes,
        raw_path: str,
        scope: Scope,
        headers: dict[str, str],
        request_id: str,
    ) -> Reply:
        status = 400 if route.template.startswith("/object-query/") else 200
        try:
            body: Any = None
            if route.multipart:  # a file upload: the form's parts, checked by the route's rules
                body = parse_form(raw, headers.get("content-type"))
            elif route.has_body:
                body = _parse_json(raw, route.resource)
            if route.operation not in CRUD_OPERATIONS:  # the CRUD routes are not in the spec; they check their own
                validate(route.operation, "path", params, "unknown", status)
                validate(route.operation, "query", coerce_query(route.operation, query), "unknown", status)
                if route.has_body and not route.multipart:
                    validate(route.operation, "body", body, route.resource, status)
            call = Call(self.tenant, params, query, body, _base_url(scope, headers), raw_path)
            # Nothing stored without an answer. A Refusal changed nothing (the rules check everything
            # before they change anything; the property tests hold them to it). Any other failure,
            # even in the tenant's own code after a change or while writing the answer, is undone.
            saved = self.tenant.snapshot(named_records(params, body)) if route.is_write else None
            try:
                result = route.handler(call)
                if isinstance(result, CrudAnswer):  # the CRUD dialect: its own status and shapes
                    call.wrote = result.wrote
                    if route.is_write and call.wrote:
                        self.counters.writes_applied += 1
                        self.counters.notify()
                    return Reply(result.status, result.body, list(result.headers))
                if isinstance(result, FileAnswer):
                    disposition = f'attachment; filename="{result.file_name}"'
                    file_headers = [("Content-Type", result.media_type), ("Content-Disposition", disposition)]
                    return Reply(200, result.content, file_headers)
                encoded = Reply(200, result).encoded()
            except Refusal:
                raise
            except Exception:
                if saved is not None:
                    self.tenant.restore(saved)
                raise
        except Refusal as refusal:
            return refusal_reply(refusal, request_id)
        except InvalidOperation:  # a number the schema let through as text but Decimal cannot read
            invalid = Refusal(
                route.resource, "invalid", "A number in the request is not a valid amount.", status=status
            )
            return refusal_reply(invalid, request_id)
        except Exception:  # any other failure: Zuora's 500, the tenant unchanged
            logger.exception("sandbox: %s failed", route.label)
            return Reply(500, SYSTEM_ERROR)
        if route.is_write and call.wrote:
            self.counters.writes_applied += 1
            self.counters.notify()
        return Reply(200, encoded)

    # ---- answers --------------------------------------------------------------------------------

    def _rate_headers(self) -> list[tuple[str, str]]:
        now = self.tenant.clock.now()
        minute = int(now // 60)
        seen = self._window[1] + 1 if self._window[0] == minute else 1
        self._window = (minute, seen)
        return [
            ("RateLimit-Limit", f"{RATE_LIMIT};w=60"),
            ("RateLimit-Remaining", str(max(RATE_LIMIT - seen, 0))),
            ("RateLimit-Reset", str(60 - int(now % 60))),
            ("Concurrency-Limit-Type", "Default"),
            ("Concurrency-Limit-Limit", "40"),
            ("Concurrency-Limit-Remaining", "39"),
        ]

    async def _send(self, send: Send, reply: Reply, request_id: str, track_id: str | None) -> None:
        body = reply.encoded()
        names = {name.lower() for name, _ in reply.headers}
        headers = list(reply.headers)
        if "zuora-request-id" not in names:
            headers.append(("Zuora-Request-Id", request_id))
        if track_id is not None:
            headers = [(n, v) for n, v in headers if n.lower() != "zuora-track-id"] + [("Zuora-Track-Id", track_id)]
        if "content-type" not in names:
            headers.append(("Content-Type", "application/json; charset=utf-8"))
        if "date" not in names:
            # The app writes Date itself (uvicorn's is off) so that date_offset can move it.
            headers.append(("Date", formatdate(time.time() + self.date_offset, usegmt=True)))
        headers += [(n, v) for n, v in self._rate_headers() if n.lower() not in names]
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _fault_reply(plan: FaultPlan, request_id: str) -> Reply:
    status = plan.status or 500
    if status == 429:
        seconds = max(int(plan.retry_after + 0.999), 0)
        return Reply(
            429,
            error_body([(error_code("unknown", "limit"), "Too many requests.")], request_id),
            [("Retry-After", str(seconds))],
        )
    if status == 200:  # success_false: refused in Zuora's usual shape, the tenant untouched
        message = "Injected refusal: the operation failed; nothing was changed."
        return Reply(200, error_body([(error_code("unknown", "internal"), message)], request_id))
    if status == 500:
        return Reply(500, SYSTEM_ERROR)
    # The gateway in front of Zuora answers these, not the API: a short message, no reasons.
    if status == 503:
        return Reply(
            503, {"message": "Service Unavailable"}, [("Retry-After", str(max(int(plan.retry_after + 0.999), 0)))]
        )
    return Reply(status, {"message": "Bad Gateway" if status == 502 else "Error"})


_RECORD_KEYS = frozenset({"id", "invoiceId", "creditMemoId", "debitMemoId"})


def named_records(params: dict[str, str], body: Any) -> list[str]:
    """The ids and numbers a write names: its path parameters and the body's record references
    (batch update's invoices[].id, apply's invoiceId/debitMemoId). Bounded by the body's size."""
    keys = list(params.values())
    pending = [body]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for name, value in node.items():
                if name in _RECORD_KEYS and isinstance(value, str):
                    keys.append(value)
                elif isinstance(value, dict | list):
                    pending.append(value)
        elif isinstance(node, list):
            pending.extend(node)
    return keys


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _parse_json(raw: bytes, resource: str) -> Any:
    if not raw.strip():
        return {}
    try:
        # NaN and Infinity are not JSON (Python's reader takes them; Zuora's does not).
        return json.loads(raw, parse_constant=_not_json)
    except (ValueError, UnicodeDecodeError):
        raise Refusal(resource, "malformed", "The request body is not valid JSON.", status=400) from None


def _base_url(scope: Scope, headers: dict[str, str]) -> str:
    host = headers.get("host")
    if host:
        return f"{scope.get('scheme', 'http')}://{host}"
    server = scope.get("server") or ("127.0.0.1", 80)
    return f"{scope.get('scheme', 'http')}://{server[0]}:{server[1]}"


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
