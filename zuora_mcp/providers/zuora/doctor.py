"""``zuora-mcp doctor``: check the configuration, reach Zuora, and say what to fix.

The checks run in order, one line each (✓ passed, ✗ failed, - skipped; ``OK``/``FAIL``/``--`` when
stdout cannot show those), and every failure adds one line saying what to change:

    configuration  settings load: environment, base URL, production or not, auth method, ids, mode
    proxy          which proxy variables are set (httpx2 sends requests through them)
    reachable      something answered at the base URL (wrong environment, DNS, firewall, proxy)
    credentials    the token endpoint issued a token (or Zuora accepted ZUORA_ACCESS_TOKEN)
    read           GET /object-query/invoices?pageSize=1 succeeded
    clock          the read's Date header is within 5 minutes of this machine's clock
    entity         Zuora did not ask for an entity id (multi-entity tenants need ZUORA_ENTITY_IDS)

Exit code 0 when every check passed, 1 when one failed, 2 when the configuration does not load.
Nothing printed holds the client secret or a token: the client never puts them in its errors, and
every line is scrubbed of them again before it is written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Literal, TextIO
from urllib.parse import urlsplit

from zuora_mcp.commands.serve import add_common_arguments, provider_settings
from zuora_mcp.config import Settings
from zuora_mcp.errors import AuthenticationError, BillingError, BillingRequestError, ConfigError, TransportError
from zuora_mcp.providers.zuora.dialect import TOKEN_PATH
from zuora_mcp.providers.zuora.settings import ENVIRONMENTS, ZuoraConnection

__all__ = ["Check", "add_arguments", "run"]

READ_PATH = "/object-query/invoices"
MAX_SKEW_SECONDS = 300.0
PROBE_TIMEOUT_SECONDS = 20.0
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")
SECRET_VARIABLES = ("ZUORA_CLIENT_SECRET", "ZUORA_ACCESS_TOKEN", "ZUORA_MCP_HTTP_TOKEN", "ZUORA_MCP_SECRET_KEY")
# Zuora's wording varies ("An Entity ID is required", "Multiple Entity IDs were found"); "Cannot find
# entity by key" is about a record, not a tenant entity, and must not match.
_ENTITY = re.compile(
    r"\bentity ids?\b|entity-ids|\bentit(y|ies)\b.*\b(specif|required|missing|multiple|more than one|not valid)",
    re.IGNORECASE,
)
_CAUSE = re.compile(r"\((.*)\) after \d+ attempt")

Status = Literal["pass", "fail", "skip"]
_MARKS: dict[bool, dict[Status, str]] = {
    True: {"pass": "✓", "fail": "✗", "skip": "-"},
    False: {"pass": "OK  ", "fail": "FAIL", "skip": "--  "},
}


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, how it went, and for a failure what to change."""

    name: str
    status: Status
    summary: str
    fix: str | None = None
    details: tuple[str, ...] = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_doctor(args, _Report(sys.stdout, os.environ)))


async def _doctor(args: argparse.Namespace, report: _Report) -> int:
    report.title("zuora-mcp doctor" + (" (built-in sandbox)" if getattr(args, "sandbox", False) else ""))
    try:
        async with provider_settings(args) as settings:
            report.add(configuration_check(settings))
            proxy = ProxyInfo.from_environment(settings.base_url)
            report.add(proxy.check())
            for check in await network_checks(settings, proxy):
                report.add(check)
    except ConfigError as exc:
        report.add(configuration_failure(exc))
        report.line("The other checks need a configuration that loads.")
        return 2
    return report.finish()


def configuration_failure(exc: ConfigError) -> Check:
    """The configuration line for settings that do not load: the problem, then what to set."""
    message = str(exc)
    problem, _, fix = message.partition("; ")
    named = re.match(r"(ZUORA_\w+)=", problem)
    if named and fix.startswith("set it "):
        fix = f"set {named.group(1)} {fix.removeprefix('set it ')}"
    details = _environment_table() if re.search(r"ZUORA_(ENVIRONMENT|BASE_URL)", message) else ()
    return Check("configuration", "fail", problem.rstrip("."), fix or message, details)


