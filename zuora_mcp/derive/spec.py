"""Reading an OpenAPI 3.0 document and finding its operations.

JSON is parsed with the standard library; YAML only when the file is YAML (PyYAML is imported
then, and only then, because it is slow to import and several times slower to parse).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "Operation",
    "Spec",
    "SpecError",
    "load_spec",
    "with_supplement",
]

_METHODS = ("get", "put", "post", "delete", "patch")


class SpecError(ValueError):
    """The document is not usable: unreadable, not OpenAPI 3, or missing what was asked for."""


@dataclass(frozen=True)
class Operation:
    """One operation as the spec states it, parameters and body still unresolved."""

    operation_id: str
    method: str  # upper case, as plan.Method
    path: str
    raw: Mapping[str, Any]
    path_parameters: tuple[Mapping[str, Any], ...]


class Spec:
    """A loaded OpenAPI document with an index of its operations by operationId."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        version = str(document.get("openapi", ""))
        if not version.startswith("3."):
            raise SpecError(f"not an OpenAPI 3 document (openapi: {version or 'missing'})")
        self.document = document
        self._operations: dict[str, Operation] = {}
        for path, item in (document.get("paths") or {}).items():
            shared = tuple(item.get("parameters") or ())
            for method in _METHODS:
                raw = item.get(method)
                if isinstance(raw, dict) and raw.get("operationId"):
                    operation_id = str(raw["operationId"])
                    self._operations[operation_id] = Operation(operation_id, method.upper(), path, raw, shared)

    @property
    def version(self) -> str:
        return str((self.document.get("info") or {}).get("version", ""))

    def operation(self, operation_id: str) -> Operation:
        """The operation with this operationId.

        Raises:
            SpecError: the spec has no such operation.
        """
        try:
            return self._operations[operation_id]
        except KeyError:
            raise SpecError(f"the spec has no operation {operation_id!r}") from None

    def operations(self) -> Iterator[Operation]:
        return iter(self._operations.values())

    def lookup(self, ref: str) -> Any:
        """The object a local ``$ref`` (``#/components/...``) points at.

        Raises:
            SpecError: the reference is not local or points nowhere.
        """
        if not ref.startswith("#/"):
            raise SpecError(f"only local references are supported, not {ref!r}")
        node: Any = self.document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                raise SpecError(f"unresolvable reference {ref!r}")
            node = node[part]
        return node

    def deref(self, node: Any) -> Any:
        """Follow ``$ref`` chains of non-schema objects (parameters, request bodies)."""
        seen: set[str] = set()
        while isinstance(node, Mapping) and "$ref" in node:
            ref = str(node["$ref"])
            if ref in seen:
                raise SpecError(f"reference cycle at {ref!r}")
            seen.add(ref)
            node = self.lookup(ref)
        return node


def with_supplement(spec: Spec, supplement: str | Path) -> Spec:
    """``spec`` with the paths of a supplement document added (operations the spec no longer lists).

    A supplement may only add: a path or operationId the spec already has is refused, so a supplement
    can never quietly change what the vendor's spec says.

    Raises:
        SpecError: the supplement cannot be read, or it would change an existing operation.
    """
    extra = load_spec(supplement)
    clashes = sorted({op.operation_id for op in extra.operations()} & {op.operation_id for op in spec.operations()})
    paths = dict(spec.document.get("paths") or {})
    clashes += sorted(set(extra.document.get("paths") or {}) & set(paths))
    if clashes:
        raise SpecError(f"the supplement {supplement} would change what the spec has: {', '.join(clashes)}")
    paths.update(extra.document.get("paths") or {})
    return Spec({**spec.document, "paths": paths})


def load_spec(path: str | Path) -> Spec:
    """Load a spec from a ``.json``, ``.yaml`` or ``.yml`` file.

    Raises:
        SpecError: the file cannot be read or parsed, or is not OpenAPI 3.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {file}: {exc.strerror or exc}") from None
    is_yaml = file.suffix.lower() in {".yaml", ".yml"} or not text.lstrip().startswith("{")
    if is_yaml:
        import yaml  # only YAML needs it; importing and parsing it is the slow path

        try:
            # CSafeLoader is several times faster when libyaml is present.
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            document = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader in both cases
        except yaml.YAMLError as exc:
            raise SpecError(f"cannot parse {file} as YAML: {exc}") from None
    else:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"cannot parse {file} as JSON: {exc}") from None
    if not isinstance(document, dict):
        raise SpecError(f"{file} does not hold an OpenAPI object")
    return Spec(_plain(document) if is_yaml else document)


def _plain(node: Any) -> Any:
    """YAML turns ``2024-01-01`` into a date; JSON Schema and our output want the text back."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    if isinstance(node, date | datetime):
        return node.isoformat()
    return node
