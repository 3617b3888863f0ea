"""Zoho Billing's tools as recipes: the 18 invoice operations of the spec, one tool each.

Names follow the Zuora tools where the meaning is the same (get/list/create/update/delete/email/
write off an invoice) and say plainly what the rest do. Each write's safety class is chosen here
with its reason beside it; the preview's effect and checks come from :mod:`.preflight`.

Zoho has no idempotency key, so nothing keeps a repeated write from applying twice but the core's
rule never to repeat a write that may have reached Zoho. When an outcome is unknown, the read named
in :data:`SETTLE_WITH` tells whether it happened: an invoice's own read for every write on an
invoice (a collect shows up in its ``payments``), and for a create the customer's invoice list,
searched by the ``reference_number`` the create must carry (see :mod:`.preflight`).
"""

from __future__ import annotations

from zuora_mcp.catalog.recipe import Recipe, Shaping
from zuora_mcp.providers.zoho import summaries

__all__ = ["RECIPES", "SETTLE_WITH"]

_ID = {"invoice_id": "The invoice_id (digits), not the INV- number."}
_SUMMARY = (
    "invoice_id",
    "number",
    "status",
    "customer_id",
    "customer_name",
    "invoice_date",
    "due_date",
    "currency_code",
    "total",
    "balance",
)
_INVOICE = tuple(f"invoice.{name}" for name in _SUMMARY)
_DETAIL = _INVOICE + tuple(
    f"invoice.{name}"
    for name in (
        "reference_number",
        "payment_made",
        "credits_applied",
        "write_off_amount",
        "invoice_items",
        "payments",
        "credits",
        "custom_fields",
    )
)
# Fields only some editions or countries have (India GST, Mexico CFDI, UK VAT, Avalara), Books-only
# links (projects, time entries, expenses, estimates), values Zoho computes itself (tax name, rate,
# totals) and the gateway set-up: each would cost tokens in every tools/list for a few organisations.
_OMIT = frozenset(
    {
        "place_of_supply",
        "vat_treatment",
        "gst_treatment",
        "tax_treatment",
        "cfdi_usage",
        "gst_no",
        "tax_authority_id",
        "avatax_use_code",
        "avatax_tax_code",
        "avatax_exempt_no",
        "invoiced_estimate_id",
        "project_id",
        "time_entry_ids",
        "expense_id",
        "product_type",
        "hsn_or_sac",
        "sat_item_key_code",
        "unitkey_code",
        "tds_tax_id",
        "tax_name",
        "tax_type",
        "tax_percentage",
        "item_total",
        "payment_options",
        "template_id",
    }
)
_DONE = summaries.done

