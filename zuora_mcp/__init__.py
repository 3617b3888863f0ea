"""zuora-mcp: an MCP server for Zuora Billing with dry-run, confirmation and policy on every write."""

from zuora_mcp.errors import (
    AuthenticationError,
    BillingError,
    BillingRequestError,
    ConfigError,
    InvalidPathValue,
    OutcomeUnknown,
    Reason,
    TransportError,
    ZuoraMCPError,
)

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "BillingError",
    "BillingRequestError",
    "ConfigError",
    "InvalidPathValue",
    "OutcomeUnknown",
    "Reason",
    "TransportError",
    "ZuoraMCPError",
    "__version__",
]
