"""Every operation of the Zuora tenant, called through Zuora's official SDK and checked against Zuora's spec.

For each operation: a request the tenant should accept, one it should refuse, and one without a
valid token. The SDK must read each answer into its typed models (refusals included: the SDK reads
a 400 as CommonResponse, a 401 as ProxyUnauthorizedResponse, the object query's 400 as
CommonErrorResponse), and each body must pass the spec's response schema for its status, with only
the reviewed exceptions of ``zuora_exceptions.json``. The session ends by printing the figure.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from zuora_sdk.exceptions import ApiException

from tests.tenant_conformance import figure
from tests.tenant_conformance.conftest import spec_problems
from tests.tenant_conformance.reference import SpecResponses, sdk_unknown_allowed, unknown_to_sdk
from tests.tenant_conformance.sdk import CASES, Case, Sdk
from tests.tenant_conformance.state import tenant_state
from zuora_mcp.providers.zuora.sandbox import RunningSandbox
from zuora_mcp.providers.zuora.sandbox.spec_requests import OPERATIONS

IDS = [case.operation_id for case in CASES]
# The SDK's generated models call pydantic's deprecated construct(); that is the SDK's business.
# Its serializer also warns about its own Decimal and date fields: the SDK's business, not the tenant's.
pytestmark = [
    pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning"),
]


def test_every_operation_the_tenant_implements_has_a_case() -> None:
    assert sorted(IDS) == sorted(OPERATIONS)


def _sdk(tenant: RunningSandbox) -> Sdk:
    return Sdk(tenant.base_url, tenant.client_id, tenant.client_secret)


def _readable_refusal(exc: ApiException) -> str | None:
    """What the SDK's typed error model says, or None when it cannot read the body."""
    data = exc.data
    if exc.status == 404 or exc.status == 405:
        # The SDK maps no model to these statuses (it raises with the raw body); the spec still checks it.
        return json.loads(exc.body).get("reasons", [{}])[0].get("message")
    if data is None:
        return None
    if getattr(data, "reasons", None):
        return str(data.reasons[0].message)
    return getattr(data, "message", None)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_accepted_request(case: Case, tenant: RunningSandbox, spec_responses: SpecResponses | None) -> None:
    answer = case.accepted(_sdk(tenant))
    if answer.raw_data.startswith(b"%PDF-"):  # a file download (GET_Files): the SDK hands back the bytes
        assert answer.status_code == 200
        assert answer.data == answer.raw_data
        figure.passed(case.operation_id, "accepted")
        return
    body = json.loads(answer.raw_data)
    assert answer.status_code == 200
    assert answer.data is not None, "the SDK did not read the answer into its model"
    assert body.get("success", True) is True, body
    allowed = sdk_unknown_allowed().get(case.operation_id, frozenset())
    unread = [path for path in unknown_to_sdk(answer.data, body) if path.rsplit(".", 1)[-1] not in allowed]
    assert not unread, f"fields the SDK's {type(answer.data).__name__} does not know: {unread}"
    problems = spec_problems(spec_responses, case.operation_id, 200, body)
    assert not problems, "\n".join(problems)
    figure.passed(case.operation_id, "accepted")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_refused_request(case: Case, tenant: RunningSandbox, spec_responses: SpecResponses | None) -> None:
    before = tenant_state(tenant)
    status: int
    body: Any
    readable: str | None
    try:
        answer = case.refused(_sdk(tenant))
    except ApiException as exc:
        status, body, readable = exc.status, json.loads(exc.body), _readable_refusal(exc)
    else:
        status, body = answer.status_code, json.loads(answer.raw_data)
        reasons = answer.data.reasons or []
        readable = reasons[0].message if reasons else None
    assert readable, f"the SDK cannot read the {status} refusal: {body}"
    assert body.get("success") is False, body
    assert body.get("reasons"), body
    assert tenant_state(tenant) == before, "a refused write changed the tenant"
    problems = spec_problems(spec_responses, case.operation_id, status, body)
    assert not problems, "\n".join(problems)
    figure.passed(case.operation_id, "refused")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_request_without_a_valid_token(
    case: Case, tenant: RunningSandbox, spec_responses: SpecResponses | None
) -> None:
    sdk = _sdk(tenant)
    sdk.api.default_headers["Authorization"] = "Bearer not-a-token"
    with pytest.raises(ApiException) as caught:
        case.accepted(sdk)
    assert caught.value.status == 401
    assert caught.value.data is not None
    assert caught.value.data.message == "Authentication error"
    problems = spec_problems(spec_responses, case.operation_id, 401, json.loads(caught.value.body))
    assert not problems, "\n".join(problems)
    figure.passed(case.operation_id, "unauthorized")


def test_batch_failures_carry_object_index_and_process_id(tenant: RunningSandbox) -> None:
    answer = CASES[IDS.index("POST_StandaloneInvoices")].accepted(_sdk(tenant))
    entries = json.loads(answer.raw_data)["invoices"]
    assert entries[0]["success"] is True
    assert (entries[1]["success"], entries[1]["objectIndex"]) == (False, 1)
    assert len(entries[1]["processId"]) == 16
    sdk_entry = answer.data.invoices[1]
    assert sdk_entry.reasons
    assert sdk_entry.reasons[0].message
