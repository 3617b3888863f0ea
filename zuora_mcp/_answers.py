"""Reading answers: bodies, and which error a failed call becomes.

How a billing system says no is its dialect's business (:meth:`~zuora_mcp.provider.Dialect.reasons`);
every shape becomes one :class:`~zuora_mcp.errors.BillingError`. Every text that goes into an error
passes through ``scrub`` first, so a secret that a billing system might echo back never reaches a message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import httpx2

from zuora_mcp._retry import CallKind, never_sent, server_delay
from zuora_mcp.errors import BillingError, BillingRequestError, OutcomeUnknown, Reason, TransportError
from zuora_mcp.provider import Dialect

__all__ = [
    "MAX_TEXT_CHARS",
    "Call",
    "no_answer",
    "read_body",
    "refusal",
    "request_id_of",
    "response_headers",
    "unknown_after_token_failure",
    "unsettled_write",
]

MAX_TEXT_CHARS = 64 * 1024
Scrub = Callable[[str], str]


@dataclass(frozen=True)
class Call:
    """One logical call as the retry loop sees it."""

    method: str
    path: str  # encoded, as sent, without the query: goes into errors
    template: str  # the spec's path template: goes into logs
    url: str
    track_id: str
    idempotency_key: str | None
    kind: CallKind
    body: bytes | None
    content_type: str | None
    api: bool  # an API call with a bearer token, as opposed to the token request itself
    dialect: Dialect
    accept: str | None = None  # an Accept other than JSON (a download)

    @property
    def is_write(self) -> bool:
        return self.kind is not CallKind.READ


def request_id_of(call: Call, response: httpx2.Response) -> str | None:
    """The billing system's request id from the answer's headers, where its dialect names one.

    Read from the raw header list: ``Headers.get`` re-detects the encoding of every header on each
    lookup, a measurable share of a read's own CPU for one short ASCII value."""
    header = call.dialect.request_id_header
    if not header:
        return None
    wanted = header.lower().encode("ascii")
    for name, value in response.headers.raw:
        if name.lower() == wanted:
            return value.decode("utf-8", errors="replace")
    return None


def read_body(response: httpx2.Response) -> tuple[Any, str | None]:
    """(parsed JSON, None), or (None, text cut to 64 KiB) when the body is not JSON, or (None, None)."""
    raw = response.content
    if not raw.strip():
        return None, None
    try:
        return json.loads(raw), None
    except ValueError:
        return None, response.text[:MAX_TEXT_CHARS]


def response_headers(response: httpx2.Response) -> Mapping[str, str]:
    """Response headers with lower-case names, read-only; cookies left out (session plumbing).

    Made on first use: most callers never look, and decoding every header of every answer was a
    measurable part of a read's own CPU."""
    return _LazyHeaders(response.headers)


class _LazyHeaders(Mapping[str, str]):
    __slots__ = ("_made", "_source")

    def __init__(self, source: httpx2.Headers) -> None:
        self._source = source
        self._made: Mapping[str, str] | None = None

    def _headers(self) -> Mapping[str, str]:
        if self._made is None:
            made = {k.lower(): v for k, v in self._source.items() if k.lower() != "set-cookie"}
            self._made = MappingProxyType(made)
        return self._made

    def __getitem__(self, name: str) -> str:
        return self._headers()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers())

    def __len__(self) -> int:
        return len(self._headers())

    def __repr__(self) -> str:
        return repr(dict(self._headers()))


def refusal(
    call: Call,
    response: httpx2.Response,
    error: type[BillingError],
    scrub: Scrub,
    reasons: tuple[Reason, ...] | None = None,
) -> BillingError:
    """The error for an answer in which the billing system refused (``reasons`` replaces the parsed ones)."""
    data, _ = read_body(response)
    parsed, process_id = call.dialect.reasons(response.status_code, data, response.reason_phrase)
    return error(
        method=call.method,
        path=call.path,
        status=response.status_code,
        reasons=tuple(Reason(r.code, scrub(r.message)) for r in (reasons or parsed)),
        process_id=process_id,
        request_id=request_id_of(call, response),
        track_id=call.track_id,
        retry_after=server_delay(response.headers, rate_limited=response.status_code == 429)
        if response.status_code in {429, 503}
        else None,
        vendor=call.dialect.vendor,
    )


def unsettled_write(call: Call, response: httpx2.Response, attempts: int, scrub: Scrub) -> OutcomeUnknown:
    """The error for a write whose last HTTP answer does not say whether an attempt was applied."""
    data, _ = read_body(response)
    reasons, _ = call.dialect.reasons(response.status_code, data, response.reason_phrase)
    detail = "; ".join(f"{r.code}: {r.message}" for r in reasons)
    request_id = request_id_of(call, response)
    return OutcomeUnknown(
        scrub(
            f"{call.method} {call.path} may or may not have been applied: {call.dialect.vendor}'s last answer was "
            f"HTTP {response.status_code} ({detail}; request id {request_id}) after {attempts} attempt(s). "
            "Read the record before trying again."
        ),
        method=call.method,
        path=call.path,
        track_id=call.track_id,
        idempotency_key=call.idempotency_key,
        status=response.status_code,
    )


def no_answer(call: Call, exc: Exception, attempts: int, maybe_applied: bool, scrub: Scrub) -> BillingRequestError:
    """The error for a call whose last attempt got no HTTP answer at all."""
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    sent = not never_sent(exc)
    if call.is_write and (maybe_applied or sent):
        return OutcomeUnknown(
            scrub(
                f"{call.method} {call.path} may or may not have been applied: no answer came back "
                f"({what}) after {attempts} attempt(s). Read the record before trying again."
            ),
            method=call.method,
            path=call.path,
            track_id=call.track_id,
            idempotency_key=call.idempotency_key,
        )
    where = "was sent but no answer came back" if sent else f"never reached {call.dialect.vendor}"
    return TransportError(
        scrub(f"{call.method} {call.path} {where} ({what}) after {attempts} attempt(s); nothing was changed."),
        method=call.method,
        path=call.path,
        track_id=call.track_id,
        sent=sent,
    )


def unknown_after_token_failure(call: Call, exc: BillingRequestError) -> OutcomeUnknown:
    """A token failure on a write that an earlier attempt may already have applied."""
    return OutcomeUnknown(
        f"{call.method} {call.path} may or may not have been applied: an earlier attempt got no settling "
        f"answer and a new token could not be had ({type(exc).__name__}). Read the record before trying again.",
        method=call.method,
        path=call.path,
        track_id=call.track_id,
        idempotency_key=call.idempotency_key,
    )
