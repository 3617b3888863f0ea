"""The references the Zoho tenant is measured with: our Zoho spec's response schemas, the seed's
examples (Zoho's own request and response examples for the 18 operations) and the reviewed exceptions.

* A body is checked against the spec's response schema for its operation and status (201 for create,
  200 elsewhere, ``ErrorResponse`` for 400/401/403/404/429/500), normalised by the project's derive
  machinery, formats (``date``, ``email``) checked.
* A success body must carry every field of the seed's response example for that operation, with a
  compatible JSON type (a number for a number, text for text, an object for an object; for lists,
  each entry against the example's first entry). The seed's ``{...}`` list placeholders are dropped.

Only what ``zoho_exceptions.json`` lists (with a reason) is excused. Neither the spec nor the seed is
copied into the repository: both are read from ``/work/shared`` (or ``ZOHO_SPEC`` / ``ZOHO_SEED``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from zuora_mcp.derive.schema import SchemaOptions, normalize
from zuora_mcp.derive.spec import Spec, load_spec

EXCEPTIONS_FILE = Path(__file__).with_name("zoho_exceptions.json")
FORMATS = FormatChecker()
FORMATS.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)


@dataclass(frozen=True)
class Excuse:
    id: str
    kind: str  # "schema" (a response-schema error) or "seed" (a field of the seed's example)
    fields: frozenset[str]
    operations: frozenset[str]
    problems: frozenset[str]  # schema: jsonschema keywords; seed: "missing" and/or "type"

    def covers(self, kind: str, operation_id: str, field: str, problem: str) -> bool:
        return (
            kind == self.kind
            and ("*" in self.operations or operation_id in self.operations)
            and ("*" in self.fields or field in self.fields)
            and problem in self.problems
        )


@cache
def exceptions() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXCEPTIONS_FILE.read_text(encoding="utf-8"))
    return data


@cache
def excuses() -> tuple[Excuse, ...]:
    found = []
    for entry in exceptions()["exceptions"]:
        assert entry.get("reason"), f"exception {entry['id']} needs a reason"
        assert entry.get("choice"), f"exception {entry['id']} needs a choice"
        for kind in ("schema", "seed"):
            if kind in entry:
                part = entry[kind]
                found.append(
                    Excuse(
                        entry["id"],
                        kind,
                        frozenset(part["fields"]),
                        frozenset(part["operations"]),
                        frozenset(part["problems"]),
                    )
                )
    return tuple(found)


def excused(kind: str, operation_id: str, field: str, problem: str) -> bool:
    return any(excuse.covers(kind, operation_id, field, problem) for excuse in excuses())


def _leaf_name(error: ValidationError) -> str:
    return next((str(step) for step in reversed(error.absolute_path) if not isinstance(step, int)), "")


def _leaves(error: ValidationError) -> list[ValidationError]:
    """anyOf (nullable fields, id-or-number) fails as a whole; judge it by the branches' errors."""
    if error.validator == "anyOf" and error.context:
        typed = [e for e in error.context if not (e.validator == "type" and e.validator_value == "null")]
        return [leaf for sub in typed for leaf in _leaves(sub)] or [error]
    return [error]


class SpecResponses:
    """Response schemas of our Zoho spec by operationId and status."""

    def __init__(self, path: Path) -> None:
        self.spec: Spec = load_spec(path)
        self._validators: dict[tuple[str, int], Draft202012Validator] = {}

    def section(self, operation_id: str) -> str:
        return str(self.spec.operation(operation_id).raw["x-zoho-seed-section"])

    def schema(self, operation_id: str, status: int) -> dict[str, Any]:
        responses = self.spec.operation(operation_id).raw["responses"]
        content = self.spec.deref(responses[str(status)])["content"]["application/json"]
        return normalize(self.spec, content["schema"], SchemaOptions(direction="output"))

    def success_message(self, operation_id: str) -> str | None:
        """The ``message`` of the seed's success example, as the spec records it (None: not recorded)."""
        responses = self.spec.operation(operation_id).raw["responses"]
        return next((r.get("x-zoho-success-message") for k, r in responses.items() if k.startswith("2")), None)

    def success_status(self, operation_id: str) -> int:
        return next(int(key) for key in self.spec.operation(operation_id).raw["responses"] if key.startswith("2"))

    def has(self, operation_id: str, status: int) -> bool:
        return str(status) in self.spec.operation(operation_id).raw["responses"]

    def problems(self, operation_id: str, status: int, body: Any) -> list[str]:
        """What in ``body`` the spec's schema refuses and no reviewed exception excuses."""
        if not self.has(operation_id, status):
            return [f"the spec documents no {status} answer for {operation_id}"]
        key = (operation_id, status)
        if key not in self._validators:
            self._validators[key] = Draft202012Validator(self.schema(operation_id, status), format_checker=FORMATS)
        found = []
        for error in self._validators[key].iter_errors(body):
            for leaf in _leaves(error):
                if not excused("schema", operation_id, _leaf_name(leaf), str(leaf.validator)):
                    where = "/".join(str(step) for step in leaf.absolute_path) or "(body)"
                    found.append(f"{where}: {leaf.validator} {str(leaf.message)[:160]}")
        return found


