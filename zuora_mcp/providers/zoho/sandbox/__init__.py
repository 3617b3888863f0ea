"""A local, stateful stand-in for a Zoho Billing organisation, speaking Zoho's dialect on 127.0.0.1.

It is the only Zoho the tests, the demo and the benchmarks see; it never reaches a real Zoho. The
accounts token endpoint and the Billing API share one loopback socket.

    async with running_sandbox(ZohoSandboxOptions(port=0)) as zoho:
        zoho.accounts_url                # "http://127.0.0.1:PORT"  (POST /oauth/v2/token)
        zoho.base_url                    # "http://127.0.0.1:PORT/billing/v1"
        zoho.client_id, zoho.client_secret, zoho.refresh_token, zoho.organization_id
        zoho.tenant                      # live records; .outbox (emails) and .charges (gateway ledger)
        zoho.counters                    # connections_accepted, token_requests, token_refusals, charges...
        zoho.faults.once("429", "POST", "/billing/v1/invoices/*/collect")   # fault injection

Requests: ``Authorization: Zoho-oauthtoken <token>`` and ``X-com-zoho-subscriptions-organizationid``
on every API call; answers are ``{"code": 0, "message", <resource>}``, refusals ``{"code": N,
"message"}`` (codes and their sources: :mod:`.dialect`). Every request of the 18 spec operations is
judged first by the spec's own request schemas (:mod:`.validation`, from ``data/requests.json.gz``,
which :mod:`.spec_requests` builds from our Zoho spec and ``zuora-mcp schemas check`` keeps fresh):
every field the spec defines is accepted, a field it does not name is ignored, and what it forbids
is refused as ``{"code": 4, "message": "Invalid value passed for <field>"}``. Status rules follow
the spec's ``x-zoho-status-rules``; the rules it marks inferred are implemented and commented as
such. Where the tenant departs from the spec or the seed's examples, the reviewed list is
``tests/tenant_conformance_zoho/zoho_exceptions.json``.
Admin API: ``/_sandbox/`` (:mod:`.admin`). Alone: ``zuora-mcp zoho-sandbox [--port N] [--seed FILE]``.

Credentials: ``ZOHO_CLIENT_ID`` / ``ZOHO_CLIENT_SECRET`` / ``ZOHO_REFRESH_TOKEN`` /
``ZOHO_ORGANIZATION_ID`` when set, else ``1000.SANDBOXCLIENTID`` / ``sandbox-client-secret`` /
``1000.sandbox.refresh-token`` / ``10234695``.

Demo organisation (``demo_data.demo_seed(today)``; dates are relative to the tenant clock's day D;
ids are stable: ``demo_data.invoice_id(n)`` for INV-00000n, named constants for the rest):

================ ===========================================================================================
Customer         Saved payment methods and contacts
================ ===========================================================================================
Bowman Furniture Visa ending 4242 (default), Visa ending 0002 (the gateway declines it), Mastercard ending
                 1111 (expired), bank account ending 6789; contacts benjamin.george@ and paul@bowmanfurniture.com
Lumen Cafe       no saved card or bank account (collect refused); one contact, accounts@lumencafe.example
================ ===========================================================================================

=========== ======== ============== ==============================================================================
Record      Customer Status         What it is for
=========== ======== ============== ==============================================================================
INV-000001  Bowman   sent           240.00 (2 × Pro), due D+25, on a subscription, PO custom field: collect (card
                                    4242, bank 6789, declined 0002, expired 1111), email, update, write-off, void,
                                    credits, custom fields, address, attachment, PDF
INV-000002  Bowman   overdue        55.00 (50 + 10 % tax), due D-10: write-off and cancel, apply CN-00001
INV-000003  Bowman   partially_paid 200.00 with a card payment of 80.00: delete refused (4001), update refused
                                    (3010); void moves the 80.00 to the customer's credit
INV-000004  Bowman   paid           120.00 paid by card: collect, write-off and credits refused; delete refused
INV-000005  Lumen    void           50.00: convert to open (then overdue); email, void and collect refused
INV-000006  Lumen    draft          50.00: update, delete; email, void and convert to open refused
INV-000007  Bowman   pending        metered renewal, 50.00 + 1,000 API calls × 0.01: line items add/delete (any
                                    other invoice answers 102028), convert to open
INV-000008  Lumen    paid           75.00 written off: cancel write-off; update and delete refused
INV-000009  Lumen    sent           90.00: collect refused (no saved method), apply CN-00003
INV-000010  Bowman   partially_paid 100.00 with 50.00 of CN-00002 applied: delete refused (12008), update
                                    refused (3009); void gives the 50.00 back to CN-00002
CN-00001    Bowman   open           100.00 unapplied: apply to INV-000001/2/3
CN-00002    Bowman   closed         fully used on INV-000010: apply refused
CN-00003    Lumen    open           30.00: apply to INV-000009; refused on Bowman's invoices
=========== ======== ============== ==============================================================================

Products: Basic (``basic-monthly``, 50), Pro (``pro-monthly``, 120), Setup fee (``setup``, 200), API
calls (``UsageAddon``, 0.01). Custom fields: "PO Number", "Cost Centre". New invoices continue at
INV-000011; new ids are 15-digit numeric strings.
"""

from __future__ import annotations

from zuora_mcp.providers.zoho.sandbox.demo_data import demo_id, demo_seed, invoice_id, load_seed
from zuora_mcp.providers.zoho.sandbox.dialect import ZohoError
from zuora_mcp.providers.zoho.sandbox.faults import FaultRates, ZohoCounters, ZohoFaultRule, ZohoFaults
from zuora_mcp.providers.zoho.sandbox.server import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_ORGANIZATION_ID,
    DEFAULT_REFRESH_TOKEN,
    RunningZohoSandbox,
    ZohoSandboxOptions,
    build_app,
    running_sandbox,
)
from zuora_mcp.providers.zoho.sandbox.tenant import Tenant

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_ORGANIZATION_ID",
    "DEFAULT_REFRESH_TOKEN",
    "FaultRates",
    "RunningZohoSandbox",
    "Tenant",
    "ZohoCounters",
    "ZohoError",
    "ZohoFaultRule",
    "ZohoFaults",
    "ZohoSandboxOptions",
    "build_app",
    "demo_id",
    "demo_seed",
    "invoice_id",
    "load_seed",
    "running_sandbox",
]
