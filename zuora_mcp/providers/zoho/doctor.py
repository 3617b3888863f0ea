"""``zuora-mcp doctor --provider zoho``: check the Zoho settings, get a token, make one read, say what to fix.

    configuration  settings load: data centre, API and accounts hosts, organisation, production or not
    credentials    the accounts host issued an access token for the refresh token
    read           GET /invoices?per_page=1 answered for the organisation
    organisation   Zoho knows the organisation id (6041 means the user is not in it)

Exit code 0 when every check passed, 1 when one failed, 2 when the configuration does not load. Nothing
printed holds the client secret, the refresh token or an access token (the client scrubs its errors,
and every line is scrubbed again here).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import replace
from typing import TextIO

from zuora_mcp.commands.serve import provider_settings
from zuora_mcp.config import Settings
from zuora_mcp.errors import AuthenticationError, BillingError, BillingRequestError, ConfigError
from zuora_mcp.providers.zoho.settings import DATA_CENTERS, ZohoConnection

__all__ = ["run"]

SECRET_VARIABLES = ("ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN", "ZUORA_MCP_HTTP_TOKEN", "ZUORA_MCP_SECRET_KEY")
NOT_IN_ORGANISATION = "6041"


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_doctor(args, sys.stdout))


class _Lines:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        # Too short a value would blank out ordinary letters; real secrets are long.
        self._secrets = [os.environ[name] for name in SECRET_VARIABLES if len(os.environ.get(name, "")) >= 8]
        self.failed = 0

    def check(self, ok: bool | None, name: str, summary: str, fix: str = "") -> None:
        mark = "-" if ok is None else "✓" if ok else "✗"
        self.failed += ok is False
        self.say(f"{mark} {name:14} {summary}")
        if fix and ok is False:
            self.say(f"{' ' * 17}fix: {fix}")

    def say(self, text: str) -> None:
        for secret in self._secrets:
            text = text.replace(secret, "**********")
        print(text, file=self._stream, flush=True)


async def _doctor(args: argparse.Namespace, stream: TextIO) -> int:
    out = _Lines(stream)
    out.say("zuora-mcp doctor (Zoho Billing)" + (" (built-in sandbox)" if getattr(args, "sandbox", False) else ""))
    out.say("")
    try:
        async with provider_settings(args) as settings:
            _configuration(out, settings)
            await _network(out, settings)
    except ConfigError as exc:
        out.check(False, "configuration", str(exc).split("; ")[0], str(exc))
        return 2
    out.say("")
    out.say("All checks passed." if not out.failed else f"{out.failed} check(s) failed; fix the first and run again.")
    return 1 if out.failed else 0


def _configuration(out: _Lines, settings: Settings) -> None:
    zoho = settings.connection if isinstance(settings.connection, ZohoConnection) else ZohoConnection()
    label = DATA_CENTERS[settings.environment].label if settings.environment in DATA_CENTERS else "custom hosts"
    production = "production: writes need allow_production_writes" if settings.production else "not production"
    out.check(True, "configuration", f"{settings.environment} ({label}), {production}")
    out.say(f"{' ' * 17}API host       {settings.base_url}")
    out.say(f"{' ' * 17}accounts host  {zoho.accounts_url}")
    out.say(
        f"{' ' * 17}organisation   {zoho.organization_id}; client id {zoho.client_id}, secret and refresh token set"
    )


async def _network(out: _Lines, settings: Settings) -> None:
    from zuora_mcp.client import BillingClient

    probe = replace(settings, max_retries=0, timeout_seconds=min(settings.timeout_seconds, 20.0))
    async with BillingClient(probe) as client:
        try:
            answer = await client.get("/invoices", query={"per_page": 1})
        except AuthenticationError as exc:
            out.check(False, "credentials", f"the accounts host refused the refresh token: {exc}", _token_fix(exc))
            out.check(None, "read", "skipped: needs a token")
            return
        except BillingError as exc:
            out.check(True, "credentials", "the accounts host issued an access token")
            codes = {reason.code for reason in exc.reasons}
            if NOT_IN_ORGANISATION in codes:
                out.check(True, "read", f"Zoho answered (HTTP {exc.status})")
                out.check(
                    False,
                    "organisation",
                    f"Zoho does not know organisation {probe.connection.organization_id} for this user (6041)",
                    "set ZOHO_ORGANIZATION_ID from Zoho Billing's Settings → Organization Profile",
                )
                return
            out.check(False, "read", str(exc), "Zoho's reason above says what to change (scopes, data centre)")
            return
        except BillingRequestError as exc:
            out.check(False, "credentials", f"nothing usable answered: {exc}", "check the data centre and the network")
            return
    invoices = answer.data.get("invoices") if isinstance(answer.data, dict) else None
    seen = f", {len(invoices)} invoice" if isinstance(invoices, list) else ""
    out.check(True, "credentials", "the accounts host issued an access token")
    out.check(True, "read", f"GET /invoices?per_page=1 answered HTTP {answer.status}{seen}")
    out.check(True, "organisation", "Zoho accepted the organisation header")


def _token_fix(exc: AuthenticationError) -> str:
    text = str(exc)
    if "invalid_client" in text:
        return "check ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET (the self client's, in the API console)"
    if "invalid_code" in text:
        return "the refresh token is wrong, revoked or from another data centre: generate a new one (README)"
    if "token_budget" in text or "too many requests" in text.lower():
        return "Zoho allows 10 access tokens per 10 minutes per refresh token: wait and run doctor again"
    return "check the ZOHO_* credentials and ZOHO_DATA_CENTER"
