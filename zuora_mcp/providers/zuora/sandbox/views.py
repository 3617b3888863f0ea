"""Records as Zuora's JSON: the field names and shapes of the spec's response schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from zuora_mcp.providers.zuora.sandbox.models import (
    Account,
    CreditMemo,
    DebitMemo,
    Invoice,
    InvoiceItem,
    TaxationItem,
    money,
)

__all__ = [
    "account_view",
    "credit_memo_view",
    "debit_memo_view",
    "invoice_item_view",
    "invoice_query_view",
    "invoice_view",
    "rfc3339",
    "taxation_item_view",
]

SANDBOX_USER = "2c9081a03c6d7b51013c6d7e46c80a17"
# What Zuora's documented credit and debit memo examples carry and the tenant has no value for.
MEMO_DOCUMENT_FIELDS: dict[str, Any] = {
    "latestPDFFileId": None,
    "invoiceGroupNumber": None,
    "sequenceSetId": None,
    "billToContactId": None,
    "billToContactSnapshotId": None,
    "cancelledById": None,
    "cancelledOn": None,
    "taxMessage": None,
    "einvoiceStatus": None,
    "einvoiceFileId": None,
    "einvoiceErrorCode": None,
    "einvoiceErrorMessage": None,
}


def rfc3339(stamp: str | None) -> str | None:
    """``2025-06-01 12:00:00`` or ``2025-06-01`` (UTC) → ``2025-06-01T12:00:00+00:00``."""
    if not stamp:
        return stamp
    day, _, time = stamp.partition(" ")
    return f"{day}T{time or '00:00:00'}+00:00"


def invoice_view(invoice: Invoice, account: Account) -> dict[str, Any]:
    """GET /v1/invoices/{invoiceKey}."""
    without, tax = invoice.items.totals()
    return {
        "id": invoice.id,
        "invoiceNumber": invoice.invoice_number,
        "accountId": invoice.account_id,
        "amount": money(without + tax),
        "amountWithoutTax": money(without),
        "taxAmount": money(tax),
        "taxExemptAmount": 0.0,
        "balance": money(invoice.balance),
        "paymentAmount": money(invoice.payment_amount),
        "creditMemoAmount": money(invoice.credit_memo_amount),
        "refundAmount": money(invoice.refund_amount),
        "adjustmentAmount": 0.0,
        "creditBalanceAdjustmentAmount": 0.0,
        "discount": 0.0,
        "currency": invoice.currency,
        "status": invoice.status,
        "invoiceDate": invoice.invoice_date,
        "dueDate": invoice.due_date,
        "targetDate": None,
        "postedDate": invoice.posted_date,
        "postedBy": SANDBOX_USER if invoice.posted_date else None,
        "paymentTerm": invoice.payment_term,
        "autoPay": invoice.auto_pay,
        "comments": invoice.comments,
        "billToContactId": account.bill_to.get("id"),
        "soldToContactId": account.sold_to.get("id"),
        # Fields Zuora's documented GET invoice example carries; a standalone invoice has none of them.
        "billRunId": None,
        "invoiceGroupNumber": None,
        "sequenceSetId": None,
        "billToContactSnapshotId": None,
        "soldToContactSnapshotId": None,
        "includesOneTime": True,
        "includesRecurring": False,
        "includesUsage": False,
        "lastEmailSentDate": invoice.last_email_sent_date,
        "source": "API",
        "sourceId": None,
        "sourceType": invoice.source_type,
        "templateId": invoice.template_id,
        "transferredToAccounting": invoice.transferred_to_accounting,
        "taxStatus": "Complete" if tax else None,
        "createdById": SANDBOX_USER,
        "createdDate": invoice.created_date,
        "updatedById": SANDBOX_USER,
        "updatedDate": invoice.updated_date,
        **invoice.custom_fields,
        "success": True,
    }


def invoice_query_view(invoice: Invoice, account: Account, expand: frozenset[str]) -> dict[str, Any]:
    """One entry of GET /object-query/invoices (no ``success``; ``reversed`` is shown here)."""
    view = invoice_view(invoice, account)
    del view["success"]
    for v1_only in ("discount", "billRunId", "invoiceGroupNumber"):  # fields of v1's answer, not the query's
        del view[v1_only]
    view["reversed"] = invoice.reversed
    # The object query writes RFC 3339 date-times where v1 writes "yyyy-mm-dd hh:mm:ss" (and a date
    # for postedDate): the spec's ExpandedInvoice says date-time. The tenant's clock is UTC.
    for name in ("createdDate", "updatedDate", "postedDate"):
        view[name] = rfc3339(view[name])
    if "account" in expand:
        view["account"] = {
            "id": account.id,
            "accountNumber": account.account_number,
            "name": account.name,
            "currency": account.currency,
            "status": account.status,
        }
    return view


def taxation_item_view(tax: TaxationItem) -> dict[str, Any]:
    return {
        "id": tax.id,
        "name": tax.name,
        "taxAmount": money(tax.tax_amount),
        "taxRate": float(tax.tax_rate),
        "taxRateType": tax.tax_rate_type,
        "taxRateDescription": f"{tax.name} {tax.tax_rate}",
        "taxCode": tax.tax_code,
        "taxCodeDescription": tax.tax_code,
        "taxDate": tax.tax_date,
        "jurisdiction": tax.jurisdiction,
        "locationCode": tax.location_code,
        "country": tax.country,
        "exemptAmount": 0.0,
        "balance": money(tax.balance),
        "paymentAmount": money(tax.payment_amount),
        "creditAmount": money(tax.credit_amount),
        "availableToCreditAmount": money(tax.tax_amount - tax.credited),
    }


def invoice_item_view(item: InvoiceItem, nested_taxes: bool = True) -> dict[str, Any]:
    """One entry of GET /v1/invoices/{invoiceKey}/items."""
    view: dict[str, Any] = {
        "id": item.id,
        "chargeName": item.charge_name,
        "chargeDescription": item.description,
        "description": item.description,
        "chargeAmount": money(item.amount),
        "taxAmount": money(item.tax_amount),
        "balance": money(item.balance),
        "availableToCreditAmount": money(item.amount - item.credited),
        "quantity": float(item.quantity),
        "unitPrice": float(item.unit_price) if item.unit_price is not None else None,
        "unitOfMeasure": item.uom,
        "sku": item.sku,
        "productName": item.charge_name,
        "serviceStartDate": item.service_start_date,
        "serviceEndDate": item.service_end_date,
        "chargeDate": item.charge_date,
        "chargeType": "OneTime",
        "processingType": "Charge",
        "taxMode": item.tax_mode,
        "subscriptionId": None,
        "subscriptionName": None,
        # Zuora's documented items carry these; a standalone invoice's items have no charge,
        # apply to no other item (only discounts do) and have no item type.
        "chargeId": None,
        "appliedToItemId": None,
        "itemType": None,
        "productRatePlanChargeId": None,
        "sourceItemType": None,
    }
    if nested_taxes:
        view["taxationItems"] = {"data": [taxation_item_view(t) for t in item.taxation_items]}
    return view


def account_view(account: Account, invoices: list[Invoice], debit_memos: list[DebitMemo]) -> dict[str, Any]:
    """GET /v1/accounts/{accountKey}, with metrics computed from the tenant's records."""
    invoice_balance = sum((i.balance for i in invoices if i.status == "Posted"), start=Decimal(0))
    debit_balance = sum((m.balance for m in debit_memos if m.status == "Posted"), start=Decimal(0))
    return {
        "basicInfo": {
            "id": account.id,
            "accountNumber": account.account_number,
            "name": account.name,
            "status": account.status,
            "batch": "Batch1",
            "notes": "",
            "crmId": "",
            # As in Zuora's documented example: the templates, profiles and ids an account can have.
            "communicationProfileId": None,
            "invoiceTemplateId": None,
            "creditMemoTemplateId": None,
            "debitMemoTemplateId": None,
            "summaryStatementTemplateId": None,
            "sequenceSetId": None,
            "partnerAccount": False,
            "profileNumber": None,
            "salesRep": "",
            "customerServiceRepName": None,
            "parentId": None,
            "purchaseOrderNumber": None,
            "lastMetricsUpdate": None,
        },
        "billingAndPayment": {
            "currency": account.currency,
            "paymentTerm": account.payment_term,
            "billCycleDay": account.bill_cycle_day,
            "autoPay": account.auto_pay,
            "invoiceDeliveryPrefsEmail": True,
            "invoiceDeliveryPrefsPrint": False,
            "additionalEmailAddresses": list(account.additional_email_addresses),
            "defaultPaymentMethodId": None,
            "paymentGateway": None,
            "paymentMethodCascadingConsent": False,
        },
        "taxInfo": {
            "VATId": None,
            "companyCode": None,
            "exemptCertificateId": None,
            "exemptCertificateType": None,
            "exemptDescription": None,
            "exemptEffectiveDate": None,
            "exemptEntityUseCode": None,
            "exemptExpirationDate": None,
            "exemptIssuingJurisdiction": None,
            "exemptStatus": None,
        },
        "billToContact": dict(account.bill_to),
        "soldToContact": dict(account.sold_to),
        "metrics": {
            "balance": money(invoice_balance + debit_balance),
            "totalInvoiceBalance": money(invoice_balance),
            "totalDebitMemoBalance": money(debit_balance),
            "creditBalance": 0.0,
            "unappliedCreditMemoAmount": 0.0,
            "unappliedPaymentAmount": 0.0,
            "contractedMrr": 0.0,
        },
        # One entry per currency the account has documents in: the account's own.
        "metricsData": [
            {
                "currency": account.currency,
                "balance": money(invoice_balance + debit_balance),
                "totalInvoiceBalance": money(invoice_balance),
                "totalDebitMemoBalance": money(debit_balance),
                "unappliedCreditMemoAmount": 0.0,
                "unappliedPaymentAmount": 0.0,
                "reservedPaymentAmount": 0.0,
                "contractedMrr": 0.0,
            }
        ],
        "success": True,
    }


