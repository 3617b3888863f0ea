"""Every Zoho write tool under every fault: applied at most once, and the result says which.

Zoho takes no idempotency key, so every write is "unkeyed": the client repeats one only when Zoho
provably did not process it (429, a 401 before the rule ran) and reports anything else that may have
reached Zoho as an unknown outcome naming the read that settles it. One test per cell (tool ×
fault), each on a fresh tenant with a fixed clock, the server in ``auto`` mode. After the call the
test compares the whole tenant with the tenant before and with the tenant after the same write
applied once, counts writes, approved charges, emails and invoices, and — for an unknown outcome —
makes the settling read through the MCP client and checks that it tells the truth. No cell may
create a second invoice or make a second charge.
"""

from __future__ import annotations

import re
from typing import Any

import anyio
import pytest

from tests.zoho.cases import BLOCKED, WRITE_CASES
from tests.zoho.conftest import Harness, connected, fresh, snapshot, writes_sent
from zuora_mcp.catalog import load_catalog
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox
from zuora_mcp.providers.zoho.sandbox.demo_data import BOWMAN

pytestmark = pytest.mark.anyio

TOOLS = {tool.name: tool for tool in load_catalog("zoho")}
MATRIX_TOOLS = sorted(tool for tool in WRITE_CASES if tool not in BLOCKED)
# Each row: (tool, arguments). A create with send=true makes an invoice and an email in one write.
ROWS: dict[str, tuple[str, dict[str, Any]]] = {
    **{tool: (tool, WRITE_CASES[tool]) for tool in MATRIX_TOOLS},
    "create_invoice+send": ("create_invoice", {**WRITE_CASES["create_invoice"], "send": True}),
}
TIMEOUT = 0.25  # ZUORA_MCP_TIMEOUT in the delay cell
DELAY = 0.6  # how long the tenant holds the answer after committing
# What each cell must answer. Every Zoho write is unkeyed: a 5xx that may have been processed, a
# dropped connection and a timeout are unknown outcomes, never repeated.
EXPECTED = {
    "429": "executed",  # code 44: Zoho refused before processing; repeated after Retry-After
    "429_daily": "failed",  # code 45: fails at once, no wait for hours
    "500": "outcome_unknown",
    "502": "outcome_unknown",
    "503": "failed",  # not processed, and an unkeyed write is not repeated
    "drop_before_commit": "outcome_unknown",
    "drop_after_commit": "outcome_unknown",
    "delay_after_commit": "outcome_unknown",  # applied, but the answer comes after the client's timeout
    "code_nonzero_200": "failed",  # HTTP 200 whose body says failure
    "token_expired": "executed",  # 401 before processing: one new token, one re-send
}
SHORT = {"executed": "executed", "failed": "failed", "refused": "refused", "outcome_unknown": "unknown"}
_applied_once: dict[str, str] = {}


def route_glob(tool: str) -> tuple[str, str]:
    spec = TOOLS[tool]
    return spec.method, "/billing/v1" + re.sub(r"\{[^{}]+\}", "*", spec.path)


def ledgers(zoho: RunningZohoSandbox) -> tuple[int, int, int]:
    """(approved charges, emails sent, invoices): the things that must never double."""
    approved = sum(1 for c in zoho.tenant.charges if c["status"] == "approved")
    return approved, len(zoho.tenant.outbox), len(zoho.tenant.invoices)


async def applied_once(row: str) -> str:
    if row not in _applied_once:
        tool, args = ROWS[row]
        async with fresh() as zoho, connected(zoho, mode="auto") as h:
            result = await h.call(tool, args)
            assert result.structured_content["status"] == "executed", result.content[0].text
            assert zoho.counters.writes_applied == 1
            _applied_once[row] = snapshot(zoho)
    return _applied_once[row]


async def inject(h: Harness, zoho: RunningZohoSandbox, row: str, fault: str) -> Any:
    tool, args = ROWS[row]
    method, path = route_glob(tool)
    if fault == "delay_after_commit":
        zoho.faults.once("delay_after_commit", method, path, seconds=DELAY)
    elif fault != "token_expired":
        zoho.faults.once(fault, method, path)  # type: ignore[arg-type]
    else:  # the token stops working while the write is on its way in (held 0.1 s before it is read)
        zoho.faults.once("latency", method, path, seconds=0.1)
        result: Any = None

        async def call() -> None:
            nonlocal result
            result = await h.call(tool, args)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(call)
            await zoho.counters.wait_for(lambda c: writes_sent(zoho) >= 1)
            zoho.expire_tokens()
        return result
    return await h.call(tool, args)


async def settle(h: Harness, row: str, settle_with: str, applied: int) -> None:
    """Make the read the result names, as a model would, and check it shows whether the write happened."""
    tool, args = ROWS[row]
    found = re.fullmatch(r"(\w+)(?:\((\w+)='([^']*)'\))?", settle_with)
    assert found, settle_with
    read, key, value = found.groups()
    if tool == "create_invoice":
        assert read == "list_invoices"
        listed = await h.call("list_invoices", {"customer_id": BOWMAN})
        numbers = [i["invoice_id"] for i in listed.structured_content["invoices"]]
        references = []
        for invoice_id in numbers:
            one = await h.call("get_invoice", {"invoice_id": invoice_id})
            references.append(one.structured_content["invoice"].get("reference_number"))
        assert references.count(args["reference_number"]) == applied
        return
    assert (read, key, value) == ("get_invoice", "invoice_id", args["invoice_id"])
    if tool == "delete_invoice":
        gone = await h.call(read, {key: value})
        assert gone.is_error is bool(applied)
        return
    invoice = (await h.call(read, {key: value})).structured_content["invoice"]
    if tool == "collect_invoice_payment":
        assert len(invoice.get("payments") or []) == applied
        assert invoice["balance"] == (0 if applied else 240)


