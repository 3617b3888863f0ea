"""Zoho Billing's settings: data centres, a self client's refresh token, the organisation.

Zoho serves each data centre from its own API host and its own accounts host (where tokens come
from); a refresh token works only at the accounts host of the data centre that issued it.
:func:`load_connection` is the provider's settings loader: it returns a
:class:`~zuora_mcp.provider.Connection` whose ``details`` is a :class:`ZohoConnection`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from zuora_mcp.config import Secret, SettingDoc, as_bool, as_secret, http_base_url, is_loopback
from zuora_mcp.errors import ConfigError
from zuora_mcp.provider import Connection, SettingsSource

__all__ = ["CONNECTION_ENV", "DATA_CENTERS", "SETTINGS_DOCS", "DataCenter", "ZohoConnection", "load_connection"]


@dataclass(frozen=True)
class DataCenter:
    name: str
    api_url: str
    accounts_url: str
    label: str


# Zoho Billing's eight data centres (API intro page; the accounts hosts from Zoho's OAuth docs —
# Canada's accounts host is zohocloud.ca). Our spec's `servers` list carries the same pairs.
DATA_CENTERS: dict[str, DataCenter] = {
    dc.name: dc
    for dc in (
        DataCenter("us", "https://www.zohoapis.com/billing/v1", "https://accounts.zoho.com", "United States"),
        DataCenter("eu", "https://www.zohoapis.eu/billing/v1", "https://accounts.zoho.eu", "Europe"),
        DataCenter("in", "https://www.zohoapis.in/billing/v1", "https://accounts.zoho.in", "India"),
        DataCenter("au", "https://www.zohoapis.com.au/billing/v1", "https://accounts.zoho.com.au", "Australia"),
        DataCenter("jp", "https://www.zohoapis.jp/billing/v1", "https://accounts.zoho.jp", "Japan"),
        DataCenter("ca", "https://www.zohoapis.ca/billing/v1", "https://accounts.zohocloud.ca", "Canada"),
        DataCenter("cn", "https://www.zohoapis.com.cn/billing/v1", "https://accounts.zoho.com.cn", "China"),
        DataCenter("sa", "https://www.zohoapis.sa/billing/v1", "https://accounts.zoho.sa", "Saudi Arabia"),
    )
}


@dataclass(frozen=True)
class ZohoConnection:
    """A self client's credentials, the organisation every call names, and where tokens come from."""

    accounts_url: str = DATA_CENTERS["us"].accounts_url
    client_id: str | None = None
    client_secret: Secret | None = None
    refresh_token: Secret | None = None
    organization_id: str | None = None


SETTINGS_DOCS: tuple[SettingDoc, ...] = (
    SettingDoc(
        "ZOHO_DATA_CENTER",
        "--environment",
        "data_center",
        "us",
        "Zoho data centre of the organisation: " + ", ".join(DATA_CENTERS) + " (API and accounts hosts).",
    ),
    SettingDoc(
        "ZOHO_BASE_URL",
        "--base-url",
        "base_url",
        "(from the data centre)",
        "Any other Billing API base URL; wins over ZOHO_DATA_CENTER. Production unless it is loopback "
        "or ZOHO_PRODUCTION=false.",
    ),
    SettingDoc(
        "ZOHO_ACCOUNTS_URL",
        None,
        "accounts_url",
        "(from the data centre)",
        "Any other accounts host (the token endpoint is its /oauth/v2/token).",
    ),
    SettingDoc(
        "ZOHO_PRODUCTION",
        None,
        "production",
        "true",
        "Whether writes count as production writes (true/false). Every Zoho data centre is production.",
    ),
    SettingDoc("ZOHO_CLIENT_ID", None, None, "-", "The self client's client id (Zoho API console)."),
    SettingDoc("ZOHO_CLIENT_SECRET", None, None, "-", "The self client's secret. Environment only, never a file."),
    SettingDoc(
        "ZOHO_REFRESH_TOKEN",
        None,
        None,
        "-",
        "A refresh token of the self client (scopes ZohoSubscriptions.invoices.ALL, "
        "ZohoSubscriptions.customers.READ). Environment only.",
    ),
    SettingDoc(
        "ZOHO_ORGANIZATION_ID",
        None,
        "organization_id",
        "-",
        "The organisation id, sent as X-com-zoho-subscriptions-organizationid on every call.",
    ),
)

