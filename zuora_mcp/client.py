"""The shared HTTP client: the only module that talks HTTP to a billing system.

One :class:`BillingClient` per process holds one pooled ``httpx2.AsyncClient`` and does the policy
every call needs, whatever the billing system: an OAuth token fetched once and shared (and never
more often than the vendor allows), a client-side concurrency limit, retries that never repeat a
write that may have been applied, and one typed error for every way the vendor says no (see
:mod:`zuora_mcp.errors`). What differs between vendors — the token request, the headers, how an
answer says failure, whether a write can carry an idempotency key — is the provider's
:class:`~zuora_mcp.provider.Dialect`::

    async with BillingClient(settings) as client:
        invoice = await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV00000012"})
        result = await client.send(plan)      # a RequestPlan from a tool

Secrets stay inside: logs carry method, path template, status, duration, attempt and the
request and track ids, never headers, bodies, tokens or credentials.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode, urlsplit

import httpx2

from zuora_mcp import __version__, telemetry
from zuora_mcp._answers import (
    Call,
    no_answer,
    read_body,
    refusal,
    request_id_of,
    response_headers,
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
    BillingError,
    BillingRequestError,
    ConfigError,
    Reason,
)
from zuora_mcp.plan import QueryValue, RequestPlan
from zuora_mcp.provider import Dialect, TokenRequest

__all__ = ["BillingClient", "BillingResponse", "ClientStats", "new_track_id"]

logger = logging.getLogger("zuora_mcp.client")

CONNECT_TIMEOUT_SECONDS = 10.0
USER_AGENT = f"zuora-mcp/{__version__}"
_KEYED_METHODS = frozenset({"POST", "PATCH"})
# A token request that the vendor's cap would refuse waits for the window at most this long; longer,
# and the call fails at once saying when a token can be had again (never hammer the endpoint).
MAX_TOKEN_BUDGET_WAIT_SECONDS = 15.0
# Track ids of up to 64 characters and idempotency keys of up to 255 fit every vendor's headers.
_TRACK_ID = re.compile(r"[\x21-\x7e]{1,64}")
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def new_track_id() -> str:
    """A fresh track id for one logical call: ``zmcp-`` and 32 hex digits; with telemetry on, the current
    trace and span ids (``zmcp-<trace id>-<span id>``), so the vendor's logs join the trace."""
    # 16 random bytes straight from os.urandom: the same 32 hex digits as a uuid4's, without the object.
    return telemetry.current_track_id() or "zmcp-" + os.urandom(16).hex()


@dataclass
class ClientStats:
    """Counters since the client was made.

    ``token_requests``: attempts sent to the token endpoint. ``requests``: API attempts sent (every
    retry counts). ``retries``: attempts repeated after a backoff wait. ``refreshes``: token fetches
    started because the billing system answered 401 (the call's one re-send after a refresh is not a retry).
    """

    token_requests: int = 0
    requests: int = 0
    retries: int = 0
    refreshes: int = 0


@dataclass(frozen=True)
class BillingResponse:
    """A successful answer from the billing system (2xx, and no failure in the body)."""

    status: int
    data: Any  # parsed JSON; None when the body is empty or not JSON
    text: str | None  # the body when it is not JSON, cut to 64 KiB; else None
    headers: Mapping[str, str]  # lower-case names
    request_id: str | None  # the vendor's request id header (Zuora-Request-Id), if it sends one
    track_id: str  # the track id we sent (and, where the vendor has a track header, sent it)
    idempotency_key: str | None  # the Idempotency-Key we sent, if any
    attempts: int
    content: bytes = b""  # the body as it came (for downloads: a PDF's bytes)


@dataclass(frozen=True)
class _Outcome:
    response: httpx2.Response
    attempts: int
    maybe_applied: bool  # some attempt of this write may have changed something in the billing system


