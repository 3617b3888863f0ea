"""The references the tenant is measured with: Zuora's spec (response schemas) and the reviewed exceptions.

A response body is checked against the spec's schema for its operation and status, normalised by
the project's derive machinery (refs inlined, ``nullable`` as ``anyOf``), formats checked. An error
is excused only when ``zuora_exceptions.json`` lists it (keyword, field, operations) with a reason:
that file is where a disagreement between the spec, the SDK and Zuora's documented examples is
decided, once, in review.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from zuora_mcp.derive.schema import SchemaOptions, normalize
from zuora_mcp.derive.spec import Spec, load_spec

EXCEPTIONS_FILE = Path(__file__).with_name("zuora_exceptions.json")


_INSTANCES = {
    "any": lambda value: True,
    "null": lambda value: value is None,
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "zuora-id": lambda value: isinstance(value, str) and re.fullmatch(r"[0-9a-f]{32}", value) is not None,
    "zuora-timestamp": lambda value: (
        isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", value) is not None
    ),
}


@dataclass(frozen=True)
class Excuse:
    id: str
    keywords: frozenset[str]
    instance: str
    fields: frozenset[str]
    operations: frozenset[str]

    def covers(self, operation_id: str, error: ValidationError) -> bool:
        if "*" not in self.operations and operation_id not in self.operations:
            return False
        if "additionalProperties" in error.schema_path:
            return False  # a field the schema does not define is never excused: it would be invented
        if error.validator not in self.keywords or not _INSTANCES[self.instance](error.instance):
            return False
        field = next((str(step) for step in reversed(error.absolute_path) if not isinstance(step, int)), "")
        return "*" in self.fields or field in self.fields


@cache
def excuses() -> tuple[Excuse, ...]:
    data = json.loads(EXCEPTIONS_FILE.read_text(encoding="utf-8"))
    found = []
    for entry in data["exceptions"]:
        response = entry.get("response")
        if response is None:
            continue
        assert entry.get("reason"), f"exception {entry['id']} needs a reason"
        assert entry.get("choice"), f"exception {entry['id']} needs a choice"
        assert response["instance"] in _INSTANCES, f"exception {entry['id']}: unknown instance kind"
        found.append(
            Excuse(
                id=entry["id"],
                keywords=frozenset(response["keywords"]),
                instance=response["instance"],
                fields=frozenset(response["fields"]),
                operations=frozenset(response["operations"]),
            )
        )
    return tuple(found)


# jsonschema checks date-time only with an optional package; RFC 3339 by hand keeps the check everywhere.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
FORMATS = FormatChecker()
FORMATS.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or _RFC3339.fullmatch(value) is not None


def describe(error: ValidationError) -> str:
    where = "/".join(str(step) for step in error.absolute_path) or "(body)"
    return f"{where}: {error.validator} {str(error.message)[:160]}"


class SpecResponses:
    """Response schemas of Zuora's spec by operationId and status (``"200"``, ``"4XX"``, ...)."""

    def __init__(self, path: Path) -> None:
        self.spec: Spec = load_spec(path)
        self._validators: dict[tuple[str, str], Draft202012Validator] = {}

    def schema(self, operation_id: str, status: int) -> dict[str, Any]:
        responses = self.spec.operation(operation_id).raw["responses"]
        key = str(status) if str(status) in responses else f"{str(status)[0]}XX"
        content = self.spec.deref(responses[key])["content"]["application/json"]
        return normalize(self.spec, content["schema"], SchemaOptions(direction="output"))

    def problems(self, operation_id: str, status: int, body: Any) -> list[str]:
        """What in ``body`` the spec's schema refuses and no reviewed exception excuses."""
        key = (operation_id, str(status))
        if key not in self._validators:
            self._validators[key] = Draft202012Validator(self.schema(operation_id, status), format_checker=FORMATS)
        found = []
        for error in self._validators[key].iter_errors(body):
            for leaf in _leaves(error):
                if not any(excuse.covers(operation_id, leaf) for excuse in excuses()):
                    found.append(describe(leaf))
        return found


def _leaves(error: ValidationError) -> list[ValidationError]:
    """anyOf (nullable fields) fails as a whole; judge it by its non-null branch's errors."""
    if error.validator == "anyOf" and error.context:
        typed = [e for e in error.context if not (e.validator == "type" and e.validator_value == "null")]
        return [leaf for sub in typed for leaf in _leaves(sub)] or [error]
    return [error]


@cache
def sdk_unknown_allowed() -> dict[str, frozenset[str]]:
    """operationId → fields the SDK's model may not know (reviewed in zuora_exceptions.json)."""
    data = json.loads(EXCEPTIONS_FILE.read_text(encoding="utf-8"))
    allowed: dict[str, set[str]] = {}
    for entry in data["exceptions"]:
        if "sdk" in entry:
            for operation_id in entry["sdk"]["operations"]:
                allowed.setdefault(operation_id, set()).update(entry["sdk"]["fields"])
    return {operation_id: frozenset(fields) for operation_id, fields in allowed.items()}


def unknown_to_sdk(model: Any, raw: Any, where: str = "") -> list[str]:
    """Fields of ``raw`` that the SDK's typed ``model`` kept as additional properties (dotted paths)."""
    if not isinstance(raw, dict) or not hasattr(model, "additional_properties"):
        return []
    found = [f"{where}{name}" for name in raw if name in model.additional_properties]
    for name, info in type(model).model_fields.items():
        alias = info.alias or name
        if alias not in raw or name == "additional_properties":
            continue
        value = getattr(model, name, None)
        if isinstance(value, list) and isinstance(raw[alias], list):
            for sub_model, sub_raw in zip(value, raw[alias], strict=False):
                found += unknown_to_sdk(sub_model, sub_raw, f"{where}{alias}[].")
        else:
            found += unknown_to_sdk(value, raw[alias], f"{where}{alias}.")
    return found
