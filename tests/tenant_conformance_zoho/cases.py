"""For each of the 18 operations: a request the tenant must accept and one it must refuse.

Where the seed has a request example, the accepted request **is** that example, with Zoho's example
ids swapped for the demo organisation's (``SEED_IDS``) so the request reaches a real record; every
other field (including the many our tools do not expose) is sent as Zoho wrote it. Without the seed
(CI without /work/shared), a small request of the same shape stands in. Refusals mix the spec's
(a missing or mistyped field) and the rules' (a status or record that forbids the action).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zuora_mcp.providers.zoho.sandbox import demo_data as demo
from zuora_mcp.providers.zoho.sandbox.demo_data import BOWMAN, demo_id, invoice_id

INV1, INV2, INV3, INV5, INV6, INV7, INV8 = (invoice_id(n) for n in (1, 2, 3, 5, 6, 7, 8))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Zoho's example ids (and the one example label) → the demo organisation's records.
SEED_IDS: dict[Any, Any] = {
    "903000000000099": BOWMAN,
    982000000567003: demo_id(3),
    "7000000079434": demo.BASIC,
    "46000000012845": demo.PO_NUMBER,
    "9030000000000361": demo.BANK_6789,
    "9030000079876": demo.CN_OPEN,
    450: 40,  # the example applies 450.00 of credit; CN-00001 holds 100.00 and INV-000001 owes 240.00
}
SEED_LABEL = "PO Number"  # the examples' custom field label "string"


def from_seed(example: Any) -> Any:
    """The seed's example with its ids swapped for the demo organisation's (labels too)."""
    if isinstance(example, list):
        return [from_seed(item) for item in example]
    if isinstance(example, dict):
        out = {name: from_seed(value) for name, value in example.items()}
        if out.get("label") == "string":
            out["label"] = SEED_LABEL
        return out
    if isinstance(example, bool):
        return example
    return SEED_IDS.get(example, example)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] | None = None
    data: dict[str, str] | None = None


@dataclass(frozen=True)
class Case:
    operation_id: str
    accepted: Callable[[Any], Request]  # given the seed's request example (or None)
    refused: Request
    refusal_code: int  # the code the refusal must carry (4: the spec's; others: the rules')


SMALL_INVOICE = {
    "customer_id": BOWMAN,
    "date": "2025-06-01",
    "invoice_items": [{"product_id": demo.BASIC, "price": 50, "quantity": 1}],
}


def _example_or(default: Any) -> Callable[[Any], Any]:
    return lambda example: from_seed(example) if example is not None else copy.deepcopy(default)


def _with(build: Callable[[Any], Any], method: str, path: str, **more: Any) -> Callable[[Any], Request]:
    return lambda example: Request(method, path, json=build(example), **more)


def _plain(method: str, path: str, **more: Any) -> Callable[[Any], Request]:
    return lambda example: Request(method, path, **more)


def _attachment(name: str, content: bytes) -> dict[str, tuple[str, bytes, str]]:
    return {"attachment": (name, content, "application/octet-stream")}


CASES: tuple[Case, ...] = (
    Case(
        "create_invoice",
        _with(_example_or(SMALL_INVOICE), "POST", "/invoices"),
        Request("POST", "/invoices", json={"customer_id": BOWMAN, "date": "2025-06-01"}),
        4,
    ),
    Case(
        "list_invoices",
        _plain("GET", "/invoices", params={"filter_by": "Status.Unpaid", "customer_id": BOWMAN, "page": "1"}),
        Request("GET", "/invoices", params={"filter_by": "Status.Overdue"}),
        4,
    ),
    Case("get_invoice", _plain("GET", f"/invoices/{INV1}"), Request("GET", "/invoices/460000000000999"), 1002),
    Case(
        "update_invoice",
        _with(_example_or(SMALL_INVOICE), "PUT", f"/invoices/{INV1}"),
        Request("PUT", f"/invoices/{INV1}", json={"customer_id": BOWMAN, "invoice_items": []}),
        4,
    ),
    Case(
        "delete_invoice", _plain("DELETE", f"/invoices/{INV6}"), Request("DELETE", f"/invoices/{invoice_id(3)}"), 4001
    ),
    Case(
        "update_invoice_custom_fields_by_id",
        _with(
            _example_or([{"customfield_id": demo.PO_NUMBER, "value": "PO-1"}]), "PUT", f"/invoice/{INV1}/customfields"
        ),
        Request("PUT", f"/invoice/{INV1}/customfields", json=[{"customfield_id": demo.PO_NUMBER}]),
        4,
    ),
    Case(
        "convert_invoice_to_open",
        _plain("POST", f"/invoices/{INV5}/converttoopen"),
        Request("POST", f"/invoices/{INV1}/converttoopen"),
        990001,
    ),
    Case("void_invoice", _plain("POST", f"/invoices/{INV1}/void"), Request("POST", f"/invoices/{INV5}/void"), 990001),
    Case(
        "email_invoice",
        _with(
            _example_or({"to_mail_ids": ["a@example.com"], "subject": "Invoice", "body": "Attached."}),
            "POST",
            f"/invoices/{INV1}/email",
        ),
        Request("POST", f"/invoices/{INV1}/email", json={"to_mail_ids": ["a@example.com"], "body": "Attached."}),
        4,
    ),
    Case(
        "collect_invoice_payment",
        _with(_example_or({"account_id": demo.BANK_6789}), "POST", f"/invoices/{INV1}/collect"),
        Request("POST", f"/invoices/{INV1}/collect", json={"account_id": demo.BANK_6789, "card_id": demo.CARD_4242}),
        4,
    ),
    Case(
        "write_off_invoice",
        _with(_example_or({"reason": "Uncollectable"}), "POST", f"/invoices/{INV2}/writeoff"),
        Request("POST", f"/invoices/{INV2}/writeoff", json={"reason": 12}),
        4,
    ),
    Case(
        "cancel_invoice_write_off",
        _plain("POST", f"/invoices/{INV8}/cancelwriteoff"),
        Request("POST", f"/invoices/{INV1}/cancelwriteoff"),
        990001,
    ),
    Case(
        "update_invoice_address",
        _with(_example_or({"billing_address": {"city": "Salt Lake City"}}), "PUT", f"/invoices/{INV1}/address"),
        Request("PUT", f"/invoices/{INV1}/address", json={"billing_address": {"zip": [92612]}}),
        4,
    ),
    Case(
        "update_invoice_custom_fields_by_label",
        _with(
            _example_or({"custom_fields": [{"label": SEED_LABEL, "value": "PO-1"}]}),
            "POST",
            f"/invoices/{INV1}/customfields",
        ),
        Request("POST", f"/invoices/{INV1}/customfields", json={"custom_fields": [{"label": SEED_LABEL}]}),
        4,
    ),
    Case(
        "apply_credits_to_invoice",
        _with(
            _example_or({"apply_creditnotes": [{"creditnote_id": demo.CN_OPEN, "amount_applied": 40}]}),
            "POST",
            f"/invoices/{INV1}/credits",
        ),
        Request(
            "POST",
            f"/invoices/{INV1}/credits",
            json={"apply_creditnotes": [{"creditnote_id": demo.CN_OPEN, "amount_applied": "forty"}]},
        ),
        4,
    ),
    Case(
        "add_invoice_line_items",
        _with(
            _example_or({"invoice_items": [{"code": "UsageAddon", "price": 10, "quantity": 1}]}),
            "POST",
            f"/invoices/{INV7}/lineitems",
        ),
        Request("POST", f"/invoices/{INV1}/lineitems", json={"invoice_items": [{"code": "UsageAddon", "quantity": 1}]}),
        102028,
    ),
    Case(
        "delete_invoice_line_item",
        _plain("DELETE", f"/invoices/{INV7}/lineitems/{demo_id(208)}"),
        Request("DELETE", f"/invoices/{INV1}/lineitems/{demo_id(201)}"),
        102028,
    ),
    Case(
        "attach_file_to_invoice",
        _plain(
            "POST",
            f"/invoices/{INV1}/attachment",
            files=_attachment("agreement.pdf", PDF),
            data={"can_send_in_mail": "true"},
        ),
        Request("POST", f"/invoices/{INV1}/attachment", files=_attachment("tool.exe", b"MZ"), data={}),
        990005,
    ),
)
