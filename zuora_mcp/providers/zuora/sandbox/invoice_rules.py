"""Invoice writes and Zuora's rules for them (seed 000, 001; spec descriptions).

Every function checks everything first and changes records only after the last check passed;
a :class:`~zuora_mcp.providers.zuora.sandbox.dialect.Refusal` therefore always means "nothing was changed".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zuora_mcp.providers.zuora.sandbox.dialect import Refusal, failed_entry
from zuora_mcp.providers.zuora.sandbox.models import (
    Account,
    Invoice,
    InvoiceItem,
    ItemList,
    TaxationItem,
    dec,
    money,
)
from zuora_mcp.providers.zuora.sandbox.tenant import Tenant, add_days, net_days
from zuora_mcp.providers.zuora.sandbox.views import invoice_view

__all__ = [
    "MAX_BATCH_INVOICES",
    "MAX_ITEMS_PER_BATCH_CREATE",
    "MAX_ITEMS_PER_INVOICE_UPDATE",
    "create_invoice",
    "create_invoices",
    "delete_invoice",
    "email_invoice",
    "update_invoice",
    "update_invoices",
]

MAX_BATCH_INVOICES = 50
MAX_ITEMS_PER_BATCH_CREATE = 1000
MAX_ITEMS_PER_INVOICE_UPDATE = 1000
ASYNC_DELETE_THRESHOLD = 100
EDITABLE_WHEN_POSTED = {"dueDate", "comments", "autoPay", "transferredToAccounting", "templateId"}


# ---- create --------------------------------------------------------------------------------


def _new_item(tenant: Tenant, raw: Mapping[str, Any], invoice_date: str) -> InvoiceItem:
    if "amount" not in raw or "serviceStartDate" not in raw:
        raise Refusal("invoice_item", "missing_field", "Each invoice item needs amount and serviceStartDate.")
    if not raw.get("chargeName") and not raw.get("productRatePlanChargeId"):
        raise Refusal(
            "invoice_item", "missing_field", "chargeName is required when productRatePlanChargeId is not set."
        )
    amount = dec(raw["amount"])
    quantity = dec(raw.get("quantity", 1))
    taxes = [
        TaxationItem.from_fields(t, id=tenant.new_id("taxation_item"), invoice_date=invoice_date)
        for t in raw.get("taxItems", [])
    ]
    for tax in taxes:
        tax.balance = tax.tax_amount
    return InvoiceItem(
        id=tenant.new_id("invoice_item"),
        charge_name=str(raw.get("chargeName") or raw.get("productRatePlanChargeId")),
        amount=amount,
        service_start_date=str(raw["serviceStartDate"]),
        service_end_date=raw.get("serviceEndDate"),
        description=str(raw.get("description", "")),
        sku=str(raw.get("sku", "")),
        quantity=quantity,
        unit_price=dec(raw["unitPrice"]) if "unitPrice" in raw else (amount / quantity if quantity else amount),
        uom=str(raw.get("uom", "Each")),
        charge_date=str(raw.get("chargeDate", f"{invoice_date} 00:00:00")),
        tax_mode=str(raw.get("taxMode", "TaxExclusive")),
        taxation_items=taxes,
        balance=amount,
    )


def _build_invoice(tenant: Tenant, body: Mapping[str, Any], taken: set[str]) -> tuple[Invoice, Account]:
    key = body.get("accountId") or body.get("accountNumber")
    if not key:
        raise Refusal("invoice", "missing_field", "accountId or accountNumber is required.")
    account = tenant.find_account(str(key))
    if account is None:
        raise Refusal.invalid("invoice", f"Invalid value for accountId or accountNumber: '{key}'.")
    if "invoiceDate" not in body:
        raise Refusal("invoice", "missing_field", "invoiceDate is required.")
    currency = str(body.get("currency") or account.currency)
    if currency != account.currency:
        raise Refusal.invalid("invoice", f"The currency {currency} is not the account's currency {account.currency}.")
    number = body.get("invoiceNumber")
    if number is not None and (tenant.invoice_number_taken(str(number)) or str(number) in taken):
        raise Refusal.rule("invoice", f"The invoice number {number} already exists.")
    status = str(body.get("status", "Draft"))
    invoice_date = str(body["invoiceDate"])
    payment_term = str(body.get("paymentTerm") or account.payment_term)
    items = [_new_item(tenant, raw, invoice_date) for raw in body.get("invoiceItems", [])]
    now = tenant.clock.timestamp()
    invoice = Invoice(
        id=tenant.new_id("invoice"),
        invoice_number=str(number) if number is not None else "",
        account_id=account.id,
        invoice_date=invoice_date,
        due_date=str(body.get("dueDate") or add_days(invoice_date, net_days(payment_term))),
        currency=currency,
        items=ItemList(items),
        status=status,
        comments=str(body.get("comments", "")),
        auto_pay=bool(body.get("autoPay", account.auto_pay)),
        payment_term=payment_term,
        template_id=body.get("templateId"),
        transferred_to_accounting=str(body.get("transferredToAccounting", "No")),
        created_date=now,
        updated_date=now,
        posted_date=tenant.clock.today() if status == "Posted" else None,
        custom_fields={k: v for k, v in body.items() if k.endswith("__c")},
    )
    invoice.balance = invoice.amount
    return invoice, account


def _store(tenant: Tenant, invoice: Invoice) -> None:
    if not invoice.invoice_number:
        invoice.invoice_number = tenant.next_number("invoice")
        while tenant.invoice_number_taken(invoice.invoice_number):
            invoice.invoice_number = tenant.next_number("invoice")
    tenant.invoices[invoice.id] = invoice


def create_invoice(tenant: Tenant, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /v1/invoices: a standalone invoice, Draft unless ``status`` is Posted."""
    invoice, account = _build_invoice(tenant, body, set())
    _store(tenant, invoice)
    return invoice_view(invoice, account)


