"""The rules with side effects outside the invoice: collect (charges a saved card or bank account),
apply credits (consumes credit notes) and email (sends mail).

Allowed statuses are the spec's (inferred there: "open with a balance" for collect and credits,
"any non-void" for email). Each rule checks everything, then changes records.
"""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from zuora_mcp.providers.zoho.sandbox.calls import Call, emails, need_number, need_text, require_status, text
from zuora_mcp.providers.zoho.sandbox.dialect import (
    CREDIT_REFUSED,
    GATEWAY_DECLINED,
    PAYMENT_METHOD_REFUSED,
    ZohoError,
    invalid_value,
    money,
    ok,
)
from zuora_mcp.providers.zoho.sandbox.gateway import charge
from zuora_mcp.providers.zoho.sandbox.models import AppliedCredit, BankAccount, Card, Payment
from zuora_mcp.providers.zoho.sandbox.outbox import send_mail
from zuora_mcp.providers.zoho.sandbox.views import payment_json

__all__ = ["apply_credits", "collect", "email_invoice"]

OPEN_WITH_BALANCE = ("sent", "overdue", "partially_paid")


def collect(call: Call) -> dict[str, Any]:
    tenant, invoice, data = call.tenant, call.invoice(), call.json_object()
    card_id, account_id = text(data, "card_id"), text(data, "account_id")
    if (card_id is None) == (account_id is None):  # the spec's oneOf: exactly one of the two
        raise invalid_value("card_id" if card_id is None else "account_id")
    require_status(call, invoice, OPEN_WITH_BALANCE, "charged")  # inferred: open with a balance
    customer = tenant.customer(invoice.customer_id)
    method: Card | BankAccount | None
    if card_id is not None:
        method = next((c for c in customer.cards if c.card_id == card_id), None)
    else:
        method = next((b for b in customer.bank_accounts if b.account_id == account_id), None)
    if method is None:
        kind = "card" if card_id is not None else "bank account"
        raise ZohoError(PAYMENT_METHOD_REFUSED, f"The {kind} is not saved for {customer.display_name}.")
    amount = invoice.balance
    decision = charge(tenant, invoice, customer, method, amount, forced=call.force_decline)
    if not decision.approved:
        call.declined += 1
        raise ZohoError(GATEWAY_DECLINED, f"Payment failed: {decision.message} Nothing was charged.")
    payment = Payment(
        payment_id=tenant.new_id(),
        invoice_payment_id=tenant.new_id(),
        amount=amount,
        date=tenant.today(),
        payment_mode="autotransaction",
        description=f"Payment has been made for the invoice {invoice.invoice_number}",
        reference_number=invoice.invoice_number,
        gateway_transaction_id=decision.transaction_id,
        payment_gateway=method.payment_gateway,
        autotransaction_id=tenant.new_id(),
        card_id=card_id or "",
        account_id=account_id or "",
    )
    invoice.payments.append(payment)
    tenant.comment(invoice, f"Payment of {money(amount)} collected ending {method.last_four_digits}")
    tenant.touch(invoice)
    call.wrote, call.charged = True, 1
    return ok("The customer payment has been recorded.", payment=payment_json(tenant, invoice, payment))


def apply_credits(call: Call) -> dict[str, Any]:
    tenant, invoice, data = call.tenant, call.invoice(), call.json_object()
    raw = data.get("apply_creditnotes")
    if not isinstance(raw, list) or not raw:
        raise invalid_value("apply_creditnotes")
    require_status(call, invoice, OPEN_WITH_BALANCE, "credited")  # inferred: open with a balance
    wanted: list[tuple[str, float]] = []
    per_note: dict[str, float] = {}
    for entry in raw:
        if not isinstance(entry, dict):
            raise invalid_value("apply_creditnotes")
        note_id, amount = need_text(entry, "creditnote_id"), need_number(entry, "amount_applied")
        if amount <= 0:
            raise invalid_value("amount_applied")
        note = tenant.credit_notes.get(note_id)
        if note is None or note.customer_id != invoice.customer_id:
            raise ZohoError(CREDIT_REFUSED, f"Credit note {note_id} does not belong to this customer.")
        if note.status != "open":
            raise ZohoError(CREDIT_REFUSED, f"Credit note {note.creditnote_number} is {note.status}.")
        per_note[note_id] = round(per_note.get(note_id, 0.0) + amount, 2)
        if per_note[note_id] > note.balance:  # limited by the note's remaining credit (inferred)
            raise ZohoError(
                CREDIT_REFUSED,
                f"The amount applied exceeds the balance of credit note {note.creditnote_number}"
                f" ({money(note.balance)}).",
            )
        wanted.append((note_id, amount))
    if round(sum(a for _, a in wanted), 2) > invoice.balance:  # and by the invoice balance (inferred)
        raise ZohoError(CREDIT_REFUSED, f"The amount applied exceeds the invoice balance ({money(invoice.balance)}).")
    today = tenant.today()
    answer: list[dict[str, Any]] = []
    for note_id, amount in wanted:
        note = tenant.credit_notes[note_id]
        note.balance = round(note.balance - amount, 2)
        if note.balance <= 0:
            note.status = "closed"
        link = AppliedCredit(tenant.new_id(), note_id, note.creditnote_number, amount, today)
        invoice.credits.append(link)
        answer.append(
            {
                "creditnotes_invoice_id": link.creditnotes_invoice_id,
                "creditnote_id": note_id,
                "invoice_id": invoice.invoice_id,
                "amount_applied": money(amount),
                "date": today,
                "date_formatted": Date.fromisoformat(today).strftime("%d %b %Y"),
            }
        )
    tenant.comment(invoice, "Credits applied")
    tenant.touch(invoice)
    call.wrote = True
    return ok("Credits have been applied to the invoice(s).", apply_creditnotes=answer)


def email_invoice(call: Call) -> dict[str, Any]:
    invoice, data = call.invoice(), call.json_object()
    to = emails(data.get("to_mail_ids"), "to_mail_ids", required=True)
    cc = emails(data.get("cc_mail_ids"), "cc_mail_ids", required=False)
    subject = text(data, "subject", required=True)
    body = text(data, "body", required=True)
    # Inferred: any status but void (and draft, which the spec's list leaves out).
    require_status(call, invoice, ("pending", "sent", "overdue", "partially_paid", "paid"), "emailed")
    send_mail(call, invoice, to=to, cc=cc, subject=subject, body=body, reason="email")
    call.tenant.touch(invoice)
    call.wrote = True
    return ok("Your invoice has been sent.")