RECIPES: tuple[Recipe, ...] = (
    Recipe(
        name="get_invoice",
        title="Get invoice",
        description=(
            "Get one invoice: status, customer, amounts, balance, lines (item_id), payments and credits. "
            "More with fields (e.g. invoice.notes) or full."
        ),
        operation_id="get_invoice",
        safety="read",
        shaping=Shaping(fields=_DETAIL),
        notes=_ID,
        summarize=summaries.invoice,
    ),
    Recipe(
        name="list_invoices",
        title="List invoices",
        description="Find invoices by status group (filter_by) or customer. For more, pass nextPage back as page.",
        operation_id="list_invoices",
        safety="read",
        shaping=Shaping(fields=_SUMMARY, container="invoices", pagination="page_context"),
        query=("filter_by", "customer_id", "subscription_id", "page", "per_page"),
        summarize=summaries.listing("invoice"),
    ),
    # write: a new invoice can be voided or deleted. With send=true Zoho also emails it, which
    # cannot be recalled: the preview then names the recipients.
    Recipe(
        name="create_invoice",
        title="Create invoice",
        description=(
            "Create an invoice for customer_id with invoice_items (product_id, price, quantity). "
            "reference_number is required and unique (a PO or order id): a create whose reference an invoice "
            "already has is refused, so a retry cannot duplicate. send=true emails the customer's contacts."
        ),
        operation_id="create_invoice",
        safety="write",
        shaping=Shaping(fields=(*_INVOICE, "invoice.reference_number")),
        query=("send", "ignore_auto_number_generation"),
        notes={
            "reference_number": "Required by this tool: unique per invoice, e.g. the PO or order id.",
            "ignore_auto_number_generation": "true: use invoice_number as given (then required and unique).",
        },
        limits={"reference_number": {"minLength": 1, "maxLength": 100}},
        omit=_OMIT,
        summarize=summaries.invoice,
    ),
    # write: an edit can be written back (read the invoice first). invoice_items is the complete new
    # list, which the preview spells out.
    Recipe(
        name="update_invoice",
        title="Update invoice",
        description=(
            "Replace an invoice's fields. invoice_items is the complete new list: it replaces every line. "
            "Refused once payments or credits are applied."
        ),
        operation_id="update_invoice",
        safety="write",
        shaping=Shaping(fields=_INVOICE),
        query=("ignore_auto_number_generation",),
        notes=_ID,
        omit=_OMIT,
        summarize=summaries.invoice,
    ),
    # destructive: the invoice is gone for good ("you will not be able to retrieve it").
    Recipe(
        name="delete_invoice",
        title="Delete invoice",
        description="Delete an invoice for good. Refused if payments or credits are applied (void it instead).",
        operation_id="delete_invoice",
        safety="destructive",
        notes=_ID,
        summarize=_DONE("Invoice deleted."),
    ),
    # write: values can be written back.
    Recipe(
        name="update_invoice_custom_fields",
        title="Update invoice custom fields",
        description="Set custom field values on an invoice by customfield_id (from get_invoice's custom_fields).",
        operation_id="update_invoice_custom_fields_by_id",
        safety="write",
        notes=_ID,
        summarize=_DONE("Custom fields updated."),
    ),
    # write: void_invoice reverses it. Zoho may then remind or auto-charge (unknown): the preview says so.
    Recipe(
        name="mark_invoice_open",
        title="Mark invoice open",
        description="Make a void or pending invoice open (payable) again. Payments detached by a void stay detached.",
        operation_id="convert_invoice_to_open",
        safety="write",
        notes=_ID,
        summarize=_DONE("Invoice is open again."),
    ),
    # destructive: payments and credits are detached into customer credit and are not re-applied on
    # re-opening; the customer can no longer pay the invoice.
    Recipe(
        name="void_invoice",
        title="Void invoice",
        description="Void an invoice: its payments and credits become customer credit; the number is kept.",
        operation_id="void_invoice",
        safety="destructive",
        notes=_ID,
        summarize=_DONE("Invoice voided."),
    ),
    # destructive, not write: the mail reaches people outside the organisation and cannot be
    # recalled. MCP clients use destructiveHint to decide what to ask about before running; a client
    # that lets non-destructive writes through must not send customer mail unasked.
    Recipe(
        name="email_invoice",
        title="Email invoice",
        description="Email an invoice to to_mail_ids (cc_mail_ids optional) with subject and body. Cannot be recalled.",
        operation_id="email_invoice",
        safety="destructive",
        notes=_ID,
        summarize=_DONE("Invoice emailed."),
    ),
    # destructive: charges the customer's card or bank account; only a refund (outside these tools) undoes it.
    Recipe(
        name="collect_invoice_payment",
        title="Collect invoice payment",
        description=(
            "Charge the invoice's balance to one of the customer's saved methods: give exactly one of card_id "
            "or account_id (bank). Without one the preview lists the saved methods."
        ),
        operation_id="collect_invoice_payment",
        safety="destructive",
        shaping=Shaping(
            fields=(
                "payment.payment_id",
                "payment.amount",
                "payment.currency_code",
                "payment.date",
                "payment.autotransaction",
                "payment.invoices",
            )
        ),
        notes=_ID,
        summarize=summaries.payment,
    ),
    # destructive (as Zuora's write-off): the balance stops being collected and the invoice shows paid;
    # cancel_invoice_write_off undoes it, but reminders and collection stop meanwhile.
    Recipe(
        name="write_off_invoice",
        title="Write off invoice",
        description="Write off an invoice's unpaid balance; it then shows as paid. cancel_invoice_write_off undoes it.",
        operation_id="write_off_invoice",
        safety="destructive",
        notes={**_ID, "reason": "Why, as text."},
        summarize=_DONE("Invoice written off."),
    ),
    # write: write_off_invoice does it again.
    Recipe(
        name="cancel_invoice_write_off",
        title="Cancel invoice write-off",
        description="Cancel an invoice's write-off: the amount is owed again.",
        operation_id="cancel_invoice_write_off",
        safety="write",
        notes=_ID,
        summarize=_DONE("Write-off cancelled."),
    ),
    # write: only this invoice's copy changes, and the old address can be written back.
    Recipe(
        name="update_invoice_address",
        title="Update invoice address",
        description="Replace the billing and/or shipping address printed on one invoice (not the customer's).",
        operation_id="update_invoice_address",
        safety="write",
        shaping=Shaping(fields=("invoice_address",)),
        notes=_ID,
        summarize=summaries.address,
    ),
    # write: values can be written back.
    Recipe(
        name="set_invoice_custom_fields_by_label",
        title="Set invoice custom fields by label",
        description="Set custom field values on an invoice by label, e.g. {label: 'PO Number', value: '4711'}.",
        operation_id="update_invoice_custom_fields_by_label",
        safety="write",
        shaping=Shaping(fields=("custom_fields",)),
        notes=_ID,
        summarize=summaries.custom_fields,
    ),
    # write: consumes credit the customer already has and charges nothing; voiding the invoice gives
    # the credit back (documented).
    Recipe(
        name="apply_credits_to_invoice",
        title="Apply credits to invoice",
        description="Apply the customer's open credit notes to an invoice, each with amount_applied.",
        operation_id="apply_credits_to_invoice",
        safety="write",
        shaping=Shaping(fields=("apply_creditnotes",)),
        notes=_ID,
        summarize=summaries.credits_applied,
    ),
    # write: delete_invoice_line_item removes what was added.
    Recipe(
        name="add_invoice_line_items",
        title="Add invoice line items",
        description="Add lines (e.g. usage) to a pending invoice; other statuses are refused (Zoho's 102028).",
        operation_id="add_invoice_line_items",
        safety="write",
        shaping=Shaping(fields=_INVOICE),
        notes=_ID,
        summarize=summaries.invoice,
    ),
    # write: add_invoice_line_items puts the line back.
    Recipe(
        name="delete_invoice_line_item",
        title="Delete invoice line item",
        description="Remove one line (its item_id from get_invoice) from a pending invoice.",
        operation_id="delete_invoice_line_item",
        safety="write",
        notes=_ID,
        summarize=_DONE("Line item removed."),
    ),
    # write: a file stored on the invoice changes no money; there is no delete among these operations,
    # and with can_send_in_mail it goes out with later emails (the preview says so).
    Recipe(
        name="attach_file_to_invoice",
        title="Attach file to invoice",
        description="Attach a file (pdf, png, jpg, gif or bmp, at most 5 MB) to an invoice, content in base64.",
        operation_id="attach_file_to_invoice",
        safety="write",
        notes=_ID,
        summarize=_DONE("File attached."),
    ),
)

# Which read settles a write whose outcome is unknown, and the argument naming the record (the core
# also records ``name=value`` as the write's natural key in the ledger, for reconcile). "*": every
# write on one invoice reads it back (a collect shows in its payments). A create has no id yet: its
# natural key is the reference_number it must carry; the customer's invoice list holds it if it
# happened (the list has no reference filter, so the newest are read), and a retry of the create
# itself is refused when an invoice has that reference (see preflight_create).
SETTLE_WITH: dict[str, tuple[str, str | None]] = {
    # The read to make: the customer's invoices, where the create's reference_number shows whether it
    # landed (the ledger records that reference through the provider's natural_keys).
    "create_invoice": ("list_invoices", "customer_id"),
    "*": ("get_invoice", "invoice_id"),
}
