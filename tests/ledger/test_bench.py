"""The ledger micro-bench runs end to end on both engines (a few writes, so it cannot rot)."""

from __future__ import annotations

import pytest

from bench.ledger import measure_ledger, render


@pytest.mark.anyio
async def test_the_ledger_bench_reports_a_median_and_range_per_engine(postgres_url: str) -> None:
    results = await measure_ledger(3, postgres=postgres_url)
    for engine in ("sqlite", "postgresql"):
        assert results[engine]["chain_intact"] is True
        assert results[engine]["intent_outcome_ms"]["n"] == 3
        assert 0 < results[engine]["intent_outcome_ms"]["p50"] < 5000
    assert "postgresql  + claim" in render(results)
