"""The OAuth resource-server settings, read from the environment only.

Like ``ZUORA_MCP_HTTP_TOKEN`` these describe the deployment, not the billing policy, so they are not
keys of the policy file. :data:`OAUTH_SETTINGS` documents them in the shape of
:data:`zuora_mcp.config.CORE_SETTINGS` for the README's generated configuration table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult, urlsplit

from zuora_mcp.config import SettingDoc, is_loopback
from zuora_mcp.errors import ConfigError

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "DEFAULT_ALGORITHMS",
    "OAUTH_SETTINGS",
    "OAuthSettings",
    "check_fetch_url",
    "load_oauth_settings",
]

# Every signature algorithm verified with a public key. ``none`` and HS* are absent on purpose: an
# HMAC "verified" with the issuer's *public* key is a forgery anyone can make.
ASYMMETRIC_ALGORITHMS: Final = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
DEFAULT_ALGORITHMS: Final = ("RS256", "PS256", "ES256", "RS384", "PS384", "ES384", "RS512", "PS512", "ES512")
DEFAULT_LEEWAY_SECONDS: Final = 30

OAUTH_SETTINGS: Final[tuple[SettingDoc, ...]] = (
    SettingDoc(
        "ZUORA_MCP_OAUTH_ISSUER",
        None,
        None,
        "-",
        "Authorization server whose JWT access tokens HTTP clients may send (its `iss`, exactly).",
    ),
    SettingDoc(
        "ZUORA_MCP_OAUTH_RESOURCE",
        None,
        None,
        "-",
        "This server's canonical URL, e.g. `https://billing-mcp.example.com/mcp`: the tokens' audience.",
    ),
    SettingDoc(
        "ZUORA_MCP_OAUTH_JWKS_URL",
        None,
        None,
        "from the issuer's metadata",
        "Where the issuer's signing keys are, if its metadata does not say.",
    ),
    SettingDoc(
        "ZUORA_MCP_OAUTH_ALGORITHMS",
        None,
        None,
        ",".join(DEFAULT_ALGORITHMS),
        "Signature algorithms accepted (public-key ones only; `none` and HS* are refused).",
    ),
    SettingDoc(
        "ZUORA_MCP_OAUTH_LEEWAY",
        None,
        None,
        str(DEFAULT_LEEWAY_SECONDS),
        "Clock skew tolerated on `exp` and `nbf`, seconds (at most 300).",
    ),
)


@dataclass(frozen=True)
class OAuthSettings:
    issuer: str
    resource: str
    jwks_url: str | None = None
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway_seconds: int = DEFAULT_LEEWAY_SECONDS


def load_oauth_settings(environ: Mapping[str, str] | None = None) -> OAuthSettings | None:
    """The OAuth settings, or ``None`` when ``ZUORA_MCP_OAUTH_ISSUER`` is unset.

    Raises:
        ConfigError: the issuer is set without a resource, a URL is neither https nor loopback http,
            an algorithm is not a public-key one, or the leeway is not 0–300 seconds.
    """
    env = os.environ if environ is None else environ
    issuer = env.get("ZUORA_MCP_OAUTH_ISSUER", "").strip()
    if not issuer:
        return None
    resource = env.get("ZUORA_MCP_OAUTH_RESOURCE", "").strip()
    if not resource:
        raise ConfigError(
            "ZUORA_MCP_OAUTH_ISSUER is set but ZUORA_MCP_OAUTH_RESOURCE is not: set it to this server's URL "
            "(e.g. https://billing-mcp.example.com/mcp), the audience its tokens must name."
        )
    check_fetch_url("ZUORA_MCP_OAUTH_ISSUER", issuer)
    _check_http_url("ZUORA_MCP_OAUTH_RESOURCE", resource)
    jwks_url = env.get("ZUORA_MCP_OAUTH_JWKS_URL", "").strip() or None
    if jwks_url is not None:
        check_fetch_url("ZUORA_MCP_OAUTH_JWKS_URL", jwks_url)
    return OAuthSettings(
        issuer=issuer,
        resource=resource,
        jwks_url=jwks_url,
        algorithms=_algorithms(env.get("ZUORA_MCP_OAUTH_ALGORITHMS", "")),
        leeway_seconds=_leeway(env.get("ZUORA_MCP_OAUTH_LEEWAY", "")),
    )


def check_fetch_url(name: str, url: str) -> None:
    """Keys and metadata come over https, or plain http to a loopback address (tests, a local IdP).

    Raises:
        ConfigError: any other URL.
    """
    parts = _check_http_url(name, url)
    if parts.scheme != "https" and not is_loopback(parts.hostname or ""):
        raise ConfigError(f"{name} must be an https URL (plain http only to a loopback address): {url}")


def _check_http_url(name: str, url: str) -> SplitResult:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username or parts.password:
        raise ConfigError(f"{name} must be an http(s) URL without credentials in it: {url!r}")
    return parts


def _algorithms(raw: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(a.strip() for a in raw.split(",") if a.strip()))
    if not names:
        return DEFAULT_ALGORITHMS
    refused = [a for a in names if a not in ASYMMETRIC_ALGORITHMS]
    if refused:
        raise ConfigError(
            f"ZUORA_MCP_OAUTH_ALGORITHMS: {', '.join(refused)} not accepted; "
            f"use public-key algorithms only ({', '.join(sorted(ASYMMETRIC_ALGORITHMS))})."
        )
    return names


def _leeway(raw: str) -> int:
    if not raw.strip():
        return DEFAULT_LEEWAY_SECONDS
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 300:
        raise ConfigError(f"ZUORA_MCP_OAUTH_LEEWAY must be a whole number of seconds from 0 to 300, not {raw!r}.")
    return value
