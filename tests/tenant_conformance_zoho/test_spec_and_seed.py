"""Every operation of the Zoho tenant, called over HTTP and checked against our Zoho spec and the seed.

For each of the 18 operations: a request the tenant should accept (the seed's own request example
where it has one), one it should refuse, and one without a valid token. Every success body must pass
the spec's response schema for its status and carry the fields of the seed's response example for
that operation; every error body must pass the spec's ``ErrorResponse`` (``{code, message}``, code
non-zero) for its status. Only the reviewed exceptions of ``zoho_exceptions.json`` are excused. A
refusal changes nothing. The session ends by printing the figure (conftest).
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.tenant_conformance_zoho import figure
from tests.tenant_conformance_zoho.cases import CASES, Case, Request
from tests.tenant_conformance_zoho.conftest import ThreadedTenant, need_references
from tests.tenant_conformance_zoho.reference import SeedSection, SpecResponses, seed_problems
from tests.tenant_conformance_zoho.state import tenant_state
from zuora_mcp.providers.zoho.sandbox import RunningZohoSandbox, demo_data
from zuora_mcp.providers.zoho.sandbox.spec_requests import OPERATIONS

IDS = [case.operation_id for case in CASES]


def send(http: httpx2.Client, request: Request) -> httpx2.Response:
    return http.request(
        request.method,
        request.path,
        json=request.json,
        params=request.params or None,
        files=request.files,
        data=request.data,
    )


def _seed_request(case: Case, spec: SpecResponses | None, seed: dict[str, SeedSection] | None) -> Any:
    if spec is None or seed is None:
        return None
    return seed[spec.section(case.operation_id)].request


def _is_error_envelope(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and set(body) == {"code", "message"}
        and isinstance(body["code"], int)
        and body["code"] != 0
        and isinstance(body["message"], str)
        and bool(body["message"])
    )


def test_every_operation_of_the_spec_has_a_case() -> None:
    assert sorted(IDS) == sorted(OPERATIONS)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_accepted_request_answers_as_the_spec_and_the_seeds_example_say(
    case: Case,
    zoho: RunningZohoSandbox,
    zoho_http: httpx2.Client,
    spec_responses: SpecResponses | None,
    seed_sections: dict[str, SeedSection] | None,
) -> None:
    answer = send(zoho_http, case.accepted(_seed_request(case, spec_responses, seed_sections)))
    body = answer.json()
    assert answer.status_code in {200, 201}, body
    assert body["code"] == 0, body
    spec, seed = need_references(spec_responses, seed_sections)
    assert answer.status_code == spec.success_status(case.operation_id)
    problems = spec.problems(case.operation_id, answer.status_code, body)
    assert not problems, "\n".join(problems)
    if spec.success_message(case.operation_id) is not None:
        assert body["message"] == spec.success_message(case.operation_id)
    example = seed[spec.section(case.operation_id)].response
    if example is not None:  # the attachment has no response example in the seed
        problems = seed_problems(case.operation_id, example, body)
        assert not problems, "fields of the seed's example:\n" + "\n".join(problems)
    figure.passed(case.operation_id, "accepted")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_refused_request_answers_zohos_error_envelope_and_changes_nothing(
    case: Case, zoho: RunningZohoSandbox, zoho_http: httpx2.Client, spec_responses: SpecResponses | None
) -> None:
    before = tenant_state(zoho)
    answer = send(zoho_http, case.refused)
    body = answer.json()
    assert answer.status_code in {400, 404}, body
    assert _is_error_envelope(body), body
    assert body["code"] == case.refusal_code, body
    assert len(body["message"]) < 200, body  # no echo of the request
    assert "{" not in body["message"], body
    assert tenant_state(zoho) == before, "a refused write changed the tenant"
    spec, _ = need_references(spec_responses, {})
    problems = spec.problems(case.operation_id, answer.status_code, body)
    assert not problems, "\n".join(problems)
    figure.passed(case.operation_id, "refused")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_request_without_a_valid_token_answers_401_in_zohos_envelope(
    case: Case,
    zoho: RunningZohoSandbox,
    zoho_http: httpx2.Client,
    spec_responses: SpecResponses | None,
) -> None:
    before = tenant_state(zoho)
    request = case.accepted(None)
    answer = zoho_http.request(
        request.method,
        request.path,
        json=request.json,
        params=request.params or None,
        files=request.files,
        data=request.data,
        headers={"Authorization": "Zoho-oauthtoken 1000.not-a-token"},
    )
    body = answer.json()
    assert answer.status_code == 401, body
    assert _is_error_envelope(body), body
    assert body["code"] == 57, body
    assert tenant_state(zoho) == before
    spec, _ = need_references(spec_responses, {})
    problems = spec.problems(case.operation_id, 401, body)
    assert not problems, "\n".join(problems)
    figure.passed(case.operation_id, "unauthorized")


@pytest.mark.parametrize("number", range(1, 11))
def test_every_demo_invoice_reads_as_the_spec_and_the_seeds_retrieve_example_say(
    number: int,
    zoho: RunningZohoSandbox,
    zoho_http: httpx2.Client,
    spec_responses: SpecResponses | None,
    seed_sections: dict[str, SeedSection] | None,
) -> None:
    """Payments, credits, documents and comments too: the demo invoices between them carry every list."""
    body = zoho_http.get(f"/invoices/{demo_data.invoice_id(number)}").json()
    spec, seed = need_references(spec_responses, seed_sections)
    problems = spec.problems("get_invoice", 200, body)
    problems += seed_problems("get_invoice", seed[spec.section("get_invoice")].response, body)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("path", "params", "resource"),
    [
        (f"/customers/{demo_data.BOWMAN}", None, "customer"),
        ("/creditnotes", {"customer_id": demo_data.BOWMAN}, "creditnotes"),
    ],
)
def test_the_reads_outside_the_spec_answer_in_zohos_envelope(
    path: str, params: dict[str, str] | None, resource: str, zoho: RunningZohoSandbox, zoho_http: httpx2.Client
) -> None:
    answer = zoho_http.get(path, params=params)
    assert answer.status_code == 200
    assert answer.json()["code"] == 0
    assert resource in answer.json()
    refused = zoho_http.get("/customers/460000000000999")
    assert refused.status_code == 404
    assert _is_error_envelope(refused.json())
    unauthorized = zoho_http.get(path, params=params, headers={"Authorization": "Zoho-oauthtoken 1000.not-a-token"})
    assert unauthorized.status_code == 401
    assert _is_error_envelope(unauthorized.json())


def test_the_customer_read_carries_what_the_preflight_reads(zoho: RunningZohoSandbox, zoho_http: httpx2.Client) -> None:
    customer = zoho_http.get(f"/customers/{demo_data.BOWMAN}").json()["customer"]
    assert {"customer_id", "display_name", "currency_code", "contactpersons", "cards", "bank_accounts"} <= set(customer)
    assert {"card_id", "last_four_digits", "status"} <= set(customer["cards"][0])


@pytest.mark.parametrize(
    ("fault", "status"), [("429", 429), ("429_daily", 429), ("429_concurrency", 429), ("500", 500)]
)
def test_an_injected_limit_or_failure_answers_the_specs_error_response_and_changes_nothing(
    fault: str,
    status: int,
    threaded_zoho: ThreadedTenant,
    zoho: RunningZohoSandbox,
    zoho_http: httpx2.Client,
    spec_responses: SpecResponses | None,
) -> None:
    threaded_zoho.run(lambda: zoho.faults.once(fault, "POST", "/billing/v1/invoices"))  # type: ignore[arg-type]
    before = tenant_state(zoho)
    answer = send(zoho_http, CASES[IDS.index("create_invoice")].accepted(None))
    assert answer.status_code == status
    assert _is_error_envelope(answer.json()), answer.json()
    assert tenant_state(zoho) == before
    spec, _ = need_references(spec_responses, {})
    problems = spec.problems("create_invoice", status, answer.json())
    assert not problems, "\n".join(problems)
