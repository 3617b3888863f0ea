"""Fault names and counters of the Zoho tenant (the machinery is :mod:`zuora_mcp.tenant_kit.faults`).

Beyond the common faults (``latency``, ``429``, ``500``, ``502``, ``503``, ``drop_before_commit``,
``drop_after_commit``, ``delay_before_commit``, ``delay_after_commit``) the Zoho tenant has:

- ``429`` is Zoho's per-minute cap (code 44, with ``Retry-After``); ``429_daily`` the daily cap
  (code 45, no ``Retry-After``: waiting seconds will not help); ``429_concurrency`` the concurrency
  limiter (code 1070). The codes are Zoho Books' (notes C10); Billing publishes none.
- ``code_nonzero_200``: HTTP 200 whose body says failure (``{"code": 1000, ...}``), the tenant untouched.
- ``gateway_decline``: the request is served, but the simulated gateway declines the charge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

from zuora_mcp.tenant_kit import faults as kit
from zuora_mcp.tenant_kit.faults import FaultPlan, FaultRates

__all__ = ["ZOHO_FAULTS", "FaultPlan", "FaultRates", "ZohoCounters", "ZohoFault", "ZohoFaultRule", "ZohoFaults"]

ZohoFault = Literal[
    "latency",
    "429",
    "429_daily",
    "429_concurrency",
    "500",
    "502",
    "503",
    "code_nonzero_200",
    "gateway_decline",
    "drop_before_commit",
    "drop_after_commit",
    "delay_before_commit",
    "delay_after_commit",
]
ZOHO_FAULTS: tuple[str, ...] = get_args(ZohoFault)


@dataclass
class ZohoFaultRule(kit.FaultRule[ZohoFault]):
    """The next ``count`` requests matching ``method`` and ``path`` (a glob) get ``fault``."""

    kinds: ClassVar[tuple[str, ...]] = ZOHO_FAULTS
    statuses: ClassVar[Mapping[str, int]] = {
        **kit.STATUS_FAULTS,
        "429_daily": 429,
        "429_concurrency": 429,
        "code_nonzero_200": 200,
    }


@dataclass
class ZohoCounters(kit.BaseCounters):
    """What the tenant saw: also refused token requests, approved and declined charges, emails."""

    token_refusals: int = 0
    charges: int = 0
    charges_declined: int = 0
    emails_sent: int = 0


class ZohoFaults(kit.Faults[ZohoFault]):
    """The fault configuration of one Zoho tenant; change it at any time, from a test or over HTTP."""

    rule_class: ClassVar[type[kit.FaultRule[Any]]] = ZohoFaultRule
