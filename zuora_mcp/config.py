"""Settings: command-line flags > environment variables > policy file > defaults.

Everything the server can be told lives in :data:`SETTINGS_TABLE`, which is the one place the
precedence and every name are written down (the README's configuration table is generated from
it). :func:`load_settings` reads flags, the environment and the optional TOML policy file
(``ZUORA_MCP_CONFIG``) and returns an immutable :class:`Settings`, or raises :class:`ConfigError`
with one message that says exactly what to set.

The policy file holds the same keys as the environment, in lower case without the prefix, plus
per-tool sections::

    mode = "confirm"                 # confirm | dry-run | read-only | auto
    require_human = false            # true: no confirmation tokens, a person must approve
    allow_production_writes = false
    [tools.write_off_invoice]
    mode = "auto"
    max_amount = 500                 # refuse write-offs above this amount
    [tools.delete_invoice]
    mode = "read-only"               # never run, never listed
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from zuora_mcp.errors import ConfigError

__all__ = [
    "DEFAULT_ZUORA_VERSION",
    "ENVIRONMENTS",
    "MODES",
    "SETTINGS_TABLE",
    "Environment",
    "Mode",
    "Secret",
    "Settings",
    "ToolPolicy",
    "is_loopback",
    "load_settings",
]

Mode = Literal["confirm", "dry-run", "read-only", "auto"]
MODES: tuple[Mode, ...] = ("confirm", "dry-run", "read-only", "auto")
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


class Secret:
    """A string that never shows itself in ``str``, ``repr``, f-strings or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class ToolPolicy:
    """Per-tool overrides from the policy file's ``[tools.<name>]`` sections."""

    mode: Mode | None = None
    max_amount: float | None = None


@dataclass(frozen=True)
class Settings:
    environment: str
    base_url: str
    production: bool
    client_id: str | None = None
    client_secret: Secret | None = None
    access_token: Secret | None = None
    entity_ids: tuple[str, ...] = ()
    org_ids: tuple[str, ...] = ()
    zuora_version: str = DEFAULT_ZUORA_VERSION
    mode: Mode = "confirm"
    require_human: bool = False
    allow_production_writes: bool = False
    tools: Mapping[str, ToolPolicy] = field(default_factory=dict)
    toolsets: tuple[str, ...] = ("catalog", "explorer")
    audit_log: Path | None = None
    http_token: Secret | None = None
    secret_key: Secret | None = None
    token_ttl_seconds: int = 300
    max_concurrency: int = 10
    timeout_seconds: float = 30.0
    max_retries: int = 4
    config_file: Path | None = None

    def mode_for(self, tool: str) -> Mode:
        override = self.tools.get(tool)
        return override.mode if override and override.mode else self.mode


@dataclass(frozen=True)
class SettingDoc:
    env: str
    flag: str | None
    file_key: str | None
    default: str
    meaning: str


# The one table of names, precedence and defaults; README's configuration section is generated from it.
SETTINGS_TABLE: tuple[SettingDoc, ...] = (
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
    SettingDoc("ZUORA_MCP_MODE", "--mode", "mode", "confirm", "confirm | dry-run | read-only | auto."),
    SettingDoc(
        "ZUORA_MCP_REQUIRE_HUMAN",
        None,
        "require_human",
        "false",
        "Writes need a person's approval through elicitation; no confirmation tokens.",
    ),
    SettingDoc(
        "ZUORA_MCP_ALLOW_PRODUCTION_WRITES",
        None,
        "allow_production_writes",
        "false",
        "Allow writes when the environment is production.",
    ),
    SettingDoc("ZUORA_MCP_TOOLSETS", "--toolsets", "toolsets", "catalog,explorer", "Which tool sets to serve."),
    SettingDoc(
        "ZUORA_MCP_AUDIT_LOG",
        "--audit-log",
        "audit_log",
        "-",
        "Append-only JSON-lines audit file, one record per write attempt.",
    ),
    SettingDoc("ZUORA_MCP_HTTP_TOKEN", None, None, "-", "Bearer token HTTP clients must send to /mcp."),
    SettingDoc(
        "ZUORA_MCP_SECRET_KEY",
        None,
        None,
        "(random per process)",
        "Signs confirmation tokens; share it between replicas.",
    ),
    SettingDoc("ZUORA_MCP_TOKEN_TTL", None, "token_ttl_seconds", "300", "Confirmation token lifetime, seconds."),
    SettingDoc(
        "ZUORA_MCP_MAX_CONCURRENCY",
        None,
        "max_concurrency",
        "10",
        "Concurrent requests to Zuora from this process.",
    ),
    SettingDoc("ZUORA_MCP_TIMEOUT", None, "timeout_seconds", "30", "Per-request timeout, seconds."),
    SettingDoc("ZUORA_MCP_MAX_RETRIES", None, "max_retries", "4", "Retries of a retryable failure."),
    SettingDoc("ZUORA_MCP_CONFIG", "--config", None, "-", "Path of the TOML policy file."),
)