def credit_memo_view(memo: CreditMemo, account: Account) -> dict[str, Any]:
    """GET /v1/credit-memos/{creditMemoKey} (also the answer of create and apply)."""
    return {
        "id": memo.id,
        "number": memo.number,
        "accountId": memo.account_id,
        "accountNumber": account.account_number,
        "amount": money(memo.amount),
        "taxAmount": money(memo.tax_amount),
        "totalTaxExemptAmount": 0.0,
        "appliedAmount": money(memo.applied_amount),
        "unappliedAmount": money(memo.unapplied_amount),
        "refundAmount": money(memo.refund_amount),
        "currency": memo.currency,
        "status": memo.status,
        "creditMemoDate": memo.memo_date,
        "targetDate": None,
        "reasonCode": memo.reason_code,
        "comment": memo.comment,
        "referredInvoiceId": memo.referred_invoice_id,
        "autoApplyUponPosting": memo.auto_apply_upon_posting,
        "excludeFromAutoApplyRules": memo.exclude_from_auto_apply_rules,
        "revenueImpacting": "Yes",
        "reversed": False,
        "source": memo.source,
        "sourceType": memo.source_type,
        "transferredToAccounting": "No",
        "postedById": SANDBOX_USER if memo.posted_on else None,
        "postedOn": memo.posted_on,
        **MEMO_DOCUMENT_FIELDS,
        "createdById": SANDBOX_USER,
        "createdDate": memo.created_date,
        "updatedById": SANDBOX_USER,
        "updatedDate": memo.updated_date,
        "success": True,
    }


