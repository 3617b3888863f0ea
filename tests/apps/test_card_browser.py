"""The approval card in a real browser: headless Chromium, the ext-apps host bridge, the real server.

Each test previews a write on the real server (in-process, against its sandbox tenant, through the MCP
SDK client that declares the Apps extension), hands the result to the card the way an Apps host does,
presses the card's buttons and reads what the person sees. What Approve runs is the server's write.
Screenshots land in tests/apps/artifacts/ (gitignored).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.client.extension import advertise

from tests.apps.conftest import CardTools
from tests.apps.harness import DARK, CardHost, Preview, drive, hosting, preview_for_card
from zuora_mcp.apps import APP_MIME_TYPE, APPROVE_TOOL_NAME, EXTENSION_ID, META_KEY
from zuora_mcp.client import BillingClient
from zuora_mcp.config import load_settings
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, ZohoSandboxOptions, invoice_id
from zuora_mcp.providers.zoho.sandbox import running_sandbox as running_zoho
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, SandboxOptions, running_sandbox
from zuora_mcp.server import build_app, build_server

pytestmark = [pytest.mark.anyio, pytest.mark.node, pytest.mark.e2e]

SECRET_KEY = "apps-test-signing-key-0123456789abcdef"
HOSTILE = "<img src=x onerror=alert(1)>"
CARD_4242 = "460000000000011"
BOWMAN = "460000000000001"
REVERSE = ("reverse_invoice", {"invoiceKey": "INV00000001"})
REVERSE_MONEY = {"label": "Invoice INV00000001 balance", "before": 165.0, "after": 0.0, "currency": "USD"}
PRINCIPAL = "ana.lima@example.com"


def apps_client(server: Any) -> Client:
    """The SDK client as an Apps host: it declares the extension with the card's MIME type."""
    return Client(server, mode="legacy", extensions=[advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})])


def zuora_writes(sandbox: RunningSandbox) -> dict[str, int]:
    """Requests that could change the Zuora tenant: anything but GET and the token endpoint."""
    routes = sandbox.counters.requests_by_route.items()
    return {route: n for route, n in routes if not route.startswith(("GET", "POST /oauth"))}


@contextlib.asynccontextmanager
async def zuora(**flags: Any) -> AsyncIterator[tuple[Client, RunningSandbox]]:
    async with running_sandbox(SandboxOptions(port=0)) as sandbox:
        base = {"base_url": sandbox.base_url, "client_id": sandbox.client_id, "client_secret": sandbox.client_secret}
        settings = load_settings({**base, **flags}, {"ZUORA_MCP_SECRET_KEY": SECRET_KEY})
        async with BillingClient(settings) as billing:
            async with apps_client(build_server(build_app(settings, billing))) as client:
                yield client, sandbox


@contextlib.asynccontextmanager
async def zoho() -> AsyncIterator[tuple[Client, RunningZohoSandbox]]:
    async with running_zoho(ZohoSandboxOptions(port=0)) as sandbox:
        environ = {
            "ZOHO_BASE_URL": sandbox.base_url,
            "ZOHO_ACCOUNTS_URL": sandbox.accounts_url,
            "ZOHO_CLIENT_ID": sandbox.client_id,
            "ZOHO_CLIENT_SECRET": sandbox.client_secret,
            "ZOHO_REFRESH_TOKEN": sandbox.refresh_token,
            "ZOHO_ORGANIZATION_ID": sandbox.organization_id,
            "ZUORA_MCP_SECRET_KEY": SECRET_KEY,
        }
        settings = load_settings({"provider": "zoho"}, environ)
        async with BillingClient(settings) as billing:
            async with apps_client(build_server(build_app(settings, billing))) as client:
                yield client, sandbox


@dataclass
class Browser:
    tools: CardTools
    chromium: Path
    host_script: Path
    artifacts: Path
    profiles: Path

    async def run(self, client: Client, preview: Preview, actions: list[str], name: str, **host: Any) -> Any:
        card_host = CardHost(client, preview, self.host_script, **host)
        async with hosting(card_host):
            report = await drive(
                card_host,
                modules=self.tools.modules,
                node=self.tools.node,
                chromium=self.chromium,
                profile=self.profiles / name,
                actions=actions,
                screenshot=self.artifacts / f"{name}.png",
                after_screenshot=self.artifacts / f"{name}-after.png",
            )
        return card_host, report


