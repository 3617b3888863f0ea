"""Reads: list filters and pages, one invoice as JSON or PDF, a customer's saved methods, credit notes."""

from __future__ import annotations

import httpx2
import pytest

from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, invoice_id
from zuora_mcp.providers.zoho.sandbox.demo_data import BOWMAN, LUMEN, SUBSCRIPTION

pytestmark = pytest.mark.anyio


async def numbers(api: httpx2.AsyncClient, **params: str) -> list[str]:
    answer = await api.get("/invoices", params=params)
    assert answer.json()["code"] == 0, answer.json()
    return sorted(i["number"] for i in answer.json()["invoices"])


@pytest.mark.parametrize(
    ("filter_by", "expected"),
    [
        ("Status.Sent", ["INV-000001", "INV-000009"]),
        ("Status.OverDue", ["INV-000002"]),
        ("Status.PartiallyPaid", ["INV-000003", "INV-000010"]),
        ("Status.Paid", ["INV-000004", "INV-000008"]),
        ("Status.Void", ["INV-000005"]),
        ("Status.Draft", ["INV-000006"]),
        ("Status.Pending", ["INV-000007"]),
        ("Status.Unpaid", ["INV-000001", "INV-000002", "INV-000003", "INV-000009", "INV-000010"]),
    ],
)
async def test_filter_by_selects_invoices_by_status(
    api: httpx2.AsyncClient, filter_by: str, expected: list[str]
) -> None:
    assert await numbers(api, filter_by=filter_by) == expected


async def test_customer_and_subscription_filters_narrow_the_list(api: httpx2.AsyncClient) -> None:
    assert await numbers(api, customer_id=LUMEN) == ["INV-000005", "INV-000006", "INV-000008", "INV-000009"]
    assert await numbers(api, subscription_id=SUBSCRIPTION) == ["INV-000001", "INV-000007"]
    assert await numbers(api, customer_id=BOWMAN, filter_by="Status.OverDue") == ["INV-000002"]


async def test_pages_walk_the_whole_list_and_page_context_says_when_to_stop(api: httpx2.AsyncClient) -> None:
    seen: list[str] = []
    page = 1
    while True:
        body = (await api.get("/invoices", params={"page": str(page), "per_page": "4"})).json()
        seen += [i["invoice_id"] for i in body["invoices"]]
        context = body["page_context"]
        assert (context["page"], context["per_page"], context["applied_filter"]) == (page, 4, "Status.All")
        assert set(context) >= {"report_name", "sort_column", "sort_order", "has_more_page"}
        if not context["has_more_page"]:
            break
        page += 1
    assert page == 3
    assert sorted(seen) == sorted(invoice_id(n) for n in range(1, 11))


async def test_per_page_defaults_to_200(api: httpx2.AsyncClient) -> None:
    assert (await api.get("/invoices")).json()["page_context"]["per_page"] == 200


@pytest.mark.parametrize("params", [{"filter_by": "Status.Bogus"}, {"page": "0"}, {"per_page": "many"}])
async def test_bad_list_parameters_get_code_4(api: httpx2.AsyncClient, params: dict[str, str]) -> None:
    answer = await api.get("/invoices", params=params)
    assert (answer.status_code, answer.json()["code"]) == (400, 4)


async def test_an_invoice_reads_with_lines_payments_and_credits(api: httpx2.AsyncClient) -> None:
    invoice = (await api.get(f"/invoices/{invoice_id(3)}")).json()["invoice"]
    assert (invoice["status"], invoice["total"], invoice["payment_made"], invoice["balance"]) == (
        "partially_paid",
        200.0,
        80.0,
        120.0,
    )
    assert invoice["payments"][0]["payment_mode"] == "autotransaction"
    credited = (await api.get(f"/invoices/{invoice_id(10)}")).json()["invoice"]
    assert credited["credits"][0]["creditnotes_number"] == "CN-00002"
    assert credited["credits_applied"] == 50.0


@pytest.mark.parametrize(("params", "headers"), [({"accept": "pdf"}, {}), ({}, {"Accept": "application/pdf"})])
async def test_an_invoice_reads_as_a_pdf_on_request(
    api: httpx2.AsyncClient, params: dict[str, str], headers: dict[str, str]
) -> None:
    answer = await api.get(f"/invoices/{invoice_id(1)}", params=params, headers=headers)
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'inline; filename="INV-000001.pdf"'
    assert answer.content.startswith(b"%PDF-1.4")
    assert answer.content.rstrip().endswith(b"%%EOF")
    assert b"Invoice INV-000001" in answer.content


async def test_a_customer_reads_with_saved_cards_and_bank_accounts(api: httpx2.AsyncClient) -> None:
    customer = (await api.get(f"/customers/{BOWMAN}")).json()["customer"]
    assert customer["display_name"] == "Bowman Furniture"
    default = [c for c in customer["cards"] if c["is_primary"]]
    assert [(c["last_four_digits"], c["card_type"], c["status"]) for c in default] == [("4242", "visa", "active")]
    assert customer["bank_accounts"][0]["last_four_digits"] == "6789"
    lumen = (await api.get(f"/customers/{LUMEN}")).json()["customer"]
    assert (lumen["cards"], lumen["bank_accounts"]) == ([], [])
    missing = await api.get("/customers/1")
    assert (missing.status_code, missing.json()["code"]) == (404, 1002)


async def test_credit_notes_list_by_customer(api: httpx2.AsyncClient, zoho: RunningZohoSandbox) -> None:
    notes = (await api.get("/creditnotes", params={"customer_id": BOWMAN})).json()["creditnotes"]
    assert [(n["creditnote_number"], n["status"], n["balance"]) for n in notes] == [
        ("CN-00001", "open", 100.0),
        ("CN-00002", "closed", 0.0),
    ]
