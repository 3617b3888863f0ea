"""Every error zuora-mcp raises on purpose.

    ZuoraMCPError                  base: catch this to catch anything below
    ├── ConfigError                settings missing or contradictory; the message says what to set
    ├── InvalidArgument            an argument the request cannot be built from (also a ValueError)
    │   └── InvalidPathValue       a path parameter value that could leave its URL segment;
    │                              both raised before any request is built
    └── BillingRequestError    a call to the billing system did not succeed; carries the track id
        ├── BillingError       the billing system answered and said no: HTTP 4xx/5xx, or a 2xx
        │   │                      "success": false; carries status, reasons, processId, request id
        │   └── AuthenticationError   the token endpoint refused the credentials, or 401 persisted
        │                              after one token refresh
        ├── TransportError         no usable answer, and the request provably changed nothing:
        │                          a read that failed for good, or a write that never reached it
        └── OutcomeUnknown         a write was sent and no trustworthy answer came back: it may or
                                   may not have been applied; read the record to settle it

None of these ever holds a client secret or a bearer token: messages are built from method, path,
status and the vendor's own reason texts only, and ``repr`` shows the same.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AuthenticationError",
    "BillingError",
    "BillingRequestError",
    "ConfigError",
    "InvalidArgument",
    "InvalidPathValue",
    "OutcomeUnknown",
    "Reason",
    "TransportError",
    "ZuoraMCPError",
]


class ZuoraMCPError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(ZuoraMCPError):
    """Settings are missing or contradictory. The message names exactly what to set."""


class InvalidArgument(ZuoraMCPError, ValueError):
    """An argument value was refused while building the request (before anything was sent)."""

    def __init__(self, name: str, why: str) -> None:
        self.name = name
        self.why = why
        super().__init__(f"{name}: {why}")


class InvalidPathValue(InvalidArgument):
    """A path parameter value was refused before any request was built."""


@dataclass(frozen=True)
class Reason:
    """One reason the billing system gave (Zuora's ``reasons`` entries, Zoho's ``code``/``message``)."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class BillingRequestError(ZuoraMCPError):
    """A call to the billing system did not succeed.

    ``method`` and ``path`` name the call (the path as sent, never the query or headers);
    ``track_id`` is the track id we sent (Zuora's ``Zuora-Track-Id``), so a person can find the call.
    """

    def __init__(self, message: str, *, method: str, path: str, track_id: str | None) -> None:
        self.method = method
        self.path = path
        self.track_id = track_id
        super().__init__(message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class BillingError(BillingRequestError):
    """The billing system answered and refused: HTTP 4xx/5xx, or a 2xx body that says failure.

    ``vendor`` names it in the message ("Zuora refused POST /v1/...")."""

    def __init__(
        self,
        *,
        method: str,
        path: str,
        status: int,
        reasons: tuple[Reason, ...] = (),
        process_id: str | None = None,
        request_id: str | None = None,
        track_id: str | None = None,
        retry_after: float | None = None,
        vendor: str = "The billing system",
    ) -> None:
        self.status = status
        self.reasons = reasons
        self.process_id = process_id
        self.request_id = request_id
        self.retry_after = retry_after
        detail = "; ".join(f"{r.code}: {r.message}" for r in reasons) or "no reason given"
        super().__init__(
            f"{vendor} refused {method} {path} (HTTP {status}): {detail}",
            method=method,
            path=path,
            track_id=track_id,
        )


class AuthenticationError(BillingError):
    """The billing system did not accept our credentials (token endpoint refusal, or 401 after one refresh)."""


class TransportError(BillingRequestError):
    """No usable answer came back, and the request provably changed nothing in the billing system.

    ``sent`` is False when the request never reached it (for example a connection refused).
    """

    def __init__(self, message: str, *, method: str, path: str, track_id: str | None, sent: bool) -> None:
        self.sent = sent
        super().__init__(message, method=method, path=path, track_id=track_id)


class OutcomeUnknown(BillingRequestError):
    """A write was sent and no trustworthy answer came back. It may have been applied.

    Never retried blindly: the caller must read the record to learn what happened.
    ``idempotency_key`` is the key the write carried, if any: resending the same logical call
    with the same key is safe where the vendor honours it (Zuora does; Zoho has no keys).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        track_id: str | None,
        idempotency_key: str | None = None,
        status: int | None = None,
    ) -> None:
        self.idempotency_key = idempotency_key
        self.status = status
        super().__init__(message, method=method, path=path, track_id=track_id)
