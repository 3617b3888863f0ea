"""The committed card is exactly what ``make card`` builds from apps/approval-card with the pinned bundler."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.apps.conftest import CARD_DIR, REPO, CardTools

pytestmark = pytest.mark.node

COMMITTED = REPO / "zuora_mcp" / "apps" / "approval_card.html"


def test_the_committed_card_is_what_the_pinned_build_produces_from_its_source(
    card_tools: CardTools, tmp_path: Path
) -> None:
    out = tmp_path / "approval_card.html"
    done = card_tools.run(
        [str(CARD_DIR / "build.mjs"), "--modules", str(card_tools.modules), "--out", str(out)], timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == COMMITTED.read_bytes(), (
        "zuora_mcp/apps/approval_card.html is stale: run `make card` and commit the result"
    )
