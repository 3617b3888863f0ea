"""Reads and listings: keys by ID or number, v1 paging, the object query's filters and cursor."""

from __future__ import annotations

import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.errors import BillingError
from zuora_mcp.plan import QueryValue
from zuora_mcp.providers.zuora.sandbox import RunningSandbox, demo_id

pytestmark = pytest.mark.anyio


async def test_invoice_is_found_by_number_and_by_id(client: BillingClient) -> None:
    by_number = (await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV00000001"})).data
    by_id = (await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": demo_id("INV00000001")})).data
    assert by_number == by_id
    assert {k: by_number[k] for k in ("invoiceNumber", "amount", "balance", "status", "currency", "success")} == {
        "invoiceNumber": "INV00000001",
        "amount": 165.0,
        "balance": 165.0,
        "status": "Posted",
        "currency": "USD",
        "success": True,
    }
    assert (by_number["invoiceDate"], by_number["dueDate"]) == ("2025-01-01", "2025-01-31")


async def test_unknown_invoice_is_a_404_in_zuoras_shape(client: BillingClient) -> None:
    with pytest.raises(BillingError) as caught:
        await client.get("/v1/invoices/{invoiceKey}", {"invoiceKey": "INV99999999"})
    assert caught.value.status == 404
    assert caught.value.reasons[0].code == "50000040"
    assert caught.value.process_id


async def test_items_page_with_a_next_page_url(client: BillingClient, sandbox: RunningSandbox) -> None:
    path = "/v1/invoices/{invoiceKey}/items"
    first = (await client.get(path, {"invoiceKey": "INV00000005"}, {"pageSize": 40})).data
    assert len(first["invoiceItems"]) == 40
    assert first["nextPage"] == f"{sandbox.base_url}/v1/invoices/INV00000005/items?page=2&pageSize=40"
    last = (await client.get(path, {"invoiceKey": "INV00000005"}, {"page": 51, "pageSize": 40})).data
    assert len(last["invoiceItems"]) == 1
    assert last["nextPage"] is None


async def test_the_2001_item_invoice_is_generated_not_stored(client: BillingClient, sandbox: RunningSandbox) -> None:
    await client.get("/v1/invoices/{invoiceKey}/items", {"invoiceKey": "INV00000005"}, {"pageSize": 40})
    invoice = sandbox.tenant.invoice("INV00000005")
    assert len(invoice.items) == 2001
    assert getattr(invoice.items, "kept", None) == 0
    assert invoice.amount == 2001


async def test_items_carry_their_taxation_items(client: BillingClient, sandbox: RunningSandbox) -> None:
    items = (await client.get("/v1/invoices/{invoiceKey}/items", {"invoiceKey": "INV00000006"})).data["invoiceItems"]
    assert items[0]["chargeAmount"] == 500.0
    assert items[0]["taxationItems"]["data"][0]["taxAmount"] == 95.0
    taxes = await client.get(
        "/v1/invoices/{invoiceKey}/items/{itemId}/taxation-items",
        {"invoiceKey": "INV00000006", "itemId": items[0]["id"]},
    )
    assert [t["name"] for t in taxes.data["data"]] == ["VAT"]


async def test_files_are_newest_first(client: BillingClient) -> None:
    files = (await client.get("/v1/invoices/{invoiceKey}/files", {"invoiceKey": "INV00000001"})).data["invoiceFiles"]
    assert [f["versionNumber"] for f in files] == [2, 1]


async def test_application_parts_show_the_payment(client: BillingClient) -> None:
    parts = (await client.get("/v1/invoices/{invoiceKey}/application-parts", {"invoiceKey": "INV00000002"})).data
    assert [(p["appliedAmount"], p["paymentId"]) for p in parts["applicationParts"]] == [(50.0, demo_id("P-00000001"))]


async def test_account_shows_currency_and_balances(client: BillingClient) -> None:
    account = (await client.get("/v1/accounts/{account-key}", {"account-key": "A00000003"})).data
    assert account["basicInfo"]["accountNumber"] == "A00000003"
    assert account["billingAndPayment"]["currency"] == "EUR"
    assert account["metrics"]["totalInvoiceBalance"] == 595.0


async def test_memos_are_found_by_number(client: BillingClient) -> None:
    credit = (await client.get("/v1/credit-memos/{creditMemoKey}", {"creditMemoKey": "CM00000001"})).data
    debit = (await client.get("/v1/debit-memos/{debitMemoKey}", {"debitMemoKey": "DM00000001"})).data
    assert (credit["unappliedAmount"], debit["balance"]) == (30.0, 40.0)


async def numbers(client: BillingClient, *filters: str, **extra: QueryValue) -> list[str]:
    query: dict[str, QueryValue] = {"filter[]": list(filters), "pageSize": 99, **extra}
    data = (await client.get("/object-query/invoices", query=query)).data
    return [row["invoiceNumber"] for row in data["data"]]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (("accountNumber.EQ:A00000003",), ["INV00000006"]),
        (("status.EQ:Draft",), ["INV00000003"]),
        (("status.NE:Posted",), ["INV00000003", "INV00000009"]),
        (("balance.GT:500",), ["INV00000005", "INV00000006"]),
        (("balance.LE:0",), ["INV00000004", "INV00000008"]),
        (("amount.LT:0",), ["INV00000008"]),
        (("invoiceDate.GE:2025-04-01",), ["INV00000007", "INV00000008"]),
        (("dueDate.LT:2025-02-01", "status.EQ:Posted"), ["INV00000001", "INV00000006"]),
        (("invoiceNumber.SW:INV0000000", "status.IN:[Draft,Canceled]"), ["INV00000003", "INV00000009"]),
        (("currency.EQ:EUR",), ["INV00000006"]),
    ],
)
async def test_object_query_filters(client: BillingClient, filters: tuple[str, ...], expected: list[str]) -> None:
    assert await numbers(client, *filters) == expected


async def test_object_query_filters_by_account_id(client: BillingClient) -> None:
    assert await numbers(client, f"accountId.EQ:{demo_id('A00000002')}") == [
        "INV00000004",
        "INV00000005",
        "INV00000009",
    ]


async def test_object_query_pages_with_a_cursor(client: BillingClient) -> None:
    seen: list[str] = []
    query: dict[str, QueryValue] = {"pageSize": 4}
    pages = 0
    while True:
        data = (await client.get("/object-query/invoices", query=query)).data
        seen += [row["invoiceNumber"] for row in data["data"]]
        pages += 1
        if data["nextPage"] is None:
            break
        query = {"pageSize": 4, "cursor": data["nextPage"]}
    assert pages == 3
    assert seen == [f"INV0000000{n}" for n in range(1, 10)]


@pytest.mark.parametrize(
    "query",
    [
        {"filter[]": ["balance.XX:1"]},
        {"filter[]": ["nosuchfield.EQ:1"]},
        {"filter[]": ["balance.GT:abc"]},
        {"pageSize": 100},
        {"pageSize": 0},
        {"cursor": "not-a-cursor"},
    ],
)
async def test_object_query_refuses_bad_parameters(client: BillingClient, query: dict[str, QueryValue]) -> None:
    with pytest.raises(BillingError) as caught:
        await client.get("/object-query/invoices", query=query)
    assert caught.value.status == 400