def configuration_check(settings: Settings) -> Check:
    if settings.environment in ENVIRONMENTS:
        where = f"{settings.environment} ({ENVIRONMENTS[settings.environment].label})"
    else:
        where = "custom base URL (ZUORA_BASE_URL)"
    production = (
        "production: writes need ZUORA_MCP_ALLOW_PRODUCTION_WRITES" if settings.production else "not production"
    )
    if _zuora(settings).access_token is not None:
        auth = "bearer token from ZUORA_ACCESS_TOKEN (not shown)"
    else:
        auth = f"OAuth client credentials, client id {_zuora(settings).client_id}, secret set (not shown)"
    details = (
        f"base URL       {settings.base_url}",
        f"auth           {auth}",
        f"entity ids     {', '.join(_zuora(settings).entity_ids) or 'none'}",
        f"org ids        {', '.join(_zuora(settings).org_ids) or 'none'}",
        f"Zuora-Version  {_zuora(settings).zuora_version}",
        f"mode           {settings.mode}" + (f" (policy file {settings.config_file})" if settings.config_file else ""),
    )
    return Check("configuration", "pass", f"{where}, {production}", details=details)


@dataclass(frozen=True)
class ProxyInfo:
    """The proxy variables that are set, and the proxy (if any) httpx2 will use for the base URL."""

    present: tuple[tuple[str, str], ...]  # (variable name as set, value with any password hidden)
    used: str | None  # "HTTPS_PROXY=http://proxy:3128" when requests to the base URL go through it
    host: str

    @classmethod
    def from_environment(cls, base_url: str) -> ProxyInfo:
        """Read the process environment, which is what httpx2 reads."""
        environ = os.environ
        present = tuple(
            (name, _hide_password(environ[name]))
            for upper in PROXY_VARIABLES
            for name in (upper, upper.lower())
            if environ.get(name)
        )
        parts = urlsplit(base_url)
        host = parts.hostname or ""
        # The same lookup httpx2 makes (urllib's getproxies), with NO_PROXY applied.
        proxies = urllib.request.getproxies_environment()
        chosen = next((key for key in (parts.scheme, "all") if proxies.get(key)), None)
        used = None
        if chosen is not None and not urllib.request.proxy_bypass(host):
            name = next((n for n, _ in present if n.upper() == f"{chosen.upper()}_PROXY"), f"{chosen.upper()}_PROXY")
            used = f"{name}={_hide_password(proxies[chosen])}"
        return cls(present, used, host)

    def check(self) -> Check:
        if not self.present:
            return Check("proxy", "pass", "no proxy variables set (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY)")
        listed = ", ".join(f"{name}={value}" for name, value in self.present)
        if self.used:
            return Check("proxy", "pass", f"requests to {self.host} go through {self.used}", details=(listed,))
        return Check("proxy", "pass", f"set, but not used for {self.host}", details=(listed,))

    def hint(self) -> str | None:
        if self.used is None:
            return None
        return (
            f"{self.used} is set: check that the proxy is up and lets you reach {self.host}, "
            f"or add {self.host} to NO_PROXY"
        )


async def network_checks(settings: Settings, proxy: ProxyInfo) -> list[Check]:
    """Reach the token endpoint and make one read; turn what happened into the remaining checks."""
    from zuora_mcp.client import BillingClient

    # No retries and a shorter timeout: a diagnosis should show the first failure, quickly.
    probe = replace(settings, max_retries=0, timeout_seconds=min(settings.timeout_seconds, PROBE_TIMEOUT_SECONDS))
    started = time.monotonic()
    async with BillingClient(probe) as client:
        try:
            answer = await client.get(READ_PATH, query={"pageSize": 1})
        except BillingRequestError as exc:
            return _failed(settings, proxy, exc, exc.path == TOKEN_PATH)
    local_now = time.time()
    elapsed_ms = (time.monotonic() - started) * 1000
    rows = answer.data.get("data") if isinstance(answer.data, dict) else None
    seen = f" with {len(rows)} invoice{'' if len(rows) == 1 else 's'}" if isinstance(rows, list) else ""
    entity = (
        f"Zuora accepted Zuora-Entity-Ids {','.join(_zuora(settings).entity_ids)}"
        if _zuora(settings).entity_ids
        else "not needed: Zuora answered without ZUORA_ENTITY_IDS"
    )
    return [
        Check("reachable", "pass", f"{settings.base_url} answered"),
        Check("credentials", "pass", _granted(settings)),
        Check(
            "read",
            "pass",
            f"GET {READ_PATH}?pageSize=1 answered HTTP {answer.status}{seen} in {elapsed_ms:.0f} ms",
        ),
        clock_check(answer.headers.get("date"), local_now),
        Check("entity", "pass", entity),
    ]