def debit_memo_view(memo: DebitMemo, account: Account) -> dict[str, Any]:
    """GET /v1/debit-memos/{debitMemoKey} (also the answer of create)."""
    return {
        "id": memo.id,
        "number": memo.number,
        "accountId": memo.account_id,
        "accountNumber": account.account_number,
        "amount": money(memo.amount),
        "taxAmount": money(memo.tax_amount),
        "totalTaxExemptAmount": 0.0,
        "balance": money(memo.balance),
        "beAppliedAmount": 0.0,
        "currency": memo.currency,
        "status": memo.status,
        "debitMemoDate": memo.memo_date,
        "dueDate": memo.due_date,
        "paymentTerm": memo.payment_term,
        "autoPay": memo.auto_pay,
        "targetDate": None,
        "reasonCode": memo.reason_code,
        "comment": memo.comment,
        "referredInvoiceId": memo.referred_invoice_id,
        "sourceType": memo.source_type,
        "transferredToAccounting": "No",
        "postedById": SANDBOX_USER if memo.posted_on else None,
        "postedOn": memo.posted_on,
        **MEMO_DOCUMENT_FIELDS,
        "createdById": SANDBOX_USER,
        "createdDate": memo.created_date,
        "updatedById": SANDBOX_USER,
        "updatedDate": memo.updated_date,
        "success": True,
    }
