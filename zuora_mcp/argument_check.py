"""Tool arguments checked in a few microseconds, with jsonschema's exact verdict and its messages.

Every call's arguments are validated against the tool's Draft 2020-12 schema. ``jsonschema`` walks
the schema generically (a generator per keyword, ~12 µs for ``get_invoice`` alone and several times
that inside a real call, where its code is cold); valid arguments are by far the common case. So each
schema is compiled once into nested closures that answer only "valid or not", for exactly the
keywords the committed tool schemas use, with jsonschema's semantics (a keyword applies only to its
instance type, ``integer`` accepts 3.0 and never ``True``, ``pattern`` searches, ``format`` checks
``date`` and ``email`` as :func:`zuora_mcp.schemas.format_checker` does). A schema using any other
keyword gets no fast path. Arguments the fast path refuses go to jsonschema, which names each problem
and has the last word: the fast path can only make the common case cheaper, never change a verdict.
``tests/test_argument_check.py`` holds the two to the same answers on every committed schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

__all__ = ["ArgumentValidator", "Unsupported", "compile_check"]

Check = Callable[[Any], bool]

# Keywords that only annotate: they never change a verdict.
_ANNOTATIONS = frozenset({"description", "title", "default", "examples", "deprecated", "readOnly", "writeOnly"})
_SUPPORTED = _ANNOTATIONS | {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "items",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "enum",
    "minimum",
    "maximum",
    "format",
    "anyOf",
}
# The formats zuora_mcp.schemas.format_checker checks; any other format is an annotation there too.
_CHECKED_FORMATS = frozenset({"date", "email"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


class Unsupported(Exception):
    """The schema uses something the fast path does not model: jsonschema alone decides."""


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": _is_integer,
    "number": _is_number,
}


def _date_ok(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def compile_check(schema: Any) -> Check:
    """A function telling whether an instance is valid against ``schema``.

    Raises:
        Unsupported: the schema uses a keyword or a form the fast path does not model.
    """
    if schema is True:
        return lambda value: True
    if schema is False:
        return lambda value: False
    if not isinstance(schema, Mapping):
        raise Unsupported(f"schema {schema!r}")
    unknown = set(schema) - _SUPPORTED
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    checks: list[Check] = []
    if "type" in schema:
        checks.append(_type_check(schema["type"]))
    if "enum" in schema:
        checks.append(_enum_check(schema["enum"]))
    checks += _string_checks(schema)
    checks += _number_checks(schema)
    checks += _array_checks(schema)
    checks += _object_checks(schema)
    if "anyOf" in schema:
        branches = [compile_check(branch) for branch in schema["anyOf"]]
        checks.append(lambda value: any(branch(value) for branch in branches))
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]
    return lambda value: all(check(value) for check in checks)


def _type_check(declared: Any) -> Check:
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not names or any(name not in _TYPES for name in names):
        raise Unsupported(f"type {declared!r}")
    if len(names) == 1:
        return _TYPES[names[0]]
    tests = [_TYPES[name] for name in names]
    return lambda value: any(test(value) for test in tests)


def _enum_check(values: Any) -> Check:
    # Only strings (and null): jsonschema's equality keeps True apart from 1 and 1 equal to 1.0,
    # which a set lookup would not for other types.
    if not isinstance(values, list) or not all(v is None or isinstance(v, str) for v in values):
        raise Unsupported("enum of other than strings")
    strings = frozenset(v for v in values if isinstance(v, str))
    allows_null = None in values
    return lambda value: (value is None and allows_null) or (isinstance(value, str) and value in strings)


def _string_checks(schema: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low is not None or high is not None:
        lo = int(low) if low is not None else 0
        hi = int(high) if high is not None else None
        checks.append(lambda v: not isinstance(v, str) or (lo <= len(v) and (hi is None or len(v) <= hi)))
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search
        checks.append(lambda v: not isinstance(v, str) or search(v) is not None)
    kind = schema.get("format")
    if kind == "date":
        checks.append(lambda v: not isinstance(v, str) or _date_ok(v))
    elif kind == "email":
        checks.append(lambda v: not isinstance(v, str) or "@" in v)
    return checks


def _number_checks(schema: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    if "minimum" in schema:
        least = schema["minimum"]
        checks.append(lambda v: not _is_number(v) or v >= least)
    if "maximum" in schema:
        most = schema["maximum"]
        checks.append(lambda v: not _is_number(v) or v <= most)
    return checks


def _array_checks(schema: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    low, high = schema.get("minItems"), schema.get("maxItems")
    if low is not None or high is not None:
        lo = int(low) if low is not None else 0
        hi = int(high) if high is not None else None
        checks.append(lambda v: not isinstance(v, list) or (lo <= len(v) and (hi is None or len(v) <= hi)))
    if "items" in schema:
        if not isinstance(schema["items"], (Mapping, bool)):
            raise Unsupported("items as a list")
        item = compile_check(schema["items"])
        checks.append(lambda v: not isinstance(v, list) or all(item(element) for element in v))
    return checks


def _object_checks(schema: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    required = tuple(schema.get("required") or ())
    if required:
        checks.append(lambda v: not isinstance(v, dict) or all(name in v for name in required))
    properties = {name: compile_check(sub) for name, sub in (schema.get("properties") or {}).items()}
    patterns = [
        (re.compile(pattern).search, compile_check(sub))
        for pattern, sub in (schema.get("patternProperties") or {}).items()
    ]
    extra = schema.get("additionalProperties", True)
    extra_check = None if extra is True else compile_check(extra)
    if not properties and not patterns and extra_check is None:
        return checks

    def members_ok(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for name, member in value.items():
            known = properties.get(name)
            if known is not None and not known(member):
                return False
            matched = False
            for search, check in patterns:
                if search(name) is not None:
                    matched = True
                    if not check(member):
                        return False
            if known is None and not matched and extra_check is not None and not extra_check(member):
                return False
        return True

    checks.append(members_ok)
    return checks


class ArgumentValidator:
    """A tool's argument validator: the compiled fast path for ``is_valid``, jsonschema for the rest.

    Has the two methods :func:`zuora_mcp.executor.validation_problems` uses. The jsonschema validator
    (and the jsonschema import) is made on the first call the fast path cannot clear.
    """

    def __init__(self, schema: Mapping[str, Any], full: Callable[[], Validator]) -> None:
        self._full_factory = full
        self._full: Validator | None = None
        try:
            self._fast: Check | None = compile_check(schema)
        except Unsupported:
            self._fast = None

    @property
    def full(self) -> Validator:
        """The jsonschema validator, compiled on first use."""
        if self._full is None:
            self._full = self._full_factory()
        return self._full

    @property
    def has_fast_path(self) -> bool:
        return self._fast is not None

    def is_valid(self, instance: Any) -> bool:
        if self._fast is not None and self._fast(instance):
            return True
        return bool(self.full.is_valid(instance))

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        return self.full.iter_errors(instance)
