"""The tenant's operations as Zuora's official Python SDK (``zuora-sdk``) calls them.

Each :class:`Case` is one operation the tenant implements: a call the tenant should accept and one
it should refuse (a business rule or a request the spec does not allow). The SDK serialises its
typed request models itself (``Decimal`` amounts travel as strings) and reads every answer into its
typed response models; an exception from the SDK other than :class:`ApiException` for the refusal
means the SDK cannot read the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import zuora_sdk
from zuora_sdk import (
    AccountsApi,
    ApiClient,
    Configuration,
    CreditMemosApi,
    DebitMemosApi,
    FilesApi,
    InvoicesApi,
    OAuthApi,
    ObjectQueriesApi,
)
from zuora_sdk import models as m


class Sdk:
    """One SDK client with a bearer token from the tenant's ``/oauth/token``."""

    def __init__(self, base_url: str, client_id: str, client_secret: str) -> None:
        configuration = Configuration(host=base_url)
        self.api = ApiClient(configuration)
        token = OAuthApi(self.api).create_token(
            client_id=client_id, client_secret=client_secret, grant_type="client_credentials"
        )
        self.api.default_headers["Authorization"] = f"Bearer {token.access_token}"
        self.invoices = InvoicesApi(self.api)
        self.credit_memos = CreditMemosApi(self.api)
        self.debit_memos = DebitMemosApi(self.api)
        self.accounts = AccountsApi(self.api)
        self.queries = ObjectQueriesApi(self.api)
        self.files = FilesApi(self.api)

    def first_file(self, invoice: str) -> str:
        files = self.invoices.get_invoice_files(invoice).invoice_files or []
        return str(files[0].id)

    def first_taxed_item(self, invoice: str) -> str:
        items = self.invoices.get_invoice_items(invoice).invoice_items or []
        return next(i.id for i in items if i.taxation_items and i.taxation_items.data)

    def item_ids(self, invoice: str) -> list[str]:
        return [i.id for i in self.invoices.get_invoice_items(invoice).invoice_items or []]


Call = Callable[[Sdk], Any]


@dataclass(frozen=True)
class Case:
    operation_id: str
    accepted: Call  # returns the SDK's ApiResponse (…_with_http_info)
    refused: Call


def _invoice(account: str = "A00000001", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "accountNumber": account,
        "invoiceDate": "2025-06-01",
        "invoiceItems": [
            {"amount": Decimal("100.00"), "serviceStartDate": "2025-06-01", "chargeName": "Support", "quantity": 1}
        ],
    }
    body.update(extra)
    return body


def _credit_items(sdk: Sdk, amount: str) -> dict[str, Any]:
    item = sdk.item_ids("INV00000001")[0]
    return {"items": [{"invoiceItemId": item, "amount": Decimal(amount), "skuName": "SKU-1"}], "autoPost": True}


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

