"""Mail the organisation "sends": ``POST /invoices/{id}/email`` and ``POST /invoices?send=true``.

Nothing leaves the machine: each email is appended to the tenant's outbox (``GET /_sandbox/outbox``)
with its recipients, subject, body and the files it carried (the invoice PDF, plus the invoice's
attachments uploaded with ``can_send_in_mail=true``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zuora_mcp.providers.zoho.sandbox.dialect import zoho_time
from zuora_mcp.providers.zoho.sandbox.models import Invoice

if TYPE_CHECKING:
    from zuora_mcp.providers.zoho.sandbox.calls import Call

__all__ = ["send_mail"]


def send_mail(
    call: Call,
    invoice: Invoice,
    *,
    to: list[str] | None,
    cc: list[str],
    subject: str | None,
    body: str | None,
    reason: str,
) -> dict[str, object]:
    """Append one email to the outbox; ``to=None`` means the invoice's contact persons."""
    tenant = call.tenant
    customer = tenant.customer(invoice.customer_id)
    if to is None:
        chosen = set(invoice.contact_person_ids)
        to = [c.email for c in customer.contact_persons if c.contactperson_id in chosen] or [customer.email]
    files = [f"{invoice.invoice_number}.pdf"] + [d.file_name for d in invoice.documents if d.can_send_in_mail]
    mail: dict[str, object] = {
        "email_id": tenant.new_id(),
        "invoice_id": invoice.invoice_id,
        "invoice_number": invoice.invoice_number,
        "to_mail_ids": list(to),
        "cc_mail_ids": list(cc),
        "subject": subject or f"Invoice {invoice.invoice_number} from {tenant.organization_name}",
        "body": body or f"Dear {customer.display_name}, please find invoice {invoice.invoice_number} attached.",
        "attachments": files,
        "reason": reason,
        "sent_time": zoho_time(tenant.clock.now()),
    }
    tenant.outbox.append(mail)
    invoice.is_emailed = True
    tenant.comment(invoice, f"Invoice emailed to {', '.join(to)}")
    return mail
