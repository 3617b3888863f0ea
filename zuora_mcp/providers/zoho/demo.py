"""The Zoho demo script: what a finance person would do on the sandbox organisation, step by step.

It charges a card, so it shows the whole guard: the preview names the card and the amount, a write
Zoho would refuse is refused before anything is sent, the confirmed charge runs once, and the same
confirmation again is refused (Zoho has no idempotency key: the token and the invoice's changed
state are what stop a second charge).
"""

from __future__ import annotations

from zuora_mcp.provider import DemoSession
from zuora_mcp.providers.zoho.sandbox.demo_data import BOWMAN, CARD_4242, invoice_id

__all__ = ["play"]

INVOICE = invoice_id(1)  # INV-000001, sent, 240.00 USD owed by Bowman Furniture
PAID_INVOICE = invoice_id(4)  # INV-000004, paid by card: delete is refused


async def play(session: DemoSession) -> int:
    session.step("2. Find Bowman Furniture's unpaid invoices")
    await session.call("list_invoices", {"customer_id": BOWMAN, "filter_by": "Status.Unpaid", "per_page": 5})

    session.step("3. Read invoice INV-000001")
    await session.call("get_invoice", {"invoice_id": INVOICE})

    session.step("4. Dry-run a card charge: the preview names the card and the amount, nothing is sent")
    collect = {"invoice_id": INVOICE, "card_id": CARD_4242}
    await session.call("collect_invoice_payment", {**collect, "dry_run": True})

    session.step("5. Writes Zoho would refuse are refused before anything is sent")
    usage = {"invoice_id": INVOICE, "invoice_items": [{"code": "UsageAddon", "quantity": 500, "price": 0.01}]}
    await session.call("add_invoice_line_items", usage)
    await session.call("delete_invoice", {"invoice_id": PAID_INVOICE})

    session.step("6. Ask to charge the card: this client cannot show a prompt, so the server returns a token")
    preview, _, _ = await session.call("collect_invoice_payment", collect)
    token = preview.get("confirmation_token")
    if not token:
        session.say("(no confirmation token came back; the demo stops here)")
        return 1

    session.step("7. The person approves: the same call with the token charges the card, once")
    await session.call("collect_invoice_payment", {**collect, "confirmation_token": token})
    session.step("   …and the same token again is refused: no second charge")
    await session.call("collect_invoice_payment", {**collect, "confirmation_token": token})

    session.step("8. Read invoice INV-000001 again: paid, with the card payment")
    await session.call("get_invoice", {"invoice_id": INVOICE})
    return 0
