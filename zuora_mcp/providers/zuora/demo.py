"""The Zuora demo script: what a person would do on the sandbox tenant, step by step."""

from __future__ import annotations

from zuora_mcp.provider import DemoSession

__all__ = ["play"]

INVOICE = "INV00000001"  # Posted, nothing applied: reversible
PAID_INVOICE = "INV00000002"  # Posted with a payment applied: reverse is refused


async def play(session: DemoSession) -> int:
    session.step("2. Find account A00000001 and its Posted invoices")
    account, _, _ = await session.call("get_account", {"accountKey": "A00000001"})
    account_id = account.get("id") or account.get("basicInfo", {}).get("id")
    await session.call("list_invoices", {"accountId": account_id, "status": "Posted", "pageSize": 5})

    session.step(f"3. Read invoice {INVOICE}")
    await session.call("get_invoice", {"invoiceKey": INVOICE})

    session.step("4. Dry-run a reversal: preview and preflight checks, nothing is sent")
    await session.call("reverse_invoice", {"invoiceKey": INVOICE, "dry_run": True})

    session.step("5. A reversal Zuora would refuse is refused before anything is sent")
    await session.call("reverse_invoice", {"invoiceKey": PAID_INVOICE})

    session.step("6. Ask to reverse: this client cannot show a prompt, so the server returns a token")
    preview, _, _ = await session.call("reverse_invoice", {"invoiceKey": INVOICE})
    token = preview.get("confirmation_token")
    if not token:
        session.say("(no confirmation token came back; the demo stops here)")
        return 1

    session.step("7. The person approves: the same call with the token runs, once")
    await session.call("reverse_invoice", {"invoiceKey": INVOICE, "confirmation_token": token})
    session.step("   …and the same token again is refused")
    await session.call("reverse_invoice", {"invoiceKey": INVOICE, "confirmation_token": token})

    session.step(f"8. Read invoice {INVOICE} again")
    await session.call("get_invoice", {"invoiceKey": INVOICE})
    return 0
