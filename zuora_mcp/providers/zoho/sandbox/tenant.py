"""The state of one Zoho Billing organisation: records, id sequences, the outbox and the charges ledger.

The tenant is loaded from seed data (a JSON-shaped dict, see :mod:`.demo_data`) and can be reset
to it. Rules (:mod:`.invoice_rules`, :mod:`.money_rules`, :mod:`.item_rules`) check everything
first and only then change records, so a refusal changes nothing. The **outbox** holds every email
the organisation "sent"; the **charges ledger** holds every attempt the simulated gateway saw,
approved or declined. Neither exists in Zoho's API: they are how tests and the demo see side effects.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from zuora_mcp.providers.zoho.sandbox.dialect import ZohoError
from zuora_mcp.providers.zoho.sandbox.models import (
    AppliedCredit,
    BankAccount,
    Card,
    Comment,
    ContactPerson,
    CreditNote,
    Customer,
    CustomFieldDefinition,
    Document,
    Invoice,
    LineItem,
    Payment,
    Product,
)
from zuora_mcp.tenant_kit import Clock

__all__ = ["ID_BASE", "Tenant"]

ID_BASE = 460_000_000_000_000  # ids are 15-digit numeric strings, like Zoho's


def _customer(raw: Mapping[str, Any]) -> Customer:
    data = dict(raw)
    data["contact_persons"] = [ContactPerson(**c) for c in data.get("contact_persons", [])]
    data["cards"] = [Card(**c) for c in data.get("cards", [])]
    data["bank_accounts"] = [BankAccount(**b) for b in data.get("bank_accounts", [])]
    return Customer(**data)


def _invoice(raw: Mapping[str, Any], now: float) -> Invoice:
    data = dict(raw)
    data["line_items"] = [LineItem(**line) for line in data.get("line_items", [])]
    data["payments"] = [Payment(**p) for p in data.get("payments", [])]
    data["credits"] = [AppliedCredit(**c) for c in data.get("credits", [])]
    data["documents"] = [Document(**d) for d in data.get("documents", [])]
    data["comments"] = [Comment(**c) for c in data.get("comments", [])]
    data.setdefault("created_time", now)
    data.setdefault("updated_time", data["created_time"])
    return Invoice(**data)


class Tenant:
    """All records of the organisation. Not thread-safe: the app calls it from one event loop."""

    def __init__(self, seed: Mapping[str, Any], clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self._seed = copy.deepcopy(dict(seed))
        self.load(self._seed)

    def load(self, seed: Mapping[str, Any]) -> None:
        now = self.clock.now()
        self.organization_name = str(seed.get("organization_name", "Sandbox Organisation"))
        self.customers = {c.customer_id: c for c in map(_customer, seed.get("customers", []))}
        self.products = {p.product_id: p for p in (Product(**p) for p in seed.get("products", []))}
        self.credit_notes = {n.creditnote_id: n for n in (CreditNote(**n) for n in seed.get("creditnotes", []))}
        self.custom_fields = [CustomFieldDefinition(**f) for f in seed.get("custom_fields", [])]
        self.invoices = {i.invoice_id: i for i in (_invoice(raw, now) for raw in seed.get("invoices", []))}
        self._next_id = int(seed.get("next_id", ID_BASE + 900_000))
        self._next_number = int(seed.get("next_invoice_number", len(self.invoices) + 1))
        self.outbox: list[dict[str, Any]] = []
        self.charges: list[dict[str, Any]] = []

    def reset(self) -> None:
        self.load(copy.deepcopy(self._seed))

    # ---- sequences and time ------------------------------------------------------------------

    def new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def next_invoice_number(self) -> str:
        while True:
            number = f"INV-{self._next_number:06d}"
            self._next_number += 1
            if not self.number_taken(number):
                return number

    def number_taken(self, number: str, *, besides: str = "") -> bool:
        return any(i.invoice_number == number and i.invoice_id != besides for i in self.invoices.values())

    def today(self) -> str:
        return self.clock.today()

    def comment(self, invoice: Invoice, text: str) -> None:
        now = datetime.fromtimestamp(self.clock.now(), UTC)
        invoice.comments.append(Comment(self.new_id(), text, now.date().isoformat(), now.strftime("%I:%M %p")))

    def touch(self, invoice: Invoice) -> None:
        invoice.updated_time = self.clock.now()

    # ---- lookups -----------------------------------------------------------------------------

    def invoice(self, invoice_id: str) -> Invoice:
        found = self.invoices.get(invoice_id)
        if found is None:
            raise ZohoError(1002, "Invoice does not exist.", status=404)
        return found

    def customer(self, customer_id: str) -> Customer:
        found = self.customers.get(customer_id)
        if found is None:
            raise ZohoError(1002, "Customer does not exist.", status=404)
        return found

    def invoice_by_number(self, number: str) -> Invoice | None:
        return next((i for i in self.invoices.values() if i.invoice_number == number), None)
