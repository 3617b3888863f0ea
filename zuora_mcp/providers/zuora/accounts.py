"""Account tools."""

from __future__ import annotations

from zuora_mcp.catalog.recipe import Recipe, Shaping
from zuora_mcp.providers.zuora import summaries

__all__ = ["RECIPES"]

RECIPES = (
    Recipe(
        name="get_account",
        title="Get account",
        description="Get a customer account by number or ID: name, status, currency, payment terms and balances.",
        operation_id="GET_Account",
        safety="read",
        shaping=Shaping(
            fields=(
                "basicInfo.id",
                "basicInfo.accountNumber",
                "basicInfo.name",
                "basicInfo.status",
                "billingAndPayment.currency",
                "billingAndPayment.paymentTerm",
                "billingAndPayment.autoPay",
                "metrics.balance",
                "metrics.totalInvoiceBalance",
                "metrics.creditBalance",
                "billToContact.workEmail",
            )
        ),
        notes={"accountKey": "Account number or ID, e.g. A00000001."},
        summarize=summaries.account,
    ),
)