@pytest.fixture
def browser(card_tools: CardTools, chromium: Path, host_bundle: Path, artifacts: Path, tmp_path: Path) -> Browser:
    return Browser(card_tools, chromium, host_bundle, artifacts, tmp_path)


def assert_clean(card_host: CardHost, report: dict[str, Any]) -> None:
    """Nothing loaded from outside the host, nothing ran that should not, no script error."""
    assert report["foreignRequests"] == []
    assert report["dialogs"] == []
    assert report["hostileAlerts"] == []
    assert report["pageErrors"] == []
    assert set(card_host.paths) <= {"/", "/host.js", "/scenario", "/call"}, card_host.paths


def shown_checks(preview: Preview) -> list[dict[str, Any]]:
    """The preflight checks as the card must show them: ✓/✗, the check, the inferred tag, the detail."""
    return [
        {
            "mark": "✓" if check["ok"] else "✗",
            "text": ("✓" if check["ok"] else "✗")
            + check["check"]
            + ("inferred rule" if check.get("inferred") else "")
            + (f" — {check['detail']}" if check.get("detail") else ""),
            "inferred": bool(check.get("inferred")),
        }
        for check in preview.result["structuredContent"]["preview"]["preflight"]
    ]


def card_data(preview: Preview) -> dict[str, Any]:
    """What the card receives in the result's ``_meta`` (from the server, or the test host until it is wired)."""
    data: dict[str, Any] = (preview.result.get("_meta") or {}).get(META_KEY, {})
    return data


def money_line(preview: Preview) -> str | None:
    """The money box as the card must show it, from the ``money`` it was given (None: no box)."""
    money = card_data(preview).get("money")
    if not money:
        return None

    def amount(value: Any) -> str:
        return f"{value:.2f}" if isinstance(value, int | float) else str(value)

    return f"{money['label']} {amount(money['before'])} → becomes {amount(money['after'])} {money['currency']}"


def principal_line(preview: Preview) -> str | None:
    principal = card_data(preview).get("principal")
    return f"Approving as {principal}" if principal else None


def approve_calls(card_host: CardHost) -> list[dict[str, Any]]:
    return [call for call in card_host.calls if call.get("name") == APPROVE_TOOL_NAME]


async def test_the_card_shows_a_zuora_reverse_and_one_approve_runs_the_write_exactly_once(browser: Browser) -> None:
    async with zuora() as (client, sandbox):
        preview = await preview_for_card(client, *REVERSE, principal=PRINCIPAL, money=REVERSE_MONEY)
        assert preview.credential, preview.result
        # The credential is not in what the model reads.
        assert preview.credential not in str(preview.result["content"])
        assert preview.credential not in str(preview.result["structuredContent"])

        card_host, report = await browser.run(client, preview, ["double-approve"], "zuora-reverse")

        before, after = report["before"], report["after"]
        assert before["status"] == "Approval needed"
        assert before["tool"] == "reverse_invoice"
        assert before["target"] == "PUT /v1/invoices/INV00000001/reverse"
        assert before["effect"].startswith("Reverses invoice INV00000001 (Posted, amount 165.00 USD")
        assert before["money"] == money_line(preview)
        if preview.emulated:  # the test host supplies what the server will: the money and the person
            assert before["money"] == "Invoice INV00000001 balance 165.00 → becomes 0.00 USD"
        assert before["checks"] == shown_checks(preview)
        assert [c["mark"] for c in before["checks"]] == ["✓", "✓", "✓", "✓"]
        assert "Invoice is Posted — status is Posted" in before["checks"][0]["text"]
        assert before["principal"] == principal_line(preview)
        if preview.emulated:
            assert before["principal"] == f"Approving as {PRINCIPAL}"
        assert before["request"].startswith("PUT http://127.0.0.1:")
        assert before["requestOpen"] is False
        assert re.fullmatch(r"expires in (5:00|4:[0-5]\d)", before["countdown"]), before["countdown"]
        assert (before["approveDisabled"], before["declineDisabled"]) == (False, False)
        assert preview.credential not in before["bodyText"]

        assert after["outcome"].startswith("Done: "), after
        assert after["status"] == "Done"
        assert (after["approveDisabled"], after["declineDisabled"]) == (True, True)
        assert len(approve_calls(card_host)) == 1
        assert approve_calls(card_host)[0]["arguments"] == {"credential": preview.credential, "decision": "approve"}
        assert zuora_writes(sandbox) == {"PUT /v1/invoices/{invoiceKey}/reverse": 1}
        assert_clean(card_host, report)


