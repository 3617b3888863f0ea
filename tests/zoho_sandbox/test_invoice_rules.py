"""Create, update, delete and the status actions, each with its refusals (which change nothing)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, invoice_id
from zuora_mcp.providers.zoho.sandbox.demo_data import BASIC, BOWMAN, CN_USED, LUMEN, PRO, demo_id
from zuora_mcp.providers.zoho.sandbox.tenant import ID_BASE

from .conftest import snapshot

pytestmark = pytest.mark.anyio


def new_invoice(**more: Any) -> dict[str, Any]:
    return {
        "customer_id": BOWMAN,
        "date": "2025-06-01",
        "payment_terms": 30,
        "invoice_items": [
            {"product_id": PRO, "price": 120, "quantity": 2},
            {"product_id": BASIC, "price": 50, "quantity": 1},
        ],
        **more,
    }


async def refused(api: httpx2.AsyncClient, zoho: RunningZohoSandbox, method: str, path: str, **kwargs: Any) -> int:
    """Send a request that must be refused; return its code after checking nothing changed."""
    before = snapshot(zoho)
    answer = await api.request(method, path, **kwargs)
    assert answer.status_code >= 400, answer.json()
    assert answer.json()["code"] != 0
    assert snapshot(zoho) == before
    assert zoho.counters.writes_applied == 0
    return int(answer.json()["code"])


async def test_create_answers_201_with_the_next_number_and_a_sent_invoice(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox
) -> None:
    answer = await api.post("/invoices", json=new_invoice(reference_number="PO-1"))
    body = answer.json()
    assert (answer.status_code, body["code"], body["message"]) == (201, 0, "The invoice has been created.")
    invoice = body["invoice"]
    assert (invoice["invoice_number"], invoice["status"], invoice["total"]) == ("INV-000011", "sent", 290.0)
    assert (invoice["reference_number"], invoice["due_date"]) == ("PO-1", "2025-07-01")
    assert zoho.tenant.outbox == []
    assert zoho.counters.writes_applied == 1


async def test_create_with_send_mails_the_contact_persons(api: httpx2.AsyncClient, zoho: RunningZohoSandbox) -> None:
    await api.post("/invoices", params={"send": "true"}, json=new_invoice())
    [mail] = zoho.tenant.outbox
    assert mail["to_mail_ids"] == ["benjamin.george@bowmanfurniture.com", "paul@bowmanfurniture.com"]
    assert (mail["invoice_number"], mail["reason"]) == ("INV-000011", "create?send=true")


async def test_an_own_number_needs_the_flag_and_must_be_unique(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox
) -> None:
    flag = {"ignore_auto_number_generation": "true"}
    code = await refused(api, zoho, "POST", "/invoices", params=flag, json=new_invoice(invoice_number="INV-000001"))
    assert code == 1001
    assert await refused(api, zoho, "POST", "/invoices", params=flag, json=new_invoice()) == 4
    chosen = await api.post("/invoices", params=flag, json=new_invoice(invoice_number="BOW-1"))
    assert chosen.json()["invoice"]["invoice_number"] == "BOW-1"
    ignored = await api.post("/invoices", json=new_invoice(invoice_number="BOW-2"))
    assert ignored.json()["invoice"]["invoice_number"] == "INV-000011"  # auto-numbered without the flag


@pytest.mark.parametrize(
    "body",
    [
        new_invoice(date=None),
        new_invoice(customer_id="1"),
        new_invoice(invoice_items=[]),
        new_invoice(invoice_items=[{"product_id": "1", "price": 1, "quantity": 1}]),
        new_invoice(invoice_items=[{"product_id": PRO, "quantity": 1}]),
        new_invoice(date="01/06/2025"),
    ],
)
async def test_create_refuses_missing_or_invalid_fields_with_code_4(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, body: dict[str, Any]
) -> None:
    assert await refused(api, zoho, "POST", "/invoices", json={k: v for k, v in body.items() if v is not None}) == 4


async def test_a_refused_create_leaves_the_id_sequence_alone(api: httpx2.AsyncClient, zoho: RunningZohoSandbox) -> None:
    bad_second_line = [{"product_id": PRO, "price": 1, "quantity": 1}, {"product_id": "1", "price": 1, "quantity": 1}]
    assert await refused(api, zoho, "POST", "/invoices", json=new_invoice(invoice_items=bad_second_line)) == 4
    invoice = (await api.post("/invoices", json=new_invoice())).json()["invoice"]
    assert [line["item_id"] for line in invoice["invoice_items"]] == [str(ID_BASE + 1001), str(ID_BASE + 1002)]
    assert invoice["invoice_id"] == str(ID_BASE + 1003)


async def test_update_replaces_the_whole_list_of_lines(api: httpx2.AsyncClient, zoho: RunningZohoSandbox) -> None:
    body = {"customer_id": BOWMAN, "invoice_items": [{"product_id": BASIC, "price": 40}], "reference_number": "R-9"}
    answer = await api.put(f"/invoices/{invoice_id(1)}", json=body)
    invoice = answer.json()["invoice"]
    assert answer.json()["message"] == "Invoice information has been updated."
    assert [(line["name"], line["item_total"]) for line in invoice["invoice_items"]] == [("Basic", 40.0)]
    assert (invoice["total"], invoice["reference_number"]) == (40.0, "R-9")


async def test_update_to_another_customer_takes_that_customers_contacts(api: httpx2.AsyncClient) -> None:
    body = {"customer_id": LUMEN, "invoice_items": [{"product_id": BASIC, "price": 40}]}
    invoice = (await api.put(f"/invoices/{invoice_id(1)}", json=body)).json()["invoice"]
    assert (invoice["customer_name"], invoice["contact_persons"]) == ("Lumen Cafe", [{"contactperson_id": demo_id(5)}])


@pytest.mark.parametrize(
    ("number", "code"),
    [(3, 3010), (10, 3009), (5, 990001), (8, 990001)],  # payments, credits, void, written off (paid)
)
async def test_update_is_refused_after_payments_credits_void_or_write_off(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, number: int, code: int
) -> None:
    customer = LUMEN if number in {5, 8} else BOWMAN
    body = {"customer_id": customer, "invoice_items": [{"product_id": BASIC, "price": 1}]}
    assert await refused(api, zoho, "PUT", f"/invoices/{invoice_id(number)}", json=body) == code


async def test_delete_removes_an_invoice_without_payments(api: httpx2.AsyncClient, zoho: RunningZohoSandbox) -> None:
    answer = await api.delete(f"/invoices/{invoice_id(6)}")
    assert answer.json() == {"code": 0, "message": "The invoice has been deleted."}
    assert invoice_id(6) not in zoho.tenant.invoices
    assert (await api.get(f"/invoices/{invoice_id(6)}")).status_code == 404


@pytest.mark.parametrize(("number", "code"), [(3, 4001), (4, 4001), (10, 12008), (8, 990001)])
async def test_delete_is_refused_with_payments_credits_or_after_a_write_off(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, number: int, code: int
) -> None:
    assert await refused(api, zoho, "DELETE", f"/invoices/{invoice_id(number)}") == code


@pytest.mark.parametrize(("number", "status"), [(5, "overdue"), (7, "sent")])
async def test_convert_to_open_makes_void_and_pending_invoices_payable(
    api: httpx2.AsyncClient, number: int, status: str
) -> None:
    answer = await api.post(f"/invoices/{invoice_id(number)}/converttoopen")
    assert answer.json() == {"code": 0, "message": "Status of the invoice has been changed to open."}
    assert (await api.get(f"/invoices/{invoice_id(number)}")).json()["invoice"]["status"] == status


@pytest.mark.parametrize("number", [1, 6])
async def test_convert_to_open_is_refused_from_other_statuses(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, number: int
) -> None:
    assert await refused(api, zoho, "POST", f"/invoices/{invoice_id(number)}/converttoopen") == 990001


async def test_void_moves_payments_to_customer_credit_and_credits_back_to_their_notes(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox
) -> None:
    assert (await api.post(f"/invoices/{invoice_id(3)}/void")).json()[
        "message"
    ] == "Invoice status has been changed to Void."
    await api.post(f"/invoices/{invoice_id(10)}/void")
    assert zoho.tenant.customers[BOWMAN].unused_credits == 80.0
    assert (zoho.tenant.credit_notes[CN_USED].balance, zoho.tenant.credit_notes[CN_USED].status) == (50.0, "open")
    invoice = (await api.get(f"/invoices/{invoice_id(3)}")).json()["invoice"]
    assert (invoice["status"], invoice["payments"], invoice["balance"]) == ("void", [], 0.0)
    assert invoice["comments"][-1]["description"] == "Invoice has been marked as void"
    # Reopened, the invoice is owed in full again: the detached payment is not re-applied.
    await api.post(f"/invoices/{invoice_id(3)}/converttoopen")
    assert (await api.get(f"/invoices/{invoice_id(3)}")).json()["invoice"]["balance"] == 200.0


@pytest.mark.parametrize("number", [5, 6])
async def test_void_is_refused_on_void_and_draft_invoices(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, number: int
) -> None:
    assert await refused(api, zoho, "POST", f"/invoices/{invoice_id(number)}/void") == 990001


async def test_write_off_marks_paid_and_cancel_restores_the_balance(api: httpx2.AsyncClient) -> None:
    path = f"/invoices/{invoice_id(2)}"
    assert (await api.post(f"{path}/writeoff", json={"reason": "bad debt"})).json()[
        "message"
    ] == "Invoice has been written off.."
    written = (await api.get(path)).json()["invoice"]
    assert (written["status"], written["balance"], written["write_off_amount"]) == ("paid", 0.0, 55.0)
    cancelled = await api.post(f"{path}/cancelwriteoff")
    assert cancelled.json()["message"] == "The write off done for this invoice has been cancelled."
    assert (await api.get(path)).json()["invoice"]["status"] == "overdue"


@pytest.mark.parametrize(
    ("action", "number"), [("writeoff", 4), ("writeoff", 7), ("cancelwriteoff", 4), ("cancelwriteoff", 1)]
)
async def test_write_off_needs_a_balance_and_cancel_needs_a_write_off(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, action: str, number: int
) -> None:
    assert await refused(api, zoho, "POST", f"/invoices/{invoice_id(number)}/{action}", json={}) == 990001