CASES: tuple[Case, ...] = (
    Case(
        "GET_Account",
        lambda s: s.accounts.get_account_with_http_info("A00000001"),
        lambda s: s.accounts.get_account_with_http_info("A404"),
    ),
    Case(
        "Get_GetInvoice",
        lambda s: s.invoices.get_invoice_with_http_info("INV00000001"),
        lambda s: s.invoices.get_invoice_with_http_info("INV404"),
    ),
    Case(
        "GET_InvoiceItems",
        lambda s: s.invoices.get_invoice_items_with_http_info("INV00000001", page_size=40, page=1),
        lambda s: s.invoices.get_invoice_items_with_http_info("INV404"),
    ),
    Case(
        "GET_TaxationItemsOfInvoiceItem",
        lambda s: s.invoices.get_taxation_items_of_invoice_item_with_http_info(
            "INV00000001", s.first_taxed_item("INV00000001")
        ),
        lambda s: s.invoices.get_taxation_items_of_invoice_item_with_http_info("INV00000001", "no-such-item"),
    ),
    Case(
        "GET_InvoiceApplicationParts",
        lambda s: s.invoices.get_invoice_application_parts_with_http_info("INV00000002"),
        lambda s: s.invoices.get_invoice_application_parts_with_http_info("INV404"),
    ),
    Case(
        "GET_InvoiceFiles",
        lambda s: s.invoices.get_invoice_files_with_http_info("INV00000001"),
        lambda s: s.invoices.get_invoice_files_with_http_info("INV404"),
    ),
    Case(
        "GET_CreditMemo",
        lambda s: s.credit_memos.get_credit_memo_with_http_info("CM00000001"),
        lambda s: s.credit_memos.get_credit_memo_with_http_info("CM404"),
    ),
    Case(
        "GET_DebitMemo",
        lambda s: s.debit_memos.get_debit_memo_with_http_info("DM00000001"),
        lambda s: s.debit_memos.get_debit_memo_with_http_info("DM404"),
    ),
    Case(
        "queryInvoices",
        lambda s: s.queries.query_invoices_with_http_info(
            page_size=5,
            filter=["status.EQ:Posted"],
            sort=["invoiceDate.DESC"],
            expand=["account"],
            include_null_fields=True,
        ),
        lambda s: s.queries.query_invoices_with_http_info(filter=["nosuchfield.EQ:1"]),
    ),
    Case(
        "POST_StandaloneInvoice",
        lambda s: s.invoices.create_standalone_invoice_with_http_info(
            m.CreateInvoiceRequest.from_dict(
                _invoice(
                    billToContact={"firstName": "Ada", "lastName": "Lovelace", "country": "United Kingdom"},
                    status="Posted",
                )
            )
        ),
        lambda s: s.invoices.create_standalone_invoice_with_http_info(
            m.CreateInvoiceRequest.from_dict(_invoice("A404"))
        ),
    ),
    Case(
        "POST_StandaloneInvoices",
        lambda s: s.invoices.bulk_create_standalone_invoices_with_http_info(
            m.BulkCreateInvoicesRequest.from_dict({"invoices": [_invoice(), _invoice("A404")]})
        ),
        lambda s: s.invoices.bulk_create_standalone_invoices_with_http_info(
            m.BulkCreateInvoicesRequest.from_dict({"invoices": [_invoice()] * 51})
        ),
    ),
    Case(
        "PUT_BatchUpdateInvoices",
        lambda s: s.invoices.bulk_update_invoices_with_http_info(
            m.BulkUpdateInvoicesRequest.from_dict({"invoices": [{"id": _id(s, "INV00000003"), "comments": "batch"}]})
        ),
        lambda s: s.invoices.bulk_update_invoices_with_http_info(
            m.BulkUpdateInvoicesRequest.from_dict(
                {"invoices": [{"id": _id(s, "INV00000001"), "invoiceDate": "2025-01-02"}]}
            )
        ),
    ),
    Case(
        "PUT_UpdateInvoice",
        lambda s: s.invoices.update_invoice_with_http_info(
            "INV00000003", m.UpdateInvoiceRequest.from_dict({"comments": "updated", "dueDate": "2025-07-01"})
        ),
        lambda s: s.invoices.update_invoice_with_http_info(
            "INV00000001",
            m.UpdateInvoiceRequest.from_dict(
                {"invoiceItems": [{"amount": Decimal(1), "serviceStartDate": "2025-01-01", "chargeName": "x"}]}
            ),
        ),
    ),
    Case(
        "DELETE_DeleteInvoice",
        lambda s: s.invoices.delete_invoice_with_http_info("INV00000009"),
        lambda s: s.invoices.delete_invoice_with_http_info("INV00000001"),
    ),
    Case(
        "POST_EmailInvoice",
        lambda s: s.invoices.email_invoice_with_http_info(
            "INV00000001", m.EmailBillingDocumentRequest.from_dict({"emailAddresses": "ap@acme.example"})
        ),
        lambda s: s.invoices.email_invoice_with_http_info("INV00000003", m.EmailBillingDocumentRequest.from_dict({})),
    ),
    Case(
        "PUT_ReverseInvoice",
        lambda s: s.invoices.reverse_invoice_with_http_info(
            "INV00000001", m.ReverseInvoiceRequest.from_dict({"memoDate": "2025-06-01"})
        ),
        lambda s: s.invoices.reverse_invoice_with_http_info("INV00000002", m.ReverseInvoiceRequest.from_dict({})),
    ),
    Case(
        "PUT_WriteOffInvoice",
        lambda s: s.invoices.write_off_invoice_with_http_info(
            "INV00000002", m.WriteOffInvoiceRequest.from_dict({"comment": "uncollectable"})
        ),
        lambda s: s.invoices.write_off_invoice_with_http_info("INV00000004", m.WriteOffInvoiceRequest.from_dict({})),
    ),
    Case(
        "POST_CreditMemoFromInvoice",
        lambda s: s.credit_memos.create_credit_memo_from_invoice_with_http_info(
            "INV00000001", m.CreateCreditMemoFromInvoiceRequest.from_dict(_credit_items(s, "10.00"))
        ),
        lambda s: s.credit_memos.create_credit_memo_from_invoice_with_http_info(
            "INV00000001", m.CreateCreditMemoFromInvoiceRequest.from_dict(_credit_items(s, "1000.00"))
        ),
    ),
    Case(
        "POST_DebitMemoFromInvoice",
        lambda s: s.debit_memos.create_debit_memo_from_invoice_with_http_info(
            "INV00000001", m.CreateDebitMemoFromInvoiceRequest.from_dict(_credit_items(s, "10.00"))
        ),
        lambda s: s.debit_memos.create_debit_memo_from_invoice_with_http_info(
            "INV00000003", m.CreateDebitMemoFromInvoiceRequest.from_dict({"items": []})
        ),
    ),
    Case(
        "PUT_ApplyCreditMemo",
        lambda s: s.credit_memos.apply_credit_memo_with_http_info(
            "CM00000001",
            m.ApplyCreditMemoRequest.from_dict(
                {"invoices": [{"invoiceId": _id(s, "INV00000001"), "amount": Decimal("10.00")}]}
            ),
        ),
        lambda s: s.credit_memos.apply_credit_memo_with_http_info(
            "CM00000002",
            m.ApplyCreditMemoRequest.from_dict(
                {"invoices": [{"invoiceId": _id(s, "INV00000001"), "amount": Decimal("10.00")}]}
            ),
        ),
    ),
    Case(
        "PUT_WriteOffDebitMemo",  # the SDK calls /v1/debitmemos/{key}/write-off
        lambda s: s.debit_memos.write_off_debit_memo_with_http_info(
            "DM00000001", m.WriteOffDebitMemoRequest.from_dict({"comment": "waived"})
        ),
        lambda s: s.debit_memos.write_off_debit_memo_with_http_info(
            "DM00000002", m.WriteOffDebitMemoRequest.from_dict({})
        ),
    ),
    Case(
        "POST_UploadFileForInvoice",
        lambda s: s.invoices.upload_file_for_invoice_with_http_info("INV00000001", file=PDF),
        lambda s: s.invoices.upload_file_for_invoice_with_http_info("INV00000001", file=b"MZ no pdf"),
    ),
    Case(
        "GET_Files",
        lambda s: s.files.get_files_with_http_info(s.first_file("INV00000001")),
        lambda s: s.files.get_files_with_http_info("8a" + "0" * 30),
    ),
)


def _id(sdk: Sdk, number: str) -> str:
    return str(sdk.invoices.get_invoice(number).id)


__all__ = ["CASES", "Case", "Sdk", "zuora_sdk"]
