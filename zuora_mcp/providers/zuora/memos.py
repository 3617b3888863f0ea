"""Credit and debit memo tools: read, create from an invoice, apply, write off."""

from __future__ import annotations

from zuora_mcp.catalog.recipe import Recipe, Shaping
from zuora_mcp.providers.zuora import summaries

__all__ = ["RECIPES"]

_MEMO = ("id", "number", "accountId", "status", "currency", "amount", "referredInvoiceId", "reasonCode")
_CREDIT = summaries.document("Credit memo", "number", "creditMemoDate")
_DEBIT = summaries.document("Debit memo", "number", "debitMemoDate")
_FROM_INVOICE = {
    "invoiceKey": "Invoice ID or number, e.g. INV00000012.",
    "invoiceId": "The same invoice's ID (get_invoice returns it).",
    "items": "Items to copy, each by invoiceItemId (see list_invoice_items) with skuName and amount.",
}

RECIPES = (
    Recipe(
        name="get_credit_memo",
        title="Get credit memo",
        description="Get one credit memo by ID or number: status, amounts applied and unapplied, source invoice.",
        operation_id="GET_CreditMemo",
        safety="read",
        shaping=Shaping(fields=(*_MEMO, "creditMemoDate", "appliedAmount", "unappliedAmount", "refundAmount")),
        notes={"creditMemoKey": "Credit memo ID or number, e.g. CM00000001."},
        summarize=_CREDIT,
    ),
    Recipe(
        name="get_debit_memo",
        title="Get debit memo",
        description="Get one debit memo by ID or number: status, dates, amount and open balance.",
        operation_id="GET_DebitMemo",
        safety="read",
        shaping=Shaping(fields=(*_MEMO, "debitMemoDate", "dueDate", "balance")),
        notes={"debitMemoKey": "Debit memo ID or number, e.g. DM00000001."},
        summarize=_DEBIT,
    ),
    Recipe(
        name="create_credit_memo_from_invoice",
        title="Credit memo from invoice",
        description=(
            "Create a credit memo from a Posted invoice's items, to credit all or part of them. "
            "Each amount is limited to what the item has left to credit. Returns the memo's ID and number."
        ),
        operation_id="POST_CreditMemoFromInvoice",
        safety="write",
        shaping=Shaping(fields=("id", "number", "status", "amount", "unappliedAmount")),
        notes=_FROM_INVOICE,
        summarize=_CREDIT,
    ),
    Recipe(
        name="create_debit_memo_from_invoice",
        title="Debit memo from invoice",
        description=(
            "Create a debit memo from a Posted invoice's items, to charge more for them. "
            "Returns the memo's ID and number."
        ),
        operation_id="POST_DebitMemoFromInvoice",
        safety="write",
        shaping=Shaping(fields=("id", "number", "status", "amount", "balance")),
        notes=_FROM_INVOICE,
        summarize=_DEBIT,
    ),
    Recipe(
        name="apply_credit_memo",
        title="Apply credit memo",
        description=(
            "Apply a Posted credit memo's unapplied amount to invoices and/or debit memos. "
            "Amounts cannot exceed their open balances. Returns the memo's applied and unapplied amounts."
        ),
        operation_id="PUT_ApplyCreditMemo",
        safety="write",
        shaping=Shaping(fields=("id", "number", "status", "appliedAmount", "unappliedAmount")),
        notes={"creditMemoKey": "Credit memo ID or number, e.g. CM00000001."},
        limits={"invoices.items": {"maxItems": 1000}, "debitMemos.items": {"maxItems": 1000}},
        summarize=_CREDIT,
    ),
    Recipe(
        name="write_off_debit_memo",
        title="Write off debit memo",
        description=(
            "Write off a Posted debit memo's open balance with a credit memo; cannot be undone. "
            "Returns the credit memo's ID."
        ),
        operation_id="PUT_WriteOffDebitMemo",
        safety="destructive",
        shaping=Shaping(fields=("creditMemo.id",)),
        notes={"debitMemoKey": "Debit memo ID or number, e.g. DM00000001."},
        summarize=summaries.memo_created("Debit memo written off"),
    ),
)
