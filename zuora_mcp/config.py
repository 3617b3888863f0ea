"""Settings: command-line flags > environment variables > policy file > defaults.

Everything the server can be told lives in :data:`CORE_SETTINGS` and the provider's own table (its
environments and credentials), the one place the precedence and every name are written down (the
README's configuration tables are generated from them). :func:`load_settings` reads flags, the
environment and the optional TOML policy file (``ZUORA_MCP_CONFIG``) and returns an immutable
:class:`Settings`, or raises :class:`ConfigError` with one message that says exactly what to set.

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
    "CORE_SETTINGS",
    "MODES",
    "Mode",
    "Secret",
    "SettingDoc",
    "Settings",
    "ToolPolicy",
    "as_bool",
    "as_csv",
    "as_secret",
    "http_base_url",
    "is_loopback",
    "load_settings",
    "provider_name",
    "settings_table",
]

Mode = Literal["confirm", "dry-run", "read-only", "auto"]
MODES: tuple[Mode, ...] = ("confirm", "dry-run", "read-only", "auto")


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
    """Everything one server process is told. ``connection`` is the provider's own value
    (credentials, extra headers); the core reads only ``environment``, ``base_url`` and ``production``."""

    environment: str
    base_url: str
    production: bool
    connection: Any = None
    provider: str = "zuora"
    mode: Mode = "confirm"
    require_human: bool = False
    allow_production_writes: bool = False
    tools: Mapping[str, ToolPolicy] = field(default_factory=dict)
    toolsets: tuple[str, ...] = ("catalog", "explorer")
    audit_log: Path | None = None
    ledger: str | None = None  # None: the per-user default (zuora_mcp.ledger.default_path)
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


# The core's names, precedence and defaults; each provider adds its own rows (its environments and
# credentials). README's configuration section is generated from these tables.
CORE_SETTINGS: tuple[SettingDoc, ...] = (
    SettingDoc(
        "ZUORA_MCP_PROVIDER",
        "--provider",
        "provider",
        "zuora",
        "Which billing system this process serves: zuora or zoho. One process serves one provider.",
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
        "A JSON-lines copy of every ledger record (an export sink; the ledger is the source of truth).",
    ),
    SettingDoc(
        "ZUORA_MCP_LEDGER",
        "--ledger",
        "ledger",
        "~/.local/state/zuora-mcp/ledger.db",
        "The write ledger: a SQLite file path, or postgresql://… shared by replicas. Every write's intent is "
        "committed here before it is sent.",
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
        "Concurrent requests to the billing system from this process.",
    ),
    SettingDoc("ZUORA_MCP_TIMEOUT", None, "timeout_seconds", "30", "Per-request timeout, seconds."),
    SettingDoc("ZUORA_MCP_MAX_RETRIES", None, "max_retries", "4", "Retries of a retryable failure."),
    SettingDoc("ZUORA_MCP_CONFIG", "--config", None, "-", "Path of the TOML policy file."),
)

_SECRET_ONLY_IN_ENV = ("client_secret", "access_token", "refresh_token", "http_token", "secret_key")


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    require_credentials: bool = True,
) -> Settings:
    """Build :class:`Settings` from flags > environment > policy file > defaults.

    ``flags`` holds command-line values by file key (``mode``, ``base_url``, ...); ``None`` values
    are ignored. ``require_credentials=False`` is for commands that never call the billing system.

    Raises:
        ConfigError: one message naming what to set.
    """
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    env = dict(os.environ if environ is None else environ)

    config_path = flags.get("config") or env.get("ZUORA_MCP_CONFIG")
    file_values = _read_policy_file(Path(config_path)) if config_path else {}
    source = _Source(flags, env, file_values)

    # Imported here: the registry imports the provider package only now, once its name is known.
    from zuora_mcp.providers import get_provider

    provider = get_provider(_provider_name(source))
    if config_path:
        _check_file_keys(Path(config_path), file_values, settings_table(provider.settings_docs))
    connection = provider.load_connection(source, require_credentials)
    pick = source.pick

    mode = str(pick("mode", "ZUORA_MCP_MODE") or "confirm")
    if mode not in MODES:
        raise ConfigError(f"ZUORA_MCP_MODE={mode!r} is not a mode; set it to one of: {', '.join(MODES)}.")

    toolsets = as_csv(pick("toolsets", "ZUORA_MCP_TOOLSETS")) or ("catalog", "explorer")
    unknown_sets = [t for t in toolsets if t not in {"catalog", "explorer"}]
    if unknown_sets:
        raise ConfigError(f"ZUORA_MCP_TOOLSETS names unknown tool sets {unknown_sets}; use catalog, explorer or both.")

    audit = pick("audit_log", "ZUORA_MCP_AUDIT_LOG")
    return Settings(
        environment=connection.environment,
        base_url=connection.base_url,
        production=connection.production,
        connection=connection.details,
        provider=provider.name,
        mode=mode,
        require_human=as_bool("ZUORA_MCP_REQUIRE_HUMAN", pick("require_human", "ZUORA_MCP_REQUIRE_HUMAN"), False),
        allow_production_writes=as_bool(
            "ZUORA_MCP_ALLOW_PRODUCTION_WRITES",
            pick("allow_production_writes", "ZUORA_MCP_ALLOW_PRODUCTION_WRITES"),
            False,
        ),
        tools=_tool_policies(file_values.get("tools", {})),
        toolsets=toolsets,
        audit_log=Path(audit).expanduser() if audit else None,
        ledger=str(pick("ledger", "ZUORA_MCP_LEDGER") or "") or None,
        http_token=as_secret(env.get("ZUORA_MCP_HTTP_TOKEN") or flags.get("http_token")),
        secret_key=as_secret(env.get("ZUORA_MCP_SECRET_KEY") or flags.get("secret_key")),
        token_ttl_seconds=_int("ZUORA_MCP_TOKEN_TTL", pick("token_ttl_seconds", "ZUORA_MCP_TOKEN_TTL"), 300, 1),
        max_concurrency=_int("ZUORA_MCP_MAX_CONCURRENCY", pick("max_concurrency", "ZUORA_MCP_MAX_CONCURRENCY"), 10, 1),
        timeout_seconds=_float("ZUORA_MCP_TIMEOUT", pick("timeout_seconds", "ZUORA_MCP_TIMEOUT"), 30.0),
        max_retries=_int("ZUORA_MCP_MAX_RETRIES", pick("max_retries", "ZUORA_MCP_MAX_RETRIES"), 4, 0),
        config_file=Path(config_path) if config_path else None,
    )


@dataclass(frozen=True)
class _Source:
    """Flags > environment > policy file, as a provider's settings loader reads them."""

    flags: Mapping[str, Any]
    env: Mapping[str, str]
    file_values: Mapping[str, Any]

    def pick(self, key: str, env_name: str) -> Any:
        if key in self.flags:
            return self.flags[key]
        if self.env.get(env_name, "") != "":
            return self.env[env_name]
        return self.file_values.get(key)