_SECRET_ONLY_IN_ENV = ("client_secret", "access_token", "http_token", "secret_key")


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    require_credentials: bool = True,
) -> Settings:
    """Build :class:`Settings` from flags > environment > policy file > defaults.

    ``flags`` holds command-line values by file key (``mode``, ``base_url``, ...); ``None`` values
    are ignored. ``require_credentials=False`` is for commands that never call Zuora.

    Raises:
        ConfigError: one message naming what to set.
    """
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    env = dict(os.environ if environ is None else environ)

    config_path = flags.get("config") or env.get("ZUORA_MCP_CONFIG")
    file_values = _read_policy_file(Path(config_path)) if config_path else {}

    def pick(key: str, env_name: str) -> Any:
        if key in flags:
            return flags[key]
        if env.get(env_name, "") != "":
            return env[env_name]
        return file_values.get(key)

    environment, base_url, production = _resolve_environment(
        pick("environment", "ZUORA_ENVIRONMENT"),
        pick("base_url", "ZUORA_BASE_URL"),
        pick("production", "ZUORA_PRODUCTION"),
    )

    client_id = env.get("ZUORA_CLIENT_ID") or flags.get("client_id") or None
    client_secret = _secret(env.get("ZUORA_CLIENT_SECRET") or flags.get("client_secret"))
    access_token = _secret(env.get("ZUORA_ACCESS_TOKEN") or flags.get("access_token"))
    if require_credentials:
        _check_credentials(client_id, client_secret, access_token)

    mode = str(pick("mode", "ZUORA_MCP_MODE") or "confirm")
    if mode not in MODES:
        raise ConfigError(f"ZUORA_MCP_MODE={mode!r} is not a mode; set it to one of: {', '.join(MODES)}.")

    toolsets = _csv(pick("toolsets", "ZUORA_MCP_TOOLSETS")) or ("catalog", "explorer")
    unknown_sets = [t for t in toolsets if t not in {"catalog", "explorer"}]
    if unknown_sets:
        raise ConfigError(f"ZUORA_MCP_TOOLSETS names unknown tool sets {unknown_sets}; use catalog, explorer or both.")

    audit = pick("audit_log", "ZUORA_MCP_AUDIT_LOG")
    return Settings(
        environment=environment,
        base_url=base_url,
        production=production,
        client_id=client_id,
        client_secret=client_secret,
        access_token=access_token,
        entity_ids=_csv(pick("entity_ids", "ZUORA_ENTITY_IDS")),
        org_ids=_csv(pick("org_ids", "ZUORA_ORG_IDS")),
        zuora_version=str(pick("zuora_version", "ZUORA_VERSION") or DEFAULT_ZUORA_VERSION),
        mode=mode,
        require_human=_bool("ZUORA_MCP_REQUIRE_HUMAN", pick("require_human", "ZUORA_MCP_REQUIRE_HUMAN"), False),
        allow_production_writes=_bool(
            "ZUORA_MCP_ALLOW_PRODUCTION_WRITES",
            pick("allow_production_writes", "ZUORA_MCP_ALLOW_PRODUCTION_WRITES"),
            False,
        ),
        tools=_tool_policies(file_values.get("tools", {})),
        toolsets=toolsets,
        audit_log=Path(audit).expanduser() if audit else None,
        http_token=_secret(env.get("ZUORA_MCP_HTTP_TOKEN") or flags.get("http_token")),
        secret_key=_secret(env.get("ZUORA_MCP_SECRET_KEY") or flags.get("secret_key")),
        token_ttl_seconds=_int("ZUORA_MCP_TOKEN_TTL", pick("token_ttl_seconds", "ZUORA_MCP_TOKEN_TTL"), 300, 1),
        max_concurrency=_int("ZUORA_MCP_MAX_CONCURRENCY", pick("max_concurrency", "ZUORA_MCP_MAX_CONCURRENCY"), 10, 1),
        timeout_seconds=_float("ZUORA_MCP_TIMEOUT", pick("timeout_seconds", "ZUORA_MCP_TIMEOUT"), 30.0),
        max_retries=_int("ZUORA_MCP_MAX_RETRIES", pick("max_retries", "ZUORA_MCP_MAX_RETRIES"), 4, 0),
        config_file=Path(config_path) if config_path else None,
    )


