"""The shared Zuora HTTP client: the only module that talks HTTP.

One :class:`ZuoraClient` per process holds one pooled ``httpx2.AsyncClient`` and does the policy
every call needs: an OAuth token fetched once and shared, the Zuora headers, a client-side
concurrency limit, retries that never repeat a write that may have been applied, and one typed
error for every way Zuora says no (see :mod:`zuora_mcp.errors`)::

    async with ZuoraClient(settings) as client:
        invoice = await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV00000012"})
        result = await client.send(plan)      # a RequestPlan from a tool

Secrets stay inside: logs carry method, path template, status, duration, attempt and the
Zuora request and track ids, never headers, bodies, tokens or the client secret.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode, urlsplit

import httpx2

from zuora_mcp import __version__
from zuora_mcp._answers import (
    Call,
    no_answer,
    read_body,
    refusal,
    response_headers,
    says_failure,
    unknown_after_token_failure,
    unsettled_write,
)
from zuora_mcp._auth import IssuedToken, TokenCache, parse_token_response
from zuora_mcp._retry import (
    TOTAL_BUDGET_SECONDS,
    CallKind,
    Verdict,
    backoff_delay,
    kind_of,
    server_delay,
    status_verdict,
    transport_verdict,
)
from zuora_mcp.config import Settings, is_loopback
from zuora_mcp.errors import (
    AuthenticationError,
    ConfigError,
    Reason,
    ZuoraError,
    ZuoraRequestError,
)
from zuora_mcp.plan import QueryValue, RequestPlan

__all__ = ["ClientStats", "ZuoraClient", "ZuoraResponse", "new_track_id"]

logger = logging.getLogger("zuora_mcp.client")

CONNECT_TIMEOUT_SECONDS = 10.0
TOKEN_PATH = "/oauth/token"  # noqa: S105 (a path, not a password)
USER_AGENT = f"zuora-mcp/{__version__}"
_KEYED_METHODS = frozenset({"POST", "PATCH"})
# Zuora accepts up to 64 characters of track id and 255 of idempotency key; both go in headers.
_TRACK_ID = re.compile(r"[\x21-\x7e]{1,64}")
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def new_track_id() -> str:
    """A fresh ``Zuora-Track-Id`` for one logical call: ``zmcp-`` and 32 hex digits."""
    return "zmcp-" + uuid.uuid4().hex


@dataclass
class ClientStats:
    """Counters since the client was made.

    ``token_requests``: attempts sent to the token endpoint. ``requests``: API attempts sent (every
    retry counts). ``retries``: attempts repeated after a backoff wait. ``refreshes``: token fetches
    started because Zuora answered 401 (the call's one re-send after a refresh is not a retry).
    """

    token_requests: int = 0
    requests: int = 0
    retries: int = 0
    refreshes: int = 0


@dataclass(frozen=True)
class ZuoraResponse:
    """A successful answer from Zuora (2xx, and not ``"success": false``)."""

    status: int
    data: Any  # parsed JSON; None when the body is empty or not JSON
    text: str | None  # the body when it is not JSON, cut to 64 KiB; else None
    headers: Mapping[str, str]  # lower-case names
    request_id: str | None  # Zuora-Request-Id
    track_id: str  # the Zuora-Track-Id we sent
    idempotency_key: str | None  # the Idempotency-Key we sent, if any
    attempts: int


@dataclass(frozen=True)
class _Outcome:
    response: httpx2.Response
    attempts: int
    maybe_applied: bool  # some attempt of this write may have changed something in Zuora


class ZuoraClient:
    """Sends :class:`~zuora_mcp.plan.RequestPlan` s to Zuora. One per process; share it.

    ``transport`` replaces the network (tests pass ``httpx2.MockTransport``); ``sleep`` and
    ``clock`` replace waiting and time for backoff, the retry budget and token expiry.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._base_url = settings.base_url.rstrip("/")
        self._sleep = sleep
        self._clock = clock
        self.stats = ClientStats()
        self._semaphore = asyncio.Semaphore(settings.max_concurrency)
        limits = httpx2.Limits(
            max_connections=settings.max_concurrency, max_keepalive_connections=settings.max_concurrency
        )
        self._http = httpx2.AsyncClient(
            transport=transport,
            limits=limits,
            timeout=httpx2.Timeout(settings.timeout_seconds, connect=CONNECT_TIMEOUT_SECONDS),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip"},
            follow_redirects=False,
            # Proxy variables apply to real tenants; a tenant on this machine (the sandbox) is never proxied.
            trust_env=not is_loopback(urlsplit(self._base_url).hostname or ""),
        )
        self._tokens: TokenCache | None = None
        if settings.access_token is None and settings.client_id and settings.client_secret:
            self._tokens = TokenCache(self._fetch_token, clock)

    def __repr__(self) -> str:
        return f"ZuoraClient(base_url={self._base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool and drop any token fetch in flight."""
        if self._tokens is not None:
            self._tokens.close()
        await self._http.aclose()

    async def get(
        self,
        path: str,
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue] | None = None,
        *,
        track_id: str | None = None,
    ) -> ZuoraResponse:
        """GET ``path`` (a template such as ``/v1/invoices/{invoiceKey}``); see :meth:`send`."""
        plan = RequestPlan(method="GET", path=path, path_params=dict(path_params or {}), query=dict(query or {}))
        return await self.send(plan, track_id=track_id)

    async def send(self, plan: RequestPlan, *, track_id: str | None = None) -> ZuoraResponse:
        """Send ``plan``, retrying where that is safe, and return Zuora's successful answer.

        POST and PATCH carry ``plan.idempotency_key`` (or one generated for this call) as
        ``Idempotency-Key``, the same on every attempt. ``track_id`` (default: a new one) is sent
        as ``Zuora-Track-Id`` on every attempt and comes back in the response or the error.

        Raises:
            InvalidPathValue: a path value is unsafe; nothing was sent and no token was fetched.
            ZuoraError: Zuora refused (HTTP 4xx/5xx, or ``"success": false``).
            AuthenticationError: credentials refused, or 401 again after one token refresh.
            TransportError: no usable answer, and nothing was changed.
            OutcomeUnknown: a write may or may not have been applied; read the record first.
            ConfigError: the settings hold no credentials.
        """
        path = plan.url_path()  # first: an unsafe value must stop everything
        url = self._base_url + plan.target()
        if track_id is None:
            track_id = new_track_id()
        elif not _TRACK_ID.fullmatch(track_id):
            raise ValueError("track_id must be 1 to 64 printable ASCII characters without spaces")
        key: str | None = None
        if plan.method in _KEYED_METHODS:
            key = plan.idempotency_key or str(uuid.uuid4())
            if not _IDEMPOTENCY_KEY.fullmatch(key):
                raise ValueError("idempotency_key must be 1 to 255 printable ASCII characters without spaces")
        body = None
        if plan.body is not None:
            body = json.dumps(plan.body, ensure_ascii=False, separators=(",", ":")).encode()
        call = Call(
            method=plan.method,
            path=path,
            template=plan.path,
            url=url,
            track_id=track_id,
            idempotency_key=key,
            kind=kind_of(plan.method),
            body=body,
            content_type="application/json" if body is not None else None,
            api=True,
        )
        if self._tokens is None and self._settings.access_token is None:
            raise ConfigError(
                "No Zuora credentials: set ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET, or ZUORA_ACCESS_TOKEN."
            )
        return self._answer(call, await self._exchange(call))

    # -- the retry loop ---------------------------------------------------------------------------

    async def _exchange(self, call: Call) -> _Outcome:
        """Attempt ``call`` until it gets a final HTTP answer; raise when it gets none."""
        started = self._clock()
        attempts = retries = 0
        refreshed = False
        maybe_applied = False
        while True:
            token = await self._bearer(call, maybe_applied) if call.api else None
            attempts += 1
            try:
                response = await self._attempt(call, token, attempts)
            except httpx2.RequestError as exc:
                verdict = transport_verdict(call.kind, exc)
                maybe_applied = maybe_applied or verdict.maybe_applied
                delay = self._retry_delay(verdict, retries, None, started)
                if delay is None:
                    raise no_answer(call, exc, attempts, maybe_applied, self._scrub) from None
                retries += 1
                await self._pause(call, delay, attempts, type(exc).__name__)
                continue
            status = response.status_code
            if status < 400:
                return _Outcome(response, attempts, maybe_applied)
            if status == 401 and call.api and self._tokens is not None and token is not None and not refreshed:
                # The token may have expired early or been revoked: one fresh token, one re-send.
                refreshed = True
                await self._refresh(call, token, maybe_applied)
                continue
            verdict = status_verdict(call.kind, status)
            maybe_applied = maybe_applied or verdict.maybe_applied
            hinted = server_delay(response.headers, rate_limited=response.status_code == 429)
            delay = self._retry_delay(verdict, retries, hinted, started)
            if delay is None:
                return _Outcome(response, attempts, maybe_applied)
            retries += 1
            await self._pause(call, delay, attempts, f"HTTP {status}")

    def _retry_delay(self, verdict: Verdict, retries: int, hinted: float | None, started: float) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if not verdict.retry or retries >= self._settings.max_retries:
            return None
        delay = hinted if hinted is not None else backoff_delay(retries)
        if self._clock() - started + delay > TOTAL_BUDGET_SECONDS:
            return None
        return delay

    async def _pause(self, call: Call, delay: float, attempt: int, why: str) -> None:
        self.stats.retries += 1
        logger.info(
            "%s %s: %s on attempt %d, retrying in %.2f s (track id %s)",
            call.method,
            call.template,
            why,
            attempt,
            delay,
            call.track_id,
        )
        await self._sleep(delay)

    async def _attempt(self, call: Call, token: str | None, attempt: int) -> httpx2.Response:
        """Send one attempt inside the concurrency limit and read its whole body."""
        headers = {"Zuora-Track-Id": call.track_id}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
            headers["Zuora-Version"] = self._settings.zuora_version
            if self._settings.entity_ids:
                headers["Zuora-Entity-Ids"] = ",".join(self._settings.entity_ids)
            if self._settings.org_ids:
                headers["Zuora-Org-Ids"] = ",".join(self._settings.org_ids)
        if call.idempotency_key is not None:
            headers["Idempotency-Key"] = call.idempotency_key
        if call.content_type is not None:
            headers["Content-Type"] = call.content_type
        request = self._http.build_request(call.method, call.url, headers=headers, content=call.body)
        async with self._semaphore:
            if call.api:
                self.stats.requests += 1
            else:
                self.stats.token_requests += 1
            began = self._clock()
            try:
                response = await self._http.send(request)
            except httpx2.RequestError as exc:
                self._log(call, type(exc).__name__, began, attempt, None)
                raise
        self._log(call, str(response.status_code), began, attempt, response.headers.get("zuora-request-id"))
        return response

    def _log(self, call: Call, result: str, began: float, attempt: int, request_id: str | None) -> None:
        logger.log(
            logging.DEBUG if result.startswith("2") else logging.INFO,
            "%s %s -> %s in %.0f ms (attempt %d, request id %s, track id %s)",
            call.method,
            call.template,
            result,
            (self._clock() - began) * 1000,
            attempt,
            request_id,
            call.track_id,
        )

    # -- tokens -----------------------------------------------------------------------------------

    async def _bearer(self, call: Call, maybe_applied: bool) -> str:
        if self._settings.access_token is not None:
            return self._settings.access_token.reveal()
        assert self._tokens is not None
        try:
            return await self._tokens.get()
        except ZuoraRequestError as exc:
            if maybe_applied and call.is_write:
                raise unknown_after_token_failure(call, exc) from None
            raise

    async def _refresh(self, call: Call, refused: str, maybe_applied: bool) -> None:
        assert self._tokens is not None
        try:
            _, started = await self._tokens.refresh(refused)
        except ZuoraRequestError as exc:
            if maybe_applied and call.is_write:
                raise unknown_after_token_failure(call, exc) from None
            raise
        if started:
            self.stats.refreshes += 1
            logger.info("%s %s: HTTP 401, fetched a new token (track id %s)", call.method, call.template, call.track_id)

    async def _fetch_token(self) -> IssuedToken:
        """POST the client credentials to the token endpoint (with the same retry rules as a read)."""
        settings = self._settings
        assert settings.client_id is not None
        assert settings.client_secret is not None
        form = {
            "client_id": settings.client_id,
            "client_secret": settings.client_secret.reveal(),
            "grant_type": "client_credentials",
        }
        call = Call(
            method="POST",
            path=TOKEN_PATH,
            template=TOKEN_PATH,
            url=self._base_url + TOKEN_PATH,
            track_id=new_track_id(),
            idempotency_key=None,
            kind=CallKind.READ,  # asking for a token twice changes nothing
            body=urlencode(form).encode(),
            content_type="application/x-www-form-urlencoded",
            api=False,
        )
        outcome = await self._exchange(call)
        response = outcome.response
        data, _ = read_body(response)
        if response.status_code < 300:
            issued = parse_token_response(data)
            if issued is not None:
                return issued
            # Zuora's own reasons when it gave any, else say what was missing.
            missing = None if says_failure(data) else (Reason("200", "the token response held no access_token"),)
            raise refusal(call, response, AuthenticationError, self._scrub, missing)
        if response.status_code in {400, 401, 403}:
            raise refusal(call, response, AuthenticationError, self._scrub)
        raise refusal(call, response, ZuoraError, self._scrub)

    # -- answers ----------------------------------------------------------------------------------

    def _answer(self, call: Call, outcome: _Outcome) -> ZuoraResponse:
        """Turn the final HTTP answer of an API call into a response or the right error."""
        response = outcome.response
        status = response.status_code
        data, text = read_body(response)
        if 200 <= status < 300 and not says_failure(data):
            headers = response_headers(response)
            return ZuoraResponse(
                status=status,
                data=data,
                text=text,
                headers=headers,
                request_id=headers.get("zuora-request-id"),
                track_id=call.track_id,
                idempotency_key=call.idempotency_key,
                attempts=outcome.attempts,
            )
        if status == 401:
            raise refusal(call, response, AuthenticationError, self._scrub)
        # A write that some attempt may have applied, and whose last answer does not settle it.
        if call.is_write and outcome.maybe_applied and (status >= 500 or status in {409, 429}):
            raise unsettled_write(call, response, outcome.attempts, self._scrub)
        raise refusal(call, response, ZuoraError, self._scrub)

    def _scrub(self, text: str) -> str:
        """Remove the secret and the bearer tokens from a text, should Zuora ever echo one back."""
        for secret in (self._settings.client_secret, self._settings.access_token):
            if secret is not None and secret.reveal():
                text = text.replace(secret.reveal(), "**********")
        current = self._tokens.current if self._tokens is not None else None
        if current:
            text = text.replace(current, "**********")
        return text
