"""Safety classes of operations no person has reviewed: read, write or destructive."""

from __future__ import annotations

import pytest

from zuora_mcp.explorer.index import load_index
from zuora_mcp.explorer.safety import classify
from zuora_mcp.providers.zuora import INDEX_FILE


@pytest.mark.parametrize(
    ("method", "operation_id", "summary", "expected"),
    [
        ("GET", "GET_Payment", "Retrieve a payment", "read"),
        ("DELETE", "DELETE_Contact", "Delete a contact", "destructive"),
        ("PUT", "PUT_CancelSubscription", "Cancel a subscription", "destructive"),
        ("PUT", "PUT_ReverseCreditMemo", "Reverse a credit memo", "destructive"),
        ("PUT", "PUT_WriteOffCreditMemo", "Write off a credit memo", "destructive"),
        ("POST", "POST_RefundPayment", "Refund a payment", "destructive"),
        ("POST", "Action_POSTdelete", "Delete", "destructive"),
        ("POST", "voidSomething", "Void a thing", "destructive"),
        ("PUT", "putRemoveAccountFromCycle", "Remove an account from retry cycle", "destructive"),
        ("POST", "POST_CreatePayment", "Create a payment", "write"),
        ("PUT", "PUT_Contact", "Update a contact", "write"),
        ("PUT", "PUT_RenewSubscription", "Renew a subscription", "write"),
        ("POST", "frobnicate", "Frobnicate the ledger", "destructive"),
        ("PATCH", "x", "", "destructive"),
    ],
)
def test_classification_follows_the_rules(method: str, operation_id: str, summary: str, expected: str) -> None:
    assert classify(method, operation_id, summary) == expected


def test_every_operation_is_read_exactly_when_it_is_a_get() -> None:
    operations = load_index(INDEX_FILE).operations.values()
    assert len(operations) == 714  # the spec's 711 and the 3 CRUD invoice operations of the supplement
    for operation in operations:
        assert (operation.safety == "read") == (operation.method == "GET"), operation.operation_id
        if operation.method == "DELETE":
            assert operation.safety == "destructive", operation.operation_id


def test_every_operation_that_cancels_refunds_or_writes_off_is_destructive() -> None:
    words = ("cancel", "refund", "write off", "reverse", "delete", "void", "remove", "unapply")
    for operation in load_index(INDEX_FILE).operations.values():
        if operation.method != "GET" and any(word in operation.summary.lower() for word in words):
            assert operation.safety == "destructive", operation.operation_id
