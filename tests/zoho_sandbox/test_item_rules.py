"""Pending line items, custom fields by id and by label, addresses, attachments."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, ZohoSandboxOptions, invoice_id, running_sandbox
from zuora_mcp.providers.zoho.sandbox.demo_data import BASIC, COST_CENTRE, PO_NUMBER, demo_id

from .conftest import CLOCK_START, headers_for, snapshot, token_for

pytestmark = pytest.mark.anyio


async def refused(api: httpx2.AsyncClient, zoho: RunningZohoSandbox, method: str, path: str, **kwargs: Any) -> int:
    before = snapshot(zoho)
    answer = await api.request(method, path, **kwargs)
    assert answer.status_code >= 400, answer.json()
    assert snapshot(zoho) == before
    assert zoho.counters.writes_applied == 0
    return int(answer.json()["code"])


async def test_usage_lines_are_added_to_a_pending_invoice_by_code_or_product(api: httpx2.AsyncClient) -> None:
    items = [{"code": "UsageAddon", "quantity": 500, "description": "June usage"}, {"product_id": BASIC, "price": 5}]
    answer = await api.post(f"/invoices/{invoice_id(7)}/lineitems", json={"invoice_items": items})
    invoice = answer.json()["invoice"]
    assert answer.json()["message"] == "Invoice information has been updated."
    assert [line["item_total"] for line in invoice["invoice_items"]] == [50.0, 10.0, 5.0, 5.0]
    assert invoice["total"] == 70.0


async def test_a_line_is_deleted_from_a_pending_invoice(api: httpx2.AsyncClient) -> None:
    answer = await api.delete(f"/invoices/{invoice_id(7)}/lineitems/{demo_id(208)}")
    assert answer.json() == {"code": 0, "message": "Invoice information has been updated."}
    assert (await api.get(f"/invoices/{invoice_id(7)}")).json()["invoice"]["total"] == 50.0


@pytest.mark.parametrize("number", [1, 2, 5, 6])
async def test_lines_of_a_non_pending_invoice_cannot_be_modified(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, number: int
) -> None:
    path = f"/invoices/{invoice_id(number)}/lineitems"
    body = {"invoice_items": [{"code": "UsageAddon", "quantity": 1}]}
    assert await refused(api, zoho, "POST", path, json=body) == 102028
    assert await refused(api, zoho, "DELETE", f"{path}/{demo_id(200 + number)}") == 102028
    answer = await api.post(path, json=body)
    assert answer.json()["message"] == "Items of this invoice cannot be modified."


async def test_deleting_an_unknown_or_the_last_line_is_refused(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox
) -> None:
    path = f"/invoices/{invoice_id(7)}/lineitems"
    assert await refused(api, zoho, "DELETE", f"{path}/1") == 4
    await api.delete(f"{path}/{demo_id(208)}")
    before = snapshot(zoho)
    assert (await api.delete(f"{path}/{demo_id(207)}")).json()["code"] == 4
    assert snapshot(zoho) == before


async def test_custom_fields_update_by_id_on_the_singular_path(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox
) -> None:
    answer = await api.put(
        f"/invoice/{invoice_id(2)}/customfields", json=[{"customfield_id": PO_NUMBER, "value": "PO-1"}]
    )
    assert answer.json() == {"code": 0, "message": "Custom Fields Updated Successfully"}
    fields = (await api.get(f"/invoices/{invoice_id(2)}")).json()["invoice"]["custom_fields"]
    assert [(f["label"], f["value"]) for f in fields] == [("PO Number", "PO-1")]


async def test_custom_fields_update_by_label_and_answer_the_definitions(api: httpx2.AsyncClient) -> None:
    body = {"custom_fields": [{"label": "Cost Centre", "value": "CC-7"}]}
    answer = await api.post(f"/invoices/{invoice_id(1)}/customfields", json=body)
    fields = answer.json()["custom_fields"]
    assert [(f["customfield_id"], f["label"], f["value"]) for f in fields] == [
        (PO_NUMBER, "PO Number", "PO-7781"),
        (COST_CENTRE, "Cost Centre", "CC-7"),
    ]


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("PUT", "/invoice/{id}/customfields", [{"customfield_id": "1", "value": "x"}], 990006),
        ("POST", "/invoices/{id}/customfields", {"custom_fields": [{"label": "Nope", "value": "x"}]}, 990006),
        ("PUT", "/invoice/{id}/customfields", {"customfield_id": PO_NUMBER}, 4),
        ("POST", "/invoices/{id}/customfields", {"custom_fields": []}, 4),
    ],
)
async def test_custom_field_refusals(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, method: str, path: str, body: Any, code: int
) -> None:
    assert await refused(api, zoho, method, path.format(id=invoice_id(1)), json=body) == code


async def test_the_address_changes_on_this_invoice_only(api: httpx2.AsyncClient) -> None:
    billing = {"street": "1 Harbour St", "city": "Salt Lake City", "state": "UT", "zip": 84101, "country": "U.S.A"}
    answer = await api.put(f"/invoices/{invoice_id(1)}/address", json={"billing_address": billing})
    assert answer.json()["message"] == "Invoice address updated"
    assert answer.json()["invoice_address"]["billing_address"] == billing
    assert (await api.get(f"/invoices/{invoice_id(2)}")).json()["invoice"]["billing_address"] == {}


@pytest.mark.parametrize("body", [{}, {"billing_address": {"planet": "Mars"}}, {"shipping_address": "here"}])
async def test_address_refusals(api: httpx2.AsyncClient, zoho: RunningZohoSandbox, body: dict[str, Any]) -> None:
    assert await refused(api, zoho, "PUT", f"/invoices/{invoice_id(1)}/address", json=body) == 4


async def test_an_attachment_is_stored_with_its_mail_flag(api: httpx2.AsyncClient, zoho: RunningZohoSandbox) -> None:
    files = {"attachment": ("contract.pdf", b"%PDF-1.4 contract", "application/pdf")}
    answer = await api.post(f"/invoices/{invoice_id(1)}/attachment", files=files, data={"can_send_in_mail": "true"})
    assert answer.json()["code"] == 0
    [document] = zoho.tenant.invoices[invoice_id(1)].documents
    assert (document.file_name, document.file_type, document.content, document.can_send_in_mail) == (
        "contract.pdf",
        "pdf",
        b"%PDF-1.4 contract",
        True,
    )
    invoice = (await api.get(f"/invoices/{invoice_id(1)}")).json()["invoice"]
    assert (invoice["has_attachment"], invoice["documents"][0]["file_size"]) == (True, 17)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"files": {"attachment": ("run.exe", b"MZ", "application/octet-stream")}}, 990005),
        ({"files": {"other": ("a.pdf", b"%PDF", "application/pdf")}}, 4),
        ({"json": {"attachment": "string"}}, 4),
    ],
)
async def test_attachment_refusals(
    api: httpx2.AsyncClient, zoho: RunningZohoSandbox, kwargs: dict[str, Any], code: int
) -> None:
    assert await refused(api, zoho, "POST", f"/invoices/{invoice_id(1)}/attachment", **kwargs) == code


async def test_attachments_over_the_size_limit_are_refused() -> None:
    options = ZohoSandboxOptions(clock_start=CLOCK_START, attachment_max_bytes=1000)
    async with running_sandbox(options) as zoho, httpx2.AsyncClient(base_url=zoho.base_url) as api:
        api.headers.update(headers_for(zoho, await token_for(zoho, api)))
        path = f"/invoices/{invoice_id(1)}/attachment"
        fits = await api.post(path, files={"attachment": ("a.png", b"x" * 1000, "image/png")})
        assert fits.json()["code"] == 0
        over = await api.post(path, files={"attachment": ("b.png", b"x" * 1001, "image/png")})
        assert (over.status_code, over.json()["code"]) == (400, 990005)
        huge = await api.post(path, files={"attachment": ("c.png", b"x" * 400_000, "image/png")})
        assert (huge.status_code, huge.json()["code"]) == (413, 4)
        assert len(zoho.tenant.invoices[invoice_id(1)].documents) == 1
