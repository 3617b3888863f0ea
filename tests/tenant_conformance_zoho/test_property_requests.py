"""Requests generated from our Zoho spec's request schemas, sent to the Zoho tenant on loopback.

Hypothesis draws bodies (and query parameters) from the committed request schemas, and near misses
of them (one field replaced, dropped or added), with the reliability suite's strategies. Record
references in drawn bodies are mostly (4 in 5) swapped for the demo organisation's real ones, so
requests get past "not found" to the rules. Whatever was sent: no 5xx; a refusal is Zoho's
``{code, message}`` and changes nothing (no stored-but-failed write, no mail, no charge); and a
request the spec forbids is never accepted, except where ``zoho_exceptions.json`` records that the
tenant reads more leniently (``filter-by-pending``). Bounded: 114 examples in all, derandomized, no
example database; a few seconds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from tests.reliability.schema_strategies import JSON_VALUES, near_misses, valid_arguments
from tests.tenant_conformance_zoho.conftest import ThreadedTenant
from tests.tenant_conformance_zoho.state import tenant_state
from zuora_mcp.providers.zoho.sandbox import demo_data as demo
from zuora_mcp.providers.zoho.sandbox.spec_requests import OPERATIONS, load_requests
from zuora_mcp.providers.zoho.sandbox.validation import LENIENT_QUERY_VALUES, coerce_query

JSON_WRITES = sorted(op for op, entry in load_requests().items() if entry["bodyType"] == "application/json")
BODILESS = sorted(
    op for op, (method, _) in OPERATIONS.items() if method != "GET" and load_requests()[op]["body"] is None
)
EXAMPLES = {"json": 8, "bodiless": 3, "list": 12, "get": 3, "attachment": 4}  # 80 + 15 + 12 + 3 + 4 = 114
PROFILE = settings(
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
INVOICES = [demo.invoice_id(n) for n in range(1, 11)] + ["460000000000999", "INV-000001"]
LINES = [demo.demo_id(200 + n) for n in (1, 7, 8)] + ["460000000000999"]
POOLS: dict[str, list[Any]] = {
    "customer_id": [demo.BOWMAN, demo.LUMEN],
    "product_id": [demo.BASIC, demo.PRO, demo.SETUP, demo.USAGE],
    "contactperson_id": [demo.demo_id(3), demo.demo_id(4), demo.demo_id(5)],
    "creditnote_id": [demo.CN_OPEN, demo.CN_USED, demo.CN_LUMEN],
    "card_id": [demo.CARD_4242, demo.CARD_0002, demo.CARD_1111],
    "account_id": [demo.BANK_6789],
    "customfield_id": [demo.PO_NUMBER, demo.COST_CENTRE],
    "label": ["PO Number", "Cost Centre"],
    "code": ["UsageAddon"],
    "date": ["2025-06-01", "2025-06-15"],
    "due_date": ["2025-07-01"],
}


def _realistic(value: Any) -> Any:
    """Most record references (4 in 5, chosen by the drawn value itself) swapped for real ones."""
    if isinstance(value, list):
        return [_realistic(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for name, item in value.items():
        pool = POOLS.get(name)
        if pool and isinstance(item, str | int) and not isinstance(item, bool) and len(str(item)) % 5:
            item = pool[len(str(item)) % len(pool)]
        out[name] = _realistic(item)
    return out


def _bodies(schema: dict[str, Any]) -> Any:
    if schema.get("type") == "array":  # the custom fields by id: a bare array
        valid = _value_list(schema)
        entry_misses = st.tuples(valid, JSON_VALUES).map(lambda pair: [*pair[0], pair[1]])
        return st.one_of(valid, entry_misses, JSON_VALUES)
    valid = valid_arguments(schema, {}).map(_realistic)
    return st.one_of(valid, near_misses(schema, valid))


def _value_list(schema: dict[str, Any]) -> Any:
    entry = valid_arguments(schema["items"], {}).map(_realistic)
    return st.lists(entry, min_size=int(schema.get("minItems", 0)), max_size=3)


def _is_json(value: Any) -> bool:
    """False when Python would write a NaN or an infinity (not JSON)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_is_json(item) for item in value)
    if isinstance(value, dict):
        return all(_is_json(item) for item in value.values())
    return True


def _forbidden(operation_id: str, location: str, value: Any) -> list[str]:
    """What the spec's own schema (before any leniency of the tenant) says against ``value``."""
    entry = load_requests()[operation_id]
    schema = entry["queryParameters"] if location == "query" else entry["body"]
    if schema is None:
        return []
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    found = []
    for error in validator.iter_errors(value):
        lenient = LENIENT_QUERY_VALUES.get(operation_id, {}).get(str(error.path[0]) if error.path else "", ())
        if location == "query" and error.validator == "enum" and error.instance in lenient:
            continue
        found.append(f"{'/'.join(map(str, error.absolute_path))}: {error.validator}")
    return found


def _path(operation_id: str, data: st.DataObject) -> str:
    path = OPERATIONS[operation_id][1]
    path = path.replace("{invoice_id}", data.draw(st.sampled_from(INVOICES), label="invoice_id"))
    return path.replace("{line_item_id}", data.draw(st.sampled_from(LINES), label="line_item_id"))


