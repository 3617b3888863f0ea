"""How Zuora speaks HTTP, for the shared client.

- Auth: OAuth 2.0 client credentials at ``{base}/oauth/token`` (form: client_id, client_secret,
  grant_type), or a pre-issued bearer token. Every API call carries ``Authorization: Bearer``,
  ``Zuora-Version`` and, when configured, ``Zuora-Entity-Ids``/``Zuora-Org-Ids``.
- ``Zuora-Track-Id`` is echoed back; ``Zuora-Request-Id`` names the call on Zuora's side.
- POST and PATCH carry ``Idempotency-Key``; Zuora remembers it for 24 hours.
- Zuora says no in several shapes, all of which become one :class:`~zuora_mcp.errors.BillingError`::

    {"success": false, "processId": "...", "reasons": [{"code": 50000040, "message": "..."}]}
    {"Success": false, "Errors": [{"Code": "INVALID_VALUE", "Message": "..."}]}
    {"message": "Authentication error"}                      (the API gateway)
    {"error": "invalid_client", "error_description": "..."}   (OAuth, token endpoint)
    anything else, or no JSON at all                          (a reason from the status line)
"""

from __future__ import annotations

from typing import Any

from zuora_mcp.config import Settings
from zuora_mcp.errors import Reason
from zuora_mcp.provider import TokenRequest
from zuora_mcp.providers.zuora.settings import ZuoraConnection

__all__ = ["TOKEN_PATH", "ZuoraDialect", "reasons_of", "says_failure"]

TOKEN_PATH = "/oauth/token"  # noqa: S105 (a path, not a password)


def says_failure(data: Any) -> bool:
    """True for a 2xx body that reports failure: ``"success": false`` (or ``"Success": false``)."""
    return isinstance(data, dict) and (data.get("success") is False or data.get("Success") is False)


def reasons_of(status: int, data: Any, phrase: str) -> tuple[tuple[Reason, ...], str | None]:
    """Zuora's reasons (never empty) and process id, from whichever shape the body has."""
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
            message = f"HTTP {status} {phrase}".strip()
        reasons.append(Reason(str(status), message))
    return tuple(reasons), process_id


class ZuoraDialect:
    """The :class:`~zuora_mcp.provider.Dialect` of Zuora's v1 REST API."""

    vendor = "Zuora"
    idempotency_header = "Idempotency-Key"
    track_header = "Zuora-Track-Id"
    request_id_header = "zuora-request-id"
    token_budget = None  # Zuora limits its token endpoint by IP without a published number

    def __init__(self, settings: Settings) -> None:
        connection = settings.connection
        self._connection = connection if isinstance(connection, ZuoraConnection) else ZuoraConnection()
        self._base_url = settings.base_url.rstrip("/")

    def static_token(self) -> str | None:
        token = self._connection.access_token
        return token.reveal() if token is not None else None

    def token_request(self) -> TokenRequest | None:
        connection = self._connection
        if connection.access_token is not None or not connection.client_id or connection.client_secret is None:
            return None
        form = {
            "client_id": connection.client_id,
            "client_secret": connection.client_secret.reveal(),
            "grant_type": "client_credentials",
        }
        return TokenRequest(self._base_url + TOKEN_PATH, form)

    def headers(self, token: str) -> dict[str, str]:
        connection = self._connection
        headers = {"Authorization": f"Bearer {token}", "Zuora-Version": connection.zuora_version}
        if connection.entity_ids:
            headers["Zuora-Entity-Ids"] = ",".join(connection.entity_ids)
        if connection.org_ids:
            headers["Zuora-Org-Ids"] = ",".join(connection.org_ids)
        return headers

    def says_failure(self, data: Any) -> bool:
        return says_failure(data)

    def reasons(self, status: int, data: Any, phrase: str) -> tuple[tuple[Reason, ...], str | None]:
        return reasons_of(status, data, phrase)

    def final_rate_limit(self, status: int, data: Any) -> str | None:
        return None  # Zuora's 429s clear within its rate window; the client waits as RateLimit-Reset says

    def secrets(self) -> tuple[str, ...]:
        found = (self._connection.client_secret, self._connection.access_token)
        return tuple(secret.reveal() for secret in found if secret is not None)

    def missing_credentials(self) -> str | None:
        return "No Zuora credentials: set ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET, or ZUORA_ACCESS_TOKEN."


def _text(value: Any, default: str) -> str:
    # Zuora sends codes as numbers (50000040); callers compare strings.
    if value is None or isinstance(value, dict | list):
        return default
    return str(value)
