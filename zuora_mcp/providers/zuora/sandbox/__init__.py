"""A local, stateful stand-in for a Zuora tenant, speaking Zuora's REST dialect on 127.0.0.1.

It is the tenant of every end-to-end test, the README's demo, the benchmarks and anyone trying
the tools in the MCP Inspector. It never reaches a real Zuora.

    async with running_sandbox(SandboxOptions(port=0)) as sandbox:
        sandbox.base_url                          # "http://127.0.0.1:PORT"
        sandbox.client_id, sandbox.client_secret  # what POST /oauth/token accepts
        sandbox.tenant                            # live records (read them to check effects)
        sandbox.counters                          # connections_accepted, token_requests, writes_applied, ...
        sandbox.faults.once("503", "GET", "/v1/invoices/*")   # fault injection (see .faults)

A tenant that is hard to reach correctly, for ``zuora-mcp doctor`` and its tests::

    SandboxOptions(entity_ids=("e1", "e2"))   # multi-entity: API requests without Zuora-Entity-Ids
                                              # naming one of them get HTTP 400, "success": false
    SandboxOptions(date_offset=600)           # every answer's Date header 10 minutes ahead

Alone: ``zuora-mcp sandbox [--port N] [--seed FILE] [--expires-in S]``.

Credentials: ``ZUORA_CLIENT_ID``/``ZUORA_CLIENT_SECRET`` when set, else
``sandbox-client-id-0000-0000-00000001`` / ``sandbox-client-secret`` (36 characters, as Zuora's
client ids are: the official SDK refuses any other length).

Requests are judged by Zuora's own spec (:mod:`.validation`, :mod:`.spec_requests`), and
``tests/tenant_conformance`` calls every operation through Zuora's official SDK; the SDK's
``/v1/debitmemos/{key}/write-off`` answers like the spec's ``/v1/debit-memos/…``. A write either
commits and answers success, or answers an error and changes nothing.

Demo tenant (``demo_data.demo_seed()``; ids are stable, ``demo_data.demo_id("INV00000001")``):

========== ============ ====== ========= ================================================================
Record     Account      Cur.   Status    What it is for
========== ============ ====== ========= ================================================================
A00000001  Acme Corp.   USD    Active    bill-to email ap@acme.example, one additional address
A00000002  Globex LLC   USD    Active    bill-to contact has no email (emailing needs explicit addresses)
A00000003  Initech GmbH EUR    Active    the other currency; Net 14
INV00000001 A00000001   USD    Posted    165.00 = 100 + 50 + 15 tax, nothing applied, 2 PDF files:
                                         reverse, write-off, memos from invoice, email, apply CM00000001
INV00000002 A00000001   USD    Posted    110.00, payment of 50.00 applied, balance 60.00: reverse refused
                                         (payment applied); write-off writes off 60.00
INV00000003 A00000001   USD    Draft     220.00: update items/dates, delete; email and reverse refused
INV00000004 A00000002   USD    Posted    80.00 paid in full, balance 0: write-off refused (no balance)
INV00000005 A00000002   USD    Posted    2,001 generated items of 1.00: reverse and write-off refused
                                         (more than 2,000 items); item paging
INV00000006 A00000003   EUR    Posted    595.00 = 500 + 19 % VAT: EUR invoice
INV00000007 A00000001   USD    Posted    300.00, split invoice: reverse refused (split)
INV00000008 A00000001   USD    Posted    -25.00 negative invoice: reverse refused (negative)
INV00000009 A00000002   USD    Canceled  40.00: delete allowed
CM00000001 A00000001    USD    Posted    30.00 unapplied: apply to INV00000001 or DM00000001
CM00000002 A00000001    USD    Draft     20.00: apply refused (not posted)
DM00000001 A00000001    USD    Posted    40.00 balance: write-off target
DM00000002 A00000001    USD    Draft     15.00: write-off refused (not posted)
========== ============ ====== ========= ================================================================

New records continue the sequences: the first new invoice is INV00000010, credit memo CM00000003,
debit memo DM00000003; new ids are 32 hex characters.
"""

from __future__ import annotations

from zuora_mcp.providers.zuora.sandbox.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SandboxApp
from zuora_mcp.providers.zuora.sandbox.demo_data import demo_id, demo_seed, load_seed
from zuora_mcp.providers.zuora.sandbox.dialect import Refusal
from zuora_mcp.providers.zuora.sandbox.faults import Counters, FaultRates, FaultRule, Faults
from zuora_mcp.providers.zuora.sandbox.server import RunningSandbox, SandboxOptions, build_app, running_sandbox
from zuora_mcp.providers.zuora.sandbox.tenant import Clock, Tenant

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "Clock",
    "Counters",
    "FaultRates",
    "FaultRule",
    "Faults",
    "Refusal",
    "RunningSandbox",
    "SandboxApp",
    "SandboxOptions",
    "Tenant",
    "build_app",
    "demo_id",
    "demo_seed",
    "load_seed",
    "running_sandbox",
]
