"""The simulated payment gateway behind ``POST /invoices/{id}/collect``.

It approves a charge unless the card or bank account is marked ``declines`` (a test card), the
card has expired, the method is not active, or the ``gateway_decline`` fault is armed for the
request. Every attempt, approved or declined, goes to the tenant's charges ledger
(``GET /_sandbox/charges``): a declined attempt is the gateway's record, not the organisation's, so
it leaves invoices and payments untouched.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from zuora_mcp.providers.zoho.sandbox.dialect import money, zoho_time
from zuora_mcp.providers.zoho.sandbox.models import BankAccount, Card, Customer, Invoice
from zuora_mcp.providers.zoho.sandbox.tenant import Tenant

__all__ = ["Decision", "charge"]


@dataclass(frozen=True)
class Decision:
    approved: bool
    transaction_id: str
    message: str


def _reason(method: Card | BankAccount, today: str, forced: bool) -> str | None:
    if forced or method.declines:
        return "The card was declined by the issuer." if isinstance(method, Card) else "The bank declined the debit."
    if method.status != "active":
        return "The payment method is not active."
    if isinstance(method, Card) and (method.expiry_year, method.expiry_month) < (int(today[:4]), int(today[5:7])):
        return "The card has expired."
    return None


def charge(
    tenant: Tenant, invoice: Invoice, customer: Customer, method: Card | BankAccount, amount: float, *, forced: bool
) -> Decision:
    """Ask the gateway for ``amount``; record the attempt in the ledger whatever the answer."""
    attempt = len(tenant.charges) + 1
    digest = hashlib.sha256(f"{invoice.invoice_id}:{attempt}:{amount}".encode()).hexdigest()[:12].upper()
    reason = _reason(method, tenant.today(), forced)
    decision = Decision(reason is None, digest if reason is None else "", reason or "Approved")
    tenant.charges.append(
        {
            "charge_id": f"ch_{attempt:06d}",
            "invoice_id": invoice.invoice_id,
            "invoice_number": invoice.invoice_number,
            "customer_id": customer.customer_id,
            "customer_name": customer.display_name,
            "method": "card" if isinstance(method, Card) else "bank_account",
            "card_id" if isinstance(method, Card) else "account_id": (
                method.card_id if isinstance(method, Card) else method.account_id
            ),
            "last_four_digits": method.last_four_digits,
            "payment_gateway": method.payment_gateway,
            "amount": money(amount),
            "currency_code": invoice.currency_code,
            "status": "approved" if decision.approved else "declined",
            "gateway_transaction_id": decision.transaction_id,
            "message": decision.message,
            "time": zoho_time(tenant.clock.now()),
        }
    )
    return decision