class BillingClient:
    """Sends :class:`~zuora_mcp.plan.RequestPlan` s to the billing system. One per process; share it.

    ``dialect`` defaults to the settings' provider's. ``transport`` replaces the network (tests pass
    ``httpx2.MockTransport``); ``sleep`` and ``clock`` replace waiting and time for backoff, the
    retry budget, token expiry and the token budget.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        dialect: Dialect | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if dialect is None:
            from zuora_mcp.providers import get_provider

            dialect = get_provider(settings.provider).dialect(settings)
        self._settings = settings
        self.dialect = dialect
        self._base_url = settings.base_url.rstrip("/")
        self._sleep = sleep
        self._clock = clock
        self.stats = ClientStats()
        self._semaphore = asyncio.Semaphore(settings.max_concurrency)
        limits = httpx2.Limits(
            max_connections=settings.max_concurrency, max_keepalive_connections=settings.max_concurrency
        )
        self._transport = transport
        self._limits = limits
        # The pool (and its TLS context, ~50 ms to build) is made on the first request, not at start:
        # a server that is only listed, or refuses everything, never pays for it.
        self._pool: httpx2.AsyncClient | None = None
        self._tokens: TokenCache | None = None
        self._token_times: collections.deque[float] = collections.deque()
        if dialect.static_token() is None and dialect.token_request() is not None:
            self._tokens = TokenCache(self._fetch_token, clock)

    def __repr__(self) -> str:
        return f"BillingClient(base_url={self._base_url!r})"

    @property
    def _http(self) -> httpx2.AsyncClient:
        if self._pool is None:
            self._pool = httpx2.AsyncClient(
                transport=self._transport,
                limits=self._limits,
                timeout=httpx2.Timeout(self._settings.timeout_seconds, connect=CONNECT_TIMEOUT_SECONDS),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip"},
                follow_redirects=False,
                # Proxy variables apply to real tenants; a tenant on this machine (the sandbox) is never proxied.
                trust_env=not is_loopback(urlsplit(self._base_url).hostname or ""),
            )
        return self._pool

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
        if self._pool is not None:
            await self._pool.aclose()

    async def get(
        self,
        path: str,
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue] | None = None,
        *,
        track_id: str | None = None,
    ) -> BillingResponse:
        """GET ``path`` (a template such as ``/v1/invoices/{invoiceKey}``); see :meth:`send`."""
        plan = RequestPlan(method="GET", path=path, path_params=dict(path_params or {}), query=dict(query or {}))
        return await self.send(plan, track_id=track_id)

    async def send(self, plan: RequestPlan, *, track_id: str | None = None) -> BillingResponse:
        """Send ``plan``, retrying where that is safe, and return the billing system's successful answer.

        Where the dialect has an idempotency header, POST and PATCH carry ``plan.idempotency_key`` (or
        one generated for this call) in it, the same on every attempt; without one, no write is
        repeated once it may have reached the vendor. ``track_id`` (default: a new one) is sent in
        the dialect's track header on every attempt and comes back in the response or the error.

        Raises:
            InvalidPathValue: a path value is unsafe; nothing was sent and no token was fetched.
            BillingError: the billing system refused (HTTP 4xx/5xx, or a 2xx body that says failure).
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
        dialect = self.dialect
        keyed = dialect.idempotency_header is not None
        key: str | None = None
        if keyed and plan.method in _KEYED_METHODS:
            key = plan.idempotency_key or str(uuid.uuid4())
            if not _IDEMPOTENCY_KEY.fullmatch(key):
                raise ValueError("idempotency_key must be 1 to 255 printable ASCII characters without spaces")
        body, content_type = _encode_body(plan)
        call = Call(
            method=plan.method,
            path=path,
            template=plan.path,
            url=url,
            track_id=track_id,
            idempotency_key=key,
            kind=kind_of(plan.method, keyed=keyed),
            body=body,
            content_type=content_type,
            api=True,
            dialect=dialect,
            accept=plan.accept,
        )
        if self._tokens is None and dialect.static_token() is None:
            raise ConfigError(dialect.missing_credentials() or f"No {dialect.vendor} credentials are configured.")
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
            telemetry.answered(status, self._settings.provider, api=call.api)
            if status < 400:
                return _Outcome(response, attempts, maybe_applied)
            if status == 401 and call.api and self._tokens is not None and token is not None and not refreshed:
                # The token may have expired early or been revoked: one fresh token, one re-send.
                refreshed = True
                await self._refresh(call, token, maybe_applied)
                continue
            if status == 429 and call.dialect.final_rate_limit(status, read_body(response)[0]) is not None:
                # A cap that resets in hours (a daily limit): waiting here would only hold the caller.
                return _Outcome(response, attempts, maybe_applied)
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
        dialect = call.dialect
        headers = {dialect.track_header: call.track_id} if dialect.track_header else {}
        if token is not None:
            headers.update(dialect.headers(token))
        if call.idempotency_key is not None and dialect.idempotency_header:
            headers[dialect.idempotency_header] = call.idempotency_key
        if call.content_type is not None:
            headers["Content-Type"] = call.content_type
        if call.accept is not None:
            headers["Accept"] = call.accept
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
        self._log(call, str(response.status_code), began, attempt, request_id_of(call, response))
        return response

    def _log(self, call: Call, result: str, began: float, attempt: int, request_id: str | None) -> None:
        telemetry.billing_attempt(call.api, call.method, call.template, result, attempt, request_id, call.track_id)
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
        static = self.dialect.static_token()
        if static is not None:
            return static
        assert self._tokens is not None
        try:
            return await self._tokens.get()
        except BillingRequestError as exc:
            if maybe_applied and call.is_write:
                raise unknown_after_token_failure(call, exc) from None
            raise

    async def _refresh(self, call: Call, refused: str, maybe_applied: bool) -> None:
        assert self._tokens is not None
        try:
            _, started = await self._tokens.refresh(refused)
        except BillingRequestError as exc:
            if maybe_applied and call.is_write:
                raise unknown_after_token_failure(call, exc) from None
            raise
        if started:
            self.stats.refreshes += 1
            telemetry.token_refreshed(self._settings.provider)
            logger.info("%s %s: HTTP 401, fetched a new token (track id %s)", call.method, call.template, call.track_id)

    async def _fetch_token(self) -> IssuedToken:
        """POST to the dialect's token endpoint (with the same retry rules as a read), within its cap."""
        request = self.dialect.token_request()
        assert request is not None
        path = urlsplit(request.url).path
        call = Call(
            method="POST",
            path=path,
            template=path,
            url=request.url,
            track_id=new_track_id(),
            idempotency_key=None,
            kind=CallKind.READ,  # asking for a token twice changes nothing
            body=urlencode(dict(request.form)).encode(),
            content_type="application/x-www-form-urlencoded",
            api=False,
            dialect=self.dialect,
        )
        await self._within_token_budget(call, request)
        outcome = await self._exchange(call)
        response = outcome.response
        data, _ = read_body(response)
        if response.status_code < 300:
            issued = parse_token_response(data)
            if issued is not None:
                return issued
            # The vendor's own reasons when it gave any, else say what was missing.
            missing = (
                None
                if self.dialect.says_failure(data) or _oauth_error(data)
                else (Reason("200", "the token response held no access_token"),)
            )
            raise refusal(call, response, AuthenticationError, self._scrub, missing)
        if response.status_code in {400, 401, 403}:
            raise refusal(call, response, AuthenticationError, self._scrub)
        raise refusal(call, response, BillingError, self._scrub)

    async def _within_token_budget(self, call: Call, request: TokenRequest) -> None:
        """Wait, or fail saying why, when one more token request would pass the vendor's cap."""
        budget = self.dialect.token_budget
        if budget is None:
            return
        count, window = budget
        now = self._clock()
        while self._token_times and self._token_times[0] <= now - window:
            self._token_times.popleft()
        if len(self._token_times) >= count:
            wait = self._token_times[0] + window - now
            if wait > MAX_TOKEN_BUDGET_WAIT_SECONDS:
                raise AuthenticationError(
                    method=call.method,
                    path=call.path,
                    status=0,
                    reasons=(
                        Reason(
                            "token_budget",
                            f"{self.dialect.vendor} allows {count} access tokens per {window:.0f} s for one set of "
                            f"credentials, and this process has used them all; the next can be had in {wait:.0f} s. "
                            "Nothing was sent.",
                        ),
                    ),
                    track_id=call.track_id,
                    vendor=self.dialect.vendor,
                )
            logger.info("token cap reached: waiting %.1f s before asking %s for a token", wait, request.url)
            await self._sleep(wait)
            now = self._clock()
            self._token_times.popleft()
        self._token_times.append(now)

    # -- answers ----------------------------------------------------------------------------------

    def _answer(self, call: Call, outcome: _Outcome) -> BillingResponse:
        """Turn the final HTTP answer of an API call into a response or the right error."""
        response = outcome.response
        status = response.status_code
        data, text = read_body(response)
        if 200 <= status < 300 and not call.dialect.says_failure(data):
            headers = response_headers(response)
            return BillingResponse(
                status=status,
                data=data,
                text=text,
                headers=headers,
                request_id=request_id_of(call, response),
                track_id=call.track_id,
                idempotency_key=call.idempotency_key,
                attempts=outcome.attempts,
                content=response.content,
            )
        if status == 401:
            raise refusal(call, response, AuthenticationError, self._scrub)
        if status == 429:
            why = call.dialect.final_rate_limit(status, data)
            if why is not None:
                reasons, _ = call.dialect.reasons(status, data, response.reason_phrase)
                raise refusal(call, response, BillingError, self._scrub, (*reasons, Reason("rate_limit", why)))
        # A write that some attempt may have applied, and whose last answer does not settle it.
        if call.is_write and outcome.maybe_applied and (status >= 500 or status in {409, 429}):
            raise unsettled_write(call, response, outcome.attempts, self._scrub)
        raise refusal(call, response, BillingError, self._scrub)

    def _scrub(self, text: str) -> str:
        """Remove every configured secret and the bearer token from a text, should the vendor echo one."""
        for secret in self.dialect.secrets():
            if secret:
                text = text.replace(secret, "**********")
        current = self._tokens.current if self._tokens is not None else None
        if current:
            text = text.replace(current, "**********")
        return text


def _encode_body(plan: RequestPlan) -> tuple[bytes | None, str | None]:
    """The body's bytes and Content-Type: JSON, or a multipart/form-data form with its files."""
    if plan.multipart:
        fields = plan.body if isinstance(plan.body, Mapping) else {}
        data = {key: _form_value(value) for key, value in fields.items() if value is not None}
        files = {part.field: (part.file_name, part.content, part.media_type) for part in plan.files}
        # httpx2 writes the form and its boundary; the request is only built here, never sent by it.
        form = httpx2.Request("POST", "http://form.invalid/", data=data, files=files)
        return form.read(), form.headers["Content-Type"]
    if plan.body is None:
        return None, None
    return json.dumps(plan.body, ensure_ascii=False, separators=(",", ":")).encode(), "application/json"


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _oauth_error(data: Any) -> bool:
    """An OAuth error body (``{"error": ...}``) — some token endpoints answer refusals with HTTP 200."""
    return isinstance(data, dict) and isinstance(data.get("error"), str)
