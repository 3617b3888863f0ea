"""Rules that change one part of an invoice: custom fields, addresses, pending lines, attachments;
and the invoice read, which answers JSON or the PDF.

Line items can be added or deleted only on a *pending* invoice (metered billing); otherwise Zoho
Billing answers 102028 "Items of this invoice cannot be modified." (community thread P3, seed).
"""

from __future__ import annotations

from typing import Any

from zuora_mcp.providers.zoho.sandbox.attachments import read_upload
from zuora_mcp.providers.zoho.sandbox.calls import Call, RawAnswer, parse_lines
from zuora_mcp.providers.zoho.sandbox.dialect import ITEMS_LOCKED, UNKNOWN_CUSTOM_FIELD, ZohoError, invalid_value, ok
from zuora_mcp.providers.zoho.sandbox.models import Document
from zuora_mcp.providers.zoho.sandbox.pdf import invoice_pdf
from zuora_mcp.providers.zoho.sandbox.views import custom_fields_json, invoice_json

__all__ = [
    "add_line_items",
    "attach_file",
    "custom_field_values",
    "delete_line_item",
    "get_invoice",
    "update_address",
    "update_custom_fields_by_id",
    "update_custom_fields_by_label",
]

ADDRESS_KEYS = {"street", "address", "street2", "city", "state", "zip", "country", "fax", "attention", "phone"}


def get_invoice(call: Call) -> dict[str, Any] | RawAnswer:
    invoice = call.invoice()
    if call.query.get("accept", "").lower() == "pdf" or "application/pdf" in call.accept.lower():
        return RawAnswer(
            invoice_pdf(call.tenant, invoice),
            "application/pdf",
            [("Content-Disposition", f'inline; filename="{invoice.invoice_number}.pdf"')],
        )
    return ok("success", invoice=invoice_json(call.tenant, invoice))


def custom_field_values(call: Call, raw: Any) -> dict[str, str]:
    """``[{label | customfield_id, value}]`` → {customfield_id: value}; an unknown field is refused."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise invalid_value("custom_fields")
    by_id = {d.customfield_id: d for d in call.tenant.custom_fields}
    by_label = {d.label.lower(): d for d in call.tenant.custom_fields}
    values: dict[str, str] = {}
    for entry in raw:
        if not isinstance(entry, dict) or "value" not in entry:
            raise invalid_value("custom_fields")
        key = entry.get("customfield_id")
        found = by_id.get(str(key)) if key is not None else by_label.get(str(entry.get("label", "")).lower())
        if found is None:
            # Named by kind, not by the value sent: a refusal never echoes the request.
            kind = "id" if key is not None else "label"
            raise ZohoError(UNKNOWN_CUSTOM_FIELD, f"No custom field of invoices has the {kind} given.")
        values[found.customfield_id] = "" if entry["value"] is None else str(entry["value"])
    return values


def update_custom_fields_by_id(call: Call) -> dict[str, Any]:
    invoice = call.invoice()
    if not isinstance(call.body, list) or not call.body:  # a bare array of {customfield_id, value}
        raise invalid_value("custom_fields")
    if not all(isinstance(e, dict) and "customfield_id" in e for e in call.body):
        raise invalid_value("customfield_id")
    invoice.custom_fields.update(custom_field_values(call, call.body))
    call.tenant.touch(invoice)
    call.wrote = True
    return ok("Custom Fields Updated Successfully")


def update_custom_fields_by_label(call: Call) -> dict[str, Any]:
    invoice, data = call.invoice(), call.json_object()
    raw = data.get("custom_fields")
    if not isinstance(raw, list) or not raw or not all(isinstance(e, dict) and "label" in e for e in raw):
        raise invalid_value("custom_fields")
    invoice.custom_fields.update(custom_field_values(call, raw))
    call.tenant.touch(invoice)
    call.wrote = True
    defined = {d.customfield_id: d for d in call.tenant.custom_fields}
    answer = [
        {
            **entry,
            "show_in_store": False,
            "is_active": True,
            "show_in_hp": False,
            "is_mandatory": False,
            "is_custom_field": True,
            "is_mandatory_in_sales_item": False,
            "is_mandatory_in_hp": False,
            "edit_on_store": False,
            "show_in_all_pdf": True,
            "search_entity": "invoice",
            "pii_type": "non_pii",
            "placeholder": "cf_" + defined[entry["customfield_id"]].label.lower().replace(" ", "_"),
            "is_inherited_value": False,
            "is_dependent_field": False,
            "max_length": 255,
            "help_text": "",
        }
        for entry in custom_fields_json(call.tenant, invoice)
    ]
    return ok("Custom Fields Updated Successfully", custom_fields=answer)


def _address(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    raw = data.get(name)
    if raw is None:
        return None
    if not isinstance(raw, dict) or not set(raw) <= ADDRESS_KEYS:
        raise invalid_value(name)
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise invalid_value(f"{name}.{key}")
    return dict(raw)


def update_address(call: Call) -> dict[str, Any]:
    invoice, data = call.invoice(), call.json_object()
    billing, shipping = _address(data, "billing_address"), _address(data, "shipping_address")
    if billing is None and shipping is None:
        raise invalid_value("billing_address")
    # Only this invoice's copy changes, not the customer's record (spec, inferred).
    if billing is not None:
        invoice.billing_address = billing
    if shipping is not None:
        invoice.shipping_address = shipping
    call.tenant.touch(invoice)
    call.wrote = True
    addresses = {"billing_address": invoice.billing_address, "shipping_address": invoice.shipping_address}
    return ok("Invoice address updated", invoice_address=addresses)


def _pending(call: Call) -> None:
    if call.invoice().state != "pending":
        raise ZohoError(ITEMS_LOCKED, "Items of this invoice cannot be modified.")


def add_line_items(call: Call) -> dict[str, Any]:
    invoice, data = call.invoice(), call.json_object()
    _pending(call)
    # Usage lines name their product by product_id or by its code ("UsageAddon" in the seed).
    lines = parse_lines(call.tenant, data.get("invoice_items"), require_quantity=False, by_code=True)
    invoice.line_items.extend(lines)
    call.tenant.touch(invoice)
    call.wrote = True
    return ok("Invoice information has been updated.", invoice=invoice_json(call.tenant, invoice))


def delete_line_item(call: Call) -> dict[str, Any]:
    invoice = call.invoice()
    _pending(call)
    item_id = call.params["line_item_id"]  # the line's invoice_items[].item_id (spec, inferred)
    remaining = [line for line in invoice.line_items if line.item_id != item_id]
    if len(remaining) == len(invoice.line_items):
        raise invalid_value("line_item_id")
    if not remaining:  # an invoice keeps at least one line (sandbox's choice, like minItems on create)
        raise invalid_value("line_item_id")
    invoice.line_items = remaining
    call.tenant.touch(invoice)
    call.wrote = True
    return ok("Invoice information has been updated.")


def attach_file(call: Call) -> dict[str, Any]:
    invoice = call.invoice()
    upload = read_upload(call)
    document = Document(
        document_id=call.tenant.new_id(),
        file_name=upload.file_name,
        file_type=upload.file_type,
        file_size=len(upload.content),
        attachment_order=len(invoice.documents) + 1,
        can_send_in_mail=upload.can_send_in_mail,
        content=upload.content,
    )
    invoice.documents.append(document)
    call.tenant.comment(invoice, f"Attachment {upload.file_name} added")
    call.tenant.touch(invoice)
    call.wrote = True
    # Zoho records no success message for this operation (spec); this wording is the sandbox's.
    return ok("Your file has been attached to the invoice.")