# ---- the seed ------------------------------------------------------------------------------------

# The seed's "{...}" placeholders for further list entries, with the comma before them.
_PLACEHOLDER = re.compile(r",\s*\{\.\.\.\}|\{\.\.\.\},?")


@dataclass(frozen=True)
class SeedSection:
    title: str
    request: Any  # the request example (None: the operation has none)
    response: Any  # the success response example (None: none recorded)


def _json_blocks(lines: list[str], start: int, stop: int) -> Iterator[Any]:
    """Whole JSON values in ``lines[start:stop]`` that begin on a line holding only ``{`` or ``[``."""
    index = start
    while index < stop:
        if lines[index].strip() in {"{", "["}:
            for end in range(index, min(index + 400, stop)):
                if not lines[end].startswith(("}", "]")):
                    continue
                try:
                    value = json.loads("\n".join(lines[index : end + 1]))
                except ValueError:
                    continue
                yield value
                index = end
                break
        index += 1


def parse_seed(path: Path, titles: list[str]) -> dict[str, SeedSection]:
    """The seed's sections by title (a line holding only the title, an ``OAuth Scope`` line soon
    after), with their examples. In each section, an object with a top-level ``code`` is the response
    example; the other JSON value (object or list) is the request example.
    """
    lines = _PLACEHOLDER.sub("", path.read_text(encoding="utf-8")).split("\n")
    starts: list[tuple[int, str]] = []
    for title in titles:
        for index, line in enumerate(lines):
            if line.strip() == title and any("OAuth Scope" in later for later in lines[index + 1 : index + 8]):
                starts.append((index, title))
                break
    starts.sort()
    sections: dict[str, SeedSection] = {}
    for number, (start, title) in enumerate(starts):
        stop = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        request = response = None
        for value in _json_blocks(lines, start, stop):
            if isinstance(value, dict) and "code" in value:
                response = value
            elif request is None:
                request = value
        sections[title] = SeedSection(title, request, response)
    return sections


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def seed_problems(operation_id: str, example: Any, body: Any, where: str = "") -> list[str]:
    """The seed example's fields that ``body`` lacks or types otherwise, unless excused."""
    found: list[str] = []
    if isinstance(example, dict) and isinstance(body, dict):
        for name, value in example.items():
            path = f"{where}{name}"
            if name not in body:
                if not excused("seed", operation_id, name, "missing"):
                    found.append(f"{path}: missing (the seed's example has {_kind(value)})")
                continue
            found += _compare(operation_id, name, value, body[name], path)
    return found


def _compare(operation_id: str, name: str, expected: Any, actual: Any, path: str) -> list[str]:
    if expected is None or (actual is None and excused("seed", operation_id, name, "type")):
        return []
    want, have = _kind(expected), _kind(actual)
    if want != have:
        if excused("seed", operation_id, name, "type"):
            return []
        return [f"{path}: {have} where the seed's example has {want}"]
    if want == "object":
        return seed_problems(operation_id, expected, actual, f"{path}.")
    if want == "array" and expected:
        found: list[str] = []
        for entry in actual:
            if isinstance(expected[0], dict):
                found += seed_problems(operation_id, expected[0], entry, f"{path}[].")
            else:
                found += _compare(operation_id, name, expected[0], entry, f"{path}[]")
        return list(dict.fromkeys(found))
    return []
