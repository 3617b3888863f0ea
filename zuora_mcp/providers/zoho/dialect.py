"""How Zoho Billing speaks HTTP, for the shared client.

- Tokens: ``POST {accounts host}/oauth/v2/token`` with ``grant_type=refresh_token``, the self client's
  id and secret and its refresh token; the answer is ``{access_token, expires_in, api_domain,
  token_type}``, a refusal ``{"error": "invalid_code"}`` (often with HTTP 200). One refresh token may
  mint at most **10 access tokens per 10 minutes**: the client never asks for an 11th inside the
  window (it waits when the window frees up within seconds, else fails saying when).
- Every API call: ``Authorization: Zoho-oauthtoken <token>`` and
  ``X-com-zoho-subscriptions-organizationid: <organisation id>``.
- Answers: ``{"code": 0, "message": ..., <resource>}``; any other ``code`` is a failure whatever the
  HTTP status (Zoho answers some refusals with HTTP 200).
- Rate limits answer 429 with a code: 44 (per-minute cap) and 1070 (too many concurrent calls) clear
  in seconds, so the client backs off and tries again; 45 (the organisation's daily cap) clears at the
  end of the day, so the call fails at once saying so — it never sleeps for hours.
- **No idempotency keys.** Zoho has none (notes §2), so no write is ever repeated once it may have
  reached Zoho; a write without a trustworthy answer is reported as an unknown outcome, settled by a
  read (:data:`zuora_mcp.providers.zoho.SETTLE_WITH`).
"""

from __future__ import annotations

from typing import Any

from zuora_mcp.config import Settings
from zuora_mcp.errors import Reason
from zuora_mcp.provider import TokenRequest
from zuora_mcp.providers.zoho.settings import ZohoConnection

__all__ = ["DAILY_CAP", "ORGANIZATION_HEADER", "TOKEN_PATH", "ZohoDialect", "code_of"]

TOKEN_PATH = "/oauth/v2/token"  # noqa: S105 (a path, not a password)
ORGANIZATION_HEADER = "X-com-zoho-subscriptions-organizationid"
DAILY_CAP = 45  # Zoho's code for the organisation's daily API call limit (HTTP 429)
TOKENS_PER_WINDOW = 10  # access tokens one refresh token may mint ...
TOKEN_WINDOW_SECONDS = 600.0  # ... per ten minutes


def code_of(data: Any) -> int | None:
    """Zoho's top-level ``code`` as a number, or None when the body has none."""
    if not isinstance(data, dict) or "code" not in data:
        return None
    raw = data["code"]
    if isinstance(raw, bool):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


class ZohoDialect:
    """The :class:`~zuora_mcp.provider.Dialect` of Zoho Billing's v1 API."""

    vendor = "Zoho Billing"
    idempotency_header = None
    track_header = None  # Zoho echoes no tracing header; our track id stays in our own logs and ledger
    request_id_header = None  # Zoho documents no request id header
    token_budget = (TOKENS_PER_WINDOW, TOKEN_WINDOW_SECONDS)

    def __init__(self, settings: Settings) -> None:
        connection = settings.connection
        self._connection = connection if isinstance(connection, ZohoConnection) else ZohoConnection()

    def static_token(self) -> str | None:
        return None

    def token_request(self) -> TokenRequest | None:
        connection = self._connection
        if not connection.client_id or connection.client_secret is None or connection.refresh_token is None:
            return None
        form = {
            "grant_type": "refresh_token",
            "client_id": connection.client_id,
            "client_secret": connection.client_secret.reveal(),
            "refresh_token": connection.refresh_token.reveal(),
        }
        return TokenRequest(connection.accounts_url.rstrip("/") + TOKEN_PATH, form)

    def headers(self, token: str) -> dict[str, str]:
        headers = {"Authorization": f"Zoho-oauthtoken {token}"}
        if self._connection.organization_id:
            headers[ORGANIZATION_HEADER] = self._connection.organization_id
        return headers

    def says_failure(self, data: Any) -> bool:
        code = code_of(data)
        return code is not None and code != 0

    def reasons(self, status: int, data: Any, phrase: str) -> tuple[tuple[Reason, ...], str | None]:
        if isinstance(data, dict):
            code = code_of(data)
            message = data.get("message")
            if code is not None and code != 0:
                return (Reason(str(code), str(message) if message is not None else ""),), None
            if isinstance(data.get("error"), str):  # the accounts host's OAuth errors
                description = data.get("error_description")
                return (Reason(data["error"], str(description) if description is not None else ""),), None
            if isinstance(message, str) and status >= 400:
                return (Reason(str(status), message),), None
        if 200 <= status < 300:
            return (Reason(str(status), "Zoho Billing answered with a failure code but no message"),), None
        return (Reason(str(status), f"HTTP {status} {phrase}".strip()),), None

    def final_rate_limit(self, status: int, data: Any) -> str | None:
        if status == 429 and code_of(data) == DAILY_CAP:
            return (
                "the organisation has used its daily Zoho API calls; Zoho resets the count at the end of the day "
                "(a higher limit comes with a higher plan or from Zoho support). Nothing was sent."
            )
        return None

    def secrets(self) -> tuple[str, ...]:
        found = (self._connection.client_secret, self._connection.refresh_token)
        return tuple(secret.reveal() for secret in found if secret is not None)

    def missing_credentials(self) -> str | None:
        return (
            "No Zoho credentials: set ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN (a self client's "
            "refresh token) and ZOHO_ORGANIZATION_ID."
        )
