"""Zoho's wire conventions: envelopes, error codes, timestamps, money.

Answers are ``{"code": 0, "message": "...", "<resource>": {...}}``; refusals are
``{"code": N, "message": "..."}`` with ``N != 0``. Zoho Billing publishes no error catalogue
(notes §2), so each code below says where it comes from:

======== ====== ================================================ =====================================
Code     HTTP   Meaning                                          Source
======== ====== ================================================ =====================================
57       401    invalid, expired or missing OAuth token          community code (notes C3); Books' 401
6041     400    missing or wrong organisation header             community stub (notes C3)
5        404    no such URL                                      Zoho Books convention (not verified)
4        400    a value is missing or invalid                    Zoho Books convention (not verified)
1000     500    internal error                                   Books/Invoice (notes D2)
1001     400    invoice number already exists                    Zoho Invoice (notes P2)
1002     404    invoice does not exist                           Books/Invoice (notes D2)
3009     400    cannot edit: credits applied                     Zoho Invoice (notes P2)
3010     400    cannot edit: payments recorded                   Zoho Invoice (notes P2)
4001     400    cannot delete: payments recorded                 Zoho Invoice (notes P2)
12008    400    cannot delete: credits applied                   Zoho Invoice (notes P2)
102028   400    items of a non-pending invoice                   Zoho Billing (community, notes P3)
44/45    429    per-minute / daily request cap                   Zoho Books (notes C10)
1070     429    too many concurrent requests                     Zoho Books (notes C10)
990001+  400    the sandbox's own codes for refusals Zoho        **sandbox's own**; Zoho's real codes
                documents no code for (status not allowed,       for these are unknown
                credit or payment problems, gateway decline,
                attachment refused, unknown custom field)
======== ====== ================================================ =====================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ATTACHMENT_REFUSED",
    "CREDIT_REFUSED",
    "GATEWAY_DECLINED",
    "PAYMENT_METHOD_REFUSED",
    "STATUS_NOT_ALLOWED",
    "UNKNOWN_CUSTOM_FIELD",
    "ZohoError",
    "invalid_value",
    "money",
    "not_found",
    "ok",
    "zoho_time",
]

NOT_AUTHORIZED = 57
NOT_IN_ORGANISATION = 6041
INVALID_URL = 5
INVALID_VALUE = 4
INTERNAL = 1000
NUMBER_EXISTS = 1001
INVOICE_MISSING = 1002
EDIT_BLOCKED_CREDITS = 3009
EDIT_BLOCKED_PAYMENTS = 3010
DELETE_BLOCKED_PAYMENTS = 4001
DELETE_BLOCKED_CREDITS = 12008
ITEMS_LOCKED = 102028
PER_MINUTE_CAP = 44
DAILY_CAP = 45
CONCURRENCY_CAP = 1070
# The sandbox's own codes (see the module docstring): a client must not learn them as Zoho's.
STATUS_NOT_ALLOWED = 990001
CREDIT_REFUSED = 990002
PAYMENT_METHOD_REFUSED = 990003
GATEWAY_DECLINED = 990004
ATTACHMENT_REFUSED = 990005
UNKNOWN_CUSTOM_FIELD = 990006

NOT_AUTHORIZED_MESSAGE = "You are not authorized to perform this operation"
NOT_IN_ORGANISATION_MESSAGE = "This user is not associated with the CompanyID/CompanyName."


@dataclass
class ZohoError(Exception):
    """A refusal: raised by a rule before it changes anything, answered as ``{code, message}``."""

    code: int
    message: str
    status: int = 400

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


def ok(message: str, **resource: Any) -> dict[str, Any]:
    return {"code": 0, "message": message, **resource}


def invalid_value(field: str) -> ZohoError:
    return ZohoError(INVALID_VALUE, f"Invalid value passed for {field}")


def not_found() -> ZohoError:
    return ZohoError(INVOICE_MISSING, "Invoice does not exist.", status=404)


def zoho_time(epoch: float) -> str:
    """``2016-06-05T02:15:15+0000``: Zoho's timestamp, an offset without a colon (the org is on UTC)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S%z")


def money(value: float) -> float:
    """Money as a JSON number with two decimals (``price_precision`` 2)."""
    return round(value + 0.0, 2)
