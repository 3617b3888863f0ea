"""The CRUD invoice operations of seed 000, in Zuora's CRUD dialect (PascalCase, Success/Errors), and
through the explorer under the same guard."""

from __future__ import annotations

import httpx2
import pytest

from tests.explorer.conftest import connected, sent
from zuora_mcp.providers.zuora.sandbox import RunningSandbox
from zuora_mcp.providers.zuora.sandbox.demo_data import demo_id

pytestmark = pytest.mark.anyio

DRAFT = demo_id("INV00000003")
POSTED = demo_id("INV00000001")


async def test_get_answers_pascal_case_fields_and_narrows_to_the_fields_asked(
    raw: httpx2.AsyncClient, sandbox: RunningSandbox
) -> None:
    whole = (await raw.get(f"/v1/object/invoice/{POSTED}")).json()
    narrow = (await raw.get(f"/v1/object/invoice/{POSTED}", params={"fields": "Status,Balance"})).json()
    missing = await raw.get("/v1/object/invoice/8a00000000000000000000000000dead")
    assert whole["InvoiceNumber"] == "INV00000001"
    assert whole["Status"] == "Posted"
    assert set(narrow) == {"Id", "Status", "Balance"}
    assert missing.status_code == 404
    assert missing.json() == {
        "Success": False,
        "Errors": [{"Code": "INVALID_ID", "Message": missing.json()["Errors"][0]["Message"]}],
    }


async def test_put_updates_with_success_and_id_and_refuses_unknown_fields_only_when_asked(
    raw: httpx2.AsyncClient, sandbox: RunningSandbox
) -> None:
    ignored = await raw.put(f"/v1/object/invoice/{DRAFT}", json={"Comments": "via CRUD", "NoSuchField__x": 1})
    strict = await raw.put(
        f"/v1/object/invoice/{DRAFT}", params={"rejectUnknownFields": "true"}, json={"NoSuchField__x": 1}
    )
    assert ignored.json() == {"Success": True, "Id": DRAFT}
    assert sandbox.tenant.invoice(DRAFT).comments == "via CRUD"
    assert (strict.status_code, strict.json()) == (400, {"message": "Error - unrecognised fields"})


async def test_delete_follows_the_invoice_rules_in_the_crud_words(
    raw: httpx2.AsyncClient, sandbox: RunningSandbox
) -> None:
    refused = (await raw.delete(f"/v1/object/invoice/{POSTED}")).json()
    deleted = (await raw.delete(f"/v1/object/invoice/{DRAFT}")).json()
    assert refused["Success"] is False
    assert refused["Errors"][0]["Code"] == "CANNOT_DELETE"
    assert deleted == {"id": DRAFT, "success": True}
    assert DRAFT not in sandbox.tenant.invoices


async def test_the_explorer_reaches_them_under_the_same_guard(sandbox: RunningSandbox) -> None:
    async with connected(sandbox) as h:
        read = await h.call("call_operation", {"operation_id": "Object_GETInvoice", "arguments": {"id": POSTED}})
        preview = await h.call("call_operation", {"operation_id": "Object_DELETEInvoice", "arguments": {"id": DRAFT}})
    assert read.structured_content["InvoiceNumber"] == "INV00000001" or "INV00000001" in str(read.content)
    assert preview.structured_content["status"] == "confirmation_required"
    assert "delete_invoice" in str(preview.structured_content) or "DELETE" in str(preview.structured_content)
    assert sent(sandbox, "DELETE") == 0
