"""Zoho's request schemas for the 18 invoice operations the tenant implements, derived from our Zoho spec.

The tenant judges requests by the spec (``zoho/zoho-billing-invoices.openapi.json``), never by the
product's tool schemas: that would be circular. The spec is not shipped, so a build step derives
what the tenant needs and commits it as ``data/requests.json.gz``; :func:`check_requests` says when
the file is stale (``zuora-mcp schemas check --provider zoho`` runs it when the spec is present)::

    from zuora_mcp.derive.spec import load_spec
    write_requests(load_spec(SPEC))          # build
    check_requests(load_spec(SPEC))          # [] when fresh, else one line per difference

Per operation (by operationId): method, path, the path and query parameters as one object schema
each, the body's schema (or null), its media type (``application/json``, or ``multipart/form-data``
for the attachment) and whether the spec requires a body. Schemas are the spec's own, normalised by
:func:`zuora_mcp.derive.schema.normalize` (refs inlined, ``nullable`` as ``anyOf``), with one
difference from the product's tool schemas: objects stay **open**. The spec never sets
``additionalProperties``, so by OpenAPI's rules a field it does not name is allowed (and the tenant
ignores it); the tool schemas close objects for the model's sake, which is the product's choice, not
Zoho's. The organisation header is transport (the app checks it) and is left out.
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
BODY_TYPES = ("application/json", "multipart/form-data")

# operationId → (method, path under /billing/v1) of every spec operation the tenant serves (routes.py).
OPERATIONS: dict[str, tuple[str, str]] = {
    "create_invoice": ("POST", "/invoices"),
    "list_invoices": ("GET", "/invoices"),
    "get_invoice": ("GET", "/invoices/{invoice_id}"),
    "update_invoice": ("PUT", "/invoices/{invoice_id}"),
    "delete_invoice": ("DELETE", "/invoices/{invoice_id}"),
    "update_invoice_custom_fields_by_id": ("PUT", "/invoice/{invoice_id}/customfields"),
    "convert_invoice_to_open": ("POST", "/invoices/{invoice_id}/converttoopen"),
    "void_invoice": ("POST", "/invoices/{invoice_id}/void"),
    "email_invoice": ("POST", "/invoices/{invoice_id}/email"),
    "collect_invoice_payment": ("POST", "/invoices/{invoice_id}/collect"),
    "write_off_invoice": ("POST", "/invoices/{invoice_id}/writeoff"),
    "cancel_invoice_write_off": ("POST", "/invoices/{invoice_id}/cancelwriteoff"),
    "update_invoice_address": ("PUT", "/invoices/{invoice_id}/address"),
    "update_invoice_custom_fields_by_label": ("POST", "/invoices/{invoice_id}/customfields"),
    "apply_credits_to_invoice": ("POST", "/invoices/{invoice_id}/credits"),
    "add_invoice_line_items": ("POST", "/invoices/{invoice_id}/lineitems"),
    "delete_invoice_line_item": ("DELETE", "/invoices/{invoice_id}/lineitems/{line_item_id}"),
    "attach_file_to_invoice": ("POST", "/invoices/{invoice_id}/attachment"),
}


def _open(schema: Any) -> Any:
    """Undo the tool schemas' closing of objects: the spec leaves them open (see the module docstring)."""
    if isinstance(schema, list):
        return [_open(part) for part in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _open(value) for key, value in schema.items()}
    if out.get("additionalProperties") is False:
        del out["additionalProperties"]
        out.pop("patternProperties", None)
    return out


def _input(spec: Spec, schema: Any) -> Any:
    return _open(normalize(spec, schema or {}, SchemaOptions(direction="input")))


def _parameters(spec: Spec, raw: Mapping[str, Any], shared: tuple[Mapping[str, Any], ...], where: str) -> Any:
    """The ``where`` (path or query) parameters as one object schema."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for entry in (*shared, *(raw.get("parameters") or ())):
        parameter = spec.deref(entry)
        if not isinstance(parameter, Mapping) or parameter.get("in") != where:
            continue
        name = str(parameter["name"])
        properties[name] = _input(spec, parameter.get("schema"))
        if parameter.get("required") or where == "path":
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _body(spec: Spec, raw: Mapping[str, Any]) -> tuple[Any, str | None, bool]:
    """(schema, media type, whether a body is required)."""
    body = spec.deref(raw.get("requestBody") or {})
    content = body.get("content") if isinstance(body, Mapping) else None
    for media in BODY_TYPES:
        found = (content or {}).get(media)
        if isinstance(found, Mapping):
            return _input(spec, found.get("schema")), media, bool(body.get("required"))
    return None, None, False


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
        body, media, required = _body(spec, operation.raw)
        operations[operation_id] = {
            "method": method,
            "path": path,
            "pathParameters": _parameters(spec, operation.raw, operation.path_parameters, "path"),
            "queryParameters": _parameters(spec, operation.raw, operation.path_parameters, "query"),
            "body": body,
            "bodyType": media,
            "bodyRequired": required,
        }
    return {"spec": spec.version, "operations": operations}


_FILE = RequestFile(REQUESTS_FILE, build_requests)
write_requests = _FILE.write
check_requests = _FILE.check
load_requests = _FILE.load


def main() -> int:  # pragma: no cover - the build step's entry point, run by hand
    import sys

    return _FILE.main(sys.argv[1:], "python -m zuora_mcp.providers.zoho.sandbox.spec_requests")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
