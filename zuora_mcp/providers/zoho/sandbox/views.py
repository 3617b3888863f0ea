"""Records as Zoho's JSON: an invoice (the union of the shapes the seed's examples show), its list
summary, a collected payment, a customer with its saved cards and bank accounts, credit notes.

Both ``invoice_number``/``date`` (create and update answers) and ``number``/``invoice_date``
(retrieve and list answers) are given, as the spec's ``Invoice`` schema unites them. Money is a
JSON number, dates ``YYYY-MM-DD``, timestamps ``2016-06-05T02:15:15+0000``.
"""

from __future__ import annotations

from typing import Any

from zuora_mcp.providers.zoho.sandbox.demo_data import demo_id
from zuora_mcp.providers.zoho.sandbox.dialect import money, zoho_time
from zuora_mcp.providers.zoho.sandbox.models import (
    BankAccount,
    Card,
    CreditNote,
    Customer,
    Document,
    Invoice,
    LineItem,
    Payment,
)
from zuora_mcp.providers.zoho.sandbox.tenant import Tenant

__all__ = ["creditnote_json", "custom_fields_json", "customer_json", "invoice_json", "payment_json", "summary_json"]

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹"}


def line_json(line: LineItem, order: int = 1) -> dict[str, Any]:
    extra = line.extra
    return {
        "item_id": line.item_id,
        "product_id": line.product_id,
        "project_id": extra.get("project_id", ""),
        "project_name": "",
        "time_entry_ids": extra.get("time_entry_ids", []),
        "item_type": "service",  # subscription products and usage are services (sandbox's choice)
        "expense_id": extra.get("expense_id", ""),
        "expense_receipt_name": "",
        "name": line.name,
        "code": line.code,
        "description": line.description,
        "item_order": extra.get("item_order", order),
        "bcy_rate": money(line.price),  # base-currency rate: the organisation bills in its own currency
        "price": money(line.price),
        "quantity": line.quantity,
        "unit": line.unit,
        "discount_amount": money(line.discount_amount),
        "discount": extra.get("discount", 0),
        "tax_id": line.tax_id,
        "tax_name": line.tax_name,
        "tax_type": extra.get("tax_type", "tax" if line.tax_name else ""),
        "tax_percentage": line.tax_percentage,
        "tax_exemption_id": extra.get("tax_exemption_id", ""),
        "tax_exemption_code": "",
        "item_total": money(line.item_total),
        "tags": [],
        "item_custom_fields": [],
    }


# The organisation's payment gateway as Zoho lists it on an invoice (the demo's cards go through Stripe).
PAYMENT_OPTIONS = {
    "payment_gateways": [{"configured": True, "additional_field1": "standard", "gateway_name": "stripe"}]
}
TEMPLATE = (demo_id(80), "Standard Template")
CURRENCY_IDS = {code: demo_id(70 + n) for n, code in enumerate(SYMBOLS)}


def _payment_line(payment: Payment) -> dict[str, Any]:
    return {
        "payment_id": payment.payment_id,
        "payment_mode": payment.payment_mode,
        "invoice_payment_id": payment.invoice_payment_id,
        "amount_refunded": 0,
        "gateway_transaction_id": payment.gateway_transaction_id,
        "description": payment.description,
        "date": payment.date,
        "reference_number": payment.reference_number,
        "amount": money(payment.amount),
        "bank_charges": 0,
        "exchange_rate": 1,
        **({"autotransaction": _autotransaction(payment)} if payment.autotransaction_id else {}),
    }


def _autotransaction(payment: Payment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "autotransaction_id": payment.autotransaction_id,
        "payment_gateway": payment.payment_gateway,
        "gateway_transaction_id": payment.gateway_transaction_id,
        "gateway_error_message": "",
        # Both keys, blank for the kind of method not charged (the seed's example names account_id).
        "card_id": payment.card_id,
        "account_id": payment.account_id,
    }
    return out


def _document(document: Document) -> dict[str, Any]:
    return {
        "file_name": document.file_name,
        "file_type": document.file_type,
        "file_size": document.file_size,
        "file_size_formatted": f"{document.file_size / 1024:.1f} KB",
        "document_id": document.document_id,
        "attachment_order": document.attachment_order,
    }


def custom_fields_json(tenant: Tenant, invoice: Invoice) -> list[dict[str, Any]]:
    return [
        {
            "customfield_id": d.customfield_id,
            "index": d.index,
            "label": d.label,
            "value": value,
            "data_type": d.data_type,
        }
        for d in tenant.custom_fields
        if (value := invoice.custom_fields.get(d.customfield_id)) is not None
    ]


