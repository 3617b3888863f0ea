"""The admin API under ``/_sandbox/`` (no token; the tenant only listens on 127.0.0.1).

GET    /_sandbox/counters        connections, token requests and refusals, requests, writes, charges...
GET    /_sandbox/outbox          the emails the organisation "sent" (email, create?send=true)
GET    /_sandbox/charges         every attempt the simulated gateway saw, approved or declined
GET    /_sandbox/faults          the fault rules and rates in force
POST   /_sandbox/faults          {"rules": [{"fault", "method", "path", "count", "seconds"}],
                                  "rates": {"latency", "rate_429", "rate_5xx", "retry_after", "seed"},
                                  "token_expires_in": 3600}   (a bare rule object adds one rule)
DELETE /_sandbox/faults          remove every rule and rate
POST   /_sandbox/reset           records back to the seed; tokens, refresh cap, faults and counters cleared
POST   /_sandbox/clock           {"advance": seconds}: move the tenant clock forward (token expiry,
                                  refresh cap window, overdue invoices)
POST   /_sandbox/expire-tokens   every issued access token stops working
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from zuora_mcp.providers.zoho.sandbox.faults import FaultRates, ZohoFaultRule

if TYPE_CHECKING:
    from zuora_mcp.providers.zoho.sandbox.app import Reply, ZohoApp

__all__ = ["handle"]


def _faults_json(app: ZohoApp) -> dict[str, Any]:
    return {
        "rules": [asdict(rule) for rule in app.faults.rules],
        "rates": asdict(app.faults.rates),
        "token_expires_in": app.faults.token_expires_in,
    }


def _configure(app: ZohoApp, data: dict[str, Any]) -> None:
    if "fault" in data:
        data = {"rules": [data]}
    unknown = set(data) - {"rules", "rates", "token_expires_in"}
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    rules = [ZohoFaultRule.from_json(raw) for raw in data.get("rules", [])]
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


def reset(app: ZohoApp) -> None:
    app.tenant.reset()
    app.accounts.reset()
    app.faults.clear()
    app.counters.reset()


def handle(app: ZohoApp, method: str, path: str, raw: bytes) -> Reply:
    from zuora_mcp.providers.zoho.sandbox.app import Reply

    try:
        data = json.loads(raw) if raw.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        action = (method, path.rstrip("/"))
        if action == ("GET", "/_sandbox/counters"):
            return Reply(200, app.counters.as_json())
        if action == ("GET", "/_sandbox/outbox"):
            return Reply(200, {"emails": app.tenant.outbox})
        if action == ("GET", "/_sandbox/charges"):
            return Reply(200, {"charges": app.tenant.charges})
        if action == ("GET", "/_sandbox/faults"):
            return Reply(200, _faults_json(app))
        if action == ("POST", "/_sandbox/faults"):
            _configure(app, data)
            return Reply(200, _faults_json(app))
        if action == ("DELETE", "/_sandbox/faults"):
            app.faults.clear()
            return Reply(200, _faults_json(app))
        if action == ("POST", "/_sandbox/reset"):
            reset(app)
            return Reply(200, {"reset": True})
        if action == ("POST", "/_sandbox/clock"):
            app.tenant.clock.advance(float(data.get("advance", 0)))
            return Reply(200, {"now": app.tenant.clock.now(), "today": app.tenant.today()})
        if action == ("POST", "/_sandbox/expire-tokens"):
            app.accounts.expire_all()
            return Reply(200, {"expired": True})
    except (ValueError, TypeError, KeyError) as exc:
        return Reply(400, {"error": str(exc)})
    return Reply(404, {"error": f"no admin action {method} {path}"})