def _query_text(query: dict[str, Any]) -> dict[str, str]:
    return {str(k): (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in query.items()}


def _check(
    threaded_zoho: ThreadedTenant,
    send: Callable[[], httpx2.Response],
    forbidden: Callable[[], list[str]],
) -> None:
    """Send once on a fresh tenant; judge the answer."""
    threaded_zoho.reset()
    before = tenant_state(threaded_zoho.sandbox)
    answer = send()
    assert answer.status_code < 500, f"{answer.status_code} {answer.text[:300]}"
    payload = answer.json()
    refused = answer.status_code >= 400 or payload.get("code") != 0
    if refused:
        assert set(payload) == {"code", "message"}, payload
        assert payload["code"] != 0, payload
        assert tenant_state(threaded_zoho.sandbox) == before, f"refused, yet the tenant changed: {payload}"
    else:
        problems = forbidden()
        assert not problems, f"accepted a request the spec forbids: {problems}"


def _query_schema(operation_id: str) -> dict[str, Any]:
    schema: dict[str, Any] = load_requests()[operation_id]["queryParameters"]
    return schema


@pytest.mark.parametrize("operation_id", JSON_WRITES)
def test_generated_bodies_never_fail_the_tenant_store_a_refusal_or_pass_what_the_spec_forbids(
    operation_id: str, threaded_zoho: ThreadedTenant, zoho_http: httpx2.Client
) -> None:
    method = OPERATIONS[operation_id][0]
    bodies = _bodies(load_requests()[operation_id]["body"])
    queries = valid_arguments(_query_schema(operation_id), {})

    @settings(PROFILE, max_examples=EXAMPLES["json"])
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        path = _path(operation_id, data)
        body = data.draw(bodies, label="body")
        query = data.draw(queries, label="query")
        content = json.dumps(body).encode()  # a drawn NaN goes out as Python writes it: not JSON

        def forbidden() -> list[str]:
            if not _is_json(body):
                return ["a body that is not JSON"]
            return _forbidden(operation_id, "body", body) + _forbidden(operation_id, "query", query)

        _check(
            threaded_zoho,
            lambda: zoho_http.request(
                method, path, content=content, params=_query_text(query), headers={"Content-Type": "application/json"}
            ),
            forbidden,
        )

    run()


@pytest.mark.parametrize("operation_id", BODILESS)
def test_generated_paths_of_bodiless_writes_never_fail_the_tenant(
    operation_id: str, threaded_zoho: ThreadedTenant, zoho_http: httpx2.Client
) -> None:
    method = OPERATIONS[operation_id][0]

    @settings(PROFILE, max_examples=EXAMPLES["bodiless"])
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        path = _path(operation_id, data)
        _check(threaded_zoho, lambda: zoho_http.request(method, path), list)

    run()


def test_generated_list_queries_never_fail_the_tenant_or_pass_what_the_spec_forbids(
    threaded_zoho: ThreadedTenant, zoho_http: httpx2.Client
) -> None:
    schema = _query_schema("list_invoices")
    valid = valid_arguments(schema, {"customer_id": st.sampled_from([demo.BOWMAN, demo.LUMEN, "460000000000999"])})
    queries = st.one_of(valid, near_misses(schema, valid))

    @settings(PROFILE, max_examples=EXAMPLES["list"])
    @given(query=queries)
    def run(query: dict[str, Any]) -> None:
        text = _query_text(query)
        _check(
            threaded_zoho,
            lambda: zoho_http.get("/invoices", params=text),
            lambda: _forbidden("list_invoices", "query", coerce_query("list_invoices", text)),
        )

    run()


def test_generated_invoice_reads_never_fail_the_tenant(threaded_zoho: ThreadedTenant, zoho_http: httpx2.Client) -> None:
    @settings(PROFILE, max_examples=EXAMPLES["get"])
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        path = _path("get_invoice", data)
        _check(threaded_zoho, lambda: zoho_http.get(path), list)

    run()


def test_generated_attachments_never_fail_the_tenant_or_store_a_refused_file(
    threaded_zoho: ThreadedTenant, zoho_http: httpx2.Client
) -> None:
    names = st.sampled_from(["scan.pdf", "logo.PNG", "tool.exe", "noextension", "a.jpeg"])
    flags = st.sampled_from(["true", "false", "", "maybe"])

    @settings(PROFILE, max_examples=EXAMPLES["attachment"])
    @given(data=st.data(), name=names, flag=flags, content=st.binary(max_size=64))
    def run(data: st.DataObject, name: str, flag: str, content: bytes) -> None:
        path = _path("attach_file_to_invoice", data)

        def forbidden() -> list[str]:
            return [] if flag in {"", "true", "false"} else ["can_send_in_mail is not a boolean"]

        _check(
            threaded_zoho,
            lambda: zoho_http.post(
                path, files={"attachment": (name, content, "application/octet-stream")}, data={"can_send_in_mail": flag}
            ),
            forbidden,
        )

    run()