def invoice_json(tenant: Tenant, invoice: Invoice) -> dict[str, Any]:
    customer = tenant.customers.get(invoice.customer_id)
    extra = invoice.extra
    taxes: dict[str, float] = {}
    for line in invoice.line_items:
        if line.tax_name:
            taxes[line.tax_name] = taxes.get(line.tax_name, 0.0) + line.tax
    return {
        "invoice_id": invoice.invoice_id,
        "invoice_number": invoice.invoice_number,
        "number": invoice.invoice_number,
        "date": invoice.date,
        "invoice_date": invoice.date,
        "status": invoice.status(tenant.today()),
        "transaction_type": invoice.transaction_type,
        "payment_terms": invoice.payment_terms,
        "payment_terms_label": invoice.payment_terms_label,
        "due_date": invoice.due_date,
        "last_payment_date": invoice.payments[-1].date if invoice.payments else "",
        "reference_number": invoice.reference_number,
        "subscription_id": invoice.subscription_id,
        "customer_id": invoice.customer_id,
        "customer_name": customer.display_name if customer else "",
        "email": customer.email if customer else "",
        "contact_persons": [{"contactperson_id": cid} for cid in invoice.contact_person_ids],
        "currency_id": CURRENCY_IDS.get(invoice.currency_code, ""),
        "currency_code": invoice.currency_code,
        "currency_symbol": SYMBOLS.get(invoice.currency_code, invoice.currency_code),
        "exchange_rate": extra.get("exchange_rate", 1),
        "discount": invoice.discount,
        "discount_total": money(invoice.discount_total),
        "is_discount_before_tax": invoice.is_discount_before_tax,
        "discount_type": invoice.discount_type,
        "is_inclusive_tax": False,
        "is_viewed_by_client": False,
        "client_viewed_time": "",
        "ach_payment_initiated": False,
        "payment_expected_date": "",
        "invoice_items": [line_json(line, n) for n, line in enumerate(invoice.line_items, start=1)],
        "coupons": [],
        "credits": [
            {
                "creditnote_id": c.creditnote_id,
                "creditnotes_number": c.creditnote_number,
                "credited_date": c.date,
                "credited_amount": money(c.amount),
            }
            for c in invoice.credits
        ],
        "shipping_charge": money(invoice.shipping_charge),
        "adjustment": money(invoice.adjustment),
        "adjustment_description": extra.get("adjustment_description", ""),
        "sub_total": money(invoice.sub_total),
        "tax_total": money(invoice.tax_total),
        "total": money(invoice.total),
        "taxes": [{"tax_name": name, "tax_amount": money(amount)} for name, amount in taxes.items()],
        "payment_made": money(invoice.payment_made),
        "credits_applied": money(invoice.credits_applied),
        "tax_amount_withheld": 0,
        "balance": money(invoice.balance),
        "write_off_amount": money(invoice.write_off_amount),
        "allow_partial_payments": True,
        "price_precision": 2,
        "payments": [_payment_line(p) for p in invoice.payments],
        "payment_reminder_enabled": True,
        "payment_options": extra.get("payment_options", PAYMENT_OPTIONS),
        "is_emailed": invoice.is_emailed,
        "reminders_sent": 0,
        "last_reminder_sent_date": "",
        "billing_address": dict(invoice.billing_address),
        "shipping_address": dict(invoice.shipping_address),
        "notes": invoice.notes,
        "terms": invoice.terms,
        "custom_fields": custom_fields_json(tenant, invoice),
        "comments": [
            {
                "comment_id": c.comment_id,
                "description": c.description,
                "commented_by": "System",
                "comment_type": "system",
                "date": c.date,
                "time": c.time,
                "operation_type": "Added",
                "transaction_id": invoice.invoice_id,
                "transaction_type": "invoice",
            }
            for c in invoice.comments
        ],
        "template_id": extra.get("template_id", TEMPLATE[0]),
        "template_name": TEMPLATE[1] if extra.get("template_id", TEMPLATE[0]) == TEMPLATE[0] else "",
        "has_attachment": bool(invoice.documents),
        "attachment_name": invoice.documents[0].file_name if invoice.documents else "",
        "can_send_in_mail": any(d.can_send_in_mail for d in invoice.documents),
        "documents": [_document(d) for d in invoice.documents],
        "salesperson_id": extra.get("salesperson_id", ""),
        "salesperson_name": invoice.salesperson_name,
        "created_time": zoho_time(invoice.created_time),
        "updated_time": zoho_time(invoice.updated_time),
        "last_modified_time": zoho_time(invoice.updated_time),
        "invoice_url": "",
    }


