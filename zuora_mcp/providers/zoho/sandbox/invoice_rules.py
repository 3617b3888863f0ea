"""Reading, creating, updating and deleting invoices, and their status actions.

Allowed statuses follow the spec's ``x-zoho-status-rules``; most are marked *inferred* there
(Zoho publishes no status × action matrix, notes §6) and are implemented as written, with a
comment. Every rule checks first and changes records only after the last check.
"""

from __future__ import annotations

import copy
from datetime import date as Date
from datetime import timedelta
from typing import Any

from zuora_mcp.providers.zoho.sandbox.calls import Call, date, need_text, number, parse_lines, require_status, text
from zuora_mcp.providers.zoho.sandbox.dialect import (
    DELETE_BLOCKED_CREDITS,
    DELETE_BLOCKED_PAYMENTS,
    EDIT_BLOCKED_CREDITS,
    EDIT_BLOCKED_PAYMENTS,
    NUMBER_EXISTS,
    STATUS_NOT_ALLOWED,
    ZohoError,
    invalid_value,
    ok,
)
from zuora_mcp.providers.zoho.sandbox.item_rules import custom_field_values
from zuora_mcp.providers.zoho.sandbox.models import Invoice
from zuora_mcp.providers.zoho.sandbox.outbox import send_mail
from zuora_mcp.providers.zoho.sandbox.views import invoice_json, summary_json

__all__ = [
    "cancel_write_off",
    "convert_to_open",
    "create_invoice",
    "delete_invoice",
    "list_invoices",
    "update_invoice",
    "void_invoice",
    "write_off",
]

# filter_by → the statuses it selects. Status.Pending is used by community code but is not in the
# seed's list (notes §2, unverified); Unpaid is a group, not a stored status (spec).
FILTERS: dict[str, set[str] | None] = {
    "Status.All": None,
    "Status.Sent": {"sent"},
    "Status.Draft": {"draft"},
    "Status.OverDue": {"overdue"},
    "Status.Paid": {"paid"},
    "Status.PartiallyPaid": {"partially_paid"},
    "Status.Void": {"void"},
    "Status.Unpaid": {"sent", "overdue", "partially_paid"},
    "Status.Pending": {"pending"},
}


def _positive_int(call: Call, name: str, default: int) -> int:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise invalid_value(name)
    return int(raw)


def list_invoices(call: Call) -> dict[str, Any]:
    applied = call.query.get("filter_by") or "Status.All"
    if applied not in FILTERS:
        raise invalid_value("filter_by")
    wanted = FILTERS[applied]
    page = _positive_int(call, "page", 1)
    per_page = _positive_int(call, "per_page", 200)  # Zoho's default; no maximum is documented
    today = call.tenant.today()
    found = [
        invoice
        for invoice in call.tenant.invoices.values()
        if (wanted is None or invoice.status(today) in wanted)
        and call.query.get("customer_id", invoice.customer_id) == invoice.customer_id
        and call.query.get("subscription_id", invoice.subscription_id) == invoice.subscription_id
    ]
    found.sort(key=lambda i: (i.created_time, int(i.invoice_id)), reverse=True)
    start = (page - 1) * per_page
    return ok(
        "success",
        invoices=[summary_json(call.tenant, i) for i in found[start : start + per_page]],
        page_context={
            "page": page,
            "per_page": per_page,
            "has_more_page": len(found) > start + per_page,
            "report_name": "Invoices",
            "applied_filter": applied,
            "sort_column": "created_time",
            "sort_order": "D",
        },
    )


def _number(call: Call, data: dict[str, Any], besides: str = "") -> str | None:
    """The number to give the invoice, or None to keep it / auto-number. A number in the body counts
    only with ``ignore_auto_number_generation=true``, which makes it mandatory (spec, documented)."""
    if not call.flag("ignore_auto_number_generation"):
        return None
    chosen = need_text(data, "invoice_number", max_length=100)
    if call.tenant.number_taken(chosen, besides=besides):
        raise ZohoError(NUMBER_EXISTS, f'Invoice "{chosen}" already exists.')
    return chosen


def _contacts(call: Call, data: dict[str, Any], customer_id: str) -> list[str] | None:
    raw = data.get("contact_persons")
    if raw is None:
        return None
    known = {c.contactperson_id for c in call.tenant.customer(customer_id).contact_persons}
    if not isinstance(raw, list):
        raise invalid_value("contact_persons")
    ids = [str(c.get("contactperson_id")) if isinstance(c, dict) else str(c) for c in raw]
    if not set(ids) <= known:
        raise invalid_value("contact_persons")
    return ids


def _customer_id(call: Call, data: dict[str, Any]) -> str:
    customer_id = need_text(data, "customer_id")
    if customer_id not in call.tenant.customers:
        raise invalid_value("customer_id")
    return customer_id


# Invoice fields the spec accepts that the tenant keeps as given and answers back (views.invoice_json).
INVOICE_KEPT = ("template_id", "salesperson_id", "adjustment_description", "payment_options", "exchange_rate")


