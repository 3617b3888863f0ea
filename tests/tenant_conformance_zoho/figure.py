"""The conformance figure: an operation counts when the spec and the seed's example accept all its answers
(an accepted request, a refused one, and one without a valid token)."""

from __future__ import annotations

from collections import defaultdict

KINDS = frozenset({"accepted", "refused", "unauthorized"})
_passed: dict[str, set[str]] = defaultdict(set)


def passed(operation_id: str, kind: str) -> None:
    _passed[operation_id].add(kind)


def line(total: int) -> str | None:
    """``"N of M operations accepted by the spec and the seed's examples"``, or None when nothing ran."""
    if not _passed:
        return None
    good = sum(1 for kinds in _passed.values() if kinds >= KINDS)
    return f"{good} of {total} operations accepted by the spec and the seed's examples"
