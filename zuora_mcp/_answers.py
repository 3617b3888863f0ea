"""Reading Zuora's answers: bodies, the error shapes Zuora uses, and which error a failed call becomes.

Zuora says no in several shapes, all of which become one :class:`~zuora_mcp.errors.ZuoraError`::

    {"success": false, "processId": "...", "reasons": [{"code": 50000040, "message": "..."}]}
    {"Success": false, "Errors": [{"Code": "INVALID_VALUE", "Message": "..."}]}
    {"message": "Authentication error"}                      (the API gateway)
    {"error": "invalid_client", "error_description": "..."}   (OAuth, token endpoint)
    anything else, or no JSON at all                          (a reason from the status line)

Every text that goes into an error passes through ``scrub`` first, so a secret that Zuora might
echo back never reaches a message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import httpx2

from zuora_mcp._retry import CallKind, never_sent, server_delay
from zuora_mcp.errors import OutcomeUnknown, Reason, TransportError, ZuoraError, ZuoraRequestError

__all__ = [
    "MAX_TEXT_CHARS",
    "Call",
    "no_answer",
    "read_body",
    "reasons_of",
    "refusal",
    "response_headers",
    "says_failure",
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

    @property
    def is_write(self) -> bool:
        return self.kind is not CallKind.READ


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
    """Response headers with lower-case names, read-only; cookies left out (session plumbing)."""
    return MappingProxyType({k.lower(): v for k, v in response.headers.items() if k.lower() != "set-cookie"})


def says_failure(data: Any) -> bool:
    """True for a 2xx body that reports failure: ``"success": false`` (or ``"Success": false``)."""
    return isinstance(data, dict) and (data.get("success") is False or data.get("Success") is False)


def reasons_of(data: Any, response: httpx2.Response) -> tuple[tuple[Reason, ...], str | None]:
    """Zuora's reasons (never empty) and process id, from whichever shape the body has."""
    status = response.status_code
    reasons: list[Reason] = []
    process_id: str | None = None
    if isinstance(data, dict):
        raw_pid = data.get("processId", data.get("ProcessId"))
        process_id = str(raw_pid) if raw_pid not in (None, "") else None
        for list_key in ("reasons", "Errors", "errors"):
            items = data.get(list_key)
            if isinstance(items, list):
                for item in items:
                    if isinstance(item, dict):
                        code = _text(item.get("code", item.get("Code")), str(status))
                        reasons.append(Reason(code, _text(item.get("message", item.get("Message")), "")))
        if not reasons and isinstance(data.get("message"), str):
            reasons.append(Reason(str(status), data["message"]))
        if not reasons and isinstance(data.get("error"), str):
            reasons.append(Reason(data["error"], _text(data.get("error_description"), "")))
    if not reasons:
        if 200 <= status < 300:
            message = 'Zuora answered "success": false without a reason'
        else:
            message = f"HTTP {status} {response.reason_phrase}".strip()
        reasons.append(Reason(str(status), message))
    return tuple(reasons), process_id


def refusal(
    call: Call,
    response: httpx2.Response,
    error: type[ZuoraError],
    scrub: Scrub,
    reasons: tuple[Reason, ...] | None = None,
) -> ZuoraError:
    """The error for an answer in which Zuora refused (``reasons`` replaces the parsed ones)."""
    data, _ = read_body(response)
    parsed, process_id = reasons_of(data, response)
    return error(
        method=call.method,
        path=call.path,
        status=response.status_code,
        reasons=tuple(Reason(r.code, scrub(r.message)) for r in (reasons or parsed)),
        process_id=process_id,
        request_id=response.headers.get("zuora-request-id"),
        track_id=call.track_id,
        retry_after=server_delay(response.headers, rate_limited=response.status_code == 429)
        if response.status_code in {429, 503}
        else None,
    )


def unsettled_write(call: Call, response: httpx2.Response, attempts: int, scrub: Scrub) -> OutcomeUnknown:
    """The error for a write whose last HTTP answer does not say whether an attempt was applied."""
    data, _ = read_body(response)
    reasons, _ = reasons_of(data, response)
    detail = "; ".join(f"{r.code}: {r.message}" for r in reasons)
    request_id = response.headers.get("zuora-request-id")
    return OutcomeUnknown(
        scrub(
            f"{call.method} {call.path} may or may not have been applied: Zuora's last answer was "
            f"HTTP {response.status_code} ({detail}; request id {request_id}) after {attempts} attempt(s). "
            "Read the record before trying again."
        ),
        method=call.method,
        path=call.path,
        track_id=call.track_id,
        idempotency_key=call.idempotency_key,
        status=response.status_code,
    )


def no_answer(call: Call, exc: Exception, attempts: int, maybe_applied: bool, scrub: Scrub) -> ZuoraRequestError:
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
    where = "was sent but no answer came back" if sent else "never reached Zuora"
    return TransportError(
        scrub(f"{call.method} {call.path} {where} ({what}) after {attempts} attempt(s); nothing was changed."),
        method=call.method,
        path=call.path,
        track_id=call.track_id,
        sent=sent,
    )


def unknown_after_token_failure(call: Call, exc: ZuoraRequestError) -> OutcomeUnknown:
    """A token failure on a write that an earlier attempt may already have applied."""
    return OutcomeUnknown(
        f"{call.method} {call.path} may or may not have been applied: an earlier attempt got no settling "
        f"answer and a new token could not be had ({type(exc).__name__}). Read the record before trying again.",
        method=call.method,
        path=call.path,
        track_id=call.track_id,
        idempotency_key=call.idempotency_key,
    )


def _text(value: Any, default: str) -> str:
    # Zuora sends codes as numbers (50000040); callers compare strings.
    if value is None or isinstance(value, dict | list):
        return default
    return str(value)
