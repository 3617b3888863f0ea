"""The tenant's request schemas: Zuora's own (fresh from the spec), never the product's tool schemas."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.tenant_conformance.conftest import SPEC
from zuora_mcp.derive.spec import load_spec
from zuora_mcp.providers.zuora.sandbox import validation
from zuora_mcp.providers.zuora.sandbox.crud_rules import CRUD_OPERATIONS
from zuora_mcp.providers.zuora.sandbox.spec_requests import OPERATIONS, REQUESTS_FILE, check_requests, load_requests


def test_the_committed_request_schemas_are_fresh() -> None:
    if not SPEC.is_file():
        pytest.skip(f"Zuora's spec is not at {SPEC} (set ZUORA_SPEC): freshness cannot be checked")
    assert check_requests(load_spec(SPEC)) == []


def test_the_file_is_compact_and_covers_every_route() -> None:
    assert REQUESTS_FILE.stat().st_size < 20_000
    assert json.loads(gzip.decompress(REQUESTS_FILE.read_bytes()))["operations"].keys() == OPERATIONS.keys()


def test_fields_our_tools_do_not_expose_are_zuoras_and_pass() -> None:
    create = load_requests()["POST_StandaloneInvoice"]["body"]["properties"]
    assert {"billToContact", "invoiceItems", "customRates"} <= set(create)
    query = load_requests()["queryInvoices"]["queryParameters"]["properties"]
    assert {"sort[]", "expand[]", "fields[]", "includeNullFields"} <= set(query)


def test_the_validation_module_never_reads_the_tool_schemas() -> None:
    source = validation.__file__
    with open(source, encoding="utf-8") as handle:
        text = handle.read()
    assert "zuora_mcp.schemas" not in text
    assert "tool_schemas" not in text


def test_every_route_is_checked_against_an_operation_of_the_file() -> None:
    from zuora_mcp.providers.zuora.sandbox.routes import ROUTES

    # The CRUD invoice routes answer operations of the product's spec supplement (seed 000), not of
    # Zuora's spec; they check their own input (tests/sandbox/test_crud.py).
    assert {route.operation for route in ROUTES} - CRUD_OPERATIONS == set(OPERATIONS)
