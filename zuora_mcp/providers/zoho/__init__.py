"""Zoho Billing, the second provider."""
