"""The built-in demo tenant, as seed data. ``--seed FILE`` takes a JSON file of the same shape.

Shape (every key optional except where a record needs it)::

    {"accounts":    [{"id", "accountNumber", "name", "currency", "paymentTerm", "billToContact": {...},
                      "additionalEmailAddresses": [...]}],
     "invoices":    [{"id", "invoiceNumber", "accountNumber" | "accountId", "invoiceDate", "dueDate",
                      "status", "split", "comments",
                      "items": [{"id", "chargeName", "description", "sku", "amount", "quantity",
                                 "serviceStartDate", "serviceEndDate",
                                 "taxationItems": [{"id", "name", "taxRate", "taxAmount", "jurisdiction"}]}],
                      "generatedItems": {"count", "amount", "chargeName", "idPrefix"},   # instead of items
                      "payments": [{"id", "amount", "date"}],
                      "files": [{"id", "versionNumber"}]}],
     "creditMemos": [{"id", "number", "accountNumber", "creditMemoDate", "status", "appliedAmount",
                      "items": [{"amount", "taxAmount", "skuName"}]}],
     "debitMemos":  [{"id", "number", "accountNumber", "debitMemoDate", "status", "balance",
                      "items": [{"amount", "taxAmount", "skuName"}]}]}

Ids are stable: the same name always gives the same 32-hex id (see :func:`demo_id`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from zuora_mcp.errors import ConfigError

__all__ = ["demo_id", "demo_seed", "load_seed"]


def demo_id(name: str) -> str:
    """The demo record id for ``name`` (for example ``demo_id("INV00000001")``)."""
    return "2c92" + hashlib.sha256(f"zuora-mcp-demo:{name}".encode()).hexdigest()[:28]


def _item(
    invoice: str,
    n: int,
    charge: str,
    amount: str,
    start: str,
    end: str | None,
    tax: str | None,
    rate: str = "10",
    jurisdiction: str = "CALIFORNIA",
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": demo_id(f"{invoice}-item-{n}"),
        "chargeName": charge,
        "description": charge,
        "sku": f"SKU-{charge.upper().replace(' ', '-')[:12]}",
        "amount": amount,
        "quantity": 1,
        "serviceStartDate": start,
        "serviceEndDate": end,
    }
    if tax is not None:
        item["taxationItems"] = [
            {
                "id": demo_id(f"{invoice}-item-{n}-tax"),
                "name": "VAT" if jurisdiction == "DE" else "Sales Tax",
                "taxRate": rate,
                "taxAmount": tax,
                "jurisdiction": jurisdiction,
                "taxCode": "STANDARD",
                "country": "Germany" if jurisdiction == "DE" else "United States",
            }
        ]
    return item


def demo_seed() -> dict[str, Any]:
    """The demo tenant (documented in :mod:`zuora_mcp.providers.zuora.sandbox`)."""
    accounts = [
        {
            "id": demo_id("A00000001"),
            "accountNumber": "A00000001",
            "name": "Acme Corporation",
            "currency": "USD",
            "billToContact": {
                "id": demo_id("A00000001-billto"),
                "firstName": "Jane",
                "lastName": "Doe",
                "workEmail": "ap@acme.example",
                "city": "San Francisco",
                "state": "California",
                "country": "United States",
            },
            "additionalEmailAddresses": ["finance@acme.example"],
        },
        {
            "id": demo_id("A00000002"),
            "accountNumber": "A00000002",
            "name": "Globex LLC",
            "currency": "USD",
            # No email on purpose: emailing its invoices needs explicit addresses.
            "billToContact": {
                "id": demo_id("A00000002-billto"),
                "firstName": "Hank",
                "lastName": "Scorpio",
                "country": "United States",
            },
        },
        {
            "id": demo_id("A00000003"),
            "accountNumber": "A00000003",
            "name": "Initech GmbH",
            "currency": "EUR",
            "paymentTerm": "Net 14",
            "billToContact": {
                "id": demo_id("A00000003-billto"),
                "firstName": "Anna",
                "lastName": "Schmidt",
                "workEmail": "rechnung@initech.example",
                "country": "Germany",
            },
        },
    ]

    def invoice(number: str, account: str, day: str, status: str = "Posted", **extra: Any) -> dict[str, Any]:
        return {
            "id": demo_id(number),
            "invoiceNumber": number,
            "accountNumber": account,
            "invoiceDate": day,
            "status": status,
            **extra,
        }

    invoices = [
        invoice(
            "INV00000001",
            "A00000001",
            "2025-01-01",
            items=[
                _item("INV00000001", 1, "Platform subscription", "100.00", "2025-01-01", "2025-01-31", "10.00"),
                _item("INV00000001", 2, "Onboarding", "50.00", "2025-01-01", None, "5.00"),
            ],
            files=[
                {"id": demo_id("INV00000001-file-1"), "versionNumber": 1},
                {"id": demo_id("INV00000001-file-2"), "versionNumber": 2},
            ],
        ),
        invoice(
            "INV00000002",
            "A00000001",
            "2025-02-01",
            items=[
                _item("INV00000002", 1, "Platform subscription", "100.00", "2025-02-01", "2025-02-28", "10.00"),
            ],
            payments=[{"id": demo_id("P-00000001"), "amount": "50.00", "date": "2025-02-10"}],
            files=[{"id": demo_id("INV00000002-file-1"), "versionNumber": 1}],
        ),
        invoice(
            "INV00000003",
            "A00000001",
            "2025-03-01",
            status="Draft",
            items=[
                _item("INV00000003", 1, "Consulting", "200.00", "2025-03-01", "2025-03-31", "20.00"),
            ],
        ),
        invoice(
            "INV00000004",
            "A00000002",
            "2025-01-15",
            items=[
                _item("INV00000004", 1, "Support plan", "80.00", "2025-01-15", "2025-02-14", None),
            ],
            payments=[{"id": demo_id("P-00000002"), "amount": "80.00", "date": "2025-01-20"}],
        ),
        invoice(
            "INV00000005",
            "A00000002",
            "2025-02-15",
            comments="Usage: 2,001 API call items",
            generatedItems={
                "count": 2001,
                "amount": "1.00",
                "chargeName": "API calls",
                "idPrefix": demo_id("INV00000005-item")[:26],
            },
        ),
        invoice(
            "INV00000006",
            "A00000003",
            "2025-01-10",
            items=[
                _item("INV00000006", 1, "Lizenz", "500.00", "2025-01-01", "2025-12-31", "95.00", "19", "DE"),
            ],
        ),
        invoice(
            "INV00000007",
            "A00000001",
            "2025-04-01",
            split=True,
            items=[
                _item("INV00000007", 1, "Hardware", "300.00", "2025-04-01", None, None),
            ],
        ),
        invoice(
            "INV00000008",
            "A00000001",
            "2025-04-15",
            items=[
                _item("INV00000008", 1, "Service credit", "-25.00", "2025-04-15", None, None),
            ],
        ),
        invoice(
            "INV00000009",
            "A00000002",
            "2025-03-15",
            status="Canceled",
            items=[
                _item("INV00000009", 1, "Setup fee", "40.00", "2025-03-15", None, None),
            ],
        ),
    ]
    credit_memos = [
        {
            "id": demo_id("CM00000001"),
            "number": "CM00000001",
            "accountNumber": "A00000001",
            "creditMemoDate": "2025-02-20",
            "status": "Posted",
            "reasonCode": "Standard Adjustment",
            "items": [{"id": demo_id("CM00000001-item-1"), "amount": "30.00", "skuName": "Goodwill credit"}],
        },
        {
            "id": demo_id("CM00000002"),
            "number": "CM00000002",
            "accountNumber": "A00000001",
            "creditMemoDate": "2025-03-05",
            "status": "Draft",
            "items": [{"id": demo_id("CM00000002-item-1"), "amount": "20.00", "skuName": "Goodwill credit"}],
        },
    ]
    debit_memos = [
        {
            "id": demo_id("DM00000001"),
            "number": "DM00000001",
            "accountNumber": "A00000001",
            "debitMemoDate": "2025-02-25",
            "status": "Posted",
            "items": [{"id": demo_id("DM00000001-item-1"), "amount": "40.00", "skuName": "Late fee"}],
        },
        {
            "id": demo_id("DM00000002"),
            "number": "DM00000002",
            "accountNumber": "A00000001",
            "debitMemoDate": "2025-03-10",
            "status": "Draft",
            "items": [{"id": demo_id("DM00000002-item-1"), "amount": "15.00", "skuName": "Late fee"}],
        },
    ]
    return {"accounts": accounts, "invoices": invoices, "creditMemos": credit_memos, "debitMemos": debit_memos}


def load_seed(path: Path) -> dict[str, Any]:
    """Read a seed file.

    Raises:
        ConfigError: the file is missing or is not a JSON object.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"The seed file {path} does not exist; fix the path.") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"The seed file {path} is not valid JSON ({exc}); fix it.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"The seed file {path} must hold a JSON object with accounts, invoices, ...")
    return data
