"""Valid arguments for every write tool against the sandbox's demo tenant (all pass preflight)."""

from __future__ import annotations

import base64
from typing import Any

from zuora_mcp.providers.zuora.sandbox.demo_data import demo_id

NEW_INVOICE = {
    "accountNumber": "A00000001",
    "invoiceDate": "2026-11-01",
    "invoiceItems": [{"amount": 12.5, "serviceStartDate": "2026-11-01", "chargeName": "Extra seats"}],
}

# A small valid PDF for upload_invoice_file.
PDF_FILE = {
    "file_name": "external-invoice.pdf",
    "media_type": "application/pdf",
    "content_base64": base64.b64encode(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").decode(),
}

WRITE_CASES: dict[str, dict[str, Any]] = {
    "reverse_invoice": {"invoiceKey": "INV00000001"},
    "write_off_invoice": {"invoiceKey": "INV00000001"},
    "create_invoice": NEW_INVOICE,
    "create_invoices": {"invoices": [NEW_INVOICE, {**NEW_INVOICE, "invoiceDate": "2026-11-02"}]},
    "update_invoice": {"invoiceKey": "INV00000001", "comments": "Checked by finance"},
    "update_invoices": {"invoices": [{"id": demo_id("INV00000001"), "comments": "Batch checked"}]},
    "email_invoice": {"invoiceKey": "INV00000001", "emailAddresses": "ap@example.com"},
    "create_credit_memo_from_invoice": {
        "invoiceKey": "INV00000001",
        "invoiceId": demo_id("INV00000001"),
        "items": [{"invoiceItemId": demo_id("INV00000001-item-1"), "amount": 10, "skuName": "SKU-PLATFORM-SU"}],
    },
    "create_debit_memo_from_invoice": {
        "invoiceKey": "INV00000001",
        "invoiceId": demo_id("INV00000001"),
        "items": [{"invoiceItemId": demo_id("INV00000001-item-1"), "amount": 10, "skuName": "SKU-PLATFORM-SU"}],
    },
    "apply_credit_memo": {
        "creditMemoKey": "CM00000001",
        "invoices": [{"invoiceId": demo_id("INV00000001"), "amount": 10}],
    },
    "write_off_debit_memo": {"debitMemoKey": "DM00000001"},
    "delete_invoice": {"invoiceKey": "INV00000003"},
    "upload_invoice_file": {"invoiceKey": "INV00000001", "file": PDF_FILE},
}
