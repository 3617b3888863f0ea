"""The committed tool schemas (``zuora_mcp/tool_schemas/<provider>/<tool>.json``), loaded once, validators
compiled once.

Each file is written by ``zuora-mcp schemas build`` and holds::

    {"name", "operation": {"operationId", "method", "path"}, "locations", "wire_names",
     "dropped", "omitted", "input", "validation", "output", "request": {"path", "query", "body"}}

``input``/``output`` are what ``tools/list`` advertises. ``validation`` is set only where the
advertised input is shorter than the truth (batch tools whose items another tool spells out): it is
the full schema arguments are checked against. ``request`` is the wire shape the vendor receives per
location (spec names).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from zuora_mcp.argument_check import ArgumentValidator
from zuora_mcp.providers import DEFAULT_PROVIDER

if TYPE_CHECKING:
    from jsonschema import FormatChecker
    from jsonschema.protocols import Validator

__all__ = [
    "argument_validator",
    "load_tool_file",
    "request_schema",
    "schema_dir",
    "schema_root",
    "tool_names",
    "validator_for",
]

Location = Literal["path", "query", "body"]


# Dates are checked (a model writes "March 3" more often than one thinks); "uuid" is not: Zuora's
# 32-hex ids are not UUIDs even where its spec says so.
@cache
def format_checker() -> FormatChecker:
    """The formats arguments are checked for. jsonschema is imported here, on the first validation:
    it costs ~40 ms, which a server start should not pay before its first call."""
    from jsonschema import FormatChecker

    return FormatChecker(formats=("date", "email"))


def schema_root() -> Path:
    """Where the committed schema files live: ``zuora_mcp/tool_schemas/``, inside the package so an
    installed wheel carries them. The one place that knows."""
    return Path(__file__).resolve().parent / "tool_schemas"


def schema_dir(provider: str = DEFAULT_PROVIDER) -> Path:
    """One provider's schema files: ``tool_schemas/<provider>/``."""
    return schema_root() / provider


def tool_names(provider: str = DEFAULT_PROVIDER) -> tuple[str, ...]:
    """Names of every tool of ``provider`` that has a schema file, sorted."""
    return tuple(sorted(path.stem for path in schema_dir(provider).glob("*.json")))


@cache
def load_tool_file(tool_name: str, provider: str = DEFAULT_PROVIDER) -> dict[str, Any]:
    """The parsed schema file of ``provider``'s ``tool_name``.

    Raises:
        KeyError: there is no schema file for that tool.
    """
    path = schema_dir(provider) / f"{tool_name}.json"
    if "/" in tool_name or "/" in provider or not path.is_file():
        raise KeyError(tool_name)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def validator_for(tool_name: str, provider: str = DEFAULT_PROVIDER) -> Validator:
    """A compiled Draft 2020-12 validator of ``tool_name``'s arguments (as the model sends them).

    Uses the full ``validation`` schema where the file has one, else the advertised ``input``.

    Raises:
        KeyError: there is no schema file for that tool.
    """
    data = load_tool_file(tool_name, provider)
    schema = data.get("validation") or data["input"]
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema, format_checker=format_checker())


@cache
def argument_validator(tool_name: str, provider: str = DEFAULT_PROVIDER) -> ArgumentValidator:
    """What each call's arguments are checked with: the same schema as :func:`validator_for`, a compiled
    fast path for valid arguments, and that jsonschema validator (made on first need) for the rest.

    Raises:
        KeyError: there is no schema file for that tool.
    """
    data = load_tool_file(tool_name, provider)
    return ArgumentValidator(data.get("validation") or data["input"], lambda: validator_for(tool_name, provider))


def request_schema(tool_name: str, location: Location, provider: str = DEFAULT_PROVIDER) -> dict[str, Any]:
    """The JSON schema of only ``location``'s part of the request the vendor receives, spec names.

    An empty object schema that accepts nothing when the operation has nothing there.

    Raises:
        KeyError: there is no schema file for that tool.
    """
    schema = (load_tool_file(tool_name, provider).get("request") or {}).get(location)
    if schema is None:
        return {"type": "object", "properties": {}, "additionalProperties": False}
    return dict(schema)