def _failed(settings: Settings, proxy: ProxyInfo, exc: BillingRequestError, at_token: bool) -> list[Check]:
    base = settings.base_url
    where = "the token endpoint" if at_token else f"GET {READ_PATH}"
    if isinstance(exc, TransportError) or not isinstance(exc, BillingError):
        return _unreachable(settings, proxy, exc)
    reasons = "; ".join(f"{r.code} {r.message!r}" if r.message else r.code for r in exc.reasons)
    said = f"HTTP {exc.status}; Zuora: {reasons}" + (f"; request id {exc.request_id}" if exc.request_id else "")
    reached = Check("reachable", "pass", f"{base} answered")
    if isinstance(exc, AuthenticationError) and at_token:
        credentials = Check(
            "credentials",
            "fail",
            f"the token endpoint refused the credentials ({said})",
            f"check ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET: they must belong to an OAuth client of this tenant "
            f"({_where(settings)}); credentials from another environment are refused too",
        )
        return [reached, credentials, *_skipped("credentials", "read", "clock", "entity")]
    if isinstance(exc, AuthenticationError):
        if _zuora(settings).access_token is not None:
            fix = "get a new token (Zuora's last about an hour), or set ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET instead"
            summary = f"Zuora refused ZUORA_ACCESS_TOKEN on {where} ({said})"
        else:
            fix = "check that the OAuth client's user is active and allowed to use the API in this tenant"
            summary = f"a token was issued, but Zuora refused it on {where} ({said})"
        return [
            reached,
            Check("credentials", "fail", summary, fix),
            *_skipped("credentials", "read", "clock", "entity"),
        ]
    if at_token:
        fix = proxy.hint() or _token_endpoint_fix(settings, exc.status)
        return [
            reached,
            Check("credentials", "fail", f"the token endpoint answered {said}", fix),
            *_skipped("credentials", "read", "clock", "entity"),
        ]
    granted = Check("credentials", "pass", _granted(settings))
    if any(_ENTITY.search(r.message) for r in exc.reasons):
        if _zuora(settings).entity_ids:
            entities = ",".join(_zuora(settings).entity_ids)
            fix = f"check ZUORA_ENTITY_IDS (now {entities}): Zuora does not accept that entity"
        else:
            fix = "set ZUORA_ENTITY_IDS to the id of the entity to work in: the token is valid for several entities"
        return [
            reached,
            granted,
            Check("read", "fail", f"Zuora refused {where} ({said})", "name the entity (see entity below)"),
            *_skipped("read", "clock"),
            Check("entity", "fail", "Zuora needs to be told which entity to work in", fix),
        ]
    return [
        reached,
        granted,
        Check("read", "fail", f"Zuora refused {where} ({said})", _read_fix(settings, exc.status)),
        *_skipped("read", "clock", "entity"),
    ]


def _unreachable(settings: Settings, proxy: ProxyInfo, exc: BillingRequestError) -> list[Check]:
    sent = getattr(exc, "sent", False)
    found = _CAUSE.search(str(exc))  # the client says "... (ConnectError: ...) after 1 attempt(s) ..."
    detail = found.group(1) if found else str(exc)
    if sent:
        summary = f"{settings.base_url} was reached but sent no answer ({detail})"
    else:
        summary = f"nothing answered at {settings.base_url} ({detail})"
    fix = proxy.hint() or (
        f"check ZUORA_ENVIRONMENT / ZUORA_BASE_URL (now {_where(settings)}); if that is right, DNS, a firewall "
        "or a proxy blocks this machine. Known environments:"
    )
    details = () if proxy.used else _environment_table()
    return [
        Check("reachable", "fail", summary, fix, details),
        *_skipped("reachable", "credentials", "read", "clock", "entity"),
    ]


