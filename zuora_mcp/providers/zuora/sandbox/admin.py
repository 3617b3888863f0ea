"""The admin API under ``/_sandbox/`` (no token; the sandbox only listens on 127.0.0.1).

GET    /_sandbox/counters        connections, token requests, writes applied, requests by route
GET    /_sandbox/faults          the fault rules and rates in force
POST   /_sandbox/faults          {"rules": [{"fault", "method", "path", "count", "seconds"}],
                                  "rates": {"latency", "rate_429", "rate_5xx", "retry_after", "seed"},
                                  "token_expires_in": 3600}   (a bare rule object adds one rule)
DELETE /_sandbox/faults          remove every rule and rate
POST   /_sandbox/reset           tenant back to its seed; idempotency keys, faults and counters cleared
POST   /_sandbox/clock           {"advance": seconds}: move the sandbox clock forward
POST   /_sandbox/expire-tokens   every issued bearer token stops working
GET    /_sandbox/emails          the emails "sent" by POST /v1/invoices/{invoiceKey}/emails
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from zuora_mcp.providers.zuora.sandbox.faults import FaultRates, FaultRule

if TYPE_CHECKING:
    from zuora_mcp.providers.zuora.sandbox.app import Reply, SandboxApp

__all__ = ["handle"]


def _faults_json(app: SandboxApp) -> dict[str, Any]:
    rates = asdict(app.faults.rates)
    return {
        "rules": [asdict(rule) for rule in app.faults.rules],
        "rates": rates,
        "token_expires_in": app.faults.token_expires_in,
    }


def _configure(app: SandboxApp, data: dict[str, Any]) -> None:
    if "fault" in data:
        data = {"rules": [data]}
    unknown = set(data) - {"rules", "rates", "token_expires_in"}
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    rules = [FaultRule.from_json(raw) for raw in data.get("rules", [])]
    rates = None
    if "rates" in data:
        raw_rates = dict(data["rates"])
        allowed = set(asdict(FaultRates()))
        if set(raw_rates) - allowed:
            raise ValueError(f"unknown rate fields {sorted(set(raw_rates) - allowed)}")
        rates = FaultRates(**{k: type(getattr(FaultRates(), k))(v) for k, v in raw_rates.items()})
    for rule in rules:
        app.faults.add(rule)
    if rates is not None:
        app.faults.set_rates(rates)
    if "token_expires_in" in data:
        app.faults.token_expires_in = int(data["token_expires_in"])


def handle(app: SandboxApp, method: str, path: str, raw: bytes) -> Reply:
    from zuora_mcp.providers.zuora.sandbox.app import Reply

    try:
        data = json.loads(raw) if raw.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        action = (method, path.rstrip("/"))
        if action == ("GET", "/_sandbox/counters"):
            return Reply(200, app.counters.as_json())
        if action == ("GET", "/_sandbox/faults"):
            return Reply(200, _faults_json(app))
        if action == ("POST", "/_sandbox/faults"):
            _configure(app, data)
            return Reply(200, _faults_json(app))
        if action == ("DELETE", "/_sandbox/faults"):
            app.faults.clear()
            return Reply(200, _faults_json(app))
        if action == ("POST", "/_sandbox/reset"):
            app.tenant.reset()
            app.idempotency.clear()
            app.faults.clear()
            app.counters.reset()
            return Reply(200, {"reset": True})
        if action == ("POST", "/_sandbox/clock"):
            app.tenant.clock.advance(float(data.get("advance", 0)))
            return Reply(200, {"now": app.tenant.clock.now(), "today": app.tenant.clock.today()})
        if action == ("POST", "/_sandbox/expire-tokens"):
            app.expire_tokens()
            return Reply(200, {"expired": True})
        if action == ("GET", "/_sandbox/emails"):
            return Reply(200, {"emails": app.tenant.emails})
    except (ValueError, TypeError, KeyError) as exc:
        return Reply(400, {"error": str(exc)})
    return Reply(404, {"error": f"no admin action {method} {path}"})
