"""One call per Zoho write tool that the demo organisation accepts, and one per preflight rule it refuses.

Ids are the demo organisation's (``zuora_mcp/providers/zoho/sandbox`` docstring): INV-000001 is sent
and owed by Bowman Furniture (card 4242), INV-000007 pending, INV-000006 draft, and so on.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from zuora_mcp.catalog import get_tool
from zuora_mcp.providers.zoho.sandbox.demo_data import (
    BANK_6789,
    BASIC,
    BOWMAN,
    CARD_0002,
    CARD_1111,
    CARD_4242,
    CN_LUMEN,
    CN_OPEN,
    CN_USED,
    LUMEN,
    PO_NUMBER,
    PRO,
    USAGE,
    demo_id,
    invoice_id,
)
from zuora_mcp.schemas import load_tool_file

__all__ = [
    "BANK_6789",
    "BLOCKED",
    "BOWMAN",
    "CARD_0002",
    "CARD_4242",
    "MULTIPART_READY",
    "MULTIPART_REASON",
    "PDF",
    "REFUSALS",
    "WRITE_CASES",
    "blocked",
    "inv",
]

# The derive step must turn the spec's binary `attachment` into a file part ({file_name, media_type,
# content_base64}) for the client to send multipart; until it does, the attachment tool cannot send.
MULTIPART_READY = bool(load_tool_file("attach_file_to_invoice", "zoho").get("file_parts"))
MULTIPART_REASON = (
    "derive drops `format: binary` in normalize() before _file_parts() looks for it, so the attachment "
    "tool's file_parts is empty and its input is a plain string (reported to the lead)"
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def inv(n: int) -> str:
    return invoice_id(n)


def attachment(content: bytes = PDF, name: str = "po.pdf", media_type: str = "application/pdf") -> dict[str, str]:
    return {"file_name": name, "media_type": media_type, "content_base64": base64.b64encode(content).decode()}


WRITE_CASES: dict[str, dict[str, Any]] = {
    "create_invoice": {
        "customer_id": BOWMAN,
        "date": "2025-06-01",
        "reference_number": "PO-TEST-0001",
        "invoice_items": [{"product_id": PRO, "price": 120, "quantity": 1}],
    },
    "update_invoice": {
        "invoice_id": inv(6),
        "customer_id": LUMEN,
        "notes": "Thank you",
        "invoice_items": [{"product_id": BASIC, "price": 55, "quantity": 1}],
    },
    "delete_invoice": {"invoice_id": inv(6)},
    "update_invoice_custom_fields": {"invoice_id": inv(1), "body": [{"customfield_id": PO_NUMBER, "value": "PO-9"}]},
    "mark_invoice_open": {"invoice_id": inv(5)},
    "void_invoice": {"invoice_id": inv(1)},
    "email_invoice": {
        "invoice_id": inv(1),
        "to_mail_ids": ["benjamin.george@bowmanfurniture.com"],
        "subject": "Invoice INV-000001",
        "body": "Please find the invoice attached.",
    },
    "collect_invoice_payment": {"invoice_id": inv(1), "card_id": CARD_4242},
    "write_off_invoice": {"invoice_id": inv(2), "reason": "Goodwill"},
    "cancel_invoice_write_off": {"invoice_id": inv(8)},
    "update_invoice_address": {"invoice_id": inv(1), "billing_address": {"street": "1 Main St", "city": "Austin"}},
    "set_invoice_custom_fields_by_label": {
        "invoice_id": inv(1),
        "custom_fields": [{"label": "Cost Centre", "value": "CC-7"}],
    },
    "apply_credits_to_invoice": {
        "invoice_id": inv(1),
        "apply_creditnotes": [{"creditnote_id": CN_OPEN, "amount_applied": 40}],
    },
    "add_invoice_line_items": {
        "invoice_id": inv(7),
        "invoice_items": [{"product_id": USAGE, "price": 0.01, "quantity": 100}],
    },
    "delete_invoice_line_item": {"invoice_id": inv(7), "line_item_id": demo_id(208)},
    "attach_file_to_invoice": {"invoice_id": inv(1), "attachment": attachment(), "can_send_in_mail": True},
}

# (tool, arguments, words the refusal must contain): each a rule preflight refuses before sending.
REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("add_invoice_line_items", {**WRITE_CASES["add_invoice_line_items"], "invoice_id": inv(1)}, "102028"),
    ("delete_invoice_line_item", {"invoice_id": inv(1), "line_item_id": demo_id(201)}, "102028"),
    ("delete_invoice_line_item", {"invoice_id": inv(7), "line_item_id": demo_id(201)}, "is on the invoice"),
    ("delete_invoice", {"invoice_id": inv(3)}, "4001/12008"),  # a payment
    ("delete_invoice", {"invoice_id": inv(10)}, "4001/12008"),  # a credit
    ("delete_invoice", {"invoice_id": inv(4)}, "Status allows deleting"),
    ("update_invoice", {**WRITE_CASES["update_invoice"], "invoice_id": inv(3), "customer_id": BOWMAN}, "3009/3010"),
    (
        "update_invoice",
        {**WRITE_CASES["update_invoice"], "ignore_auto_number_generation": True},
        "invoice_number is given",
    ),
    ("void_invoice", {"invoice_id": inv(5)}, "Status allows voiding"),
    ("void_invoice", {"invoice_id": inv(6)}, "Status allows voiding"),
    ("mark_invoice_open", {"invoice_id": inv(1)}, "Status allows marking open"),
    ("mark_invoice_open", {"invoice_id": inv(6)}, "Status allows marking open"),
    ("write_off_invoice", {"invoice_id": inv(4)}, "unpaid balance"),
    ("cancel_invoice_write_off", {"invoice_id": inv(4)}, "has been written off"),
    ("cancel_invoice_write_off", {"invoice_id": inv(1)}, "Status allows cancelling"),
    ("collect_invoice_payment", {"invoice_id": inv(4), "card_id": CARD_4242}, "unpaid balance"),
    ("collect_invoice_payment", {"invoice_id": inv(1)}, "card_id=" + CARD_4242),  # lists the saved methods
    ("collect_invoice_payment", {"invoice_id": inv(1), "card_id": CARD_4242, "account_id": BANK_6789}, "Exactly one"),
    ("collect_invoice_payment", {"invoice_id": inv(1), "card_id": "999999"}, "is not; saved"),
    ("collect_invoice_payment", {"invoice_id": inv(1), "card_id": CARD_1111}, "expired 01/2020"),
    ("collect_invoice_payment", {"invoice_id": inv(9), "card_id": CARD_4242}, "none saved"),
    ("collect_invoice_payment", {"invoice_id": inv(5), "card_id": CARD_4242}, "Status allows collecting"),
    ("email_invoice", {**WRITE_CASES["email_invoice"], "invoice_id": inv(5)}, "Status allows emailing"),
    ("email_invoice", {**WRITE_CASES["email_invoice"], "invoice_id": inv(6)}, "Status allows emailing"),
    (
        "apply_credits_to_invoice",
        {"invoice_id": inv(1), "apply_creditnotes": [{"creditnote_id": CN_USED, "amount_applied": 10}]},
        "is open",
    ),
    (
        "apply_credits_to_invoice",
        {"invoice_id": inv(1), "apply_creditnotes": [{"creditnote_id": CN_LUMEN, "amount_applied": 10}]},
        "belongs to",
    ),
    (
        "apply_credits_to_invoice",
        {"invoice_id": inv(1), "apply_creditnotes": [{"creditnote_id": CN_OPEN, "amount_applied": 150}]},
        "fits credit note",
    ),
    (
        "apply_credits_to_invoice",
        {"invoice_id": inv(2), "apply_creditnotes": [{"creditnote_id": CN_OPEN, "amount_applied": 60}]},
        "fit the invoice balance",
    ),
    (
        "apply_credits_to_invoice",
        {"invoice_id": inv(4), "apply_creditnotes": [{"creditnote_id": CN_OPEN, "amount_applied": 10}]},
        "Status allows applying credits",
    ),
    (
        "create_invoice",
        {k: v for k, v in WRITE_CASES["create_invoice"].items() if k != "reference_number"},
        "reference_number",
    ),
    (
        "create_invoice",
        {**WRITE_CASES["create_invoice"], "ignore_auto_number_generation": True},
        "invoice_number is given",
    ),
    (
        "create_invoice",
        {**WRITE_CASES["create_invoice"], "ignore_auto_number_generation": True, "invoice_number": "INV-000003"},
        "is free",
    ),
    ("create_invoice", {**WRITE_CASES["create_invoice"], "customer_id": "123"}, "Customer 123 exists"),
    ("create_invoice", {**WRITE_CASES["create_invoice"], "reference_number": "PO-7781"}, "INV-000001 has it"),
    ("void_invoice", {"invoice_id": "999"}, "Invoice 999 exists"),
]


# The PUT by id takes a bare array; the catalog's planner sends an argument named ``body`` as the
# whole body only when it is told to (the explorer is; a catalog tool is not yet).
WHOLE_BODY_READY = isinstance(
    get_tool("update_invoice_custom_fields", "zoho").plan(WRITE_CASES["update_invoice_custom_fields"]).body, list
)
WHOLE_BODY_REASON = (
    "core: catalog ToolSpec.plan never passes whole_body to place_arguments, so the bare-array body of "
    "PUT /invoice/{id}/customfields goes out as {'body': [...]} (reported to the lead)"
)
BLOCKED: dict[str, str] = {
    **({} if MULTIPART_READY else {"attach_file_to_invoice": MULTIPART_REASON}),
    **({} if WHOLE_BODY_READY else {"update_invoice_custom_fields": WHOLE_BODY_REASON}),
}


def blocked(tool: str) -> Any:
    """The marks of a parameter for ``tool``: a strict xfail while a core gap stops it from sending."""
    return pytest.mark.xfail(strict=True, reason=BLOCKED[tool]) if tool in BLOCKED else ()
