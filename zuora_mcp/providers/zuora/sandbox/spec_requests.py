"""Zuora's request schemas for the operations the tenant implements, derived from Zuora's spec.

The tenant must judge requests by Zuora's own spec, never by the product's trimmed tool schemas
(that would be circular: no test could then show a gap between our tools and Zuora). The spec is
not shipped, so a build step derives what the tenant needs and commits it as
``data/requests.json.gz``; :func:`check_requests` says when that file is stale (CI runs it when the
spec is present)::

    from zuora_mcp.derive.spec import load_spec
    write_requests(load_spec(SPEC))          # build
    check_requests(load_spec(SPEC))          # [] when fresh, else one line per difference

Per operation (by operationId): method, path, the path and query parameters as one object schema
each, and the JSON body's schema (or null). Schemas are the spec's own, normalised by
:func:`zuora_mcp.derive.schema.normalize` (refs inlined, ``allOf`` merged, ``nullable`` as
``anyOf``, objects with fields strict, ``__c`` custom fields allowed where Zuora allows them).
Header parameters are transport and are left out. Nothing here trims fields the product's tools
leave out: every field Zuora accepts is in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zuora_mcp.derive.schema import SchemaOptions, normalize
from zuora_mcp.derive.spec import Spec, SpecError
from zuora_mcp.tenant_kit.request_file import RequestFile

__all__ = ["OPERATIONS", "REQUESTS_FILE", "build_requests", "check_requests", "load_requests", "write_requests"]

REQUESTS_FILE = Path(__file__).parent / "data" / "requests.json.gz"

# operationId → (method, path) of every operation the tenant implements (routes.py names the same ids).
OPERATIONS: dict[str, tuple[str, str]] = {
    "GET_Account": ("GET", "/v1/accounts/{account-key}"),
    "Get_GetInvoice": ("GET", "/v1/invoices/{invoiceKey}"),
    "GET_InvoiceItems": ("GET", "/v1/invoices/{invoiceKey}/items"),
    "GET_TaxationItemsOfInvoiceItem": ("GET", "/v1/invoices/{invoiceKey}/items/{itemId}/taxation-items"),
    "GET_InvoiceApplicationParts": ("GET", "/v1/invoices/{invoiceKey}/application-parts"),
    "GET_InvoiceFiles": ("GET", "/v1/invoices/{invoiceKey}/files"),
    "GET_CreditMemo": ("GET", "/v1/credit-memos/{creditMemoKey}"),
    "GET_DebitMemo": ("GET", "/v1/debit-memos/{debitMemoKey}"),
    "queryInvoices": ("GET", "/object-query/invoices"),
    "POST_StandaloneInvoice": ("POST", "/v1/invoices"),
    "POST_StandaloneInvoices": ("POST", "/v1/invoices/batch"),
    "PUT_BatchUpdateInvoices": ("PUT", "/v1/invoices"),
    "PUT_UpdateInvoice": ("PUT", "/v1/invoices/{invoiceKey}"),
    "DELETE_DeleteInvoice": ("DELETE", "/v1/invoices/{invoiceKey}"),
    "POST_EmailInvoice": ("POST", "/v1/invoices/{invoiceKey}/emails"),
    "PUT_ReverseInvoice": ("PUT", "/v1/invoices/{invoiceKey}/reverse"),
    "PUT_WriteOffInvoice": ("PUT", "/v1/invoices/{invoiceKey}/write-off"),
    "POST_CreditMemoFromInvoice": ("POST", "/v1/credit-memos/invoice/{invoiceKey}"),
    "POST_DebitMemoFromInvoice": ("POST", "/v1/debit-memos/invoice/{invoiceKey}"),
    "PUT_ApplyCreditMemo": ("PUT", "/v1/credit-memos/{creditMemoKey}/apply"),
    "PUT_WriteOffDebitMemo": ("PUT", "/v1/debit-memos/{debitMemoKey}/write-off"),
    "POST_UploadFileForInvoice": ("POST", "/v1/invoices/{invoiceKey}/files"),
    "GET_Files": ("GET", "/v1/files/{file-id}"),
}


def _parameters(spec: Spec, raw: Mapping[str, Any], shared: tuple[Mapping[str, Any], ...], where: str) -> Any:
    """The ``where`` (path or query) parameters as one strict object schema."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for entry in (*shared, *(raw.get("parameters") or ())):
        parameter = spec.deref(entry)
        if not isinstance(parameter, Mapping) or parameter.get("in") != where:
            continue
        name = str(parameter["name"])
        properties[name] = normalize(spec, parameter.get("schema") or {}, SchemaOptions(direction="input"))
        if parameter.get("required") or where == "path":
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def build_requests(spec: Spec) -> dict[str, Any]:
    """The file's content: ``{"spec": version, "operations": {operationId: {...}}}``.

    Raises:
        SpecError: an operation is missing, or sits at another method or path than the tenant serves.
    """
    operations: dict[str, Any] = {}
    for operation_id, (method, path) in OPERATIONS.items():
        operation = spec.operation(operation_id)
        if (operation.method, operation.path) != (method, path):
            raise SpecError(f"{operation_id} is {operation.method} {operation.path} in the spec, not {method} {path}")
        body = spec.deref(operation.raw.get("requestBody") or {})
        content = (body.get("content") or {}).get("application/json") if isinstance(body, Mapping) else None
        operations[operation_id] = {
            "method": method,
            "path": path,
            "pathParameters": _parameters(spec, operation.raw, operation.path_parameters, "path"),
            "queryParameters": _parameters(spec, operation.raw, operation.path_parameters, "query"),
            "body": normalize(spec, content.get("schema") or {}, SchemaOptions(direction="input"))
            if isinstance(content, Mapping)
            else None,
        }
    return {"spec": spec.version, "operations": operations}


_FILE = RequestFile(REQUESTS_FILE, build_requests)
write_requests = _FILE.write
check_requests = _FILE.check
load_requests = _FILE.load


def main() -> int:  # pragma: no cover - the build step's entry point, run by hand
    import sys

    return _FILE.main(sys.argv[1:], "python -m zuora_mcp.providers.zuora.sandbox.spec_requests")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