def create_invoices(tenant: Tenant, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /v1/invoices/batch: at most 50 invoices and 1,000 items per call; each succeeds or fails alone."""
    entries = list(body.get("invoices") or [])
    if len(entries) > MAX_BATCH_INVOICES:
        raise Refusal("invoice", "limit", f"You can create a maximum of {MAX_BATCH_INVOICES} invoices in one request.")
    total_items = sum(len(entry.get("invoiceItems") or []) for entry in entries)
    if total_items > MAX_ITEMS_PER_BATCH_CREATE:
        raise Refusal(
            "invoice",
            "limit",
            f"You can create a maximum of {MAX_ITEMS_PER_BATCH_CREATE} invoice items in one request.",
        )
    results: list[dict[str, Any]] = []
    taken: set[str] = set()
    for index, entry in enumerate(entries):
        try:
            invoice, account = _build_invoice(tenant, entry, taken)
        except Refusal as refusal:
            results.append(failed_entry(refusal, index))
            continue
        _store(tenant, invoice)
        taken.add(invoice.invoice_number)
        results.append(invoice_view(invoice, account))
    return {"invoices": results, "success": True}


# ---- update --------------------------------------------------------------------------------


def _check_update(tenant: Tenant, invoice: Invoice, body: Mapping[str, Any]) -> None:
    if "invoiceDate" in body and "dueDate" in body:
        raise Refusal.invalid("invoice", "You can only specify invoiceDate or dueDate in one request.")
    if invoice.status not in {"Draft", "Posted"}:
        raise Refusal.rule(
            "invoice", f"The invoice {invoice.invoice_number} is {invoice.status} and cannot be updated."
        )
    if invoice.status == "Posted":
        blocked = sorted(k for k in body if k not in EDITABLE_WHEN_POSTED and not k.endswith("__c") and k != "id")
        if blocked:
            raise Refusal.rule(
                "invoice",
                f"Only draft invoices can be changed this way; {', '.join(blocked)} cannot be updated "
                f"on the posted invoice {invoice.invoice_number}.",
            )
    items = list(body.get("invoiceItems") or [])
    if len(items) > MAX_ITEMS_PER_INVOICE_UPDATE:
        raise Refusal(
            "invoice_item", "limit", f"The maximum number of invoice items is {MAX_ITEMS_PER_INVOICE_UPDATE}."
        )
    for raw in items:
        if raw.get("id"):
            if invoice.items.find(str(raw["id"])) is None:
                raise Refusal.invalid("invoice_item", f"Invalid invoice item id: '{raw['id']}'.")
        elif not raw.get("delete"):
            if "amount" not in raw or "serviceStartDate" not in raw:
                raise Refusal("invoice_item", "missing_field", "A new invoice item needs amount and serviceStartDate.")
            if not raw.get("chargeName") and not raw.get("productRatePlanChargeId"):
                raise Refusal("invoice_item", "missing_field", "chargeName is required for a new invoice item.")


def _apply_update(tenant: Tenant, invoice: Invoice, body: Mapping[str, Any]) -> None:
    for field, attr in (("dueDate", "due_date"), ("invoiceDate", "invoice_date"), ("comments", "comments")):
        if field in body:
            setattr(invoice, attr, str(body[field]))
    if "autoPay" in body:
        invoice.auto_pay = bool(body["autoPay"])
    if "transferredToAccounting" in body:
        invoice.transferred_to_accounting = str(body["transferredToAccounting"])
    if "templateId" in body:
        invoice.template_id = str(body["templateId"])
    invoice.custom_fields.update({k: v for k, v in body.items() if k.endswith("__c")})
    if body.get("invoiceItems"):
        assert isinstance(invoice.items, ItemList)  # only draft invoices get here; generated ones are posted
        for raw in body["invoiceItems"]:
            if raw.get("id"):
                item = invoice.items.find(str(raw["id"]))
                assert item is not None
                if raw.get("delete"):
                    invoice.items.items.remove(item)
                    continue
                if "amount" in raw:
                    item.amount = dec(raw["amount"])
                for field, attr in (("chargeName", "charge_name"), ("description", "description"), ("sku", "sku")):
                    if field in raw:
                        setattr(item, attr, str(raw[field]))
                if "quantity" in raw:
                    item.quantity = dec(raw["quantity"])
                if "unitPrice" in raw:
                    item.unit_price = dec(raw["unitPrice"])
                if "serviceStartDate" in raw:
                    item.service_start_date = str(raw["serviceStartDate"])
                if "serviceEndDate" in raw:
                    item.service_end_date = str(raw["serviceEndDate"])
                item.balance = item.amount
            elif not raw.get("delete"):
                invoice.items.items.append(_new_item(tenant, raw, invoice.invoice_date))
        invoice.balance = invoice.amount
    invoice.updated_date = tenant.clock.timestamp()


def _update_view(invoice: Invoice) -> dict[str, Any]:
    """PUT /v1/invoices/{invoiceKey} answers with PutInvoiceResponseType's fields."""
    return {
        "id": invoice.id,
        "number": invoice.invoice_number,
        "accountId": invoice.account_id,
        "amount": money(invoice.amount),
        "balance": money(invoice.balance),
        "taxAmount": money(invoice.tax_amount),
        "totalTaxExemptAmount": 0.0,
        "discount": 0.0,
        "creditBalanceAdjustmentAmount": 0.0,
        "currency": invoice.currency,
        "status": invoice.status,
        "invoiceDate": invoice.invoice_date,
        "dueDate": invoice.due_date,
        "comment": invoice.comments,
        "autoPay": invoice.auto_pay,
        "templateId": invoice.template_id,
        "transferredToAccounting": invoice.transferred_to_accounting,
        "targetDate": None,
        "postedOn": f"{invoice.posted_date} 00:00:00" if invoice.posted_date else None,
        "createdDate": invoice.created_date,
        "updatedDate": invoice.updated_date,
        "success": True,
    }


def update_invoice(tenant: Tenant, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """PUT /v1/invoices/{invoiceKey}: items and invoice date only on drafts; dueDate or invoiceDate, not both."""
    invoice = tenant.invoice(key)
    _check_update(tenant, invoice, body)
    _apply_update(tenant, invoice, body)
    return _update_view(invoice)


def update_invoices(tenant: Tenant, body: Mapping[str, Any]) -> dict[str, Any]:
    """PUT /v1/invoices: at most 50 invoices, at most 1,000 items each; all checked before any is changed."""
    entries = list(body.get("invoices") or [])
    if len(entries) > MAX_BATCH_INVOICES:
        raise Refusal("invoice", "limit", f"You can update a maximum of {MAX_BATCH_INVOICES} invoices by one call.")
    targets: list[tuple[Invoice, Mapping[str, Any]]] = []
    for entry in entries:
        if not entry.get("id"):
            raise Refusal("invoice", "missing_field", "invoices[].id is required.")
        try:
            invoice = tenant.invoice(str(entry["id"]))
        except Refusal:
            raise Refusal.invalid("invoice", f"Invalid invoice id: '{entry['id']}'.") from None
        _check_update(tenant, invoice, entry)
        targets.append((invoice, entry))
    for invoice, entry in targets:
        _apply_update(tenant, invoice, entry)
    return {"success": True}


# ---- delete, email ---------------------------------------------------------------------------


def delete_invoice(tenant: Tenant, key: str) -> dict[str, Any]:
    """DELETE /v1/invoices/{invoiceKey}: only Draft, Canceled or Error invoices; 100+ items answer as a job."""
    invoice = tenant.invoice(key)
    if invoice.status not in {"Draft", "Canceled", "Error"}:
        raise Refusal(
            "unknown",
            "rule",
            f"The invoice {invoice.invoice_number} is {invoice.status}; only Draft, Canceled or Error invoices "
            "can be deleted.",
        )
    del tenant.invoices[invoice.id]
    tenant.deleted_invoices.append(invoice.id)
    # Zuora's answer names the deletion job either way (its documented example: jobStatus Completed
    # with a jobId); invoices of 100+ items are deleted in the background, so their job is Pending.
    status = "Pending" if len(invoice.items) >= ASYNC_DELETE_THRESHOLD else "Completed"
    return {"id": invoice.id, "jobId": tenant.new_id("job"), "jobStatus": status, "success": True}


def _recipients(tenant: Tenant, invoice: Invoice, body: Mapping[str, Any]) -> list[str]:
    given = [a.strip() for a in str(body.get("emailAddresses") or "").split(",") if a.strip()]
    for address in given:
        local, _, domain = address.partition("@")
        if not local or "." not in domain or " " in address:
            raise Refusal.invalid("email", f"Invalid email address: '{address}'.")
    account = tenant.accounts[invoice.account_id]
    recipients = list(given)
    if not given:
        contact_email = account.bill_to.get("workEmail") or account.bill_to.get("personalEmail")
        if contact_email:
            recipients.append(str(contact_email))
    if body.get("includeAdditionalEmailAddresses"):
        recipients.extend(account.additional_email_addresses)
    if not recipients:
        raise Refusal.rule("email", "No email address: set emailAddresses, or give the Bill To contact an email.")
    return recipients


def email_invoice(tenant: Tenant, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /v1/invoices/{invoiceKey}/emails: only posted invoices are sent."""
    invoice = tenant.invoice(key)
    if invoice.status != "Posted":
        raise Refusal.rule(
            "email", f"Only posted invoices can be emailed; {invoice.invoice_number} is {invoice.status}."
        )
    recipients = _recipients(tenant, invoice, body)
    invoice.last_email_sent_date = tenant.clock.timestamp()
    tenant.emails.append({"invoiceId": invoice.id, "invoiceNumber": invoice.invoice_number, "to": recipients})
    return {"success": True}