def summary_json(tenant: Tenant, invoice: Invoice) -> dict[str, Any]:
    customer = tenant.customers.get(invoice.customer_id)
    return {
        "invoice_id": invoice.invoice_id,
        "number": invoice.invoice_number,
        "status": invoice.status(tenant.today()),
        "invoice_date": invoice.date,
        "due_date": invoice.due_date,
        "customer_id": invoice.customer_id,
        "customer_name": customer.display_name if customer else "",
        "email": customer.email if customer else "",
        "balance": money(invoice.balance),
        "total": money(invoice.total),
        "currency_code": invoice.currency_code,
        "currency_symbol": SYMBOLS.get(invoice.currency_code, invoice.currency_code),
        "has_attachment": bool(invoice.documents),
        "created_time": zoho_time(invoice.created_time),
        "updated_time": zoho_time(invoice.updated_time),
    }


def payment_json(tenant: Tenant, invoice: Invoice, payment: Payment) -> dict[str, Any]:
    customer = tenant.customer(invoice.customer_id)
    return {
        "payment_id": payment.payment_id,
        "payment_mode": payment.payment_mode,
        "amount": money(payment.amount),
        "amount_refunded": 0,
        "bank_charges": 0,
        "date": payment.date,
        "status": "paid",  # as the seed's collect example (the charge went through)
        "reference_number": payment.reference_number,
        "due_date": invoice.due_date,
        "amount_due": money(invoice.balance),
        "description": payment.description,
        "customer_id": customer.customer_id,
        "customer_name": customer.display_name,
        "email": customer.email,
        "autotransaction": _autotransaction(payment),
        "invoices": [
            {
                "invoice_id": invoice.invoice_id,
                "invoice_number": invoice.invoice_number,
                "date": invoice.date,
                "invoice_amount": money(invoice.total),
                "amount_applied": money(payment.amount),
                "balance_amount": money(invoice.balance),
            }
        ],
        "currency_code": invoice.currency_code,
        "currency_symbol": SYMBOLS.get(invoice.currency_code, invoice.currency_code),
        "custom_fields": [],
        "created_time": zoho_time(tenant.clock.now()),
        "updated_time": zoho_time(tenant.clock.now()),
    }


def _card(card: Card) -> dict[str, Any]:
    # Zoho names the default method is_primary (Subscriptions SDK docs); is_default mirrors it for readers.
    return {
        "card_id": card.card_id,
        "last_four_digits": card.last_four_digits,
        "card_type": card.card_type,
        "expiry_month": card.expiry_month,
        "expiry_year": card.expiry_year,
        "payment_gateway": card.payment_gateway,
        "status": card.status,
        "is_primary": card.is_primary,
        "is_default": card.is_primary,
    }


def _bank(account: BankAccount) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "last_four_digits": account.last_four_digits,
        "account_type": account.account_type,
        "bank_name": account.bank_name,
        "payment_gateway": account.payment_gateway,
        "status": account.status,
        "is_primary": account.is_primary,
        "is_default": account.is_primary,
    }


def customer_json(tenant: Tenant, customer: Customer) -> dict[str, Any]:
    invoices = [i for i in tenant.invoices.values() if i.customer_id == customer.customer_id]
    notes = [n for n in tenant.credit_notes.values() if n.customer_id == customer.customer_id]
    return {
        "customer_id": customer.customer_id,
        "display_name": customer.display_name,
        "customer_name": customer.display_name,
        "company_name": customer.company_name,
        "email": customer.email,
        "status": "active",
        "currency_code": customer.currency_code,
        "outstanding_receivable_amount": money(sum(i.balance for i in invoices)),
        "unused_credits_receivable_amount": money(customer.unused_credits + sum(n.balance for n in notes)),
        "contactpersons": [
            {
                "contactperson_id": c.contactperson_id,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "email": c.email,
                "is_primary_contact": c.is_primary_contact,
            }
            for c in customer.contact_persons
        ],
        "cards": [_card(c) for c in customer.cards],
        "bank_accounts": [_bank(b) for b in customer.bank_accounts],
    }


def creditnote_json(tenant: Tenant, note: CreditNote) -> dict[str, Any]:
    customer = tenant.customers.get(note.customer_id)
    return {
        "creditnote_id": note.creditnote_id,
        "creditnote_number": note.creditnote_number,
        "status": note.status,
        "date": note.date,
        "customer_id": note.customer_id,
        "customer_name": customer.display_name if customer else "",
        "total": money(note.total),
        "balance": money(note.balance),
    }
