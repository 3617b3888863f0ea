"""The sandbox tenant's records: accounts, invoices and their items, credit and debit memos.

Money is :class:`~decimal.Decimal` inside and a JSON number outside, rounded to cents as Zuora
shows it. Records are plain mutable dataclasses; only :mod:`zuora_mcp.providers.zuora.sandbox.tenant` and the rule
modules change them, and always after every check of a request has passed, so a refused request
never leaves a half-applied change behind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "Account",
    "Application",
    "CreditMemo",
    "DebitMemo",
    "GeneratedItems",
    "Invoice",
    "InvoiceFile",
    "InvoiceItem",
    "ItemList",
    "ItemStore",
    "MemoItem",
    "TaxationItem",
    "cents",
    "dec",
    "money",
]

CENT = Decimal("0.01")


def dec(value: Any) -> Decimal:
    """A Decimal from a JSON number or numeric string (floats go through ``str`` to stay exact)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> float:
    """How Zuora writes an amount in JSON: a number with at most two decimals."""
    return float(cents(value))


@dataclass
class Account:
    id: str
    account_number: str
    name: str
    currency: str
    status: str = "Active"
    payment_term: str = "Net 30"
    bill_cycle_day: int = 1
    auto_pay: bool = False
    bill_to: dict[str, Any] = field(default_factory=dict)
    sold_to: dict[str, Any] = field(default_factory=dict)
    additional_email_addresses: list[str] = field(default_factory=list)


@dataclass
class TaxationItem:
    id: str
    name: str
    tax_amount: Decimal
    tax_rate: Decimal
    tax_date: str
    tax_rate_type: str = "Percentage"
    jurisdiction: str = ""
    tax_code: str = ""
    location_code: str = ""
    country: str = ""
    balance: Decimal = Decimal(0)
    credited: Decimal = Decimal(0)  # by credit memos created from the invoice (availableToCreditAmount)
    payment_amount: Decimal = Decimal(0)
    credit_amount: Decimal = Decimal(0)  # applied credit

    @classmethod
    def from_fields(cls, raw: Mapping[str, Any], *, id: str, invoice_date: str) -> TaxationItem:
        """A taxation item from Zuora's camelCase fields (a create request's taxItems, or seed data)."""
        return cls(
            id=id,
            name=str(raw.get("name", "Sales Tax")),
            tax_amount=dec(raw["taxAmount"]),
            tax_rate=dec(raw.get("taxRate", 0)),
            tax_date=str(raw.get("taxDate", invoice_date)),
            tax_rate_type=str(raw.get("taxRateType", "Percentage")),
            jurisdiction=str(raw.get("jurisdiction", "")),
            tax_code=str(raw.get("taxCode", "")),
            location_code=str(raw.get("locationCode", "")),
            country=str(raw.get("country", "")),
        )


@dataclass
class InvoiceItem:
    id: str
    charge_name: str
    amount: Decimal  # chargeAmount, without tax
    service_start_date: str
    service_end_date: str | None = None
    description: str = ""
    sku: str = ""
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None
    uom: str = "Each"
    charge_date: str = ""
    tax_mode: str = "TaxExclusive"
    taxation_items: list[TaxationItem] = field(default_factory=list)
    balance: Decimal = Decimal(0)
    credited: Decimal = Decimal(0)
    debited: Decimal = Decimal(0)

    @property
    def tax_amount(self) -> Decimal:
        return sum((t.tax_amount for t in self.taxation_items), Decimal(0))


