"""The build step: tool schemas derived from Zuora's OpenAPI 3.0 spec.

``zuora-mcp schemas build --spec PATH`` writes ``tool_schemas/<tool>.json`` for every catalog tool;
``zuora-mcp schemas check --spec PATH`` exits 1 with a unified diff when a committed file is stale.
:func:`derive_operation` is generic (spec + operationId + options → :class:`DerivedOperation`), so
the explorer can run it over all 711 operations; the catalog's recipes add what a person decides.

Derivation rules
================
Input: one flat object a model can fill.
  * Path parameters, the query parameters the recipe names as useful, and the JSON body's top-level
    fields, each under the spec's own name (``invoiceKey``, ``memoDate``, ``items``). A parameter
    name that is not an identifier is camelCased (``account-key`` → ``accountKey``; the spec name is
    kept in ``wire_names``). A body field that collides with a parameter becomes ``body<Name>``. A
    body that is not an object travels whole as one argument, ``body``.
  * The tool's own arguments are snake_case and never collide with Zuora's camelCase:
    ``dry_run``/``confirmation_token`` on every write tool, ``fields``/``full`` on read tools.
  * Header parameters never appear: every header in the spec is transport (Zuora-Track-Id,
    Zuora-Entity-Ids, Zuora-Org-Ids, Zuora-Version, Accept-/Content-Encoding, Content-Type, Accept,
    Idempotency-Key, Authorization, If-Match, X-Zuora-WSDL-Version); the client sets them.
Fields and constraints.
  * Kept: every field with its type, enum, format, minimum/maximum (OpenAPI 3.0's boolean
    exclusiveMinimum/Maximum become 2020-12 numbers), maxLength, pattern, maxItems and required;
    defaults that match their type (28 in the spec do not and are dropped).
  * ``readOnly`` fields leave inputs, ``writeOnly`` fields leave outputs.
  * Connector fields (``*__NS`` NetSuite, ``*__QT`` QuickBooks: any ``__X`` suffix but ``__c``) are
    dropped; the tool description says so. Recipes may omit more by name (fields the spec marks
    "Billing - Revenue Integration" only, the integration status ``transferredToAccounting``) or by
    dotted path.
  * Customer custom fields (``*__c``): Zuora allows them where an object has
    ``additionalProperties``. There the input object gets ``patternProperties {"__c$": {}}`` and
    stays ``additionalProperties: false``: custom fields pass, typos are caught. At the top level
    they are flat arguments that travel in the body; the description says "Name__c".
  * Every input object with fields is strict (``additionalProperties: false``); free-form objects
    (no fields) stay open.
  * Formats: string formats are normalized (``datetime`` → ``date-time``, ``URL`` → ``uri``,
    ``number`` → ``decimal``, …); numeric formats (``double``, ``int64``) say nothing a model needs
    and are dropped. Redundant enums (``[true, false]`` on a boolean) and repeated values go.
Structure.
  * Every ``$ref`` is inlined; a reference back into a schema already being expanded (34 schemas
    take part in cycles) is cut to ``{"type": "object"}``. No ``$ref``/``$defs`` remain.
  * ``allOf`` is merged into one object: properties and required united, later parts win.
  * ``nullable: true`` becomes ``anyOf: [<schema>, {"type": "null"}]`` (never ``type: [..,
    "null"]``, which the MCP Inspector's --strict flags). The top level is always a plain object.
  * Every schema is valid Draft 2020-12 (tests check against jsonschema's metaschema).
Descriptions.
  * Off by default for fields (budget); with ``descriptions`` on, the spec's first sentence, markdown
    links and emphasis removed, a leading "Note:" skipped. Hand-written notes in the recipe win.
    Tool descriptions are hand-written in the catalog.
Limits stated only in prose are added by the recipe (batch create/update: at most 50 invoices, 1,000
items each; 10 discount and 5 taxation items per invoice item; 1,000 items per credit memo
application). Reverse's 2,000-item limit concerns the stored invoice, so it is in the description
and the guard's preflight, not the schema.
Outputs. Read tools describe the default projection (field names, date formats as annotations; extra
fields from ``fields``/``full`` are allowed by JSON Schema's default, not spelled out) plus
``nextPage``; write tools describe the guard's envelope with the projected ``result``. Response
fields are hints, not constraints: Zuora's answers do not keep to their own types (decimals as
strings or numbers, growing enums, nulls).
Batch tools advertise their items by reference to the single tool (``by_reference``) and keep the
full item schema under ``validation`` in the file.
Output files are deterministic: sorted keys, two-space indent, trailing newline.
"""

from __future__ import annotations

from zuora_mcp.derive.operation import DerivedOperation, DeriveOptions, derive_operation, input_name
from zuora_mcp.derive.spec import Operation, Spec, SpecError, load_spec

__all__ = [
    "DeriveOptions",
    "DerivedOperation",
    "Operation",
    "Spec",
    "SpecError",
    "derive_operation",
    "input_name",
    "load_spec",
]
