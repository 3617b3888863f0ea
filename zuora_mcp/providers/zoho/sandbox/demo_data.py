"""The demo organisation: deterministic seed data covering every rule (table in the package docstring).

Dates are relative to the tenant clock's day (``demo_seed(today)``), so "sent" stays sent and
"overdue" stays overdue whatever the day; fix the clock (``ZohoSandboxOptions(clock_start=...)``) for
byte-identical answers. Ids are stable: ``demo_id(7)`` is the id numbered 7 below.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from zuora_mcp.errors import ConfigError
from zuora_mcp.providers.zoho.sandbox.tenant import ID_BASE

__all__ = ["BOWMAN", "LUMEN", "demo_id", "demo_seed", "invoice_id", "load_seed"]


def demo_id(n: int) -> str:
    return str(ID_BASE + n)


BOWMAN, LUMEN = demo_id(1), demo_id(2)
CARD_4242, CARD_0002, CARD_1111, BANK_6789 = demo_id(11), demo_id(12), demo_id(13), demo_id(14)
BASIC, PRO, SETUP, USAGE = demo_id(21), demo_id(22), demo_id(23), demo_id(24)
CN_OPEN, CN_USED, CN_LUMEN = demo_id(31), demo_id(32), demo_id(33)
PO_NUMBER, COST_CENTRE = demo_id(41), demo_id(42)
SUBSCRIPTION = demo_id(51)


def invoice_id(n: int) -> str:
    """The id of demo invoice ``INV-00000n``."""
    return demo_id(100 + n)


def _line(n: int, product: str, name: str, price: float, quantity: float = 1, tax: float = 0) -> dict[str, Any]:
    line: dict[str, Any] = {"item_id": demo_id(200 + n), "product_id": product, "name": name, "price": price}
    line["quantity"] = quantity
    if tax:
        line.update(tax_name="Sales Tax", tax_percentage=tax, tax_id=demo_id(60))
    return line


def _payment(n: int, amount: float, day: str, card: str = CARD_4242) -> dict[str, Any]:
    return {
        "payment_id": demo_id(300 + n),
        "invoice_payment_id": demo_id(320 + n),
        "amount": amount,
        "date": day,
        "gateway_transaction_id": f"SBX{n:09d}",
        "payment_gateway": "stripe",
        "autotransaction_id": demo_id(340 + n),
        "card_id": card,
    }


def demo_seed(today: str = "2025-06-01") -> dict[str, Any]:
    """The demo organisation as seed data, with dates around ``today``."""

    def day(offset: int) -> str:
        return (date.fromisoformat(today) + timedelta(days=offset)).isoformat()

    def invoice(
        n: int, customer: str, state: str, issued: int, due: int, lines: list[dict[str, Any]], **more: Any
    ) -> dict[str, Any]:
        return {
            "invoice_id": invoice_id(n),
            "invoice_number": f"INV-{n:06d}",
            "customer_id": customer,
            "date": day(issued),
            "due_date": day(due),
            "state": state,
            "line_items": lines,
            "payment_terms": due - issued,
            "payment_terms_label": f"Net {due - issued}" if due > issued else "Due on Receipt",
            "contact_person_ids": [demo_id(3), demo_id(4)] if customer == BOWMAN else [demo_id(5)],
            **more,
        }

    return {
        "organization_name": "Zylker Billing (sandbox)",
        "customers": [
            {
                "customer_id": BOWMAN,
                "display_name": "Bowman Furniture",
                "company_name": "Bowman Furniture",
                "email": "benjamin.george@bowmanfurniture.com",
                "contact_persons": [
                    {
                        "contactperson_id": demo_id(3),
                        "first_name": "Benjamin",
                        "last_name": "George",
                        "email": "benjamin.george@bowmanfurniture.com",
                        "is_primary_contact": True,
                    },
                    {
                        "contactperson_id": demo_id(4),
                        "first_name": "Paul",
                        "last_name": "Ward",
                        "email": "paul@bowmanfurniture.com",
                    },
                ],
                "cards": [
                    {
                        "card_id": CARD_4242,
                        "last_four_digits": "4242",
                        "card_type": "visa",
                        "expiry_month": 12,
                        "expiry_year": 2099,
                        "is_primary": True,
                    },
                    {
                        "card_id": CARD_0002,
                        "last_four_digits": "0002",
                        "card_type": "visa",
                        "expiry_month": 12,
                        "expiry_year": 2099,
                        "declines": True,
                    },
                    {
                        "card_id": CARD_1111,
                        "last_four_digits": "1111",
                        "card_type": "mastercard",
                        "expiry_month": 1,
                        "expiry_year": 2020,
                    },
                ],
                "bank_accounts": [
                    {
                        "account_id": BANK_6789,
                        "last_four_digits": "6789",
                        "account_type": "checking",
                        "bank_name": "First Sandbox Bank",
                        "payment_gateway": "gocardless",
                    },
                ],
            },
            {
                "customer_id": LUMEN,
                "display_name": "Lumen Cafe",
                "company_name": "Lumen Cafe Ltd",
                "email": "accounts@lumencafe.example",
                "contact_persons": [
                    {
                        "contactperson_id": demo_id(5),
                        "first_name": "Ada",
                        "last_name": "Lumen",
                        "email": "accounts@lumencafe.example",
                        "is_primary_contact": True,
                    },
                ],
            },
        ],
        "products": [
            {"product_id": BASIC, "name": "Basic", "code": "basic-monthly", "price": 50},
            {"product_id": PRO, "name": "Pro", "code": "pro-monthly", "price": 120},
            {"product_id": SETUP, "name": "Setup fee", "code": "setup", "price": 200},
            {"product_id": USAGE, "name": "API calls", "code": "UsageAddon", "price": 0.01},
        ],
        "custom_fields": [
            {"customfield_id": PO_NUMBER, "label": "PO Number", "index": 1},
            {"customfield_id": COST_CENTRE, "label": "Cost Centre", "index": 2},
        ],
        "creditnotes": [
            {
                "creditnote_id": CN_OPEN,
                "creditnote_number": "CN-00001",
                "customer_id": BOWMAN,
                "date": day(-20),
                "total": 100,
                "balance": 100,
            },
            {
                "creditnote_id": CN_USED,
                "creditnote_number": "CN-00002",
                "customer_id": BOWMAN,
                "date": day(-40),
                "total": 50,
                "balance": 0,
                "status": "closed",
            },
            {
                "creditnote_id": CN_LUMEN,
                "creditnote_number": "CN-00003",
                "customer_id": LUMEN,
                "date": day(-5),
                "total": 30,
                "balance": 30,
            },
        ],
        "invoices": [
            invoice(
                1,
                BOWMAN,
                "open",
                -5,
                25,
                [_line(1, PRO, "Pro", 120, 2)],
                subscription_id=SUBSCRIPTION,
                reference_number="PO-7781",
                custom_fields={PO_NUMBER: "PO-7781"},
            ),
            invoice(2, BOWMAN, "open", -40, -10, [_line(2, BASIC, "Basic", 50, 1, tax=10)]),
            invoice(
                3, BOWMAN, "open", -10, 20, [_line(3, SETUP, "Setup fee", 200)], payments=[_payment(1, 80, day(-8))]
            ),
            invoice(4, BOWMAN, "open", -35, -5, [_line(4, PRO, "Pro", 120)], payments=[_payment(2, 120, day(-30))]),
            invoice(5, LUMEN, "void", -60, -30, [_line(5, BASIC, "Basic", 50)]),
            invoice(6, LUMEN, "draft", -1, 29, [_line(6, BASIC, "Basic", 50)]),
            invoice(
                7,
                BOWMAN,
                "pending",
                0,
                30,
                [_line(7, BASIC, "Basic", 50), _line(8, USAGE, "API calls", 0.01, 1000)],
                subscription_id=SUBSCRIPTION,
                transaction_type="renewal",
            ),
            invoice(8, LUMEN, "open", -90, -60, [_line(9, BASIC, "Basic", 75)], write_off_amount=75),
            invoice(9, LUMEN, "open", -2, 28, [_line(10, PRO, "Pro", 90)]),
            invoice(
                10,
                BOWMAN,
                "open",
                -45,
                15,
                [_line(11, BASIC, "Basic", 100)],
                credits=[
                    {
                        "creditnotes_invoice_id": demo_id(400),
                        "creditnote_id": CN_USED,
                        "creditnote_number": "CN-00002",
                        "amount": 50,
                        "date": day(-40),
                    }
                ],
            ),
        ],
        "next_id": ID_BASE + 1000,
        "next_invoice_number": 11,
    }


def load_seed(path: Path) -> dict[str, Any]:
    """A seed file in the shape of :func:`demo_seed`, or a :class:`ConfigError` saying what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read the seed file {path}: {exc.strerror}.") from None
    except ValueError as exc:
        raise ConfigError(f"The seed file {path} is not valid JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise ConfigError(f"The seed file {path} must hold a JSON object like demo_seed().")
    return data
