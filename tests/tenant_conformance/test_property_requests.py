"""Requests generated from Zuora's request schemas, sent to the Zuora tenant on loopback.

Hypothesis draws bodies from the committed request schemas (Zuora's spec, before the tenant's
widening) and near misses of them (one field replaced, dropped or added), with the reliability
suite's strategies (``hypothesis-jsonschema`` cannot draw objects with today's Hypothesis). Each
body is sent and, whatever it was: no 5xx; a refusal changes nothing (no stored-but-failed write);
and a body Zuora's spec forbids is never accepted, except where ``zuora_exceptions.json`` says the
tenant reads more leniently, as Zuora does (numbers as text; invoiceId given by the path).
Read operations get generated query parameters (the object query's filter[], sort[], cursor, ...):
no 5xx, nothing changed. Record references in the drawn bodies are mostly swapped for the demo tenant's real ones, so
requests get past "not found" to the rules. Bounded: 12 examples per write operation and 6 per read (198 in all),
derandomized, no example database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from tests.reliability.schema_strategies import near_misses, valid_arguments
from tests.tenant_conformance.conftest import ThreadedTenant
from tests.tenant_conformance.state import tenant_state
from zuora_mcp.providers.zuora.sandbox import Tenant, demo_seed
from zuora_mcp.providers.zuora.sandbox.spec_requests import OPERATIONS, load_requests
from zuora_mcp.providers.zuora.sandbox.validation import NUMERIC_TEXT

WRITES = sorted(op for op, (method, _) in OPERATIONS.items() if method != "GET")
READS = sorted(op for op, (method, _) in OPERATIONS.items() if method == "GET")
KEYS = {
    "invoiceKey": ["INV00000001", "INV00000002", "INV00000003", "INV00000009", "INV404"],
    "creditMemoKey": ["CM00000001", "CM00000002", "CM404"],
    "debitMemoKey": ["DM00000001", "DM00000002", "DM404"],
}
PROFILE = settings(
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module")
def http(threaded_tenant: ThreadedTenant) -> Iterator[httpx2.Client]:
    sandbox = threaded_tenant.sandbox
    with httpx2.Client(base_url=sandbox.base_url, timeout=10.0) as client:
        form = {
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "grant_type": "client_credentials",
        }
        client.headers["Authorization"] = f"Bearer {client.post('/oauth/token', data=form).json()['access_token']}"
        yield client


def _path(operation_id: str, data: st.DataObject) -> str:
    path = OPERATIONS[operation_id][1]
    for name, choices in KEYS.items():
        if "{" + name + "}" in path:
            path = path.replace("{" + name + "}", data.draw(st.sampled_from(choices), label=name))
    return path


def _pools() -> dict[str, list[Any]]:
    """Real references of the demo tenant, so generated bodies reach the rules, not only "not found"."""
    tenant = Tenant(demo_seed())
    invoices = [tenant.invoice(f"INV0000000{n}") for n in (1, 2, 3)]
    return {
        "accountNumber": ["A00000001", "A00000002", "A00000003"],
        "accountId": [account.id for account in tenant.accounts.values()],
        "invoiceId": [invoice.id for invoice in invoices],
        "id": [invoice.id for invoice in invoices],
        "invoiceItemId": [item.id for invoice in invoices for item in invoice.items],
        "debitMemoId": [memo.id for memo in tenant.debit_memos.values()],
        "currency": ["USD", "EUR"],
    }


POOLS = _pools()


def _realistic(value: Any) -> Any:
    """Most record references (4 in 5, chosen by the drawn value itself) swapped for real ones."""
    if isinstance(value, list):
        return [_realistic(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for name, item in value.items():
        pool = POOLS.get(name)
        if pool and isinstance(item, str) and len(item) % 5:
            item = pool[len(item) % len(pool)]
        out[name] = _realistic(item)
    return out


def _lenient(operation_id: str, error: ValidationError) -> bool:
    """An error of the spec's that the tenant reads past on purpose (zuora_exceptions.json)."""
    if error.validator == "type" and isinstance(error.instance, str) and error.validator_value in {"number", "integer"}:
        return re.fullmatch(NUMERIC_TEXT, error.instance) is not None  # numbers-as-text
    if error.validator == "required" and operation_id.endswith("MemoFromInvoice"):
        return isinstance(error.instance, dict) and set(error.validator_value) - set(error.instance) <= {"invoiceId"}
    if error.validator == "anyOf":
        return all(_lenient(operation_id, sub) for sub in error.context or [] if sub.validator != "type") and any(
            _lenient(operation_id, sub) for sub in error.context or []
        )
    return False