def provider_name(flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Which provider flags > environment > policy file name, without loading anything else.

    Raises:
        ConfigError: the policy file cannot be read.
    """
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    env = dict(os.environ if environ is None else environ)
    config_path = flags.get("config") or env.get("ZUORA_MCP_CONFIG")
    file_values = _read_policy_file(Path(config_path)) if config_path else {}
    return _provider_name(_Source(flags, env, file_values))


def _provider_name(source: _Source) -> str:
    from zuora_mcp.providers import DEFAULT_PROVIDER

    return str(source.pick("provider", "ZUORA_MCP_PROVIDER") or DEFAULT_PROVIDER).strip().lower()


def settings_table(provider_docs: tuple[SettingDoc, ...] = ()) -> tuple[SettingDoc, ...]:
    """The core's settings with a provider's own rows after ZUORA_MCP_PROVIDER."""
    return (CORE_SETTINGS[0], *provider_docs, *CORE_SETTINGS[1:])


def http_base_url(name: str, value: Any, example: str = "https://api.example.com") -> str:
    """A base URL given by a person: http(s), and https unless it points at this machine.

    Raises:
        ConfigError: naming ``name`` (the variable) and what to set.
    """
    url = str(value).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"{name}={url!r} is not an http(s) URL; set it like {example}.")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(f"{name} must use https unless it points at this machine (127.0.0.1).")
    return url


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
    return values


def _check_file_keys(path: Path, values: Mapping[str, Any], table: tuple[SettingDoc, ...]) -> None:
    known = {d.file_key for d in table if d.file_key} | {"tools"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"The policy file {path} has unknown keys {unknown}; known keys: {sorted(known)}.")


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


def as_secret(value: Any) -> Secret | None:
    return Secret(str(value)) if value else None


def as_csv(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def as_bool(name: str, value: Any, default: bool) -> bool:
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
