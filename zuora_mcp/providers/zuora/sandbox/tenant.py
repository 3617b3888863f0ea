"""The sandbox tenant: every record, looked up by ID or number, and the sandbox clock.

A :class:`Tenant` is built from seed data (the built-in demo, or a JSON file of the same shape,
see :mod:`zuora_mcp.providers.zuora.sandbox.demo_data`) and can be reset to it. Ids are 32 lower-case hex
characters and numbers follow Zuora's default sequences (``INV00000001``, ``CM00000001``,
``DM00000001``); new ones are drawn from per-tenant counters, so a run is reproducible.
The business rules that change records live in :mod:`.invoice_rules` and :mod:`.memo_rules`.
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from zuora_mcp.providers.zuora.sandbox.dialect import Refusal
from zuora_mcp.providers.zuora.sandbox.models import (
    Account,
    Application,
    CreditMemo,
    DebitMemo,
    GeneratedItems,
    Invoice,
    InvoiceFile,
    InvoiceItem,
    ItemList,
    MemoItem,
    TaxationItem,
    dec,
)

__all__ = ["Clock", "Tenant", "add_days"]


class Clock:
    """The sandbox's notion of now. Tests move it forward instead of sleeping."""

    def __init__(self, start: float | None = None) -> None:
        self._start = start
        self._offset = 0.0

    def now(self) -> float:
        base = self._start if self._start is not None else time.time()
        return base + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def today(self) -> str:
        return datetime.fromtimestamp(self.now(), UTC).date().isoformat()

    def timestamp(self) -> str:
        return datetime.fromtimestamp(self.now(), UTC).strftime("%Y-%m-%d %H:%M:%S")


