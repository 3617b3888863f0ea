"""The drifts issue 14 measured, each pinned: the tenant now answers as Zuora does."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import InvalidOperation
from typing import Any

import httpx2
import pytest

from tests.tenant_conformance.state import tenant_state
from zuora_mcp.providers.zuora.sandbox import DEFAULT_CLIENT_ID, RunningSandbox, settlement_rules


@pytest.fixture
def http(tenant: RunningSandbox) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=tenant.base_url, timeout=10.0) as client:
        token = client.post(
            "/oauth/token",
            data={
                "client_id": tenant.client_id,
                "client_secret": tenant.client_secret,
                "grant_type": "client_credentials",
            },
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def _invoice(amount: Any, **extra: Any) -> dict[str, Any]:
    item = {"amount": amount, "serviceStartDate": "2025-06-01", "chargeName": "Support"}
    return {"accountNumber": "A00000001", "invoiceDate": "2025-06-01", "invoiceItems": [item], **extra}


def test_the_default_client_id_has_the_36_characters_the_sdk_insists_on() -> None:
    assert len(DEFAULT_CLIENT_ID) == 36


@pytest.mark.parametrize("amount", [1e26, "1e26", -1e26, "100000000000000000000000000.00"])
def test_an_absurd_amount_is_refused_and_nothing_is_stored(
    http: httpx2.Client, tenant: RunningSandbox, amount: Any
) -> None:
    before = len(tenant.tenant.invoices)
    answer = http.post("/v1/invoices", json=_invoice(amount, status="Posted"))
    body = answer.json()
    assert (answer.status_code, body["success"]) == (200, False)
    assert str(body["reasons"][0]["code"]).endswith("20")
    assert "invoiceItems[0].amount" in body["reasons"][0]["message"]
    assert len(tenant.tenant.invoices) == before
    listing = http.get("/object-query/invoices", params={"pageSize": 99})
    assert listing.status_code == 200
    assert len(listing.json()["data"]) == before


def test_applying_an_absurd_amount_is_refused(http: httpx2.Client, tenant: RunningSandbox) -> None:
    invoice = tenant.tenant.invoice("INV00000001")
    answer = http.put(
        "/v1/credit-memos/CM00000001/apply", json={"invoices": [{"invoiceId": invoice.id, "amount": 1e26}]}
    )
    assert answer.status_code == 200
    assert answer.json()["success"] is False
    assert invoice.balance == 165


def test_amounts_as_text_and_fields_our_tools_do_not_expose_are_accepted(
    http: httpx2.Client, tenant: RunningSandbox
) -> None:
    body = _invoice("100.00", billToContact={"firstName": "Ada", "lastName": "Lovelace", "country": "United Kingdom"})
    answer = http.post("/v1/invoices", json=body).json()
    assert answer["success"] is True
    assert answer["amount"] == 100.0


def test_a_refusal_names_the_problem_without_echoing_the_request(http: httpx2.Client, tenant: RunningSandbox) -> None:
    body = {"invoices": [_invoice(1, comments="x" * 200)] * 51}
    answer = http.post("/v1/invoices/batch", json=body).json()
    message = answer["reasons"][0]["message"]
    assert answer["success"] is False
    assert len(message) < 200
    assert "xxxxxxxx" not in message
    assert "is not valid under" not in message  # no jsonschema wording
    assert len(tenant.tenant.invoices) == 9


def test_a_missing_required_field_is_named_in_zuoras_words(http: httpx2.Client) -> None:
    answer = http.post("/v1/invoices", json={"accountNumber": "A00000001"}).json()
    assert answer["reasons"][0]["message"] == "invoiceDate may not be null"
    assert str(answer["reasons"][0]["code"]).endswith("22")


def test_memo_from_invoice_needs_no_invoice_id_in_the_body(http: httpx2.Client, tenant: RunningSandbox) -> None:
    item = next(iter(tenant.tenant.invoice("INV00000001").items))
    body = {"items": [{"invoiceItemId": item.id, "amount": "10.00", "skuName": "SKU-1"}]}
    assert http.post("/v1/credit-memos/invoice/INV00000001", json=body).json()["success"] is True


def test_the_sdks_debitmemos_path_answers_like_the_specs(http: httpx2.Client, tenant: RunningSandbox) -> None:
    answer = http.put("/v1/debitmemos/DM00000001/write-off", json={}).json()
    assert answer["success"] is True
    assert tenant.tenant.debit_memo("DM00000001").balance == 0


def test_object_query_dates_are_rfc3339_and_there_is_no_discount(http: httpx2.Client) -> None:
    row = http.get("/object-query/invoices", params={"filter[]": "invoiceNumber.EQ:INV00000001"}).json()["data"][0]
    assert row["createdDate"].endswith("+00:00")
    assert "T" in row["createdDate"]
    assert "discount" not in row


def test_a_401_is_readable_where_the_sdk_reads_it(tenant: RunningSandbox) -> None:
    answer = httpx2.get(f"{tenant.base_url}/v1/invoices/INV00000001", headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401
    assert answer.json()["message"] == "Authentication error"


def test_a_write_that_fails_after_changing_the_tenant_is_undone(
    http: httpx2.Client, tenant: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = settlement_rules.apply_memo_to_invoice

    def applies_then_breaks(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)  # the credit memo is stored and applied: the tenant has changed
        raise RuntimeError("a defect in the tenant after the change")

    monkeypatch.setattr(settlement_rules, "apply_memo_to_invoice", applies_then_breaks)
    before = tenant_state(tenant)
    answer = http.put("/v1/invoices/INV00000001/reverse", json={})
    assert answer.status_code == 500
    assert answer.json() == {"reasons": [{"code": "SystemError", "message": "internal server error"}]}
    assert tenant_state(tenant) == before
    monkeypatch.undo()
    assert http.get("/object-query/invoices").status_code == 200
    assert http.put("/v1/invoices/INV00000001/reverse", json={}).json()["success"] is True


def test_a_number_the_tenant_cannot_read_is_a_refusal_not_a_500(
    http: httpx2.Client, tenant: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = settlement_rules.apply_memo_to_invoice

    def unreadable(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        raise InvalidOperation("a number Decimal cannot read")

    monkeypatch.setattr(settlement_rules, "apply_memo_to_invoice", unreadable)
    before = tenant_state(tenant)
    answer = http.put("/v1/invoices/INV00000001/reverse", json={})
    assert answer.status_code == 200
    assert answer.json()["success"] is False
    assert str(answer.json()["reasons"][0]["code"]).endswith("20")
    assert tenant_state(tenant) == before


@pytest.mark.parametrize(("field", "value"), [("taxAmount", "abc"), ("chargeDate", "yesterday")])
def test_text_fields_holding_amounts_and_timestamps_are_checked(http: httpx2.Client, field: str, value: str) -> None:
    tax = {"name": "VAT", "taxAmount": "19", "taxDate": "2025-06-01", "taxRate": "19", "taxRateType": "Percentage"}
    tax["taxMode"] = "TaxExclusive"
    body = _invoice(1)
    body["invoiceItems"][0]["taxItems"] = [tax]
    target = tax if field == "taxAmount" else body["invoiceItems"][0]
    target[field] = value
    answer = http.post("/v1/invoices", json=body).json()
    assert answer["success"] is False
    assert field in answer["reasons"][0]["message"]
    body["invoiceItems"][0]["chargeDate"] = "2025-06-01 10:00:00"  # Zuora's own timestamp form passes
    tax["taxAmount"] = "19.00"
    assert http.post("/v1/invoices", json=body).json()["success"] is True
