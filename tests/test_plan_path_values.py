"""Path values take a short path when they are plain ASCII; it must accept nothing the full check refuses.

Every get_invoice checks its key; most keys are ids and numbers, so those skip the Unicode folding
and per-character checks. These properties hold the short path to the full check, character by
character, on values drawn from the characters that matter (separators, dots, percent, look-alikes,
whitespace, controls) as well as plain ones.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zuora_mcp.errors import InvalidPathValue
from zuora_mcp.plan import RequestPlan, _checked, encode_path, validate_path_value

_TRICKY = "abcXYZ019-_.~/\\?#% \t\n\u0000\u200b\uff0f\uff0e\ufe56\u00e9\u2028"
VALUES = st.one_of(
    st.text(alphabet=_TRICKY, max_size=12),
    st.text(max_size=12),
    st.from_regex(r"[A-Za-z0-9._~-]{1,300}", fullmatch=True),
)


def _outcome(check: object, value: str) -> str:
    try:
        return str(check("key", value))  # type: ignore[operator]
    except InvalidPathValue as exc:
        return f"refused: {exc}"


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_the_short_path_accepts_exactly_what_the_full_check_accepts(value: str) -> None:
    assert _outcome(validate_path_value, value) == _outcome(_checked, value)


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_an_accepted_value_is_percent_encoded_as_one_segment(value: str) -> None:
    try:
        text = validate_path_value("key", value)
    except InvalidPathValue:
        with pytest.raises(InvalidPathValue):
            encode_path("/v1/invoices/{key}", {"key": value})
        return
    assert encode_path("/v1/invoices/{key}/files", {"key": value}) == f"/v1/invoices/{quote(text, safe='')}/files"


def test_an_unsafe_value_is_refused_every_time_the_plan_is_asked_for_its_url() -> None:
    plan = RequestPlan(method="GET", path="/v1/invoices/{invoiceKey}", path_params={"invoiceKey": "../accounts"})
    for _ in range(2):
        with pytest.raises(InvalidPathValue):
            plan.url_path()
        with pytest.raises(InvalidPathValue):
            plan.target()


def test_a_plan_encodes_its_path_once_and_gives_the_same_target_each_time() -> None:
    plan = RequestPlan(
        method="GET",
        path="/v1/invoices/{invoiceKey}",
        path_params={"invoiceKey": "A\u00c4-1"},
        query={"b": 1, "a": True},
    )
    assert plan.target() == plan.target() == "/v1/invoices/A%C3%84-1?a=true&b=1"