def _kept(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in INVOICE_KEPT if data.get(name) is not None}


def _discount(invoice: Invoice, data: dict[str, Any]) -> None:
    """The invoice-level discount fields, as given (a rule calls this before its last check)."""
    if data.get("discount") is not None:
        invoice.discount = data["discount"]
    if data.get("discount_type") is not None:
        invoice.discount_type = str(data["discount_type"])
    if isinstance(data.get("is_discount_before_tax"), bool):
        invoice.is_discount_before_tax = data["is_discount_before_tax"]


def _refuse_negative_total(invoice: Invoice) -> None:
    """An invoice never totals below zero (credits are credit notes): a discount larger than what it
    discounts, or an adjustment or shipping charge that takes the total below zero, is refused. The
    sandbox's rule; Zoho's wording for it is not documented (zoho_exceptions.json "no-negative-amounts")."""
    if invoice.discount_total > invoice.sub_total or invoice.discount_total < 0:
        raise invalid_value("discount")
    if invoice.total < 0:
        raise invalid_value("adjustment" if invoice.adjustment < 0 else "shipping_charge")


def _due(day: str, terms: int, explicit: str | None) -> str:
    return explicit or (Date.fromisoformat(day) + timedelta(days=terms)).isoformat()


def create_invoice(call: Call) -> dict[str, Any]:
    tenant, data = call.tenant, call.json_object()
    customer_id = _customer_id(call, data)
    day = date(data, "date", required=True) or ""  # required per the spec (cross-check; unconfirmed)
    chosen = _number(call, data)
    terms = int(number(data, "payment_terms", minimum=0) or 0)
    due = date(data, "due_date")
    contacts = _contacts(call, data, customer_id)
    fields = custom_field_values(call, data.get("custom_fields"))
    lines = parse_lines(tenant, data.get("invoice_items"), require_quantity=True)
    now = tenant.clock.now()
    customer = tenant.customer(customer_id)
    invoice = Invoice(
        invoice_id=tenant.new_id(),
        invoice_number=chosen or tenant.next_invoice_number(),
        customer_id=customer_id,
        date=day,
        due_date=_due(day, terms, due),
        # Billing creates invoices open ("Zoho Billing cannot generate any draft invoice", KB P6);
        # send=true only adds the email (inferred).
        state="open",
        line_items=lines,
        created_time=now,
        updated_time=now,
        payment_terms=terms,
        payment_terms_label=text(data, "payment_terms_label", max_length=100)
        or (f"Net {terms}" if terms else "Due on Receipt"),
        reference_number=text(data, "reference_number") or "",
        currency_code=customer.currency_code,
        contact_person_ids=contacts if contacts is not None else [c.contactperson_id for c in customer.contact_persons],
        shipping_charge=number(data, "shipping_charge") or 0.0,
        adjustment=number(data, "adjustment") or 0.0,
        custom_fields=fields,
        notes=text(data, "notes") or "",
        terms=text(data, "terms") or "",
        salesperson_name=text(data, "salesperson_name") or "",
        extra=_kept(data),
    )
    _discount(invoice, data)
    _refuse_negative_total(invoice)
    tenant.invoices[invoice.invoice_id] = invoice
    tenant.comment(invoice, "Invoice created")
    if call.flag("send"):
        send_mail(call, invoice, to=None, cc=[], subject=None, body=None, reason="create?send=true")
    call.wrote, call.status = True, 201
    return ok("The invoice has been created.", invoice=invoice_json(tenant, invoice))