@pytest.mark.parametrize("fault", list(EXPECTED))
@pytest.mark.parametrize("row", list(ROWS))
async def test_a_write_under_a_fault_is_applied_at_most_once_and_says_which(
    row: str, fault: str, matrix_cell: dict[tuple[str, str], str]
) -> None:
    with anyio.fail_after(20):
        once = await applied_once(row)
        environ = {"ZUORA_MCP_TIMEOUT": str(TIMEOUT)} if fault == "delay_after_commit" else {}
        async with fresh() as zoho, connected(zoho, mode="auto", environ=environ) as h:
            before, counted = snapshot(zoho), ledgers(zoho)
            listed = {t.name for t in (await h.client.list_tools()).tools}
            result = await inject(h, zoho, row, fault)
            content = result.structured_content
            status, applied, after = content["status"], zoho.counters.writes_applied, snapshot(zoho)
            matrix_cell[(row, fault)] = f"{SHORT.get(status, status)} ×{applied}"

            assert applied <= 1, f"applied {applied} times"
            assert after in (before, once), "the tenant is neither untouched nor changed once"
            charges, emails, invoices = ledgers(zoho)
            assert charges - counted[0] <= 1, "a second charge"
            assert emails - counted[1] <= 1, "a second email"
            assert invoices - counted[2] <= 1, "a duplicate invoice"
            if status == "executed":
                assert not result.is_error
                assert (applied, after) == (1, once)
            elif status == "failed":
                assert result.is_error
                assert "Nothing was changed." in content["message"]
                assert (applied, after) == (0, before)
            else:
                assert status == "outcome_unknown", content
                assert "may or may not have been applied" in content["message"]
                assert "no idempotency keys" in content["message"]
                assert content["settle_with"] in content["message"]
                assert content["settle_with"].split("(")[0] in listed
                await settle(h, row, content["settle_with"], applied)
            assert status == EXPECTED[fault], content["message"]
            if fault == "429":  # waited as long as Retry-After said, once
                assert h.sleeps.waits == [1.0]
            if fault == "429_daily":  # failed fast: no wait at all, and it says why
                assert h.sleeps.waits == []
                assert "daily" in content["message"]


@pytest.mark.xfail(bool(BLOCKED), strict=True, reason="; ".join(BLOCKED.values()))
def test_every_write_tool_is_in_the_fault_matrix() -> None:
    assert sorted(WRITE_CASES) == MATRIX_TOOLS


@pytest.mark.parametrize("fault", ["500", "drop_before_commit", "drop_after_commit", "delay_after_commit"])
async def test_a_create_retried_after_an_unknown_outcome_never_makes_a_second_invoice(fault: str) -> None:
    """What a model does next: the same create again. Its reference finds the invoice a lost create made."""
    method, path = route_glob("create_invoice")
    args = WRITE_CASES["create_invoice"]
    environ = {"ZUORA_MCP_TIMEOUT": str(TIMEOUT)} if fault == "delay_after_commit" else {}
    with anyio.fail_after(20):
        async with fresh() as zoho, connected(zoho, mode="auto", environ=environ) as h:
            zoho.faults.once(fault, method, path, seconds=DELAY if fault.startswith("delay") else 0.0)  # type: ignore[arg-type]
            first = await h.call("create_invoice", args)
            made = zoho.counters.writes_applied
            retry = await h.call("create_invoice", args)
            holders = [i for i in zoho.tenant.invoices.values() if i.reference_number == args["reference_number"]]
    assert first.structured_content["status"] == "outcome_unknown"
    assert len(holders) == 1
    if made:
        assert retry.structured_content["status"] == "refused"
        assert f"{holders[0].invoice_number} has it" in retry.content[0].text
    else:
        assert retry.structured_content["status"] == "executed"


async def test_a_charge_retried_after_an_unknown_outcome_is_refused_once_it_happened() -> None:
    method, path = route_glob("collect_invoice_payment")
    args = WRITE_CASES["collect_invoice_payment"]
    with anyio.fail_after(20):
        async with fresh() as zoho, connected(zoho, mode="auto") as h:
            zoho.faults.once("drop_after_commit", method, path)
            first = await h.call("collect_invoice_payment", args)
            retry = await h.call("collect_invoice_payment", args)
            approved = [c for c in zoho.tenant.charges if c["status"] == "approved"]
    assert first.structured_content["status"] == "outcome_unknown"
    assert "get_invoice(invoice_id=" in first.structured_content["settle_with"]
    assert retry.structured_content["status"] == "refused"
    assert "Invoice has an unpaid balance" in retry.content[0].text
    assert len(approved) == 1


async def test_an_email_retried_after_an_unknown_outcome_says_the_first_one_went_out() -> None:
    method, path = route_glob("email_invoice")
    args = WRITE_CASES["email_invoice"]
    with anyio.fail_after(20):
        async with fresh() as zoho, connected(zoho, mode="auto") as h:
            zoho.faults.once("drop_after_commit", method, path)
            first = await h.call("email_invoice", args)
            preview = await h.call("email_invoice", {**args, "dry_run": True})
    assert first.structured_content["status"] == "outcome_unknown"
    assert "Already emailed before" in preview.structured_content["preview"]["effect"]
    assert "benjamin.george@bowmanfurniture.com" in preview.structured_content["preview"]["effect"]
    assert len(zoho.tenant.outbox) == 1
