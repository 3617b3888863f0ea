"""Collect through the simulated gateway, apply credit notes, email to the outbox."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, invoice_id
from zuora_mcp.providers.zoho.sandbox.demo_data import (
    BANK_6789,
    CARD_0002,
    CARD_1111,
    CARD_4242,
    CN_LUMEN,
    CN_OPEN,
    CN_USED,
)

from .conftest import snapshot

pytestmark = pytest.mark.anyio


async def refused(api: httpx2.AsyncClient, zoho: RunningZohoSandbox, path: str, body: Any) -> int:
    before = snapshot(zoho)
    answer = await api.post(path, json=body)
    assert (answer.status_code, answer.json()["code"] != 0) == (400, True), answer.json()
    assert snapshot(zoho) == before
    assert zoho.counters.writes_applied == 0
    return int(answer.json()["code"])


async def test_collect_charges_the_saved_card_and_records_an_autotransaction_payment(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox
) -> None:
    answer = await api.post(f"/invoices/{invoice_id(1)}/collect", json={"card_id": CARD_4242})
    body = answer.json()
    assert body["message"] == "The customer payment has been recorded."
    payment = body["payment"]
    assert (payment["payment_mode"], payment["amount"], payment["customer_name"]) == (
        "autotransaction",
        240.0,
        "Bowman Furniture",
    )
    assert payment["autotransaction"]["gateway_transaction_id"]
    assert payment["invoices"][0]["balance_amount"] == 0.0
    assert (await api.get(f"/invoices/{invoice_id(1)}")).json()["invoice"]["status"] == "paid"
    [charge] = zoho.tenant.charges
    assert (charge["status"], charge["last_four_digits"], charge["amount"]) == ("approved", "4242", 240.0)
    assert (zoho.counters.charges, zoho.counters.writes_applied) == (1, 1)


async def test_collect_can_debit_the_saved_bank_account(api: httpx2.AsyncClient, zoho: RunningZohoSandbox) -> None:
    answer = await api.post(f"/invoices/{invoice_id(3)}/collect", json={"account_id": BANK_6789})
    assert answer.json()["payment"]["amount"] == 120.0
    assert zoho.tenant.charges[0]["method"] == "bank_account"


@pytest.mark.parametrize("card", [CARD_0002, CARD_1111])
async def test_a_declined_or_expired_card_charges_nothing_but_the_attempt_is_in_the_ledger(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, card: str
) -> None:
    assert await refused(api, zoho, f"/invoices/{invoice_id(1)}/collect", {"card_id": card}) == 990004
    assert [c["status"] for c in zoho.tenant.charges] == ["declined"]
    assert (zoho.counters.charges, zoho.counters.charges_declined) == (0, 1)


async def test_the_gateway_decline_fault_declines_a_good_card(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox
) -> None:
    zoho.faults.once("gateway_decline", "POST", "/billing/v1/invoices/*/collect")
    assert await refused(api, zoho, f"/invoices/{invoice_id(1)}/collect", {"card_id": CARD_4242}) == 990004
    assert (await api.post(f"/invoices/{invoice_id(1)}/collect", json={"card_id": CARD_4242})).json()["code"] == 0


@pytest.mark.parametrize(
    ("number", "body", "code"),
    [
        (9, {"card_id": CARD_4242}, 990003),  # Lumen Cafe has no saved method; not Bowman's card
        (1, {"card_id": "1"}, 990003),
        (4, {"card_id": CARD_4242}, 990001),  # paid
        (7, {"card_id": CARD_4242}, 990001),  # pending
        (5, {"card_id": CARD_4242}, 990001),  # void
        (1, {}, 4),
        (1, {"card_id": CARD_4242, "account_id": BANK_6789}, 4),
    ],
)
async def test_collect_refusals(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, number: int, body: Any, code: int
) -> None:
    assert await refused(api, zoho, f"/invoices/{invoice_id(number)}/collect", body) == code
    assert zoho.tenant.charges == []


async def test_credits_apply_within_the_note_and_invoice_balances(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox
) -> None:
    body = {"apply_creditnotes": [{"creditnote_id": CN_OPEN, "amount_applied": 30}]}
    answer = await api.post(f"/invoices/{invoice_id(2)}/credits", json=body)
    applied = answer.json()["apply_creditnotes"][0]
    assert answer.json()["message"] == "Credits have been applied to the invoice(s)."
    assert (applied["invoice_id"], applied["amount_applied"], applied["date_formatted"]) == (
        invoice_id(2),
        30.0,
        "01 Jun 2025",
    )
    invoice = (await api.get(f"/invoices/{invoice_id(2)}")).json()["invoice"]
    assert (invoice["credits_applied"], invoice["balance"], invoice["status"]) == (30.0, 25.0, "partially_paid")
    assert zoho.tenant.credit_notes[CN_OPEN].balance == 70.0


@pytest.mark.parametrize(
    ("number", "notes", "code"),
    [
        (2, [(CN_OPEN, 60)], 990002),  # more than the invoice balance (55)
        (1, [(CN_OPEN, 60), (CN_OPEN, 60)], 990002),  # more than the note's 100 across two entries
        (1, [(CN_USED, 10)], 990002),  # closed note
        (1, [(CN_LUMEN, 10)], 990002),  # another customer's note
        (4, [(CN_OPEN, 10)], 990001),  # paid invoice
        (1, [(CN_OPEN, 0)], 4),
        (1, [], 4),
    ],
)
async def test_credit_refusals(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, number: int, notes: list[tuple[str, float]], code: int
) -> None:
    body = {"apply_creditnotes": [{"creditnote_id": n, "amount_applied": a} for n, a in notes]}
    assert await refused(api, zoho, f"/invoices/{invoice_id(number)}/credits", body) == code


EMAIL = {
    "to_mail_ids": ["benjamin.george@bowmanfurniture.com"],
    "cc_mail_ids": ["accounts@bowmanfurniture.com"],
    "subject": "Your invoice",
    "body": "Please find it attached.",
}


async def test_email_goes_to_the_outbox_with_the_pdf_and_mailable_attachments(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox
) -> None:
    files = {"attachment": ("terms.pdf", b"%PDF-1.4 terms", "application/pdf")}
    await api.post(f"/invoices/{invoice_id(1)}/attachment", files=files, data={"can_send_in_mail": "true"})
    await api.post(f"/invoices/{invoice_id(1)}/attachment", files={"attachment": ("note.png", b"png", "image/png")})
    answer = await api.post(f"/invoices/{invoice_id(1)}/email", json=EMAIL)
    assert answer.json() == {"code": 0, "message": "Your invoice has been sent."}
    mails = (await api.get(f"{zoho.accounts_url}/_sandbox/outbox")).json()["emails"]
    assert [(m["to_mail_ids"], m["cc_mail_ids"], m["subject"]) for m in mails] == [
        (EMAIL["to_mail_ids"], EMAIL["cc_mail_ids"], "Your invoice")
    ]
    assert mails[0]["attachments"] == ["INV-000001.pdf", "terms.pdf"]
    assert (await api.get(f"/invoices/{invoice_id(1)}")).json()["invoice"]["is_emailed"] is True
    assert zoho.counters.emails_sent == 1


@pytest.mark.parametrize(
    ("number", "change", "code"),
    [
        (5, {}, 990001),  # void
        (6, {}, 990001),  # draft
        (1, {"to_mail_ids": []}, 4),
        (1, {"to_mail_ids": ["not-an-address"]}, 4),
        (1, {"subject": None}, 4),
    ],
)
async def test_email_refusals(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, number: int, change: dict[str, Any], code: int
) -> None:
    body = {k: v for k, v in (EMAIL | change).items() if v is not None}
    assert await refused(api, zoho, f"/invoices/{invoice_id(number)}/email", body) == code
    assert zoho.tenant.outbox == []
