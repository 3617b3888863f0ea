"""The two Zoho reads through the MCP client: default projections, Zoho's page_context as nextPage,
and Zoho's refusal as an error result."""

from __future__ import annotations

import anyio
import pytest

from tests.zoho.cases import inv
from tests.zoho.conftest import connected
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox
from zuora_mcp.providers.zoho.sandbox.demo_data import BOWMAN

pytestmark = pytest.mark.anyio


async def test_list_invoices_pages_with_next_page_until_the_last(zoho: RunningZohoSandbox) -> None:
    with anyio.fail_after(10):
        async with connected(zoho) as h:
            first = await h.call("list_invoices", {"per_page": 4})
            last = await h.call("list_invoices", {"per_page": 4, "page": 3})
    assert first.structured_content["nextPage"] == 2
    assert len(first.structured_content["invoices"]) == 4
    assert "call again with page=2" in first.content[0].text
    assert last.structured_content.get("nextPage") is None
    assert len(last.structured_content["invoices"]) == 2


async def test_list_invoices_filters_by_customer_and_status_group(zoho: RunningZohoSandbox) -> None:
    with anyio.fail_after(10):
        async with connected(zoho) as h:
            result = await h.call("list_invoices", {"customer_id": BOWMAN, "filter_by": "Status.Unpaid"})
    numbers = sorted(i["number"] for i in result.structured_content["invoices"])
    assert numbers == ["INV-000001", "INV-000002", "INV-000003", "INV-000010"]
    assert set(result.structured_content["invoices"][0]) <= {
        "invoice_id", "number", "status", "customer_id", "customer_name", "invoice_date", "due_date",
        "currency_code", "total", "balance",
    }  # fmt: skip


async def test_get_invoice_shows_lines_payments_and_quotes_typed_text_in_its_summary(zoho: RunningZohoSandbox) -> None:
    with anyio.fail_after(10):
        async with connected(zoho) as h:
            result = await h.call("get_invoice", {"invoice_id": inv(3)})
            extra = await h.call("get_invoice", {"invoice_id": inv(3), "fields": ["invoice.notes"], "full": False})
    invoice = result.structured_content["invoice"]
    assert invoice["payments"][0]["amount"] == 80
    assert invoice["invoice_items"][0]["name"] == "Setup fee"
    assert result.content[0].text.startswith(
        'Invoice INV-000003 (partially_paid) for "Bowman Furniture": balance 120.0'
    )
    assert "notes" in extra.structured_content["invoice"]


async def test_an_unknown_invoice_is_zohos_refusal_as_an_error_result(zoho: RunningZohoSandbox) -> None:
    with anyio.fail_after(10):
        async with connected(zoho) as h:
            result = await h.call("get_invoice", {"invoice_id": "999"})
    assert result.is_error
    assert result.structured_content["error"]["reasons"][0]["code"] == "1002"