def add_days(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def net_days(payment_term: str) -> int:
    """``Net 30`` → 30; ``Due Upon Receipt`` → 0."""
    digits = "".join(ch for ch in payment_term if ch.isdigit())
    return int(digits) if digits else 0


class Tenant:
    """All records of the sandbox tenant. Not thread-safe: the app calls it from one event loop."""

    def __init__(self, seed: Mapping[str, Any], clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self._seed = copy.deepcopy(dict(seed))
        self.load(self._seed)

    # ---- lifecycle -------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seed data, as if just started (the clock is kept)."""
        self.load(self._seed)

    def load(self, seed: Mapping[str, Any]) -> None:
        self.accounts: dict[str, Account] = {}
        self.invoices: dict[str, Invoice] = {}
        self.credit_memos: dict[str, CreditMemo] = {}
        self.debit_memos: dict[str, DebitMemo] = {}
        self.emails: list[dict[str, Any]] = []
        self.deleted_invoices: list[str] = []
        self._id_seq = 0
        self._numbers = {"invoice": 0, "credit_memo": 0, "debit_memo": 0}
        for raw in seed.get("accounts", []):
            self._load_account(raw)
        for raw in seed.get("invoices", []):
            self._load_invoice(raw)
        for raw in seed.get("creditMemos", []):
            self._load_credit_memo(raw)
        for raw in seed.get("debitMemos", []):
            self._load_debit_memo(raw)

    # ---- transactions ----------------------------------------------------------------------

    _STATE = (
        "accounts",
        "invoices",
        "credit_memos",
        "debit_memos",
        "emails",
        "deleted_invoices",
        "_id_seq",
        "_numbers",
    )
    _TABLES = ("invoices", "credit_memos", "debit_memos")

    def snapshot(self, touched: Iterable[str] | None = None) -> dict[str, Any]:
        """What :meth:`restore` needs to undo a write that failed.

        ``touched``: the ids or numbers of the records the write names (path and body). A write
        changes only those records, adds records and appends to lists, so the tables are copied
        shallowly and only the named records deeply: the cost does not grow with the tenant (a
        deep copy of 2,000 invoices takes ~150 ms). ``None`` copies everything deeply (tests).
        """
        if touched is None:
            return copy.deepcopy({name: getattr(self, name) for name in self._STATE})
        state: dict[str, Any] = {name: copy.copy(getattr(self, name)) for name in self._STATE}
        records: dict[tuple[str, str], Any] = {}
        by_number: dict[str, dict[str, Any]] = {}  # built once per table, only if a key is not an id
        for key in set(touched):
            for table in self._TABLES:
                rows: dict[str, Any] = getattr(self, table)
                record = rows.get(key)
                if record is None:
                    if table not in by_number:
                        field = "invoice_number" if table == "invoices" else "number"
                        by_number[table] = {getattr(r, field): r for r in rows.values()}
                    record = by_number[table].get(key)
                if record is not None:
                    records[(table, record.id)] = copy.deepcopy(record)
        state["_records"] = records
        return state

    def restore(self, state: dict[str, Any]) -> None:
        for name in self._STATE:
            setattr(self, name, state[name])
        for (table, record_id), record in state.get("_records", {}).items():
            getattr(self, table)[record_id] = record

    # ---- ids and numbers -------------------------------------------------------------------

    def new_id(self, kind: str) -> str:
        self._id_seq += 1
        digest = hashlib.sha256(f"sandbox:{kind}:{self._id_seq}".encode()).hexdigest()
        return "8a" + digest[:30]

    def next_number(self, kind: str) -> str:
        self._numbers[kind] += 1
        prefix = {"invoice": "INV", "credit_memo": "CM", "debit_memo": "DM"}[kind]
        return f"{prefix}{self._numbers[kind]:08d}"

    def _note_number(self, kind: str, number: str) -> None:
        digits = "".join(ch for ch in number if ch.isdigit())
        if digits:
            self._numbers[kind] = max(self._numbers[kind], int(digits))

    # ---- lookups (ID or number) ------------------------------------------------------------

    def account(self, key: str) -> Account:
        found = self.accounts.get(key) or next((a for a in self.accounts.values() if a.account_number == key), None)
        if found is None:
            raise Refusal.not_found("account", key)
        return found

    def find_account(self, key: str) -> Account | None:
        try:
            return self.account(key)
        except Refusal:
            return None

    def invoice(self, key: str) -> Invoice:
        found = self.invoices.get(key) or next((i for i in self.invoices.values() if i.invoice_number == key), None)
        if found is None:
            raise Refusal.not_found("invoice", key)
        return found

    def credit_memo(self, key: str) -> CreditMemo:
        found = self.credit_memos.get(key) or next((m for m in self.credit_memos.values() if m.number == key), None)
        if found is None:
            raise Refusal.not_found("credit_memo", key)
        return found

    def debit_memo(self, key: str) -> DebitMemo:
        found = self.debit_memos.get(key) or next((m for m in self.debit_memos.values() if m.number == key), None)
        if found is None:
            raise Refusal.not_found("debit_memo", key)
        return found

    def invoice_number_taken(self, number: str) -> bool:
        return any(i.invoice_number == number for i in self.invoices.values())

    # ---- seed loading ----------------------------------------------------------------------

    def _load_account(self, raw: Mapping[str, Any]) -> None:
        account = Account(
            id=str(raw["id"]),
            account_number=str(raw["accountNumber"]),
            name=str(raw.get("name", raw["accountNumber"])),
            currency=str(raw.get("currency", "USD")),
            status=str(raw.get("status", "Active")),
            payment_term=str(raw.get("paymentTerm", "Net 30")),
            bill_cycle_day=int(raw.get("billCycleDay", 1)),
            auto_pay=bool(raw.get("autoPay", False)),
            bill_to=dict(raw.get("billToContact", {})),
            sold_to=dict(raw.get("soldToContact", raw.get("billToContact", {}))),
            additional_email_addresses=list(raw.get("additionalEmailAddresses", [])),
        )
        self.accounts[account.id] = account

    def _load_invoice(self, raw: Mapping[str, Any]) -> None:
        account = self.account(str(raw.get("accountId") or raw["accountNumber"]))
        invoice_id = str(raw["id"])
        invoice_date = str(raw["invoiceDate"])
        generated = raw.get("generatedItems")
        items: ItemList | GeneratedItems
        if generated:
            items = GeneratedItems(
                prefix=str(generated.get("idPrefix", invoice_id[:26])),
                count=int(generated["count"]),
                amount=dec(generated["amount"]),
                service_start_date=str(generated.get("serviceStartDate", invoice_date)),
                charge_name=str(generated.get("chargeName", "Usage")),
            )
        else:
            items = ItemList([self._load_item(r, invoice_date) for r in raw.get("items", [])])
        invoice = Invoice(
            id=invoice_id,
            invoice_number=str(raw["invoiceNumber"]),
            account_id=account.id,
            invoice_date=invoice_date,
            due_date=str(raw.get("dueDate") or add_days(invoice_date, net_days(account.payment_term))),
            currency=str(raw.get("currency", account.currency)),
            items=items,
            status=str(raw.get("status", "Posted")),
            comments=str(raw.get("comments", "")),
            auto_pay=bool(raw.get("autoPay", False)),
            payment_term=account.payment_term,
            split=bool(raw.get("split", False)),
            reversed=bool(raw.get("reversed", False)),
            files=[InvoiceFile(str(f["id"]), int(f.get("versionNumber", 1))) for f in raw.get("files", [])],
            created_date=f"{invoice_date} 09:00:00",
            updated_date=f"{invoice_date} 09:00:00",
            posted_date=invoice_date if raw.get("status", "Posted") == "Posted" else None,
        )
        invoice.balance = invoice.amount
        for item in invoice.items:
            item.balance = item.amount
            for tax in item.taxation_items:
                tax.balance = tax.tax_amount
        for payment in raw.get("payments", []):
            amount = dec(payment["amount"])
            invoice.payment_amount += amount
            invoice.balance -= amount
            settle_items(invoice, amount, kind="payment")
            invoice.applications.append(
                Application(amount, f"{payment.get('date', invoice_date)} 10:00:00", payment_id=str(payment["id"]))
            )
        self.invoices[invoice.id] = invoice
        self._note_number("invoice", invoice.invoice_number)

    @staticmethod
    def _load_item(raw: Mapping[str, Any], invoice_date: str) -> InvoiceItem:
        quantity = dec(raw.get("quantity", 1))
        amount = dec(raw["amount"]) if "amount" in raw else dec(raw["unitPrice"]) * quantity
        taxes = [
            TaxationItem.from_fields(t, id=str(t["id"]), invoice_date=invoice_date)
            for t in raw.get("taxationItems", [])
        ]
        return InvoiceItem(
            id=str(raw["id"]),
            charge_name=str(raw.get("chargeName", "Charge")),
            amount=amount,
            service_start_date=str(raw.get("serviceStartDate", invoice_date)),
            service_end_date=raw.get("serviceEndDate"),
            description=str(raw.get("description", "")),
            sku=str(raw.get("sku", "")),
            quantity=quantity,
            unit_price=dec(raw["unitPrice"]) if "unitPrice" in raw else amount / quantity if quantity else amount,
            uom=str(raw.get("uom", "Each")),
            charge_date=f"{invoice_date} 09:00:00",
            taxation_items=taxes,
        )

    def _memo_items(self, raw: Mapping[str, Any], kind: str) -> list[MemoItem]:
        return [
            MemoItem(
                id=str(r.get("id") or self.new_id(kind)),
                amount=dec(r["amount"]),
                sku_name=str(r.get("skuName", "SKU")),
                source_item_id=r.get("invoiceItemId"),
                description=str(r.get("description", "")),
                tax_amount=dec(r.get("taxAmount", 0)),
            )
            for r in raw.get("items", [])
        ]

    def _load_credit_memo(self, raw: Mapping[str, Any]) -> None:
        account = self.account(str(raw.get("accountId") or raw["accountNumber"]))
        memo = CreditMemo(
            id=str(raw["id"]),
            number=str(raw["number"]),
            account_id=account.id,
            currency=account.currency,
            memo_date=str(raw["creditMemoDate"]),
            items=self._memo_items(raw, "credit_memo_item"),
            status=str(raw.get("status", "Posted")),
            reason_code=str(raw.get("reasonCode", "Standard Adjustment")),
            comment=str(raw.get("comment", "")),
            referred_invoice_id=raw.get("referredInvoiceId"),
            applied_amount=dec(raw.get("appliedAmount", 0)),
            source="API",
            source_type="Standalone",
            created_date=f"{raw['creditMemoDate']} 09:00:00",
            updated_date=f"{raw['creditMemoDate']} 09:00:00",
        )
        self.credit_memos[memo.id] = memo
        self._note_number("credit_memo", memo.number)

    def _load_debit_memo(self, raw: Mapping[str, Any]) -> None:
        account = self.account(str(raw.get("accountId") or raw["accountNumber"]))
        memo_date = str(raw["debitMemoDate"])
        memo = DebitMemo(
            id=str(raw["id"]),
            number=str(raw["number"]),
            account_id=account.id,
            currency=account.currency,
            memo_date=memo_date,
            due_date=str(raw.get("dueDate") or add_days(memo_date, net_days(account.payment_term))),
            items=self._memo_items(raw, "debit_memo_item"),
            status=str(raw.get("status", "Posted")),
            reason_code=str(raw.get("reasonCode", "Charge Dispute")),
            comment=str(raw.get("comment", "")),
            referred_invoice_id=raw.get("referredInvoiceId"),
            source_type="Standalone",
            created_date=f"{memo_date} 09:00:00",
            updated_date=f"{memo_date} 09:00:00",
        )
        memo.balance = dec(raw["balance"]) if "balance" in raw else memo.amount
        self.debit_memos[memo.id] = memo
        self._note_number("debit_memo", memo.number)


def settle_items(invoice: Invoice, amount: Decimal, *, kind: str) -> None:
    """Spread ``amount`` over the invoice's item and tax balances, first item first.

    ``kind`` is ``payment`` or ``credit`` (which per-tax total to raise). Zuora's default
    application rule; the invoice's own balance is changed by the caller.
    """
    left = amount
    for item in invoice.items:
        if left <= 0:
            break
        if item.balance <= 0 and all(t.balance <= 0 for t in item.taxation_items):
            continue
        target = invoice.items.find(item.id) or item  # generated items: keep the one we change
        take = min(left, target.balance)
        target.balance -= take
        left -= take
        for tax in target.taxation_items:
            if left <= 0:
                break
            part = min(left, tax.balance)
            tax.balance -= part
            left -= part
            if kind == "payment":
                tax.payment_amount += part
            else:
                tax.credit_amount += part
