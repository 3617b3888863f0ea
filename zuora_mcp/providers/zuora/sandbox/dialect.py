"""How the sandbox speaks when it says no: Zuora's error bodies and codes.

Zuora's v1 error code has 8 digits: a 6-digit resource code and a 2-digit category code
(``53100320`` is the ``termType`` field of a subscription, category 20 "invalid format or value").
GET and DELETE failures carry resource ``500000`` (no payload, so no object), as Zuora's do. The
resource codes for objects below are the sandbox's own, in Zuora's scheme; the categories are
Zuora's:

    10 permission or access denied   11 authentication failed     20 invalid format or value
    21 unknown field in request      22 missing required field    23 missing required parameter
    30 rule restriction              40 not found                 45 unsupported request
    50 locking contention            60 internal error            70 request exceeded limit
    90 malformed request

Business-rule refusals answer HTTP 200 with ``"success": false`` (Zuora's classic dialect), not
found answers 404, authentication 401, all with ``processId`` and ``reasons`` (integer codes, as
Zuora's documented examples write them). An HTTP error also carries its first reason as top-level
``code``/``message``, where the official SDK's 401 and object-query error models read it. A failed
entry of a batch has ``objectIndex`` and ``processId``. A multi-entity tenant answers 400 when a
request names no entity, or one its token is not valid for.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

__all__ = [
    "CATEGORY",
    "RESOURCE",
    "Refusal",
    "entity_refusal",
    "error_body",
    "error_code",
    "failed_entry",
    "process_id",
    "with_top_level",
]

RESOURCE: dict[str, int] = {
    "unknown": 500000,
    "account": 520000,
    "invoice": 582000,
    "invoice_item": 582100,
    "credit_memo": 583000,
    "credit_memo_item": 583100,
    "debit_memo": 584000,
    "debit_memo_item": 584100,
    "email": 585000,
    "object_query": 586000,
    "auth": 900000,
}

CATEGORY: dict[str, int] = {
    "permission": 10,
    "authentication": 11,
    "invalid": 20,
    "unknown_field": 21,
    "missing_field": 22,
    "missing_parameter": 23,
    "rule": 30,
    "not_found": 40,
    "unsupported": 45,
    "contention": 50,
    "internal": 60,
    "limit": 70,
    "malformed": 90,
}


def error_code(resource: str, category: str) -> int:
    return RESOURCE[resource] * 100 + CATEGORY[category]


def process_id() -> str:
    """Zuora's processId: 16 upper-case hex characters."""
    return secrets.token_hex(8).upper()


class Refusal(Exception):
    """A request the tenant refuses. Raised by the rules; the app turns it into Zuora's body."""

    def __init__(self, resource: str, category: str, message: str, *, status: int = 200) -> None:
        self.resource = resource
        self.category = category
        self.message = message
        self.status = status
        super().__init__(message)

    @property
    def code(self) -> int:
        return error_code(self.resource, self.category)

    @classmethod
    def not_found(cls, kind: str, key: str) -> Refusal:
        # Zuora answers an unknown key on a path with 404 and resource 500000.
        return cls("unknown", "not_found", f"Cannot find entity by key: '{key}'.", status=404)

    @classmethod
    def rule(cls, resource: str, message: str) -> Refusal:
        return cls(resource, "rule", message)

    @classmethod
    def invalid(cls, resource: str, message: str) -> Refusal:
        return cls(resource, "invalid", message)


def error_body(reasons: list[tuple[int, str]], request_id: str | None = None) -> dict[str, Any]:
    """Zuora's refusal: ``success``, ``processId``, ``reasons`` (integer codes, as Zuora's examples
    write them), ``requestId``. HTTP errors also get a top-level ``code``/``message``
    (:func:`with_top_level`)."""
    body: dict[str, Any] = {
        "success": False,
        "processId": process_id(),
        "reasons": [{"code": code, "message": message} for code, message in reasons],
    }
    if request_id is not None:
        body["requestId"] = request_id
    return body


def with_top_level(status: int, body: Any) -> Any:
    """An HTTP error (400 and up) also carries its first reason as top-level ``code``/``message``:
    that is where the official SDK's models read it for 401 (ProxyUnauthorizedResponse), 403 and
    the object query's errors (CommonErrorResponse). A 200 refusal keeps Zuora's plain shape."""
    if status < 400 or not isinstance(body, dict) or body.get("success") is not False or "message" in body:
        return body
    reasons = body.get("reasons") or []
    if not reasons or not isinstance(reasons[0], dict):
        return body
    return {**body, "code": reasons[0].get("code"), "message": reasons[0].get("message")}


def failed_entry(refusal: Refusal, index: int) -> dict[str, Any]:
    """One failed entry of a batch answer, as Zuora's examples write it (objectIndex, processId)."""
    return {
        "objectIndex": index,
        "processId": process_id(),
        "reasons": [{"code": refusal.code, "message": refusal.message}],
        "success": False,
    }


def entity_refusal(entity_ids: Sequence[str], header: str | None) -> Refusal | None:
    """Zuora's answer when a token valid for several entities (``entity_ids``) is used without
    naming one of them in ``Zuora-Entity-Ids``; None when the request may go on."""
    if not entity_ids:
        return None
    named = [part.strip() for part in (header or "").split(",") if part.strip()]
    if not named:
        return Refusal(
            "unknown",
            "missing_parameter",
            "The entity must be specified: the OAuth token is valid for more than one entity; "
            "name one in the Zuora-Entity-Ids header.",
            status=400,
        )
    unknown = [entity for entity in named if entity not in entity_ids]
    if unknown:
        return Refusal(
            "unknown",
            "permission",
            f"The OAuth token is not valid for the entity {unknown[0]!r} given in Zuora-Entity-Ids.",
            status=400,
        )
    return None