# Variables that name a real organisation: `serve --sandbox` drops them so nothing real is reached.
CONNECTION_ENV = frozenset(
    {
        "ZOHO_BASE_URL",
        "ZOHO_ACCOUNTS_URL",
        "ZOHO_DATA_CENTER",
        "ZOHO_CLIENT_ID",
        "ZOHO_CLIENT_SECRET",
        "ZOHO_REFRESH_TOKEN",
        "ZOHO_ORGANIZATION_ID",
        "ZOHO_PRODUCTION",
    }
)


def load_connection(source: SettingsSource, require_credentials: bool) -> Connection:
    """Zoho's data centre, hosts, credentials and organisation from flags > environment > policy file.

    Raises:
        ConfigError: one message naming what to set.
    """
    data_center = source.pick("data_center", "ZOHO_DATA_CENTER") or source.flags.get("environment")
    base_url = source.pick("base_url", "ZOHO_BASE_URL")
    accounts_url = source.pick("accounts_url", "ZOHO_ACCOUNTS_URL")
    key = str(data_center or "us").strip().lower()
    dc = DATA_CENTERS.get(key)
    if dc is None:
        raise ConfigError(
            f"ZOHO_DATA_CENTER={key!r} is not a Zoho data centre; set it to one of: {', '.join(DATA_CENTERS)} "
            "(or set ZOHO_BASE_URL and ZOHO_ACCOUNTS_URL)."
        )
    if base_url:
        environment = "custom"
        url = http_base_url("ZOHO_BASE_URL", base_url, "https://www.zohoapis.com/billing/v1")
        default_production = not is_loopback(urlsplit(url).hostname or "")
    else:
        environment, url, default_production = dc.name, dc.api_url, True
    if accounts_url:
        accounts = http_base_url("ZOHO_ACCOUNTS_URL", accounts_url, "https://accounts.zoho.com")
    elif base_url:
        raise ConfigError(
            "ZOHO_BASE_URL is set but ZOHO_ACCOUNTS_URL is not; set ZOHO_ACCOUNTS_URL to the accounts host that "
            "issues this organisation's tokens (for example https://accounts.zoho.eu)."
        )
    else:
        accounts = dc.accounts_url
    production = as_bool("ZOHO_PRODUCTION", source.pick("production", "ZOHO_PRODUCTION"), default_production)
    env, flags = source.env, source.flags
    details = ZohoConnection(
        accounts_url=accounts,
        client_id=env.get("ZOHO_CLIENT_ID") or flags.get("client_id") or None,
        client_secret=as_secret(env.get("ZOHO_CLIENT_SECRET") or flags.get("client_secret")),
        refresh_token=as_secret(env.get("ZOHO_REFRESH_TOKEN") or flags.get("refresh_token")),
        organization_id=str(source.pick("organization_id", "ZOHO_ORGANIZATION_ID") or "") or None,
    )
    if require_credentials:
        _check_credentials(details)
    return Connection(environment, url, production, details)


def _check_credentials(details: ZohoConnection) -> None:
    missing = [
        name
        for name, value in (
            ("ZOHO_CLIENT_ID", details.client_id),
            ("ZOHO_CLIENT_SECRET", details.client_secret),
            ("ZOHO_REFRESH_TOKEN", details.refresh_token),
            ("ZOHO_ORGANIZATION_ID", details.organization_id),
        )
        if not value
    ]
    if len(missing) == 4:
        raise ConfigError(
            "No Zoho credentials: set ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN (a self client's "
            "refresh token) and ZOHO_ORGANIZATION_ID, or run with --sandbox to use the built-in sandbox organisation."
        )
    if missing:
        raise ConfigError(f"Zoho settings are incomplete: set {', '.join(missing)}.")
    organization = details.organization_id or ""
    if not organization.isdigit():
        raise ConfigError(
            f"ZOHO_ORGANIZATION_ID={organization!r} is not an organisation id (digits only); copy it from "
            "Zoho Billing's Settings → Organization Profile."
        )
