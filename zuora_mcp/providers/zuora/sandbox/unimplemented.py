"""Zuora operations the sandbox does not implement, recognised so they fail clearly.

A request for a real Zuora operation (one in the explorer's index) that the sandbox has no rules for
gets Zuora's business-failure shape — HTTP 200, ``success: false`` — with a reason saying the
operation is not available in the sandbox, so the explorer can be tried end to end and a caller knows
nothing was done. HTTP 200 rather than a 5xx on purpose: a 5xx would make a client retry a read, or
report a write's outcome as unknown, when the sandbox certainly changed nothing. Anything else stays
a 404, as in Zuora.
"""

from __future__ import annotations

import re
import threading

from zuora_mcp.explorer.index import IndexUnavailable, load_index

__all__ = ["find_operation"]

_PLACEHOLDER = re.compile(r"\\\{[^{}]+\\\}")
_lock = threading.Lock()
_patterns: list[tuple[str, re.Pattern[str], str]] | None = None


def _compile() -> list[tuple[str, re.Pattern[str], str]]:
    try:
        from zuora_mcp.providers.zuora import INDEX_FILE

        index = load_index(INDEX_FILE)
    except IndexUnavailable:
        return []
    patterns: list[tuple[str, re.Pattern[str], str]] = []
    for operation in index.operations.values():
        regex = _PLACEHOLDER.sub("[^/]+", re.escape(operation.path))
        patterns.append((operation.method, re.compile(f"^{regex}$"), operation.operation_id))
    return patterns


def find_operation(method: str, path: str) -> str | None:
    """The operationId of the Zuora operation ``method path`` calls, or None."""
    global _patterns
    with _lock:
        if _patterns is None:
            _patterns = _compile()
    return next((op for verb, regex, op in _patterns if verb == method and regex.match(path)), None)