def _is_json(content: bytes) -> bool:
    def refuse(constant: str) -> Any:
        raise ValueError(constant)

    try:
        json.loads(content, parse_constant=refuse)
    except ValueError:
        return False
    return True


def _forbidden(operation_id: str, body: Any) -> list[str]:
    schema = load_requests()[operation_id]["body"]
    if schema is None:
        return []
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [e.message[:120] for e in validator.iter_errors(body) if not _lenient(operation_id, e)]


@pytest.mark.parametrize("operation_id", WRITES)
def test_generated_requests_never_fail_the_tenant_or_pass_what_the_spec_forbids(
    operation_id: str, threaded_tenant: ThreadedTenant, http: httpx2.Client
) -> None:
    method = OPERATIONS[operation_id][0]
    schema = load_requests()[operation_id]["body"]
    valid = valid_arguments(schema, {}).map(_realistic) if schema else st.just(None)
    bodies = st.one_of(valid, near_misses(schema, valid)) if schema else valid

    @settings(PROFILE)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        threaded_tenant.run(threaded_tenant.sandbox.reset)
        path = _path(operation_id, data)
        body = data.draw(bodies, label="body")
        before = tenant_state(threaded_tenant.sandbox)
        # Sent as Python writes it: a drawn inf or nan goes out as Infinity/NaN, which is not JSON.
        content = json.dumps(body).encode() if schema else None
        answer = http.request(method, path, content=content, headers={"Content-Type": "application/json"})
        assert answer.status_code < 500, f"{method} {path}: {answer.status_code} {answer.text[:300]}"
        payload = answer.json()
        refused = answer.status_code >= 400 or payload.get("success") is False
        if not refused and content is not None and not _is_json(content):
            pytest.fail(f"accepted a body that is not JSON: {content!r}")
        if refused:
            assert tenant_state(threaded_tenant.sandbox) == before, f"refused, yet the tenant changed: {payload}"
        else:
            forbidden = _forbidden(operation_id, body)
            assert not forbidden, f"accepted a body Zuora's spec forbids: {forbidden}"

    run()


def _query_values(query: dict[str, Any]) -> dict[str, Any]:
    """Query arguments as httpx sends them: booleans as Zuora's true/false, lists repeated."""
    return {name: (str(value).lower() if isinstance(value, bool) else value) for name, value in query.items()}


@pytest.mark.parametrize("operation_id", READS)
def test_generated_queries_never_fail_the_tenant_or_change_it(
    operation_id: str, threaded_tenant: ThreadedTenant, http: httpx2.Client
) -> None:
    schema = load_requests()[operation_id]["queryParameters"]
    valid = valid_arguments(schema, {})
    queries = st.one_of(valid, near_misses(schema, valid))

    @settings(PROFILE, max_examples=6)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        path = _path(operation_id, data)
        query = data.draw(queries, label="query")
        before = tenant_state(threaded_tenant.sandbox)
        answer = http.get(path, params=_query_values(query))
        assert answer.status_code < 500, f"GET {path} {query}: {answer.status_code} {answer.text[:300]}"
        assert tenant_state(threaded_tenant.sandbox) == before

    run()
