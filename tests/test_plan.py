"""Path values chosen by a model go into URLs: they must never leave their segment."""

from __future__ import annotations

import pytest

from zuora_mcp.errors import InvalidPathValue
from zuora_mcp.plan import RequestPlan, encode_path, validate_path_value


@pytest.mark.parametrize(
    "value",
    [
        "../accounts",
        "..",
        "INV/1",
        "INV\\1",
        "INV?x=1",
        "INV#frag",
        "INV%2F1",
        "INV 1",
        "INV\t1",
        "INV\n1",
        "INV\x00",
        "INV\u202e1",  # right-to-left override
        "INV\uff0f1",  # full-width solidus folds to "/"
        "INV\uff0e\uff0e",  # full-width dots fold to ".."
        "INV\ufe561",  # small question mark folds to "?"
        "",
        "I" * 256,
    ],
)
def test_unsafe_path_values_are_refused_before_a_url_is_built(value: str) -> None:
    with pytest.raises(InvalidPathValue):
        encode_path("/v1/invoices/{invoiceKey}", {"invoiceKey": value})


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("INV00000012", "INV00000012"),
        ("INV-0000001", "INV-0000001"),
        ("2c92c8955bd63cc1015bd7c151af02ab", "2c92c8955bd63cc1015bd7c151af02ab"),
        ("A:B+C", "A%3AB%2BC"),
        ("Ünïcode", "%C3%9Cn%C3%AFcode"),
    ],
)
def test_ordinary_keys_are_percent_encoded_within_one_segment(value: str, encoded: str) -> None:
    assert encode_path("/v1/invoices/{invoiceKey}/reverse", {"invoiceKey": value}) == (
        f"/v1/invoices/{encoded}/reverse"
    )


def test_a_missing_path_value_is_refused() -> None:
    with pytest.raises(InvalidPathValue) as caught:
        RequestPlan(method="GET", path="/v1/invoices/{invoiceKey}").url_path()
    assert caught.value.name == "invoiceKey"


def test_booleans_and_objects_are_not_path_values() -> None:
    for value in (True, None, {"a": 1}, ["x"]):
        with pytest.raises(InvalidPathValue):
            validate_path_value("invoiceKey", value)


def test_query_is_sorted_and_repeats_list_values() -> None:
    plan = RequestPlan(
        method="GET",
        path="/object-query/invoices",
        query={"pageSize": 10, "filter[]": ["status.EQ:Posted", "balance.GT:0"], "includeNullFields": False},
    )
    assert plan.target() == (
        "/object-query/invoices?filter%5B%5D=status.EQ%3APosted&filter%5B%5D=balance.GT%3A0"
        "&includeNullFields=false&pageSize=10"
    )


def test_canonical_text_ignores_key_order_but_not_values() -> None:
    one = RequestPlan(method="PUT", path="/v1/x/{k}", path_params={"k": "1"}, body={"a": 1, "b": 2})
    same = RequestPlan(method="PUT", path="/v1/x/{k}", path_params={"k": "1"}, body={"b": 2, "a": 1})
    other = RequestPlan(method="PUT", path="/v1/x/{k}", path_params={"k": "1"}, body={"a": 1, "b": 3})
    assert one.canonical() == same.canonical()
    assert one.canonical() != other.canonical()
    assert not RequestPlan(method="GET", path="/v1/x").is_write
    assert one.is_write


def test_arguments_are_placed_under_wire_names_with_custom_fields_in_the_body() -> None:
    from zuora_mcp.plan import place_arguments

    path, query, body = place_arguments(
        {"accountKey": "A1", "pageSize": 5, "comments": "x", "Region__c": "EU", "dry_run": True, "gone": None},
        locations={"accountKey": "path", "pageSize": "query", "comments": "body", "gone": "body"},
        wire_names={"accountKey": "account-key"},
        custom_suffix="__c",
        skip={"dry_run"},
    )
    assert (path, query, body) == ({"account-key": "A1"}, {"pageSize": 5}, {"comments": "x", "Region__c": "EU"})


def test_a_body_exists_only_when_the_operation_takes_one() -> None:
    from zuora_mcp.plan import place_arguments

    assert place_arguments({}, locations={"k": "path"}, wire_names={}, custom_suffix="__c")[2] is None
    assert place_arguments({}, locations={"memoDate": "body"}, wire_names={})[2] == {}
    whole = place_arguments({"body": [1, 2]}, locations={}, wire_names={}, whole_body=True)
    assert whole[2] == [1, 2]
