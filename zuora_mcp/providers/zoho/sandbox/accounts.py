"""The accounts server's token endpoint, ``POST /oauth/v2/token``, served on the tenant's socket.

Zoho's self-client flow: ``grant_type=refresh_token`` with ``client_id``, ``client_secret`` and
``refresh_token``, as query parameters or a form body (Zoho's examples put them in the query).
The answer is ``{"access_token", "expires_in", "api_domain", "token_type": "Bearer"}`` (notes D5).

Refusals, as Zoho's accounts server gives them: a wrong client id or secret answers
``{"error": "invalid_client"}`` and a wrong or revoked refresh token ``{"error": "invalid_code"}``,
both with **HTTP 200** (Zoho's known habit: clients must read the body; see e.g. the
schmorrison/Zoho and zoho/zcrm-csharp-sdk issue threads). Only the refresh grant is served; any
other grant answers ``{"error": "unsupported_grant_type"}`` (HTTP 200, the sandbox's wording).

**Refresh cap**: a refresh token mints at most ``cap_count`` access tokens per ``cap_window``
seconds (Zoho: 10 per 10 minutes, notes D5); the next answers HTTP 400 ``{"error": "Access Denied",
"error_description": "You have made too many requests continuously. Please try again after some
time."}`` until the oldest token of the window ages out.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from zuora_mcp.tenant_kit import Clock

__all__ = ["Accounts"]

TOO_MANY = {
    "error": "Access Denied",
    "error_description": "You have made too many requests continuously. Please try again after some time.",
}


@dataclass
class Accounts:
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    clock: Clock
    cap_count: int = 10
    cap_window: float = 600.0
    tokens: dict[str, float] = field(default_factory=dict, repr=False)
    _minted: dict[str, deque[float]] = field(default_factory=dict, repr=False)

    def expire_all(self) -> None:
        """Every issued access token stops working at once (the next call gets 401)."""
        self.tokens.clear()

    def reset(self) -> None:
        self.tokens.clear()
        self._minted.clear()

    def valid(self, header: str | None) -> bool:
        """``Authorization: Zoho-oauthtoken <token>``; ``Bearer`` is not accepted (Zoho's prefix only)."""
        if not header or not header.startswith("Zoho-oauthtoken "):
            return False
        expiry = self.tokens.get(header[len("Zoho-oauthtoken ") :].strip())
        return expiry is not None and self.clock.now() < expiry

    def issue(self, params: dict[str, str], api_domain: str, lifetime: int) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body) for one token request; a new token lives ``lifetime`` seconds."""
        if params.get("grant_type") != "refresh_token":
            return 200, {"error": "unsupported_grant_type"}
        same_id = secrets.compare_digest(params.get("client_id", ""), self.client_id)
        same_secret = secrets.compare_digest(params.get("client_secret", ""), self.client_secret)
        if not (same_id and same_secret):
            return 200, {"error": "invalid_client"}
        refresh = params.get("refresh_token", "")
        if not secrets.compare_digest(refresh, self.refresh_token):
            return 200, {"error": "invalid_code"}
        now = self.clock.now()
        window = self._minted.setdefault(refresh, deque())
        while window and window[0] <= now - self.cap_window:
            window.popleft()
        if len(window) >= self.cap_count:
            return 400, dict(TOO_MANY)
        window.append(now)
        token = f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"
        self.tokens[token] = now + lifetime
        return 200, {
            "access_token": token,
            "api_domain": api_domain,
            "token_type": "Bearer",
            "expires_in": lifetime,
        }