def _resolve_environment(name: Any, base_url: Any, production: Any) -> tuple[str, str, bool]:
    if base_url:
        url = str(base_url).rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigError(
                f"ZUORA_BASE_URL={url!r} is not an http(s) URL; set it like https://rest.example.zuora.com."
            )
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ConfigError("ZUORA_BASE_URL must use https unless it points at this machine (127.0.0.1).")
        default_production = not is_loopback(parts.hostname)
        return "custom", url, _bool("ZUORA_PRODUCTION", production, default_production)
    key = str(name or "us-sandbox-1").strip().lower()
    env = ENVIRONMENTS.get(key)
    if env is None:
        raise ConfigError(
            f"ZUORA_ENVIRONMENT={key!r} is not a known environment; set it to one of: "
            f"{', '.join(ENVIRONMENTS)} (or set ZUORA_BASE_URL)."
        )
    return env.name, env.base_url, _bool("ZUORA_PRODUCTION", production, env.production)


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


def _read_policy_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            values = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"ZUORA_MCP_CONFIG points at {path}, which does not exist; fix the path.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The policy file {path} is not valid TOML ({exc}); fix it.") from None
    leaked = [k for k in _SECRET_ONLY_IN_ENV if k in values]
    if leaked:
        raise ConfigError(
            f"The policy file {path} holds secrets ({', '.join(leaked)}); move them to environment variables."
        )
    known = {d.file_key for d in SETTINGS_TABLE if d.file_key} | {"tools"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"The policy file {path} has unknown keys {unknown}; known keys: {sorted(known)}.")
    return values


def _tool_policies(raw: Any) -> dict[str, ToolPolicy]:
    if not isinstance(raw, dict):
        raise ConfigError("The policy file's [tools] must be a table of [tools.<tool name>] sections.")
    policies: dict[str, ToolPolicy] = {}
    for tool, section in cast(dict[str, Any], raw).items():
        if not isinstance(section, dict):
            raise ConfigError(f"[tools.{tool}] must be a table with mode and/or max_amount.")
        entry = cast(dict[str, Any], section)
        unknown = sorted(set(entry) - {"mode", "max_amount"})
        if unknown:
            raise ConfigError(f"[tools.{tool}] has unknown keys {unknown}; known keys: mode, max_amount.")
        mode = entry.get("mode")
        if mode is not None and mode not in MODES:
            raise ConfigError(f"[tools.{tool}] mode={mode!r}; set it to one of: {', '.join(MODES)}.")
        limit = entry.get("max_amount")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 0):
            raise ConfigError(f"[tools.{tool}] max_amount must be a number >= 0.")
        policies[tool] = ToolPolicy(
            mode=cast(Mode | None, mode), max_amount=float(limit) if limit is not None else None
        )
    return policies


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (IPv4 or IPv6, brackets allowed)."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _secret(value: Any) -> Secret | None:
    return Secret(str(value)) if value else None


def _csv(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _bool(name: str, value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean; set it to true or false.")


def _int(name: str, value: Any, default: int, minimum: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={value!r} is not a whole number; set it to one >= {minimum}.") from None
    if number < minimum:
        raise ConfigError(f"{name}={number} is too small; set it to a number >= {minimum}.")
    return number


def _float(name: str, value: Any, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={value!r} is not a number of seconds; set it to one > 0.") from None
    if number <= 0:
        raise ConfigError(f"{name}={number} must be > 0 seconds.")
    return number
