"""The Zoho demo script (being written)."""

from __future__ import annotations

from zuora_mcp.provider import DemoSession

__all__ = ["play"]


async def play(session: DemoSession) -> int:
    session.say("The Zoho demo script is not written yet.")
    return 0
