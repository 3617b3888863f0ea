"""Search quality on the committed queries (written before the ranking was tuned), and the filters."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from zuora_mcp.explorer.index import load_index
from zuora_mcp.explorer.search import SearchIndex, stem, terms
from zuora_mcp.providers.zuora import INDEX_FILE

QUERIES = json.loads((Path(__file__).parent / "search_queries.json").read_text())["queries"]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(load_index(INDEX_FILE).operations.values())


# Queries whose expected operation was outside the top 3 when the queries were committed. Every
# other query must keep its operation in the top 3: a change that trades one query for another is
# a regression for the person who asked the one that dropped out.
KNOWN_MISSES = {"run a ZOQL query"}


def test_every_committed_query_but_the_known_miss_finds_its_operation_in_the_top_three(index: SearchIndex) -> None:
    assert len(QUERIES) >= 35
    misses = {}
    for case in QUERIES:
        top = [hit.operation.operation_id for hit in index.search(case["query"], limit=3)]
        if case["expected"] not in top:
            misses[case["query"]] = (case["expected"], top)
    assert set(misses) <= KNOWN_MISSES, misses
    assert len(QUERIES) - len(misses) >= 34


def test_the_stored_statistics_rank_exactly_as_statistics_computed_from_the_operations(index: SearchIndex) -> None:
    """The index file's search structures are a cache: they must never change a result."""
    operations = list(load_index(INDEX_FILE).operations.values())
    computed = SearchIndex([dataclasses.replace(op, search_data=None) for op in operations])
    for case in QUERIES:
        for options in ({}, {"safety": "destructive"}, {"tag": "Invoices"}):
            stored = [(hit.operation.operation_id, hit.score) for hit in index.search(case["query"], **options)]
            fresh = [(hit.operation.operation_id, hit.score) for hit in computed.search(case["query"], **options)]
            assert stored == fresh, (case["query"], options)


def test_a_subset_of_operations_is_searched_on_its_own_statistics() -> None:
    invoices = [op for op in load_index(INDEX_FILE).operations.values() if op.tag == "Invoices"]
    hits = SearchIndex(invoices).search("reverse an invoice", limit=3)
    assert hits[0].operation.operation_id == "PUT_ReverseInvoice"
    assert {hit.operation.tag for hit in hits} == {"Invoices"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cancel subscription", "PUT_CancelSubscription"),
        ("refund a payment", "POST_RefundPayment"),
        ("list subscriptions of an account", "GET_SubscriptionsByAccount"),
    ],
)
def test_the_issues_own_examples_come_first(index: SearchIndex, query: str, expected: str) -> None:
    assert index.search(query, limit=1)[0].operation.operation_id == expected


def test_a_tag_filter_keeps_only_that_area(index: SearchIndex) -> None:
    hits = index.search("cancel", tag="payments", limit=25)
    assert hits
    assert all("payment" in hit.operation.tag.lower() for hit in hits)


def test_a_safety_filter_keeps_only_that_class(index: SearchIndex) -> None:
    hits = index.search("credit memo", safety="destructive", limit=25)
    assert hits
    assert {hit.operation.safety for hit in hits} == {"destructive"}


def test_an_empty_query_with_a_tag_lists_that_tag(index: SearchIndex) -> None:
    hits = index.search("", tag="Refunds", limit=25)
    assert {hit.operation.tag for hit in hits} == {"Refunds"}
    assert len(hits) >= 5


def test_the_limit_is_respected_and_words_nobody_uses_find_nothing(index: SearchIndex) -> None:
    assert len(index.search("invoice", limit=4)) == 4
    assert index.search("xylophone quasar", limit=5) == []


def test_stemming_brings_plurals_and_tenses_together() -> None:
    assert stem("subscriptions") == stem("subscription")
    assert stem("cancelled") == stem("cancel") == stem("canceled")
    assert stem("entries") == stem("entry")
    assert stem("billing") == stem("bill")
    assert terms("GET_SubscriptionsByAccount") == ["get", "subscription", "account"]
    assert terms("Action_POSTquery") == ["action", "post", "query"]
