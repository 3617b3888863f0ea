"""Preflight for invoice writes: reverse, write off, create, update (one or a batch), email, delete.

Rules come from Zuora's API reference (seed 000, 001). Two of reverse's documented restrictions —
a split invoice, and taxes from the Tax Connector for Extension Platform — are not visible through
the invoice API; Zuora enforces them itself, and the preview says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from zuora_mcp.preflight import PreflightFn, PreflightReport, Reader, ReadFailed, fingerprint
from zuora_mcp.providers.zuora.preflight.common import MAX_REVERSE_ITEMS, PAGE_SIZE, fmt, money, read_record

Progress = Callable[[str], Awaitable[None]]
INVOICE = "/v1/invoices/{invoiceKey}"
MAX_BATCH = 50


def _state(invoice: Mapping[str, Any]) -> str:
    return fingerprint(
        {k: invoice.get(k) for k in ("status", "amount", "balance", "paymentAmount", "creditMemoAmount", "updatedDate")}
    )


def _money(label: str, before: Decimal, after: Decimal, currency: Any) -> dict[str, Any]:
    """Money before → after, as the approval card shows it."""
    return {"label": label, "before": f"{before:.2f}", "after": f"{after:.2f}", "currency": str(currency or "")}


def _label(invoice: Mapping[str, Any], key: str) -> str:
    return str(invoice.get("invoiceNumber") or key)


async def _invoice(report: PreflightReport, reader: Reader, key: str) -> dict[str, Any] | None:
    return await read_record(report, reader, "Invoice", INVOICE, {"invoiceKey": key})


async def _count_reversal_lines(reader: Reader, key: str) -> int:
    """Items plus their taxation items, stopping as soon as the count passes 2,000."""
    past_limit = await reader.read(
        INVOICE + "/items", {"invoiceKey": key}, {"page": MAX_REVERSE_ITEMS // PAGE_SIZE + 1, "pageSize": PAGE_SIZE}
    )
    if isinstance(past_limit, dict) and past_limit.get("invoiceItems"):
        return MAX_REVERSE_ITEMS + 1
    count, page = 0, 1
    while count <= MAX_REVERSE_ITEMS:
        data = await reader.read(INVOICE + "/items", {"invoiceKey": key}, {"page": page, "pageSize": PAGE_SIZE})
        items = data.get("invoiceItems", []) if isinstance(data, dict) else []
        for item in items:
            taxes = item.get("taxationItems")
            taxes = taxes.get("data", []) if isinstance(taxes, dict) else taxes
            count += 1 + (len(taxes) if isinstance(taxes, list) else 0)
        if len(items) < PAGE_SIZE:
            break
        page += 1
    return count


async def reverse_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    key = str(args["invoiceKey"])
    report = PreflightReport(effect=f"Would reverse invoice {key}.")
    invoice = await _invoice(report, reader, key)
    if invoice is None:
        return report
    currency = invoice.get("currency")
    amount, balance = money(invoice.get("amount")), money(invoice.get("balance"))
    applied = money(invoice.get("paymentAmount")) + money(invoice.get("creditMemoAmount"))
    status = invoice.get("status")
    report.add("Invoice is Posted", status == "Posted", f"status is {status}")
    report.add("Invoice is not negative", amount >= 0, f"amount is {fmt(amount, currency)}")
    report.add(
        "No payment or credit memo is applied",
        applied == 0,
        f"payments {fmt(money(invoice.get('paymentAmount')), currency)}, "
        f"credit memos {fmt(money(invoice.get('creditMemoAmount')), currency)}",
    )
    try:
        lines = await _count_reversal_lines(reader, key)
        detail = f"more than {MAX_REVERSE_ITEMS:,}" if lines > MAX_REVERSE_ITEMS else f"{lines:,}"
        report.add("At most 2,000 items including taxation items", lines <= MAX_REVERSE_ITEMS, f"{detail} in total")
    except ReadFailed as exc:
        report.add("At most 2,000 items including taxation items", False, f"could not count items: {exc.detail}")
    memo_date = args.get("memoDate") or date.today().isoformat()
    number = _label(invoice, key)
    report.effect = (
        f"Reverses invoice {number} ({status}, amount {fmt(amount, currency)}, balance {fmt(balance, currency)}) "
        f"by creating a credit memo of {fmt(amount, currency)} dated {memo_date} and applying it to the invoice; "
        f"the invoice balance becomes {fmt(Decimal(0), currency)}. Zuora also refuses split invoices and "
        "invoices taxed by the Tax Connector for Extension Platform."
    )
    report.amount, report.currency, report.fingerprint = float(amount), currency, _state(invoice)
    report.money = _money(f"Balance of {number}", balance, Decimal(0), currency)
    return report


async def write_off_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    key = str(args["invoiceKey"])
    report = PreflightReport(effect=f"Would write off invoice {key}.")
    invoice = await _invoice(report, reader, key)
    if invoice is None:
        return report
    currency, balance = invoice.get("currency"), money(invoice.get("balance"))
    status = invoice.get("status")
    report.add("Invoice is Posted", status == "Posted", f"status is {status}")
    report.add("Invoice has an open balance", balance > 0, f"balance is {fmt(balance, currency)}")
    # Zuora writes off the whole balance when items are given; an explicit amount must fit the balance.
    amount = balance if args.get("items") or args.get("amount") is None else money(args.get("amount"))
    if args.get("amount") is not None and not args.get("items"):
        report.add("Amount is within the balance", 0 < amount <= balance, f"{fmt(amount, currency)} requested")
    memo_date = args.get("memoDate") or date.today().isoformat()
    report.effect = (
        f"Writes off {fmt(amount, currency)} of invoice {_label(invoice, key)} (balance {fmt(balance, currency)}) "
        f"by creating a credit memo of {fmt(amount, currency)} dated {memo_date} and applying it; "
        f"the balance becomes {fmt(balance - amount, currency)}."
    )
    report.amount, report.currency, report.fingerprint = float(amount), currency, _state(invoice)
    report.money = _money(f"Balance of {_label(invoice, key)}", balance, balance - amount, currency)
    return report


def _items_total(items: Any) -> Decimal:
    total = Decimal(0)
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            if item.get("amount") is not None:
                total += money(item.get("amount"))
            else:
                total += money(item.get("unitPrice")) * money(item.get("quantity") or 1)
    return total


async def _account_exists(report: PreflightReport, reader: Reader, invoice: Mapping[str, Any]) -> str | None:
    key = invoice.get("accountId") or invoice.get("accountNumber")
    if not key:
        report.add("Account is given", False, "set accountId or accountNumber")
        return None
    account = await read_record(report, reader, "Account", "/v1/accounts/{accountKey}", {"accountKey": str(key)})
    if account is None:
        return None
    info = account.get("basicInfo", account) if isinstance(account.get("basicInfo"), dict) else account
    status = info.get("status")
    report.add(f"Account {key} is Active", status in (None, "Active"), f"status is {status}")
    currency = account.get("billingAndPayment", {}).get("currency") if isinstance(account, dict) else None
    return str(currency or info.get("currency") or "")


async def create_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    report = PreflightReport(effect="Would create an invoice.")
    currency = await _account_exists(report, reader, args)
    items = args.get("invoiceItems") or []
    report.add("Invoice has items", bool(items), f"{len(items)} item(s)")
    report.amount, report.currency = float(_items_total(items)), currency or None
    account = args.get("accountId") or args.get("accountNumber")
    report.effect = (
        f"Creates a {args.get('status') or 'Draft'} invoice for account {account} dated "
        f"{args.get('invoiceDate') or 'today'} with {len(items)} item(s) totalling "
        f"{fmt(_items_total(items), currency)} before tax."
    )
    return report


async def create_invoices(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    invoices = list(args.get("invoices") or [])
    report = PreflightReport(effect=f"Would create {len(invoices)} invoices.")
    report.add("At most 50 invoices per call", len(invoices) <= MAX_BATCH, _split_hint(len(invoices)))
    total = Decimal(0)
    for index, invoice in enumerate(invoices[:MAX_BATCH], start=1):
        await progress(f"checking account of invoice {index} of {len(invoices)}")
        await _account_exists(report, reader, invoice)
        total += _items_total(invoice.get("invoiceItems"))
    report.amount = float(total)
    report.effect = (
        f"Creates {len(invoices)} invoices totalling {fmt(total, None)} before tax, each reported on its own."
    )
    return report


def _changes(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> str:
    parts = []
    for name, value in sorted(wanted.items()):
        if name in ("invoiceKey", "id", "invoiceItems", "dry_run", "confirmation_token"):
            continue
        before = current.get(name)
        if before != value:
            parts.append(f"{name} {before!r} → {value!r}")
    if wanted.get("invoiceItems"):
        parts.append(f"{len(wanted['invoiceItems'])} item(s) changed")
    return "; ".join(parts) or "no field changes"


async def update_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    key = str(args["invoiceKey"])
    report = PreflightReport(effect=f"Would update invoice {key}.")
    invoice = await _invoice(report, reader, key)
    if invoice is None:
        return report
    report.effect = f"Updates invoice {_label(invoice, key)} ({invoice.get('status')}): {_changes(invoice, args)}."
    report.fingerprint = _state(invoice)
    return report


async def update_invoices(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    invoices = list(args.get("invoices") or [])
    report = PreflightReport(effect=f"Would update {len(invoices)} invoices.")
    report.add("At most 50 invoices per call", len(invoices) <= MAX_BATCH, _split_hint(len(invoices)))
    too_many = [str(i.get("id")) for i in invoices if len(i.get("invoiceItems") or []) > 1000]
    report.add("At most 1,000 items per invoice", not too_many, ", ".join(too_many) or "all within the limit")
    lines, states = [], []
    for index, wanted in enumerate(invoices[:MAX_BATCH], start=1):
        await progress(f"reading invoice {index} of {len(invoices)}")
        key = str(wanted.get("id") or "")
        invoice = await _invoice(report, reader, key) if key else None
        if invoice is not None:
            lines.append(f"{_label(invoice, key)}: {_changes(invoice, wanted)}")
            states.append(_state(invoice))
    report.effect = f"Updates {len(invoices)} invoices, each reported on its own — " + "; ".join(lines) + "."
    report.fingerprint = fingerprint(states)
    return report


def _split_hint(count: int) -> str:
    if count <= MAX_BATCH:
        return f"{count} invoice(s)"
    calls = -(-count // MAX_BATCH)
    return f"{count} invoices: split them into {calls} calls of at most {MAX_BATCH}"


async def email_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    key = str(args["invoiceKey"])
    report = PreflightReport(effect=f"Would email invoice {key}.")
    invoice = await _invoice(report, reader, key)
    if invoice is None:
        return report
    report.add("Invoice is Posted", invoice.get("status") == "Posted", f"status is {invoice.get('status')}")
    # Zuora takes the addresses as one comma-separated string.
    to = str(args.get("emailAddresses") or "") or "the bill-to contact's email address"
    report.effect = f"Emails invoice {_label(invoice, key)} to {to}."
    return report


async def delete_invoice(args: Mapping[str, Any], reader: Reader, progress: Progress) -> PreflightReport:
    key = str(args["invoiceKey"])
    report = PreflightReport(effect=f"Would delete invoice {key}.")
    invoice = await _invoice(report, reader, key)
    if invoice is None:
        return report
    status, currency = invoice.get("status"), invoice.get("currency")
    report.add("Invoice is Draft, Canceled or Error", status in ("Draft", "Canceled", "Error"), f"status is {status}")
    report.effect = (
        f"Deletes invoice {_label(invoice, key)} ({status}, amount {fmt(money(invoice.get('amount')), currency)}) "
        "permanently."
    )
    report.fingerprint = _state(invoice)
    return report


INVOICE_PREFLIGHTS: dict[str, PreflightFn] = {
    "reverse_invoice": reverse_invoice,
    "write_off_invoice": write_off_invoice,
    "create_invoice": create_invoice,
    "create_invoices": create_invoices,
    "update_invoice": update_invoice,
    "update_invoices": update_invoices,
    "email_invoice": email_invoice,
    "delete_invoice": delete_invoice,
}
