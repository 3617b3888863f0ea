"""Invoice writes against the sandbox through the real client: Zuora's rules and their effects."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.errors import BillingError
from zuora_mcp.plan import Method, RequestPlan
from zuora_mcp.providers.zuora.sandbox import RunningSandbox

pytestmark = pytest.mark.anyio


async def call(client: BillingClient, method: Method, path: str, key: str | None = None, body: Any = None) -> Any:
    params = {"invoiceKey": key} if key is not None else {}
    response = await client.send(RequestPlan(method=method, path=path, path_params=params, body=body))
    return response.data


async def refused(client: BillingClient, method: Method, path: str, key: str | None = None, body: Any = None) -> str:
    """The category (last two digits) of the code Zuora refused with; asserts HTTP 200 + success false."""
    with pytest.raises(BillingError) as caught:
        await call(client, method, path, key, body)
    assert caught.value.status == 200
    code = caught.value.reasons[0].code
    assert len(code) == 8
    assert code.isdigit()
    return code[-2:]


REVERSE = "/v1/invoices/{invoiceKey}/reverse"
WRITE_OFF = "/v1/invoices/{invoiceKey}/write-off"
INVOICE = "/v1/invoices/{invoiceKey}"


async def test_reverse_creates_an_applied_credit_memo_and_zeroes_the_balance(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    answer = await call(client, "PUT", REVERSE, "INV00000001", {"comment": "duplicate"})
    assert answer["success"] is True
    memo = sandbox.tenant.credit_memos[answer["creditMemo"]["id"]]
    assert memo.number == "CM00000003"
    assert len(memo.id) == 32
    assert int(memo.id, 16) >= 0
    assert (memo.status, memo.amount, memo.unapplied_amount) == ("Posted", Decimal("165.00"), Decimal(0))
    invoice = (await client.get(INVOICE, {"invoiceKey": "INV00000001"})).data
    assert (invoice["status"], invoice["balance"], invoice["creditMemoAmount"]) == ("Posted", 0.0, 165.0)
    parts = (await client.get(INVOICE + "/application-parts", {"invoiceKey": "INV00000001"})).data
    assert parts["applicationParts"][0]["creditMemoId"] == memo.id


async def test_reverse_refuses_invoice_with_payment(client: BillingClient, sandbox: RunningSandbox) -> None:
    assert await refused(client, "PUT", REVERSE, "INV00000002", {}) == "30"
    assert sandbox.tenant.invoice("INV00000002").balance == Decimal("60.00")
    assert sandbox.counters.writes_applied == 0


@pytest.mark.parametrize(
    ("invoice", "why"),
    [
        ("INV00000003", "is Draft"),
        ("INV00000007", "split"),
        ("INV00000008", "negative"),
        ("INV00000005", "more than 2,000"),
    ],
)
async def test_reverse_refuses_what_zuora_refuses(client: BillingClient, invoice: str, why: str) -> None:
    with pytest.raises(BillingError) as caught:
        await call(client, "PUT", REVERSE, invoice, {})
    assert why in caught.value.reasons[0].message
    assert caught.value.reasons[0].code.endswith("30")


async def test_reverse_twice_is_refused_the_second_time(client: BillingClient) -> None:
    await call(client, "PUT", REVERSE, "INV00000001", {})
    assert await refused(client, "PUT", REVERSE, "INV00000001", {}) == "30"


async def test_write_off_credits_the_open_balance(client: BillingClient, sandbox: RunningSandbox) -> None:
    answer = await call(client, "PUT", WRITE_OFF, "INV00000002", {"comment": "uncollectable"})
    memo = sandbox.tenant.credit_memos[answer["creditMemo"]["id"]]
    assert (memo.amount, memo.reason_code, memo.applied_amount) == (Decimal("60.00"), "Write-off", Decimal("60.00"))
    assert sandbox.tenant.invoice("INV00000002").balance == 0


async def test_write_off_refuses_invoice_without_balance(client: BillingClient) -> None:
    assert await refused(client, "PUT", WRITE_OFF, "INV00000004", {}) == "30"


async def test_write_off_with_items_must_name_every_item(client: BillingClient, sandbox: RunningSandbox) -> None:
    first = next(iter(sandbox.tenant.invoice("INV00000001").items)).id
    assert await refused(client, "PUT", WRITE_OFF, "INV00000001", {"items": [{"invoiceItemId": first}]}) == "30"
    every = [{"invoiceItemId": item.id} for item in sandbox.tenant.invoice("INV00000001").items]
    assert (await call(client, "PUT", WRITE_OFF, "INV00000001", {"items": every}))["success"] is True


async def test_write_off_refuses_more_than_2000_items(client: BillingClient) -> None:
    assert await refused(client, "PUT", WRITE_OFF, "INV00000005", {}) == "30"


async def test_update_draft_invoice_changes_items_and_total(client: BillingClient, sandbox: RunningSandbox) -> None:
    item = next(iter(sandbox.tenant.invoice("INV00000003").items)).id
    body = {
        "comments": "re-priced",
        "invoiceItems": [
            {"id": item, "amount": 250},
            {"amount": 10, "serviceStartDate": "2025-03-01", "chargeName": "Travel"},
        ],
    }
    answer = await call(client, "PUT", INVOICE, "INV00000003", body)
    assert (answer["number"], answer["amount"], answer["balance"]) == ("INV00000003", 280.0, 280.0)


async def test_update_refuses_items_on_a_posted_invoice(client: BillingClient) -> None:
    body = {"invoiceItems": [{"amount": 1, "serviceStartDate": "2025-01-01", "chargeName": "x"}]}
    assert await refused(client, "PUT", INVOICE, "INV00000001", body) == "30"


async def test_update_refuses_invoice_date_and_due_date_together(client: BillingClient) -> None:
    body = {"invoiceDate": "2025-03-02", "dueDate": "2025-04-02"}
    assert await refused(client, "PUT", INVOICE, "INV00000003", body) == "20"


async def test_update_of_a_posted_invoice_due_date_is_allowed(client: BillingClient, sandbox: RunningSandbox) -> None:
    await call(client, "PUT", INVOICE, "INV00000001", {"dueDate": "2025-03-01"})
    assert sandbox.tenant.invoice("INV00000001").due_date == "2025-03-01"


async def test_batch_update_refuses_more_than_50_invoices(client: BillingClient, sandbox: RunningSandbox) -> None:
    body = {"invoices": [{"id": sandbox.tenant.invoice("INV00000003").id, "comments": "x"}] * 51}
    # The derived schema says maxItems 50 (category 20); the rule says the same (70). Either way: refused.
    assert await refused(client, "PUT", "/v1/invoices", body=body) in {"20", "70"}
    assert sandbox.tenant.invoice("INV00000003").comments == ""


async def test_batch_update_refuses_more_than_1000_items_per_invoice(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    items = [{"amount": 1, "serviceStartDate": "2025-03-01", "chargeName": "x"}] * 1001
    body = {"invoices": [{"id": sandbox.tenant.invoice("INV00000003").id, "invoiceItems": items}]}
    assert await refused(client, "PUT", "/v1/invoices", body=body) in {"20", "70"}
    assert len(sandbox.tenant.invoice("INV00000003").items) == 1


async def test_batch_update_applies_all_or_nothing(client: BillingClient, sandbox: RunningSandbox) -> None:
    draft, posted = sandbox.tenant.invoice("INV00000003"), sandbox.tenant.invoice("INV00000001")
    bad = {"invoices": [{"id": draft.id, "comments": "a"}, {"id": posted.id, "invoiceDate": "2025-01-02"}]}
    await refused(client, "PUT", "/v1/invoices", body=bad)
    assert draft.comments == ""
    good = {"invoices": [{"id": draft.id, "comments": "a"}, {"id": posted.id, "comments": "b"}]}
    assert (await call(client, "PUT", "/v1/invoices", body=good)) == {"success": True}
    assert (draft.comments, posted.comments) == ("a", "b")


async def test_create_invoice_numbers_it_and_uses_the_account_currency(client: BillingClient) -> None:
    body = {
        "accountNumber": "A00000003",
        "invoiceDate": "2025-06-01",
        "status": "Posted",
        "invoiceItems": [
            {
                "amount": 100,
                "serviceStartDate": "2025-06-01",
                "chargeName": "Support",
                "taxItems": [
                    {
                        "name": "VAT",
                        "taxAmount": "19",
                        "taxDate": "2025-06-01",
                        "taxMode": "TaxExclusive",
                        "taxRate": "19",
                        "taxRateType": "Percentage",
                    }
                ],
            }
        ],
    }
    answer = await call(client, "POST", "/v1/invoices", body=body)
    assert (answer["invoiceNumber"], answer["currency"], answer["amount"]) == ("INV00000010", "EUR", 119.0)
    assert (answer["status"], answer["dueDate"]) == ("Posted", "2025-06-15")


async def test_create_invoice_refuses_unknown_account(client: BillingClient) -> None:
    assert (
        await refused(client, "POST", "/v1/invoices", body={"accountNumber": "A404", "invoiceDate": "2025-06-01"})
        == "20"
    )


async def test_batch_create_refuses_more_than_50_invoices(client: BillingClient, sandbox: RunningSandbox) -> None:
    body = {"invoices": [{"accountNumber": "A00000001", "invoiceDate": "2025-06-01"}] * 51}
    assert await refused(client, "POST", "/v1/invoices/batch", body=body) in {"20", "70"}
    assert len(sandbox.tenant.invoices) == 9


async def test_batch_create_reports_each_invoice(client: BillingClient) -> None:
    body = {
        "invoices": [
            {"accountNumber": "A00000001", "invoiceDate": "2025-06-01"},
            {"accountNumber": "A404", "invoiceDate": "2025-06-01"},
        ]
    }
    answer = await call(client, "POST", "/v1/invoices/batch", body=body)
    assert [entry["success"] for entry in answer["invoices"]] == [True, False]
    assert answer["invoices"][0]["status"] == "Draft"


async def test_delete_removes_a_draft_invoice(client: BillingClient, sandbox: RunningSandbox) -> None:
    answer = await call(client, "DELETE", INVOICE, "INV00000003")
    assert (answer["success"], answer["jobStatus"]) == (True, "Completed")
    with pytest.raises(BillingError) as caught:
        await client.get(INVOICE, {"invoiceKey": "INV00000003"})
    assert caught.value.status == 404


async def test_delete_removes_a_canceled_invoice(client: BillingClient) -> None:
    assert (await call(client, "DELETE", INVOICE, "INV00000009"))["success"] is True


async def test_delete_refuses_a_posted_invoice(client: BillingClient, sandbox: RunningSandbox) -> None:
    assert await refused(client, "DELETE", INVOICE, "INV00000001") == "30"
    assert "INV00000001" in {i.invoice_number for i in sandbox.tenant.invoices.values()}


async def test_email_sends_a_posted_invoice_to_the_bill_to_contact(
    client: BillingClient, sandbox: RunningSandbox
) -> None:
    answer = await call(client, "POST", INVOICE + "/emails", "INV00000001", {"includeAdditionalEmailAddresses": True})
    assert answer["success"] is True
    assert sandbox.tenant.emails[-1]["to"] == ["ap@acme.example", "finance@acme.example"]
    assert sandbox.tenant.invoice("INV00000001").last_email_sent_date == "2025-06-01 12:00:00"


async def test_email_refuses_a_draft_invoice(client: BillingClient, sandbox: RunningSandbox) -> None:
    assert await refused(client, "POST", INVOICE + "/emails", "INV00000003", {"emailAddresses": "a@b.example"}) == "30"
    assert sandbox.tenant.emails == []


async def test_email_needs_an_address_when_the_contact_has_none(client: BillingClient) -> None:
    assert await refused(client, "POST", INVOICE + "/emails", "INV00000004", {}) == "30"
    answer = await call(client, "POST", INVOICE + "/emails", "INV00000004", {"emailAddresses": "hank@globex.example"})
    assert answer["success"] is True
