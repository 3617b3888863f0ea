"""The route table under ``/billing/v1``: the 18 invoice operations of the spec, plus two reads
outside them that the product's preflight uses (a customer with its saved cards and bank accounts,
and a customer's credit notes)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zuora_mcp.providers.zoho.sandbox import invoice_rules as inv
from zuora_mcp.providers.zoho.sandbox import item_rules as items
from zuora_mcp.providers.zoho.sandbox import money_rules as cash
from zuora_mcp.providers.zoho.sandbox.calls import Call
from zuora_mcp.providers.zoho.sandbox.dialect import ok
from zuora_mcp.providers.zoho.sandbox.views import creditnote_json, customer_json

__all__ = ["API_PREFIX", "ROUTES", "Route", "match"]

API_PREFIX = "/billing/v1"


def get_customer(call: Call) -> dict[str, Any]:
    customer = call.tenant.customer(call.params["customer_id"])
    return ok("success", customer=customer_json(call.tenant, customer))


def list_credit_notes(call: Call) -> dict[str, Any]:
    wanted = call.query.get("customer_id")
    notes = [n for n in call.tenant.credit_notes.values() if wanted in (None, n.customer_id)]
    return ok(
        "success",
        creditnotes=[creditnote_json(call.tenant, n) for n in notes],
        page_context={"page": 1, "per_page": 200, "has_more_page": False},
    )


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Callable[[Call], Any]
    is_write: bool
    operation: str | None = None  # the spec's operationId; None for the reads outside the spec

    @property
    def label(self) -> str:
        return f"{self.method} {API_PREFIX}{self.template}"

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template) + "$")


ROUTES: tuple[Route, ...] = (
    Route("GET", "/invoices", inv.list_invoices, False, "list_invoices"),
    Route("POST", "/invoices", inv.create_invoice, True, "create_invoice"),
    Route("GET", "/invoices/{invoice_id}", items.get_invoice, False, "get_invoice"),
    Route("PUT", "/invoices/{invoice_id}", inv.update_invoice, True, "update_invoice"),
    Route("DELETE", "/invoices/{invoice_id}", inv.delete_invoice, True, "delete_invoice"),
    Route(
        "PUT",
        "/invoice/{invoice_id}/customfields",
        items.update_custom_fields_by_id,
        True,
        "update_invoice_custom_fields_by_id",  # the singular /invoice/ is Zoho's own
    ),
    Route("POST", "/invoices/{invoice_id}/converttoopen", inv.convert_to_open, True, "convert_invoice_to_open"),
    Route("POST", "/invoices/{invoice_id}/void", inv.void_invoice, True, "void_invoice"),
    Route("POST", "/invoices/{invoice_id}/email", cash.email_invoice, True, "email_invoice"),
    Route("POST", "/invoices/{invoice_id}/collect", cash.collect, True, "collect_invoice_payment"),
    Route("POST", "/invoices/{invoice_id}/writeoff", inv.write_off, True, "write_off_invoice"),
    Route("POST", "/invoices/{invoice_id}/cancelwriteoff", inv.cancel_write_off, True, "cancel_invoice_write_off"),
    Route("PUT", "/invoices/{invoice_id}/address", items.update_address, True, "update_invoice_address"),
    Route(
        "POST",
        "/invoices/{invoice_id}/customfields",
        items.update_custom_fields_by_label,
        True,
        "update_invoice_custom_fields_by_label",
    ),
    Route("POST", "/invoices/{invoice_id}/credits", cash.apply_credits, True, "apply_credits_to_invoice"),
    Route("POST", "/invoices/{invoice_id}/lineitems", items.add_line_items, True, "add_invoice_line_items"),
    Route(
        "DELETE",
        "/invoices/{invoice_id}/lineitems/{line_item_id}",
        items.delete_line_item,
        True,
        "delete_invoice_line_item",
    ),
    Route("POST", "/invoices/{invoice_id}/attachment", items.attach_file, True, "attach_file_to_invoice"),
    Route("GET", "/customers/{customer_id}", get_customer, False),
    Route("GET", "/creditnotes", list_credit_notes, False),
)
_COMPILED = [(route, route.pattern) for route in ROUTES]


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """(route, path parameters, whether the path exists for some other method); ``path`` is
    relative to ``/billing/v1``."""
    known = False
    for route, pattern in _COMPILED:
        found = pattern.match(path)
        if found is None:
            continue
        if route.method == method:
            return route, found.groupdict(), True
        known = True
    return None, {}, known
