"""The records of the Zoho tenant and the arithmetic Zoho derives from them.

An invoice stores a *state* (``draft``, ``pending``, ``open`` or ``void``) and its lines, payments,
applied credits and write-off; ``total``, ``balance`` and the *status* Zoho shows are computed, so
they can never disagree. An open invoice shows ``paid`` once its balance is 0 (a write-off included:
"When you Write Off an invoice it will be marked as Paid", KB P6), ``partially_paid`` once something
was paid or credited, ``overdue`` past its due date, else ``sent``. ``open`` is the seed's word for a
payable invoice and is never shown (spec ``x-zoho-invoice-statuses``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AppliedCredit",
    "BankAccount",
    "Card",
    "Comment",
    "ContactPerson",
    "CreditNote",
    "CustomFieldDefinition",
    "Customer",
    "Document",
    "Invoice",
    "LineItem",
    "Payment",
    "Product",
    "discount_amount",
]


@dataclass
class Card:
    card_id: str
    last_four_digits: str
    card_type: str = "visa"
    expiry_month: int = 12
    expiry_year: int = 2030
    payment_gateway: str = "stripe"
    status: str = "active"
    is_primary: bool = False
    declines: bool = False  # the simulated gateway declines every charge on it (a test card)


@dataclass
class BankAccount:
    account_id: str
    last_four_digits: str
    account_type: str = "checking"
    bank_name: str = "Sandbox Bank"
    payment_gateway: str = "stripe"
    status: str = "active"
    is_primary: bool = False
    declines: bool = False


@dataclass
class ContactPerson:
    contactperson_id: str
    first_name: str
    last_name: str
    email: str
    is_primary_contact: bool = False


@dataclass
class Customer:
    customer_id: str
    display_name: str
    email: str
    company_name: str = ""
    currency_code: str = "USD"
    contact_persons: list[ContactPerson] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    bank_accounts: list[BankAccount] = field(default_factory=list)
    unused_credits: float = 0.0  # excess payments, e.g. detached from a voided invoice


@dataclass
class Product:
    product_id: str
    name: str
    code: str
    price: float


@dataclass
class CreditNote:
    creditnote_id: str
    creditnote_number: str
    customer_id: str
    date: str
    total: float
    balance: float
    status: str = "open"  # open | closed | void


@dataclass
class CustomFieldDefinition:
    customfield_id: str
    label: str
    data_type: str = "string"
    index: int = 1


@dataclass
class LineItem:
    item_id: str
    product_id: str
    name: str
    price: float
    quantity: float = 1.0
    code: str = ""
    description: str = ""
    unit: str = ""
    discount_amount: float = 0.0
    tax_percentage: float = 0.0
    tax_name: str = ""
    tax_id: str = ""
    # Fields the spec accepts on a line that the tenant keeps as given and answers back (project_id,
    # expense_id, time_entry_ids, item_order, tax_exemption_id, discount as written).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def item_total(self) -> float:
        return round(self.price * self.quantity - self.discount_amount, 2)

    @property
    def tax(self) -> float:
        return round(self.item_total * self.tax_percentage / 100, 2)


@dataclass
class Payment:
    payment_id: str
    invoice_payment_id: str
    amount: float
    date: str
    payment_mode: str = "autotransaction"
    description: str = ""
    reference_number: str = ""
    gateway_transaction_id: str = ""
    payment_gateway: str = ""
    autotransaction_id: str = ""
    card_id: str = ""
    account_id: str = ""


@dataclass
class AppliedCredit:
    creditnotes_invoice_id: str
    creditnote_id: str
    creditnote_number: str
    amount: float
    date: str


@dataclass
class Document:
    document_id: str
    file_name: str
    file_type: str
    file_size: int
    attachment_order: int
    can_send_in_mail: bool = False
    content: bytes = field(default=b"", repr=False)


@dataclass
class Comment:
    comment_id: str
    description: str
    date: str
    time: str


def discount_amount(raw: Any, gross: float) -> float:
    """A discount as written (``10``, ``"10"``, ``"12.5%"``) as an amount of ``gross``; 0 when unreadable
    (the spec's pattern has refused such text before a rule reads it)."""
    if isinstance(raw, bool) or raw is None or raw == "":
        return 0.0
    text = str(raw).strip()
    try:
        if text.endswith("%"):
            return round(gross * float(text[:-1].strip()) / 100, 2)
        return round(float(text), 2)
    except ValueError:
        return 0.0


@dataclass
class Invoice:
    invoice_id: str
    invoice_number: str
    customer_id: str
    date: str
    due_date: str
    state: str  # draft | pending | open | void
    line_items: list[LineItem]
    created_time: float
    updated_time: float
    payment_terms: int = 0
    payment_terms_label: str = "Due on Receipt"
    reference_number: str = ""
    subscription_id: str = ""
    transaction_type: str = "new"
    currency_code: str = "USD"
    contact_person_ids: list[str] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    credits: list[AppliedCredit] = field(default_factory=list)
    write_off_amount: float = 0.0
    shipping_charge: float = 0.0
    adjustment: float = 0.0
    billing_address: dict[str, Any] = field(default_factory=dict)
    shipping_address: dict[str, Any] = field(default_factory=dict)
    custom_fields: dict[str, str] = field(default_factory=dict)  # customfield_id → value
    documents: list[Document] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    notes: str = ""
    terms: str = ""
    salesperson_name: str = ""
    is_emailed: bool = False
    # The invoice-level discount as written (an amount, or "12.5%" of the sub total); it counts
    # unless discount_type is item_level (then the lines' own discounts are the discount). Tax is
    # computed on the lines as they are: the sandbox does not re-spread a before-tax discount.
    discount: float | str = 0
    discount_type: str = "entity_level"
    is_discount_before_tax: bool = True
    # Fields the spec accepts that the tenant keeps as given and answers back (template_id, ...).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sub_total(self) -> float:
        return round(sum(line.item_total for line in self.line_items), 2)

    @property
    def discount_total(self) -> float:
        if self.discount_type == "item_level":
            return 0.0
        return discount_amount(self.discount, self.sub_total)

    @property
    def tax_total(self) -> float:
        return round(sum(line.tax for line in self.line_items), 2)

    @property
    def total(self) -> float:
        return round(self.sub_total - self.discount_total + self.tax_total + self.shipping_charge + self.adjustment, 2)

    @property
    def payment_made(self) -> float:
        return round(sum(payment.amount for payment in self.payments), 2)

    @property
    def credits_applied(self) -> float:
        return round(sum(credit.amount for credit in self.credits), 2)

    @property
    def balance(self) -> float:
        if self.state == "void":
            return 0.0
        return round(self.total - self.payment_made - self.credits_applied - self.write_off_amount, 2)

    def status(self, today: str) -> str:
        if self.state != "open":
            return self.state
        if self.balance <= 0:
            return "paid"
        if self.payment_made > 0 or self.credits_applied > 0:
            return "partially_paid"
        if self.due_date < today:
            return "overdue"
        return "sent"
