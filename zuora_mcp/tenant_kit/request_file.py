"""The committed, spec-derived request-schema file every local tenant judges requests by.

Each tenant builds ``{"spec": version, "operations": {operationId: {...}}}`` from its vendor's spec
(what differs per vendor: which operations, how a body is read). Writing, reading and checking that
file is the same for all of them, and lives here: gzip with a zero mtime, so the same content is the
same bytes; a check compares decompressed content, operation by operation, so another zlib is not
staleness.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zuora_mcp.derive.spec import Spec

__all__ = ["RequestFile", "check_file", "read_file", "text_of", "write_file"]


def text_of(content: Any) -> str:
    """The canonical text of a file's content: sorted keys, no spaces."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def read_file(path: Path) -> dict[str, Any] | None:
    """The file's content, or None when it is missing or unreadable."""
    try:
        content = json.loads(gzip.decompress(path.read_bytes()))
    except (OSError, ValueError, EOFError):
        return None
    return content if isinstance(content, dict) else None


def write_file(path: Path, content: dict[str, Any]) -> bool:
    """Write ``content`` unless the file already holds it; whether it was written."""
    current = read_file(path)
    if current is not None and text_of(current) == text_of(content):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress((text_of(content) + "\n").encode("utf-8"), compresslevel=9, mtime=0))
    return True


def check_file(path: Path, expected: dict[str, Any]) -> list[str]:
    """What differs between the committed file and a fresh build, one line per finding; empty when fresh."""
    current = read_file(path)
    if current is None:
        return [f"{path} is missing or unreadable"]
    problems: list[str] = []
    if current.get("spec") != expected["spec"]:
        problems.append(f"spec version {current.get('spec')!r} in the file, {expected['spec']!r} in the spec")
    have: dict[str, Any] = current.get("operations") or {}
    want: dict[str, Any] = expected["operations"]
    for operation_id in sorted(set(have) | set(want)):
        if operation_id not in have:
            problems.append(f"{operation_id}: missing from the file")
        elif operation_id not in want:
            problems.append(f"{operation_id}: in the file but not an operation the tenant implements")
        elif text_of(have[operation_id]) != text_of(want[operation_id]):
            problems.append(f"{operation_id}: request schemas differ from the spec's")
    return problems


class RequestFile:
    """One tenant's committed request file: where it lives and how its vendor's spec builds it.

    ``write``/``check`` are what ``schemas build``/``schemas check`` run (``path`` replaces the committed
    file, for tests); ``load`` is what the tenant judges requests by, read once; ``main`` is the build
    step's command line (``build|check SPEC``).
    """

    def __init__(self, path: Path, build: Callable[[Spec], dict[str, Any]]) -> None:
        self.path = path
        self._build = build
        self._operations: dict[str, Any] | None = None

    def write(self, spec: Spec, path: Path | None = None) -> bool:
        """Write the file unless its content is current (the same content, the same bytes)."""
        written = write_file(path or self.path, self._build(spec))
        if written:
            self._operations = None
        return written

    def check(self, spec: Spec, path: Path | None = None) -> list[str]:
        """What differs between the committed file and a fresh build; empty when fresh."""
        return check_file(path or self.path, self._build(spec))

    def load(self) -> dict[str, Any]:
        """The committed file's operations by operationId (read once).

        Raises:
            FileNotFoundError: the package was built without its data file.
        """
        if self._operations is None:
            content = read_file(self.path)
            if content is None:
                raise FileNotFoundError(f"{self.path} is missing or unreadable; run `zuora-mcp schemas build`")
            self._operations = content["operations"]
        return self._operations

    def main(self, argv: Sequence[str], prog: str) -> int:
        """``build SPEC`` writes the file, ``check SPEC`` prints each difference (exit 1 when stale)."""
        import sys

        from zuora_mcp.derive.spec import load_spec

        if len(argv) != 2 or argv[0] not in {"build", "check"}:
            print(f"usage: {prog} build|check SPEC", file=sys.stderr)
            return 2
        spec = load_spec(argv[1])
        if argv[0] == "build":
            print(f"{self.path}: {'written' if self.write(spec) else 'unchanged'}")
            return 0
        problems = self.check(spec)
        for problem in problems:
            print(problem)
        return 1 if problems else 0
