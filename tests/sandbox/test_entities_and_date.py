"""A multi-entity sandbox asks for Zuora-Entity-Ids; date_offset moves the Date header, not the tenant clock."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx2
import pytest

from zuora_mcp.client import BillingClient
from zuora_mcp.errors import BillingError
from zuora_mcp.providers.zuora.sandbox import SandboxOptions, running_sandbox

from .conftest import CLOCK_START, settings_for

pytestmark = pytest.mark.anyio

INVOICES = "/object-query/invoices"


async def test_multi_entity_tenant_refuses_a_request_that_names_no_entity() -> None:
    async with (
        running_sandbox(SandboxOptions(entity_ids=("ent-us", "ent-eu"))) as sandbox,
        BillingClient(settings_for(sandbox, max_retries=0)) as client,
    ):
        with pytest.raises(BillingError) as refused:
            await client.get(INVOICES, query={"pageSize": 1})
    assert refused.value.status == 400
    assert refused.value.reasons[0].code == "50000023"
    assert "entity must be specified" in refused.value.reasons[0].message
    assert "more than one entity" in refused.value.reasons[0].message


async def test_multi_entity_tenant_answers_when_the_entity_is_named() -> None:
    async with (
        running_sandbox(SandboxOptions(entity_ids=("ent-us", "ent-eu"))) as sandbox,
        BillingClient(settings_for(sandbox, entity_ids=("ent-eu",))) as client,
    ):
        answer = await client.get(INVOICES, query={"pageSize": 1})
    assert answer.status == 200
    assert len(answer.data["data"]) == 1


async def test_multi_entity_tenant_refuses_an_entity_the_token_is_not_valid_for() -> None:
    async with (
        running_sandbox(SandboxOptions(entity_ids=("ent-us",))) as sandbox,
        BillingClient(settings_for(sandbox, entity_ids=("ent-mars",))) as client,
    ):
        with pytest.raises(BillingError) as refused:
            await client.get(INVOICES, query={"pageSize": 1})
    assert refused.value.status == 400
    assert "'ent-mars'" in refused.value.reasons[0].message


async def test_multi_entity_tenant_issues_tokens_and_serves_admin_without_an_entity() -> None:
    async with (
        running_sandbox(SandboxOptions(entity_ids=("ent-us",))) as sandbox,
        httpx2.AsyncClient(base_url=sandbox.base_url, timeout=5.0) as http,
    ):
        token = await http.post(
            "/oauth/token",
            data={
                "client_id": sandbox.client_id,
                "client_secret": sandbox.client_secret,
                "grant_type": "client_credentials",
            },
        )
        counters = await http.get("/_sandbox/counters")
    assert token.status_code == 200
    assert counters.status_code == 200


async def test_every_answer_carries_one_date_header_near_real_time() -> None:
    async with (
        running_sandbox(SandboxOptions(clock_start=CLOCK_START)) as sandbox,
        httpx2.AsyncClient(base_url=sandbox.base_url, timeout=5.0) as http,
    ):
        answers = [await http.get("/_sandbox/counters"), await http.get(INVOICES)]  # 200 and 401
    for answer in answers:
        assert len(answer.headers.get_list("date")) == 1
        # Real time, not the tenant's fixed clock of 2025-06-01.
        assert abs(parsedate_to_datetime(answer.headers["date"]).timestamp() - time.time()) < 5


async def test_date_offset_shifts_the_date_header_but_not_the_tenant_clock() -> None:
    async with (
        running_sandbox(SandboxOptions(date_offset=-900, clock_start=CLOCK_START)) as sandbox,
        BillingClient(settings_for(sandbox)) as client,
    ):
        answer = await client.get(INVOICES, query={"pageSize": 1})
        assert sandbox.tenant.clock.now() == CLOCK_START
    shift = parsedate_to_datetime(answer.headers["date"]).timestamp() - time.time()
    assert -905 < shift < -895
