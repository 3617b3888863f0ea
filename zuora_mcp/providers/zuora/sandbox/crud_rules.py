"""The CRUD (object) API for invoices, in Zuora's older dialect: ``/v1/object/invoice/{id}``.

Seed 000 documents three operations the current spec no longer lists (the product reaches them
through the explorer's supplement). Their dialect differs from v1 REST: fields are PascalCase, the
key is the record's id (never its number), an update answers ``{"Success": true, "Id": …}`` and a
refusal ``{"Success": false, "Errors": [{"Code": …, "Message": …}]}``; a delete answers
``{"id": …, "success": true}`` (ProxyDeleteResponse). With ``rejectUnknownFields=true`` an update
with fields Zuora does not know answers HTTP 400 ``{"message": "Error - unrecognised fields"}``; by
default unknown fields are ignored. The rules are the same as the REST operations' (they run the
same invoice rules), only the words and shapes differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zuora_mcp.providers.zuora.sandbox import invoice_rules
from zuora_mcp.providers.zuora.sandbox.dialect import Refusal
from zuora_mcp.providers.zuora.sandbox.models import Invoice
from zuora_mcp.providers.zuora.sandbox.tenant import Tenant

__all__ = ["CRUD_OPERATIONS", "CrudAnswer", "delete_invoice", "get_invoice", "update_invoice"]

# Not in Zuora's spec, so not in the spec-derived request schemas: these routes check their own input.
CRUD_OPERATIONS = frozenset({"Object_GETInvoice", "Object_PUTInvoice", "Object_DELETEInvoice"})

# ProxyModifyInvoice fields the tenant applies → the REST update's names.
_UPDATABLE = {"Comments": "comments", "DueDate": "dueDate", "InvoiceDate": "invoiceDate"}
_KNOWN = {*_UPDATABLE, "Status", "TransferredToAccounting", "RegenerateInvoicePDF", "AutoPay"}


@dataclass(frozen=True)
class CrudAnswer:
    """An answer in the CRUD dialect, with its own HTTP status; ``wrote`` says whether anything changed."""

    status: int
    body: dict[str, Any]
    wrote: bool = False
    headers: list[tuple[str, str]] = field(default_factory=list)


def _errors(status: int, code: str, message: str) -> CrudAnswer:
    return CrudAnswer(status, {"Success": False, "Errors": [{"Code": code, "Message": message}]})


def _by_id(tenant: Tenant, invoice_id: str) -> Invoice | None:
    return tenant.invoices.get(invoice_id)  # the CRUD API takes ids, not invoice numbers


def _record(invoice: Invoice) -> dict[str, Any]:
    return {
        "Id": invoice.id,
        "AccountId": invoice.account_id,
        "InvoiceNumber": invoice.invoice_number,
        "InvoiceDate": invoice.invoice_date,
        "DueDate": invoice.due_date,
        "Status": invoice.status,
        "Amount": float(sum(invoice.items.totals())),
        "Balance": float(invoice.balance),
        "PaymentAmount": float(invoice.payment_amount),
        "CreditMemoAmount": float(invoice.credit_memo_amount),
        "RefundAmount": float(invoice.refund_amount),
        "Comments": invoice.comments or None,
        "AutoPay": invoice.auto_pay,
        "TransferredToAccounting": invoice.transferred_to_accounting,
        "PostedDate": invoice.posted_date,
        "CreatedDate": invoice.created_date,
        "UpdatedDate": invoice.updated_date,
    }


def get_invoice(tenant: Tenant, invoice_id: str, fields: list[str]) -> CrudAnswer:
    invoice = _by_id(tenant, invoice_id)
    if invoice is None:
        return _errors(404, "INVALID_ID", f"invalid id: {invoice_id}")
    record = _record(invoice)
    wanted = {name.strip().lower() for value in fields for name in value.split(",") if name.strip()}
    if wanted:
        record = {key: value for key, value in record.items() if key.lower() in wanted or key == "Id"}
    return CrudAnswer(200, {key: value for key, value in record.items() if value is not None})


def update_invoice(tenant: Tenant, invoice_id: str, body: Any, reject_unknown: bool) -> CrudAnswer:
    if not isinstance(body, dict):
        return _errors(200, "INVALID_VALUE", "The request body must be a ProxyModifyInvoice object.")
    unknown = sorted(set(body) - _KNOWN)
    if unknown and reject_unknown:
        return CrudAnswer(400, {"message": "Error - unrecognised fields"})
    invoice = _by_id(tenant, invoice_id)
    if invoice is None:
        return _errors(200, "INVALID_ID", f"invalid id: {invoice_id}")
    changes = {rest: body[crud] for crud, rest in _UPDATABLE.items() if crud in body}
    status = body.get("Status")
    try:
        moving = status is not None and status != invoice.status
        if moving and (invoice.status, status) != ("Draft", "Canceled"):
            return _errors(
                200, "INVALID_VALUE", f"The invoice is {invoice.status}; Status cannot be changed to {status}."
            )
        if changes:
            invoice_rules.update_invoice(tenant, invoice.id, changes)
    except Refusal as refusal:
        return _errors(200, "INVALID_VALUE", refusal.message)
    if status == "Canceled" and invoice.status == "Draft":
        invoice.status = "Canceled"
    return CrudAnswer(200, {"Success": True, "Id": invoice.id}, wrote=bool(changes) or status is not None)


def delete_invoice(tenant: Tenant, invoice_id: str) -> CrudAnswer:
    invoice = _by_id(tenant, invoice_id)
    if invoice is None:
        return _errors(200, "INVALID_ID", f"invalid id: {invoice_id}")
    try:
        invoice_rules.delete_invoice(tenant, invoice.id)
    except Refusal as refusal:
        return _errors(200, "CANNOT_DELETE", refusal.message)
    return CrudAnswer(200, {"id": invoice.id, "success": True}, wrote=True)
