"""The sandbox's Zuora routes: method, path template, Zuora operationId, handler.

Each handler takes a :class:`Call` and returns the JSON body of a successful answer, or raises a
:class:`~zuora_mcp.providers.zuora.sandbox.dialect.Refusal`. Handlers are synchronous and never await, so each
write is applied atomically with respect to other requests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from zuora_mcp.providers.zuora.sandbox import crud_rules, file_rules, invoice_rules, memo_rules, settlement_rules
from zuora_mcp.providers.zuora.sandbox.dialect import Refusal
from zuora_mcp.providers.zuora.sandbox.models import Invoice
from zuora_mcp.providers.zuora.sandbox.query import page_of, query_invoices
from zuora_mcp.providers.zuora.sandbox.tenant import Tenant
from zuora_mcp.providers.zuora.sandbox.views import (
    account_view,
    credit_memo_view,
    debit_memo_view,
    invoice_item_view,
    invoice_view,
    taxation_item_view,
)

__all__ = ["ROUTES", "Call", "Route", "match"]


@dataclass
class Call:
    tenant: Tenant
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    base_url: str
    path: str
    wrote: bool = True  # a write handler sets False when, in the end, nothing changed


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    operation: str  # Zuora's operationId: the spec's request schemas this route is checked against
    handler: Callable[[Call], Any]  # a JSON-ready dict, or a file_rules.FileAnswer for a download
    resource: str = "unknown"
    has_body: bool = False
    multipart: bool = False  # the body is a multipart/form-data form (file uploads), not JSON
    regex: re.Pattern[str] = field(init=False, compare=False)
    names: tuple[str, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # Spec names such as "account-key" are not valid group names: number the groups instead.
        names = tuple(re.findall(r"\{([^{}]+)\}", self.template))
        pattern = re.escape(self.template)
        for name in names:
            pattern = pattern.replace(re.escape("{" + name + "}"), "([^/]+)", 1)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "regex", re.compile(f"^{pattern}$"))

    @property
    def is_write(self) -> bool:
        return self.method != "GET"

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"


def _body(call: Call) -> dict[str, Any]:
    return call.body if isinstance(call.body, dict) else {}


def _invoice(call: Call) -> Invoice:
    return call.tenant.invoice(call.params["invoiceKey"])


def get_invoice(call: Call) -> dict[str, Any]:
    invoice = _invoice(call)
    return invoice_view(invoice, call.tenant.accounts[invoice.account_id])


def list_items(call: Call) -> dict[str, Any]:
    invoice = _invoice(call)
    items, next_page = page_of(invoice.items.page, len(invoice.items), call.query, f"{call.base_url}{call.path}")
    return {"invoiceItems": [invoice_item_view(i) for i in items], "nextPage": next_page, "success": True}


def list_taxation_items(call: Call) -> dict[str, Any]:
    invoice = _invoice(call)
    item = invoice.items.find(call.params["itemId"])
    if item is None:
        raise Refusal.not_found("invoice_item", call.params["itemId"])
    taxes, next_page = page_of(item.taxation_items, len(item.taxation_items), call.query, f"{call.base_url}{call.path}")
    return {"data": [taxation_item_view(t) for t in taxes], "nextPage": next_page, "success": True}


def list_application_parts(call: Call) -> dict[str, Any]:
    invoice = _invoice(call)
    parts = [
        {
            "appliedAmount": float(a.applied_amount),
            "paymentId": a.payment_id,
            "creditMemoId": a.credit_memo_id,
            "createdDate": a.created_date,
            "updatedDate": a.created_date,
            "createdById": "2c9081a03c6d7b51013c6d7e46c80a17",
            "updatedById": "2c9081a03c6d7b51013c6d7e46c80a17",
        }
        for a in invoice.applications
    ]
    return {"applicationParts": parts, "nextPage": None, "success": True}


def list_files(call: Call) -> dict[str, Any]:
    invoice = _invoice(call)
    files = sorted(invoice.files, key=lambda f: f.version_number, reverse=True)  # newest first, as Zuora
    chunk, next_page = page_of(files, len(files), call.query, f"{call.base_url}{call.path}")
    return {
        "invoiceFiles": [
            {"id": f.id, "versionNumber": f.version_number, "pdfFileUrl": f"/v1/files/{f.id}"} for f in chunk
        ],
        "nextPage": next_page,
        "success": True,
    }


def get_account(call: Call) -> dict[str, Any]:
    account = call.tenant.account(call.params["account-key"])
    invoices = [i for i in call.tenant.invoices.values() if i.account_id == account.id]
    debit_memos = [m for m in call.tenant.debit_memos.values() if m.account_id == account.id]
    return account_view(account, invoices, debit_memos)


def get_credit_memo(call: Call) -> dict[str, Any]:
    memo = call.tenant.credit_memo(call.params["creditMemoKey"])
    return credit_memo_view(memo, call.tenant.accounts[memo.account_id])


def get_debit_memo(call: Call) -> dict[str, Any]:
    memo = call.tenant.debit_memo(call.params["debitMemoKey"])
    return debit_memo_view(memo, call.tenant.accounts[memo.account_id])


def create_invoices(call: Call) -> dict[str, Any]:
    result = invoice_rules.create_invoices(call.tenant, _body(call))
    call.wrote = any(entry.get("success") for entry in result["invoices"])
    return result


def _write_off_debit_memo(call: Call) -> dict[str, Any]:
    return memo_rules.write_off_debit_memo(call.tenant, call.params["debitMemoKey"], _body(call))


ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/accounts/{account-key}", "GET_Account", get_account),
    Route("GET", "/v1/invoices/{invoiceKey}", "Get_GetInvoice", get_invoice),
    Route("GET", "/v1/invoices/{invoiceKey}/items", "GET_InvoiceItems", list_items),
    Route(
        "GET",
        "/v1/invoices/{invoiceKey}/items/{itemId}/taxation-items",
        "GET_TaxationItemsOfInvoiceItem",
        list_taxation_items,
    ),
    Route("GET", "/v1/invoices/{invoiceKey}/application-parts", "GET_InvoiceApplicationParts", list_application_parts),
    Route("GET", "/v1/invoices/{invoiceKey}/files", "GET_InvoiceFiles", list_files),
    Route(
        "POST",
        "/v1/invoices/{invoiceKey}/files",
        "POST_UploadFileForInvoice",
        lambda c: file_rules.upload_invoice_file(c.tenant, c.params["invoiceKey"], _body(c)),
        "invoice",
        True,
        multipart=True,
    ),
    Route("GET", "/v1/files/{file-id}", "GET_Files", lambda c: file_rules.read_file(c.tenant, c.params["file-id"])),
    # The CRUD invoice operations of seed 000 (the product's spec supplement); their own dialect.
    Route(
        "GET",
        "/v1/object/invoice/{id}",
        "Object_GETInvoice",
        lambda c: crud_rules.get_invoice(c.tenant, c.params["id"], c.query.get("fields", [])),
    ),
    Route(
        "PUT",
        "/v1/object/invoice/{id}",
        "Object_PUTInvoice",
        lambda c: crud_rules.update_invoice(
            c.tenant, c.params["id"], c.body, "true" in [v.lower() for v in c.query.get("rejectUnknownFields", [])]
        ),
        "invoice",
        True,
    ),
    Route(
        "DELETE",
        "/v1/object/invoice/{id}",
        "Object_DELETEInvoice",
        lambda c: crud_rules.delete_invoice(c.tenant, c.params["id"]),
    ),
    Route("GET", "/v1/credit-memos/{creditMemoKey}", "GET_CreditMemo", get_credit_memo),
    Route("GET", "/v1/debit-memos/{debitMemoKey}", "GET_DebitMemo", get_debit_memo),
    Route("GET", "/object-query/invoices", "queryInvoices", lambda c: query_invoices(c.tenant, c.query)),
    Route(
        "POST",
        "/v1/invoices",
        "POST_StandaloneInvoice",
        lambda c: invoice_rules.create_invoice(c.tenant, _body(c)),
        "invoice",
        True,
    ),
    Route("POST", "/v1/invoices/batch", "POST_StandaloneInvoices", create_invoices, "invoice", True),
    Route(
        "PUT",
        "/v1/invoices",
        "PUT_BatchUpdateInvoices",
        lambda c: invoice_rules.update_invoices(c.tenant, _body(c)),
        "invoice",
        True,
    ),
    Route(
        "PUT",
        "/v1/invoices/{invoiceKey}",
        "PUT_UpdateInvoice",
        lambda c: invoice_rules.update_invoice(c.tenant, c.params["invoiceKey"], _body(c)),
        "invoice",
        True,
    ),
    Route(
        "DELETE",
        "/v1/invoices/{invoiceKey}",
        "DELETE_DeleteInvoice",
        lambda c: invoice_rules.delete_invoice(c.tenant, c.params["invoiceKey"]),
    ),
    Route(
        "POST",
        "/v1/invoices/{invoiceKey}/emails",
        "POST_EmailInvoice",
        lambda c: invoice_rules.email_invoice(c.tenant, c.params["invoiceKey"], _body(c)),
        "email",
        True,
    ),
    Route(
        "PUT",
        "/v1/invoices/{invoiceKey}/reverse",
        "PUT_ReverseInvoice",
        lambda c: settlement_rules.reverse_invoice(c.tenant, c.params["invoiceKey"], _body(c)),
        "invoice",
        True,
    ),
    Route(
        "PUT",
        "/v1/invoices/{invoiceKey}/write-off",
        "PUT_WriteOffInvoice",
        lambda c: settlement_rules.write_off_invoice(c.tenant, c.params["invoiceKey"], _body(c)),
        "invoice",
        True,
    ),
    Route(
        "POST",
        "/v1/credit-memos/invoice/{invoiceKey}",
        "POST_CreditMemoFromInvoice",
        lambda c: memo_rules.create_credit_memo_from_invoice(c.tenant, c.params["invoiceKey"], _body(c)),
        "credit_memo",
        True,
    ),
    Route(
        "POST",
        "/v1/debit-memos/invoice/{invoiceKey}",
        "POST_DebitMemoFromInvoice",
        lambda c: memo_rules.create_debit_memo_from_invoice(c.tenant, c.params["invoiceKey"], _body(c)),
        "debit_memo",
        True,
    ),
    Route(
        "PUT",
        "/v1/credit-memos/{creditMemoKey}/apply",
        "PUT_ApplyCreditMemo",
        lambda c: memo_rules.apply_credit_memo(c.tenant, c.params["creditMemoKey"], _body(c)),
        "credit_memo",
        True,
    ),
    Route(
        "PUT",
        "/v1/debit-memos/{debitMemoKey}/write-off",
        "PUT_WriteOffDebitMemo",
        _write_off_debit_memo,
        "debit_memo",
        True,
    ),
    # The path Zuora's SDKs call (zuora-sdk 3.21's write_off_debit_memo); the spec writes debit-memos.
    Route(
        "PUT",
        "/v1/debitmemos/{debitMemoKey}/write-off",
        "PUT_WriteOffDebitMemo",
        _write_off_debit_memo,
        "debit_memo",
        True,
    ),
)


def match(method: str, raw_path: str) -> tuple[Route | None, dict[str, str], bool]:
    """(route, decoded path params, path known for another method)."""
    path_known = False
    for route in ROUTES:
        found = route.regex.match(raw_path)
        if found is None:
            continue
        if route.method != method:
            path_known = True
            continue
        return route, {name: unquote(value) for name, value in zip(route.names, found.groups(), strict=True)}, True
    return None, {}, path_known
