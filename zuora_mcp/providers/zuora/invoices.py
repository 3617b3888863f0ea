"""Invoice tools: read, create, update, email, reverse, write off, delete."""

from __future__ import annotations

from zuora_mcp.catalog.recipe import REVENUE_INTEGRATION_FIELDS, Filter, Recipe, Shaping
from zuora_mcp.providers.zuora import summaries

__all__ = ["RECIPES"]

_INVOICE = ("id", "invoiceNumber", "accountId", "status", "invoiceDate", "dueDate", "currency", "amount", "balance")
_INVOICE_SUMMARY = summaries.document("Invoice", "invoiceNumber", "invoiceDate")
_KEY = {"invoiceKey": "Invoice ID or number, e.g. INV00000012."}
# Limits Zuora states in prose: the field texts give 10 discount and 5 taxation items per item.
# New contacts written inline (19 fields each, three times per invoice) would double the size of the
# create tools; an invoice takes the account's contacts, or existing ones by *ContactId.
_NO_INLINE_CONTACTS = REVENUE_INTEGRATION_FIELDS | {"billToContact", "soldToContact", "shipToContact"}
_ITEM_LIMITS = {"invoiceItems.discountItems": {"maxItems": 10}, "invoiceItems.taxItems": {"maxItems": 5}}

