"""Zuora's settings: the named environments, OAuth client credentials or a pre-issued token, headers.

:func:`load_connection` is the provider's settings loader: it reads its own variables through the
core's flags > environment > policy-file precedence and returns a :class:`~zuora_mcp.provider.Connection`
whose ``details`` is a :class:`ZuoraConnection`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from zuora_mcp.config import Secret, SettingDoc, as_bool, as_csv, as_secret, http_base_url, is_loopback
from zuora_mcp.errors import ConfigError
from zuora_mcp.provider import Connection, SettingsSource

__all__ = [
    "DEFAULT_ZUORA_VERSION",
    "ENVIRONMENTS",
    "SETTINGS_DOCS",
    "Environment",
    "ZuoraConnection",
    "load_connection",
]

DEFAULT_ZUORA_VERSION = "341.0"


@dataclass(frozen=True)
class Environment:
    name: str
    base_url: str
    production: bool
    label: str


# From the spec's `servers` list; short names a person can remember.
ENVIRONMENTS: dict[str, Environment] = {
    env.name: env
    for env in (
        Environment("us-production-1", "https://rest.na.zuora.com", True, "US Production, Cloud 1"),
        Environment("us-production-2", "https://rest.zuora.com", True, "US Production, Cloud 2"),
        Environment("us-sandbox-1", "https://rest.sandbox.na.zuora.com", False, "US API Sandbox, Cloud 1"),
        Environment("us-sandbox-2", "https://rest.apisandbox.zuora.com", False, "US API Sandbox, Cloud 2"),
        Environment("us-developer", "https://rest.test.zuora.com", False, "US Developer & Central Sandbox"),
        Environment("eu-production", "https://rest.eu.zuora.com", True, "EU Production"),
        Environment("eu-sandbox", "https://rest.sandbox.eu.zuora.com", False, "EU API Sandbox"),
        Environment("eu-developer", "https://rest.test.eu.zuora.com", False, "EU Developer & Central Sandbox"),
        Environment("apac-production", "https://rest.ap.zuora.com", True, "APAC Production"),
        Environment("apac-developer", "https://rest.test.ap.zuora.com", False, "APAC Developer & Central Sandbox"),
    )
}


@dataclass(frozen=True)
class ZuoraConnection:
    """Credentials and the headers every Zuora call carries."""

    client_id: str | None = None
    client_secret: Secret | None = None
    access_token: Secret | None = None
    entity_ids: tuple[str, ...] = ()
    org_ids: tuple[str, ...] = ()
    zuora_version: str = DEFAULT_ZUORA_VERSION


SETTINGS_DOCS: tuple[SettingDoc, ...] = (
    SettingDoc(
        "ZUORA_ENVIRONMENT",
        "--environment",
        "environment",
        "us-sandbox-1",
        "Named Zuora environment: " + ", ".join(ENVIRONMENTS) + ".",
    ),
    SettingDoc(
        "ZUORA_BASE_URL",
        "--base-url",
        "base_url",
        "(from the environment)",
        "Any other REST base URL; wins over ZUORA_ENVIRONMENT. Treated as production unless "
        "it is loopback or ZUORA_PRODUCTION=false.",
    ),
    SettingDoc(
        "ZUORA_PRODUCTION",
        None,
        "production",
        "(from the environment)",
        "Override whether writes count as production writes (true/false).",
    ),
    SettingDoc("ZUORA_CLIENT_ID", None, None, "-", "OAuth client id (with ZUORA_CLIENT_SECRET)."),
    SettingDoc("ZUORA_CLIENT_SECRET", None, None, "-", "OAuth client secret. Environment only, never a file."),
    SettingDoc("ZUORA_ACCESS_TOKEN", None, None, "-", "A pre-issued bearer token instead of client credentials."),
    SettingDoc("ZUORA_ENTITY_IDS", None, "entity_ids", "-", "Sent as Zuora-Entity-Ids (comma-separated)."),
    SettingDoc("ZUORA_ORG_IDS", None, "org_ids", "-", "Sent as Zuora-Org-Ids (comma-separated)."),
    SettingDoc(
        "ZUORA_VERSION",
        None,
        "zuora_version",
        DEFAULT_ZUORA_VERSION,
        "API minor version sent as Zuora-Version.",
    ),
)

# Variables that name a real tenant: `serve --sandbox` drops them so nothing real is reached.
CONNECTION_ENV = frozenset(
    {"ZUORA_ACCESS_TOKEN", "ZUORA_BASE_URL", "ZUORA_ENVIRONMENT", "ZUORA_CLIENT_ID", "ZUORA_CLIENT_SECRET"}
)


def load_connection(source: SettingsSource, require_credentials: bool) -> Connection:
    """Zuora's environment, base URL and credentials from flags > environment > policy file.

    Raises:
        ConfigError: one message naming what to set.
    """
    environment, base_url, production = _resolve_environment(
        source.pick("environment", "ZUORA_ENVIRONMENT"),
        source.pick("base_url", "ZUORA_BASE_URL"),
        source.pick("production", "ZUORA_PRODUCTION"),
    )
    env, flags = source.env, source.flags
    client_id = env.get("ZUORA_CLIENT_ID") or flags.get("client_id") or None
    client_secret = as_secret(env.get("ZUORA_CLIENT_SECRET") or flags.get("client_secret"))
    access_token = as_secret(env.get("ZUORA_ACCESS_TOKEN") or flags.get("access_token"))
    if require_credentials:
        _check_credentials(client_id, client_secret, access_token)
    details = ZuoraConnection(
        client_id=client_id,
        client_secret=client_secret,
        access_token=access_token,
        entity_ids=as_csv(source.pick("entity_ids", "ZUORA_ENTITY_IDS")),
        org_ids=as_csv(source.pick("org_ids", "ZUORA_ORG_IDS")),
        zuora_version=str(source.pick("zuora_version", "ZUORA_VERSION") or DEFAULT_ZUORA_VERSION),
    )
    return Connection(environment, base_url, production, details)


def _resolve_environment(name: object, base_url: object, production: object) -> tuple[str, str, bool]:
    if base_url:
        url = http_base_url("ZUORA_BASE_URL", base_url, "https://rest.example.zuora.com")
        default_production = not is_loopback(urlsplit(url).hostname or "")
        return "custom", url, as_bool("ZUORA_PRODUCTION", production, default_production)
    key = str(name or "us-sandbox-1").strip().lower()
    env = ENVIRONMENTS.get(key)
    if env is None:
        raise ConfigError(
            f"ZUORA_ENVIRONMENT={key!r} is not a known environment; set it to one of: "
            f"{', '.join(ENVIRONMENTS)} (or set ZUORA_BASE_URL)."
        )
    return env.name, env.base_url, as_bool("ZUORA_PRODUCTION", production, env.production)


def _check_credentials(client_id: str | None, client_secret: Secret | None, token: Secret | None) -> None:
    if token and (client_id or client_secret):
        raise ConfigError("Both ZUORA_ACCESS_TOKEN and ZUORA_CLIENT_ID/ZUORA_CLIENT_SECRET are set; unset one of them.")
    if token:
        return
    if client_id and not client_secret:
        raise ConfigError("ZUORA_CLIENT_ID is set but ZUORA_CLIENT_SECRET is not; set ZUORA_CLIENT_SECRET.")
    if client_secret and not client_id:
        raise ConfigError("ZUORA_CLIENT_SECRET is set but ZUORA_CLIENT_ID is not; set ZUORA_CLIENT_ID.")
    if not client_id:
        raise ConfigError(
            "No Zuora credentials: set ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET (an OAuth client), "
            "or ZUORA_ACCESS_TOKEN, or run with --sandbox to use the built-in sandbox tenant."
        )