class ItemStore:
    """The items of one invoice. Two shapes: a plain list, or items generated on demand."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __iter__(self) -> Iterator[InvoiceItem]:
        raise NotImplementedError

    def page(self, offset: int, limit: int) -> list[InvoiceItem]:
        raise NotImplementedError

    def find(self, item_id: str) -> InvoiceItem | None:
        raise NotImplementedError

    def taxation_count(self) -> int:
        return sum(len(item.taxation_items) for item in self)

    def totals(self) -> tuple[Decimal, Decimal]:
        """(amount without tax, tax amount)."""
        without = Decimal(0)
        tax = Decimal(0)
        for item in self:
            without += item.amount
            tax += item.tax_amount
        return without, tax


class ItemList(ItemStore):
    def __init__(self, items: list[InvoiceItem] | None = None) -> None:
        self.items: list[InvoiceItem] = list(items or [])

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[InvoiceItem]:
        return iter(self.items)

    def page(self, offset: int, limit: int) -> list[InvoiceItem]:
        return self.items[offset : offset + limit]

    def find(self, item_id: str) -> InvoiceItem | None:
        return next((item for item in self.items if item.id == item_id), None)


class GeneratedItems(ItemStore):
    """``count`` identical one-line items made when asked for, so a 2,001-item invoice costs a few bytes.

    Item ``i`` has id ``<prefix><i:06d>``; an item is kept only once something changed it.
    """

    def __init__(self, prefix: str, count: int, amount: Decimal, service_start_date: str, charge_name: str) -> None:
        self.prefix = prefix
        self.count = count
        self.amount = amount
        self.service_start_date = service_start_date
        self.charge_name = charge_name
        self._touched: dict[int, InvoiceItem] = {}

    def _build(self, index: int) -> InvoiceItem:
        return InvoiceItem(
            id=f"{self.prefix}{index:06d}",
            charge_name=self.charge_name,
            amount=self.amount,
            service_start_date=self.service_start_date,
            description=f"{self.charge_name} #{index + 1}",
            sku="SKU-USAGE",
            quantity=Decimal(1),
            unit_price=self.amount,
            balance=self.amount,
        )

    def peek(self, index: int) -> InvoiceItem:
        """Item ``index`` for reading; a fresh copy unless it was changed before."""
        kept = self._touched.get(index)
        return kept if kept is not None else self._build(index)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[InvoiceItem]:
        return (self.peek(i) for i in range(self.count))

    def page(self, offset: int, limit: int) -> list[InvoiceItem]:
        return [self.peek(i) for i in range(offset, min(offset + limit, self.count))]

    def find(self, item_id: str) -> InvoiceItem | None:
        if not item_id.startswith(self.prefix):
            return None
        suffix = item_id[len(self.prefix) :]
        if not suffix.isdigit() or int(suffix) >= self.count:
            return None
        index = int(suffix)
        # Kept from here on: the caller may be about to change it, and a change must stick.
        return self._touched.setdefault(index, self._build(index))

    def taxation_count(self) -> int:
        return 0

    def totals(self) -> tuple[Decimal, Decimal]:
        return self.amount * self.count, Decimal(0)

    @property
    def kept(self) -> int:
        """How many items are held in memory (for tests of compactness)."""
        return len(self._touched)


@dataclass
class Application:
    """One application part of an invoice: a payment or a credit memo applied to it."""

    applied_amount: Decimal
    created_date: str
    payment_id: str | None = None
    credit_memo_id: str | None = None


@dataclass
class InvoiceFile:
    id: str
    version_number: int
    content: bytes = b""  # an uploaded PDF; seeded files are generated on read (file_rules)
    file_name: str = ""


@dataclass
class Invoice:
    id: str
    invoice_number: str
    account_id: str
    invoice_date: str
    due_date: str
    currency: str
    items: ItemStore
    status: str = "Draft"
    comments: str = ""
    auto_pay: bool = False
    payment_term: str = "Net 30"
    split: bool = False
    reversed: bool = False
    balance: Decimal = Decimal(0)
    payment_amount: Decimal = Decimal(0)
    credit_memo_amount: Decimal = Decimal(0)
    refund_amount: Decimal = Decimal(0)
    applications: list[Application] = field(default_factory=list)
    files: list[InvoiceFile] = field(default_factory=list)
    template_id: str | None = None
    transferred_to_accounting: str = "No"
    source_type: str = "Standalone"
    created_date: str = ""
    updated_date: str = ""
    posted_date: str | None = None
    last_email_sent_date: str | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)

    @property
    def amount_without_tax(self) -> Decimal:
        return self.items.totals()[0]

    @property
    def tax_amount(self) -> Decimal:
        return self.items.totals()[1]

    @property
    def amount(self) -> Decimal:
        without, tax = self.items.totals()
        return without + tax

    def item_count(self) -> int:
        """Items in total as Zuora counts them for its limits: invoice, discount and taxation items."""
        return len(self.items) + self.items.taxation_count()


@dataclass
class MemoItem:
    id: str
    amount: Decimal  # without tax
    sku_name: str
    source_item_id: str | None = None  # the invoice item it was made from
    description: str = ""
    service_start_date: str | None = None
    service_end_date: str | None = None
    tax_amount: Decimal = Decimal(0)
    source_tax_item_ids: list[str] = field(default_factory=list)


class _MemoTotals:
    """Totals both memo kinds derive from their items (amounts are without tax; tax is added)."""

    items: list[MemoItem]

    @property
    def tax_amount(self) -> Decimal:
        return sum((item.tax_amount for item in self.items), Decimal(0))

    @property
    def amount(self) -> Decimal:
        return sum((item.amount + item.tax_amount for item in self.items), Decimal(0))


@dataclass
class CreditMemo(_MemoTotals):
    id: str
    number: str
    account_id: str
    currency: str
    memo_date: str
    items: list[MemoItem]
    status: str = "Draft"
    reason_code: str = "Standard Adjustment"
    comment: str = ""
    referred_invoice_id: str | None = None
    applied_amount: Decimal = Decimal(0)
    refund_amount: Decimal = Decimal(0)
    auto_apply_upon_posting: bool = False
    exclude_from_auto_apply_rules: bool = False
    source: str = "AdhocFromInvoice"
    source_type: str = "Invoice"
    created_date: str = ""
    updated_date: str = ""
    posted_on: str | None = None

    @property
    def unapplied_amount(self) -> Decimal:
        return self.amount - self.applied_amount - self.refund_amount


@dataclass
class DebitMemo(_MemoTotals):
    id: str
    number: str
    account_id: str
    currency: str
    memo_date: str
    due_date: str
    items: list[MemoItem]
    status: str = "Draft"
    reason_code: str = "Charge Dispute"
    comment: str = ""
    referred_invoice_id: str | None = None
    balance: Decimal = Decimal(0)
    auto_pay: bool = False
    payment_term: str = "Net 30"
    source_type: str = "Invoice"
    created_date: str = ""
    updated_date: str = ""
    posted_on: str | None = None