def update_invoice(call: Call) -> dict[str, Any]:
    tenant, invoice, data = call.tenant, call.invoice(), call.json_object()
    # Refused once payments or credits exist: Zoho Invoice's 3010/3009 (spec, inferred for Billing).
    if invoice.payments:
        raise ZohoError(EDIT_BLOCKED_PAYMENTS, "Invoices with recorded payments cannot be edited.")
    if invoice.credits:
        raise ZohoError(EDIT_BLOCKED_CREDITS, "Invoices with applied credits cannot be edited.")
    require_status(call, invoice, ("draft", "pending", "sent", "overdue"), "edited")  # inferred
    customer_id = _customer_id(call, data)
    chosen = _number(call, data, besides=invoice.invoice_id)
    day = date(data, "date") or invoice.date
    terms_raw = number(data, "payment_terms", minimum=0)
    due = date(data, "due_date")
    contacts = _contacts(call, data, customer_id)
    if contacts is None and customer_id != invoice.customer_id:  # a new customer: its own contacts
        contacts = [c.contactperson_id for c in tenant.customer(customer_id).contact_persons]
    reference = text(data, "reference_number")
    shipping, adjustment = number(data, "shipping_charge"), number(data, "adjustment")
    notes, terms_text = text(data, "notes"), text(data, "terms")
    label = text(data, "payment_terms_label", max_length=100)
    salesperson = text(data, "salesperson_name")
    fields = custom_field_values(call, data.get("custom_fields"))
    # invoice_items is the complete new list: a line left out is deleted (seed, documented).
    lines = parse_lines(tenant, data.get("invoice_items"), require_quantity=False, keep=invoice.line_items)
    trial = copy.copy(invoice)
    trial.line_items = lines
    trial.shipping_charge = shipping if shipping is not None else invoice.shipping_charge
    trial.adjustment = adjustment if adjustment is not None else invoice.adjustment
    _discount(trial, data)
    _refuse_negative_total(trial)
    # -- every check passed: apply
    invoice.discount, invoice.discount_type = trial.discount, trial.discount_type
    invoice.is_discount_before_tax = trial.is_discount_before_tax
    invoice.extra = {**invoice.extra, **_kept(data)}
    invoice.customer_id, invoice.line_items, invoice.date = customer_id, lines, day
    if chosen:
        invoice.invoice_number = chosen
    if terms_raw is not None:
        invoice.payment_terms = int(terms_raw)
    if due or terms_raw is not None:
        invoice.due_date = _due(day, invoice.payment_terms, due)
    if contacts is not None:
        invoice.contact_person_ids = contacts
    invoice.reference_number = reference if reference is not None else invoice.reference_number
    invoice.shipping_charge = shipping if shipping is not None else invoice.shipping_charge
    invoice.adjustment = adjustment if adjustment is not None else invoice.adjustment
    invoice.notes = notes if notes is not None else invoice.notes
    invoice.terms = terms_text if terms_text is not None else invoice.terms
    invoice.payment_terms_label = label if label is not None else invoice.payment_terms_label
    invoice.salesperson_name = salesperson if salesperson is not None else invoice.salesperson_name
    invoice.custom_fields.update(fields)
    tenant.touch(invoice)
    call.wrote = True
    return ok("Invoice information has been updated.", invoice=invoice_json(tenant, invoice))


def delete_invoice(call: Call) -> dict[str, Any]:
    invoice = call.invoice()
    # "Invoices which have payment or credits note applied cannot be deleted" (seed, documented).
    if invoice.payments:
        raise ZohoError(
            DELETE_BLOCKED_PAYMENTS, "Invoices with recorded payments cannot be deleted. Delete the payments first."
        )
    if invoice.credits:
        raise ZohoError(DELETE_BLOCKED_CREDITS, "Invoices with applied credits cannot be deleted.")
    require_status(call, invoice, ("draft", "pending", "sent", "overdue", "void"), "deleted")  # inferred
    del call.tenant.invoices[invoice.invoice_id]
    call.wrote = True
    return ok("The invoice has been deleted.")


def convert_to_open(call: Call) -> dict[str, Any]:
    invoice = call.invoice()
    # From void (KB P6) and pending (help P7), documented; from draft: unknown, so refused.
    require_status(call, invoice, ("void", "pending"), "converted to open")
    invoice.state = "open"  # shown as sent/overdue; detached payments are not re-applied (inferred)
    call.tenant.comment(invoice, "Invoice status has been changed to open")
    call.tenant.touch(invoice)
    call.wrote = True
    return ok("Status of the invoice has been changed to open.")


def void_invoice(call: Call) -> dict[str, Any]:
    tenant, invoice = call.tenant, call.invoice()
    require_status(call, invoice, ("sent", "overdue", "partially_paid", "paid", "pending"), "voided")  # inferred
    # "payments and credits … will be unassociated and will be under customer credits" (seed).
    tenant.customer(invoice.customer_id).unused_credits += invoice.payment_made
    for credit in invoice.credits:
        note = tenant.credit_notes.get(credit.creditnote_id)
        if note is not None:
            note.balance = round(note.balance + credit.amount, 2)
            note.status = "open"
    invoice.payments, invoice.credits = [], []
    invoice.write_off_amount = 0.0  # a write-off ends with the void (inferred)
    invoice.state = "void"
    tenant.comment(invoice, "Invoice has been marked as void")
    tenant.touch(invoice)
    call.wrote = True
    return ok("Invoice status has been changed to Void.")


def write_off(call: Call) -> dict[str, Any]:
    invoice = call.invoice()
    require_status(call, invoice, ("sent", "overdue", "partially_paid"), "written off")  # inferred
    data = call.body if isinstance(call.body, dict) else {}
    reason = data.get("reason")
    invoice.write_off_amount = invoice.balance  # the invoice now shows paid (KB P6)
    note = f": {reason}" if isinstance(reason, str) and reason.strip() else ""
    call.tenant.comment(invoice, f"Invoice has been written off{note}")
    call.tenant.touch(invoice)
    call.wrote = True
    return ok("Invoice has been written off..")


def cancel_write_off(call: Call) -> dict[str, Any]:
    invoice = call.invoice()
    require_status(call, invoice, ("paid",), "released from a write-off")  # inferred
    if invoice.write_off_amount <= 0:
        raise ZohoError(STATUS_NOT_ALLOWED, "The invoice has not been written off.")
    invoice.write_off_amount = 0.0
    call.tenant.comment(invoice, "The write off done for this invoice has been cancelled")
    call.tenant.touch(invoice)
    call.wrote = True
    return ok("The write off done for this invoice has been cancelled.")