async def test_the_card_shows_a_zoho_collect_with_inferred_rules_and_a_hostile_customer_name_as_text(
    browser: Browser,
) -> None:
    async with zoho() as (client, sandbox):
        sandbox.tenant.customers[BOWMAN].display_name = HOSTILE
        money = {"label": "Invoice INV-000001 balance", "before": 240.0, "after": 0.0, "currency": "USD"}
        preview = await preview_for_card(
            client, "collect_invoice_payment", {"invoice_id": invoice_id(1), "card_id": CARD_4242}, money=money
        )
        assert preview.credential, preview.result

        card_host, report = await browser.run(client, preview, ["approve"], "zoho-collect")

        before, after = report["before"], report["after"]
        assert before["tool"] == "collect_invoice_payment"
        assert before["target"] == f"POST /billing/v1/invoices/{invoice_id(1)}/collect"
        # The name shows literally and became no element: no <img>, no handler ran, nothing fetched "x".
        assert HOSTILE in before["effect"]
        assert before["effect"].startswith("Charges 240.00 USD to")
        assert before["images"] == 0
        assert after["images"] == 0
        assert before["money"] == money_line(preview)
        if preview.emulated:
            assert before["money"] == "Invoice INV-000001 balance 240.00 → becomes 0.00 USD"
        assert before["checks"] == shown_checks(preview)
        assert any(c["inferred"] for c in before["checks"])  # Zoho's status rules are inferred from its docs
        assert all(c["mark"] == "✓" for c in before["checks"])
        assert f'The card is saved for "{HOSTILE}"' in str(before["checks"])
        assert before["principal"] == principal_line(preview)
        assert after["outcome"].startswith("Done: "), after
        assert len(approve_calls(card_host)) == 1
        assert sandbox.counters.charges == 1
        assert_clean(card_host, report)


async def test_decline_runs_nothing_and_turns_both_buttons_off_in_the_hosts_dark_theme(browser: Browser) -> None:
    async with zuora() as (client, sandbox):
        preview = await preview_for_card(client, *REVERSE, money=REVERSE_MONEY)

        card_host, report = await browser.run(client, preview, ["decline"], "zuora-decline-dark", host_context=DARK)

        before, after = report["before"], report["after"]
        assert before["theme"] == "dark"
        assert before["background"] == "rgb(48, 48, 46)"  # the host's --color-background-primary
        assert after["status"] == "Declined"
        assert "declined" in after["outcome"]
        assert "Nothing was changed" in after["outcome"]
        assert (after["approveDisabled"], after["declineDisabled"]) == (True, True)
        assert [c["arguments"]["decision"] for c in approve_calls(card_host)] == ["decline"]
        assert zuora_writes(sandbox) == {}
        assert_clean(card_host, report)


async def test_after_expiry_the_buttons_say_expired_and_pressing_them_runs_nothing(browser: Browser) -> None:
    async with zuora(token_ttl_seconds=3) as (client, sandbox):
        preview = await preview_for_card(client, *REVERSE)

        card_host, report = await browser.run(client, preview, ["wait-expiry"], "zuora-expired")

        before, after = report["before"], report["after"]
        assert before["money"] == money_line(preview)
        assert before["principal"] == principal_line(preview)
        if preview.emulated:  # none given: no box, no line
            assert (before["money"], before["principal"]) == (None, None)
        assert after["approveText"] == "expired — ask again"
        assert (after["approveDisabled"], after["declineDisabled"]) == (True, True)
        assert after["status"] == "Expired"
        assert "Nothing was changed" in after["outcome"]
        assert card_host.calls == []
        assert report["toolCalls"] == 0
        assert zuora_writes(sandbox) == {}
        assert_clean(card_host, report)


async def test_a_refused_preview_shows_the_failed_check_and_the_refusal_with_no_buttons(browser: Browser) -> None:
    async with zoho() as (client, sandbox):
        # No card_id or account_id: the server refuses before minting anything.
        preview = await preview_for_card(client, "collect_invoice_payment", {"invoice_id": invoice_id(1)})
        assert preview.credential is None

        card_host, report = await browser.run(client, preview, [], "zoho-refused")

        before = report["before"]
        assert before["status"] == "Refused"
        assert before["actionsShown"] is False
        assert before["countdown"] is None
        assert before["message"].startswith("Refused: Zoho Billing would refuse this write")
        assert [c["mark"] for c in before["checks"]][-1] == "✗"
        assert card_host.calls == []
        assert sandbox.counters.charges == 0
        assert_clean(card_host, report)
