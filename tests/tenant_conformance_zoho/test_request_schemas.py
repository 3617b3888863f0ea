"""The Zoho tenant's request schemas: our Zoho spec's own (fresh from it), never the product's tool schemas."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx2
import pytest

from tests.tenant_conformance_zoho.cases import INV1
from tests.tenant_conformance_zoho.conftest import SPEC
from zuora_mcp.derive.spec import load_spec
from zuora_mcp.providers import get_provider
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, demo_data, validation
from zuora_mcp.providers.zoho.sandbox.spec_requests import (
    OPERATIONS,
    REQUESTS_FILE,
    check_requests,
    load_requests,
    write_requests,
)


def test_the_committed_request_schemas_are_fresh() -> None:
    if not SPEC.is_file():
        pytest.skip(f"our Zoho spec is not at {SPEC} (set ZOHO_SPEC): freshness cannot be checked")
    assert check_requests(load_spec(SPEC)) == []


def test_the_schemas_build_writes_and_checks_the_file_through_the_provider(tmp_path: Path) -> None:
    if not SPEC.is_file():
        pytest.skip(f"our Zoho spec is not at {SPEC} (set ZOHO_SPEC)")
    spec = load_spec(SPEC)
    build_extras = get_provider("zoho").build_extras
    assert build_extras is not None
    assert build_extras(spec, False) == []
    copy = tmp_path / "requests.json.gz"
    assert write_requests(spec, copy) is True
    assert write_requests(spec, copy) is False  # same content, same bytes: nothing to write
    assert copy.read_bytes() == REQUESTS_FILE.read_bytes()


def test_a_stale_file_is_reported_per_operation(tmp_path: Path) -> None:
    if not SPEC.is_file():
        pytest.skip(f"our Zoho spec is not at {SPEC} (set ZOHO_SPEC)")
    content = json.loads(gzip.decompress(REQUESTS_FILE.read_bytes()))
    content["operations"]["void_invoice"]["path"] = "/invoices/{invoice_id}/cancel"
    del content["operations"]["email_invoice"]
    stale = tmp_path / "requests.json.gz"
    stale.write_bytes(gzip.compress(json.dumps(content).encode()))
    assert check_requests(load_spec(SPEC), stale) == [
        "email_invoice: missing from the file",
        "void_invoice: request schemas differ from the spec's",
    ]


def test_the_file_is_compact_and_covers_the_eighteen_operations() -> None:
    assert REQUESTS_FILE.stat().st_size < 8_000
    assert json.loads(gzip.decompress(REQUESTS_FILE.read_bytes()))["operations"].keys() == OPERATIONS.keys()
    assert len(OPERATIONS) == 18


def test_fields_our_tools_do_not_expose_are_in_the_spec_schemas() -> None:
    create = load_requests()["create_invoice"]["body"]["properties"]
    assert {"payment_options", "template_id", "project_id", "gst_treatment", "avatax_tax_code"} <= set(create)
    lines = create["invoice_items"]["items"]["properties"]
    assert {"time_entry_ids", "hsn_or_sac", "sat_item_key_code"} <= set(lines)


def test_the_validation_module_never_reads_the_tool_schemas() -> None:
    text = Path(validation.__file__).read_text(encoding="utf-8")
    assert "tool_schemas" not in text
    assert "zuora_mcp.schemas" not in text


def test_every_spec_route_of_the_tenant_names_an_operation_of_the_file() -> None:
    from zuora_mcp.providers.zoho.sandbox.routes import ROUTES

    named = {route.operation for route in ROUTES if route.operation is not None}
    assert named == set(OPERATIONS)
    for route in ROUTES:
        if route.operation is not None:
            assert (route.method, route.template) == OPERATIONS[route.operation]


def test_a_field_only_the_spec_knows_is_accepted_on_create(zoho: RunningZohoSandbox, zoho_http: httpx2.Client) -> None:
    body = {
        "customer_id": int(demo_data.BOWMAN),  # ids may be bare integers (spec)
        "date": "2025-06-01",
        "template_id": demo_data.demo_id(99),
        "payment_options": {"payment_gateways": [{"configured": True, "gateway_name": "stripe"}]},
        "avatax_tax_code": "P0000000",
        "invoice_items": [{"product_id": demo_data.BASIC, "price": 50, "quantity": 2, "time_entry_ids": []}],
    }
    answer = zoho_http.post("/invoices", json=body)
    assert answer.status_code == 201, answer.json()
    invoice = answer.json()["invoice"]
    assert invoice["template_id"] == demo_data.demo_id(99)
    assert invoice["total"] == 100


def test_an_invoice_level_discount_is_applied_to_the_total(zoho: RunningZohoSandbox, zoho_http: httpx2.Client) -> None:
    body = {
        "customer_id": demo_data.BOWMAN,
        "date": "2025-06-01",
        "discount": "10%",
        "discount_type": "entity_level",
        "invoice_items": [{"product_id": demo_data.PRO, "price": 120, "quantity": 1}],
    }
    invoice = zoho_http.post("/invoices", json=body).json()["invoice"]
    assert (invoice["sub_total"], invoice["discount_total"], invoice["total"]) == (120, 12, 108)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2025-06-01", "invoice_items": [{"product_id": "1", "price": 1, "quantity": 1}]}, "customer_id"),
        ({"customer_id": "1", "date": "01/06/2025", "invoice_items": []}, "date"),
        (
            {"customer_id": "1", "date": "2025-06-01", "invoice_items": [{"price": 1, "quantity": 1}]},
            "invoice_items[0].product_id",
        ),
        ({"customer_id": "1", "date": "2025-06-01", "discount_type": "both", "invoice_items": [{}]}, "discount_type"),
    ],
)
def test_a_request_the_spec_forbids_is_refused_in_zohos_words_naming_the_field(
    body: dict[str, object], field: str, zoho: RunningZohoSandbox, zoho_http: httpx2.Client
) -> None:
    answer = zoho_http.post("/invoices", json=body)
    assert answer.status_code == 400
    assert answer.json() == {"code": 4, "message": f"Invalid value passed for {field}"}


def test_a_refusal_never_echoes_a_long_request(zoho: RunningZohoSandbox, zoho_http: httpx2.Client) -> None:
    lines = [{"product_id": demo_data.BASIC, "price": 1, "quantity": 1}] * 60 + [{"price": "x" * 500}]
    answer = zoho_http.put(f"/invoices/{INV1}", json={"customer_id": demo_data.BOWMAN, "invoice_items": lines})
    assert answer.status_code == 400
    assert len(answer.text) < 120
    assert "xxxx" not in answer.text


@pytest.mark.parametrize("amount", ["1e300", "-1e16", "NaN", "Infinity"])
def test_an_absurd_or_non_json_amount_is_refused_and_nothing_is_stored(
    amount: str, zoho: RunningZohoSandbox, zoho_http: httpx2.Client
) -> None:
    before = len(zoho.tenant.invoices)
    line = f'{{"product_id": "{demo_data.BASIC}", "price": {amount}, "quantity": 1}}'
    content = f'{{"customer_id": "{demo_data.BOWMAN}", "date": "2025-06-01", "invoice_items": [{line}]}}'
    answer = zoho_http.post("/invoices", content=content, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["code"] == 4
    assert len(zoho.tenant.invoices) == before
    assert zoho_http.get("/invoices").status_code == 200


@pytest.mark.parametrize(
    ("more", "field"),
    [({"discount": 51}, "discount"), ({"discount": "101%"}, "discount"), ({"adjustment": -60}, "adjustment")],
)
def test_an_invoice_that_would_total_below_zero_is_refused_and_not_stored(
    more: dict[str, object], field: str, zoho: RunningZohoSandbox, zoho_http: httpx2.Client
) -> None:
    before = len(zoho.tenant.invoices)
    body = {
        "customer_id": demo_data.BOWMAN,
        "date": "2025-06-01",
        "invoice_items": [{"product_id": demo_data.BASIC, "price": 50, "quantity": 1}],
        **more,
    }
    answer = zoho_http.post("/invoices", json=body)
    assert answer.json() == {"code": 4, "message": f"Invalid value passed for {field}"}
    assert len(zoho.tenant.invoices) == before


def test_an_update_keeps_the_spec_fields_it_is_given(zoho: RunningZohoSandbox, zoho_http: httpx2.Client) -> None:
    body = {
        "customer_id": demo_data.BOWMAN,
        "payment_terms_label": "Net 30 (agreed)",
        "salesperson_name": "Ada",
        "salesperson_id": demo_data.demo_id(90),
        "custom_fields": [{"label": "Cost Centre", "value": "CC-7"}],
        "invoice_items": [{"product_id": demo_data.PRO, "price": 120, "quantity": 2}],
    }
    invoice = zoho_http.put(f"/invoices/{INV1}", json=body).json()["invoice"]
    assert invoice["payment_terms_label"] == "Net 30 (agreed)"
    assert (invoice["salesperson_name"], invoice["salesperson_id"]) == ("Ada", demo_data.demo_id(90))
    assert {"label": "Cost Centre", "value": "CC-7"}.items() <= invoice["custom_fields"][-1].items()