RECIPES = (
    Recipe(
        name="get_invoice",
        title="Get invoice",
        description="Get one invoice by ID or number: status, dates, amounts and open balance.",
        operation_id="Get_GetInvoice",
        safety="read",
        shaping=Shaping(fields=(*_INVOICE, "taxAmount", "paymentAmount", "creditMemoAmount", "comments")),
        notes=_KEY,
        summarize=_INVOICE_SUMMARY,
    ),
    Recipe(
        name="list_invoices",
        title="List invoices",
        description=(
            "Find invoices by accountId (get_account gives it), status, and invoice or due date range. "
            "For more, pass nextPage back as cursor."
        ),
        operation_id="queryInvoices",
        safety="read",
        shaping=Shaping(fields=_INVOICE, container="data", pagination="cursor"),
        query=("pageSize", "cursor"),
        notes={"cursor": "nextPage from the previous call."},
        filters={
            "accountId": Filter("accountId"),
            "status": Filter("status"),
            "invoiceDateFrom": Filter("invoiceDate", "GE"),
            "invoiceDateTo": Filter("invoiceDate", "LE"),
            "dueDateFrom": Filter("dueDate", "GE"),
            "dueDateTo": Filter("dueDate", "LE"),
        },
        summarize=summaries.listing("invoice"),
    ),
    Recipe(
        name="list_invoice_items",
        title="List invoice items",
        description="List an invoice's items (charges) with amounts, tax, balance and the amount still creditable.",
        operation_id="GET_InvoiceItems",
        safety="read",
        shaping=Shaping(
            fields=(
                "id",
                "chargeName",
                "sku",
                "quantity",
                "unitPrice",
                "chargeAmount",
                "taxAmount",
                "balance",
                "availableToCreditAmount",
                "serviceStartDate",
                "serviceEndDate",
            ),
            container="invoiceItems",
            pagination="page",
        ),
        query=("page", "pageSize"),
        notes=_KEY,
        summarize=summaries.listing("invoice item"),
    ),
    Recipe(
        name="list_invoice_taxation_items",
        title="List taxation items",
        description="List the taxation items of one invoice item (itemId from list_invoice_items).",
        operation_id="GET_TaxationItemsOfInvoiceItem",
        safety="read",
        shaping=Shaping(
            fields=("id", "name", "taxCode", "taxRate", "taxRateType", "taxAmount", "balance", "jurisdiction"),
            container="data",
            pagination="page",
        ),
        query=("page", "pageSize"),
        notes=_KEY,
        summarize=summaries.listing("taxation item"),
    ),
    Recipe(
        name="list_invoice_application_parts",
        title="List invoice application parts",
        description="List the payments and credit memos applied to an invoice, with amounts.",
        operation_id="GET_InvoiceApplicationParts",
        safety="read",
        shaping=Shaping(
            fields=("paymentId", "creditMemoId", "appliedAmount", "createdDate"), container="applicationParts"
        ),
        notes=_KEY,
        summarize=summaries.listing("application part"),
    ),
    Recipe(
        name="list_invoice_files",
        title="List invoice files",
        description=(
            "List an invoice's PDF files, newest version first; each file's resource URI reads the PDF "
            "(resources/read), its download URL needs Zuora credentials."
        ),
        operation_id="GET_InvoiceFiles",
        safety="read",
        shaping=Shaping(
            fields=("id", "versionNumber", "pdfFileUrl"),
            container="invoiceFiles",
            pagination="page",
            links=(("resource", "zuora://invoices/{invoiceKey}/files/{id}"),),
        ),
        query=("page", "pageSize"),
        notes=_KEY,
        summarize=summaries.listing("invoice file"),
    ),
    Recipe(
        name="upload_invoice_file",
        title="Upload invoice PDF",
        description=(
            "Upload an externally generated PDF as an invoice's newest file (Draft or Posted invoice; PDF only, "
            "at most 4 MB, at most 50 files per invoice). The file goes in as base64 content."
        ),
        operation_id="POST_UploadFileForInvoice",
        safety="write",
        shaping=Shaping(fields=("fileId",)),
        notes=_KEY,
    ),
    Recipe(
        name="create_invoice",
        title="Create invoice",
        description=(
            "Create a standalone invoice for an account (accountId or accountNumber) with invoiceItems. "
            "It stays Draft unless status is Posted; contacts default to the account's (or give *ContactId). "
            "Returns the new invoice's ID, number and amounts."
        ),
        operation_id="POST_StandaloneInvoice",
        safety="write",
        shaping=Shaping(fields=("id", "invoiceNumber", "status", "amount", "balance")),
        limits=_ITEM_LIMITS,
        # Taxation items of a discount item matter only to external tax engines writing their results.
        omit=_NO_INLINE_CONTACTS | {"invoiceItems.discountItems.taxItems"},
        summarize=_INVOICE_SUMMARY,
    ),
    Recipe(
        name="create_invoices",
        title="Create invoices",
        description=(
            "Create up to 50 standalone invoices in one call, each shaped like create_invoice's input. "
            "At most 1,000 items across the request. Returns each new invoice's ID and number."
        ),
        operation_id="POST_StandaloneInvoices",
        safety="write",
        shaping=Shaping(fields=("id", "invoiceNumber", "status", "amount"), container="invoices"),
        limits={
            "invoices": {"maxItems": 50},
            "invoices.invoiceItems": {"maxItems": 1000},
            "invoices.invoiceItems.discountItems": {"maxItems": 10},
            "invoices.invoiceItems.taxItems": {"maxItems": 5},
        },
        omit=_NO_INLINE_CONTACTS | {"invoices.invoiceItems.discountItems.taxItems"},
        by_reference={"invoices": "One invoice: create_invoice's arguments without dry_run/confirmation_token."},
        summarize=summaries.listing("created invoice"),
    ),
    Recipe(
        name="update_invoice",
        title="Update invoice",
        description=(
            "Change an invoice's due date, comments, auto-pay or custom fields; "
            "items can be edited, added or deleted only on Draft standalone invoices."
        ),
        operation_id="PUT_UpdateInvoice",
        safety="write",
        shaping=Shaping(fields=("id", "number", "status", "dueDate", "amount", "balance")),
        notes=_KEY,
        limits={"invoiceItems": {"maxItems": 1000}, "invoiceItems.discountItems": {"maxItems": 10}},
        summarize=_INVOICE_SUMMARY,
    ),
    Recipe(
        name="update_invoices",
        title="Update invoices",
        description="Update up to 50 invoices in one call, each by id with update_invoice's fields.",
        operation_id="PUT_BatchUpdateInvoices",
        safety="write",
        limits={
            "invoices": {"maxItems": 50},
            "invoices.invoiceItems": {"maxItems": 1000},
            "invoices.invoiceItems.discountItems": {"maxItems": 10},
        },
        by_reference={"invoices": "One invoice: its id, then update_invoice's arguments except invoiceKey."},
    ),
    Recipe(
        name="email_invoice",
        title="Email invoice",
        description=(
            "Email a Posted invoice to the bill-to contact, or to emailAddresses (comma-separated). "
            "Needs Zuora's Manual Email For Invoice notification active."
        ),
        operation_id="POST_EmailInvoice",
        safety="write",
        notes=_KEY,
    ),
    Recipe(
        name="reverse_invoice",
        title="Reverse invoice",
        description=(
            "Reverse a Posted invoice by creating a credit memo for its full amount; cannot be undone. "
            "Refused if payments or credit memos are applied, or it has over 2,000 items. "
            "Returns the credit memo's ID."
        ),
        operation_id="PUT_ReverseInvoice",
        safety="destructive",
        shaping=Shaping(fields=("creditMemo.id", "debitMemo.id", "jobId", "jobStatus")),
        notes=_KEY,
        summarize=summaries.memo_created("Invoice reversed"),
    ),
    Recipe(
        name="write_off_invoice",
        title="Write off invoice",
        description=(
            "Write off a Posted invoice's open balance with a credit memo; cannot be undone. "
            "Give items to split it per item (they must cover the whole balance). Returns the credit memo's ID."
        ),
        operation_id="PUT_WriteOffInvoice",
        safety="destructive",
        shaping=Shaping(fields=("creditMemo.id",)),
        notes=_KEY,
        summarize=summaries.memo_created("Invoice written off"),
    ),
    Recipe(
        name="delete_invoice",
        title="Delete invoice",
        description=(
            "Delete an invoice for good; cannot be undone. "
            "Invoices of 100 or more items are deleted in the background: the result then has a jobId."
        ),
        operation_id="DELETE_DeleteInvoice",
        safety="destructive",
        shaping=Shaping(fields=("id", "jobId", "jobStatus")),
        notes=_KEY,
        summarize=summaries.memo_created("Invoice deleted"),
    ),
)
