"""Zuora's documented preconditions, checked before a write (see :mod:`zuora_mcp.preflight`)."""