def clock_check(date_header: str | None, local_now: float) -> Check:
    """Compare Zuora's ``Date`` with this machine's clock; more than 5 minutes apart fails."""
    if not date_header:
        return Check("clock", "skip", "Zuora's answer had no Date header to compare with")
    try:
        parsed = parsedate_to_datetime(date_header)
        server = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()  # HTTP dates are GMT
    except (TypeError, ValueError):
        return Check("clock", "skip", f"Zuora's Date header {date_header!r} could not be read")
    skew = server - local_now
    if abs(skew) <= MAX_SKEW_SECONDS:
        return Check("clock", "pass", f"this machine's clock is within {max(abs(skew), 1):.0f} s of Zuora's")
    direction = "ahead of" if skew > 0 else "behind"
    return Check(
        "clock",
        "fail",
        f"Zuora's clock is {_duration(abs(skew))} {direction} this machine's (Date: {date_header})",
        "set this machine's clock right (turn on NTP, e.g. `timedatectl set-ntp true`): OAuth tokens and "
        "signed requests fail when clocks are more than a few minutes apart",
    )


def _granted(settings: Settings) -> str:
    if _zuora(settings).access_token is not None:
        return "Zuora accepted ZUORA_ACCESS_TOKEN"
    return f"the token endpoint issued a token to client id {_zuora(settings).client_id}"


def _skipped(after: str, *names: str) -> list[Check]:
    return [Check(name, "skip", f"skipped: needs {after}") for name in names]


def _token_endpoint_fix(settings: Settings, status: int) -> str:
    if status == 429:
        return "the token endpoint is rate limited per IP address: wait a minute and run doctor again"
    if status >= 500:
        return "Zuora's token endpoint failed: try again in a few minutes (see https://trust.zuora.com)"
    return f"check ZUORA_BASE_URL / ZUORA_ENVIRONMENT (now {_where(settings)}): that is not Zuora's token endpoint"


def _read_fix(settings: Settings, status: int) -> str:
    if status == 403:
        return "give the OAuth client's user a role that may read invoices"
    if status == 429:
        return "Zuora is rate limiting this tenant: wait a minute and run doctor again"
    if status >= 500:
        return "Zuora failed to answer: try again in a few minutes (see https://trust.zuora.com)"
    return f"Zuora's reason above says what to change (ZUORA_VERSION is {_zuora(settings).zuora_version})"


def _where(settings: Settings) -> str:
    return f"{settings.environment} at {settings.base_url}"


def _environment_table() -> tuple[str, ...]:
    return tuple(f"{env.name:16} {env.base_url:36} {env.label}" for env in ENVIRONMENTS.values())


def _zuora(settings: Settings) -> ZuoraConnection:
    connection = settings.connection
    return connection if isinstance(connection, ZuoraConnection) else ZuoraConnection()


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min {rest} s"


def _hide_password(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":****@", 1)


class _Report:
    """Writes checks as they finish; ASCII marks when the stream cannot encode ✓ and ✗."""

    def __init__(self, stream: TextIO, environ: Mapping[str, str]) -> None:
        self._stream = stream
        self._encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "✓✗".encode(self._encoding)
            self._unicode = True
        except (UnicodeEncodeError, LookupError):
            self._unicode = False
        self._secrets = [environ[name] for name in SECRET_VARIABLES if environ.get(name)]
        self.checks: list[Check] = []

    def title(self, text: str) -> None:
        self.line(text)
        self.line("")

    def add(self, check: Check) -> None:
        self.checks.append(check)
        mark = _MARKS[self._unicode][check.status]
        indent = " " * (len(mark) + 1 + 15)
        self.line(f"{mark} {check.name:14} {check.summary}")
        if check.fix:
            self.line(f"{indent}fix: {check.fix}")
        for detail in check.details:
            self.line(f"{indent}{detail}")

    def finish(self) -> int:
        failed = sum(1 for c in self.checks if c.status == "fail")
        skipped = sum(1 for c in self.checks if c.status == "skip")
        self.line("")
        if failed:
            tail = f", {skipped} skipped" if skipped else ""
            self.line(
                f"{failed} of {len(self.checks)} checks failed{tail}. Fix the first failure and run doctor again."
            )
            return 1
        note = f" ({skipped} skipped)" if skipped else ""
        self.line(f"All {len(self.checks) - skipped} checks passed{note}.")
        return 0

    def line(self, text: str) -> None:
        for secret in self._secrets:
            text = text.replace(secret, "**********")
        if not self._unicode:
            text = text.encode(self._encoding, "replace").decode(self._encoding)
        print(text, file=self._stream, flush=True)
