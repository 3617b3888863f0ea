"""Classifying an operation the explorer has never seen a person review: read, write or destructive.

GET is ``read``. Every other method is at least ``write``. An operation is ``destructive`` when it is
a DELETE, or when its summary or operationId says it cancels, reverses, writes off, refunds, deletes,
voids or removes something (and a few more verbs with the same kind of effect: unapply, unpost,
revert, scrub, chargeback, ...). A non-GET operation whose verb is on neither list is ``destructive``
too: an unknown verb in a future spec must not slip through as a plain write.
"""

from __future__ import annotations

import re

from zuora_mcp.catalog.recipe import Safety

__all__ = ["classify", "words"]

# Effects that the same API cannot undo, or that move money back out.
_DESTRUCTIVE = frozenset(
    {
        "abort",
        "cancel",
        "cancellation",
        "chargeback",
        "delete",
        "deplete",
        "erase",
        "expire",
        "purge",
        "refund",
        "reject",
        "remove",
        "reverse",
        "revert",
        "scrub",
        "terminate",
        "unapply",
        "unpost",
        "unregister",
        "void",
        "writeoff",
    }
)
# Verbs of plain writes: they create or change records and can be corrected by another call.
_WRITE = frozenset(
    {
        "activate",
        "add",
        "apply",
        "attach",
        "bulk",
        "close",
        "collect",
        "compare",
        "configure",
        "create",
        "deactivate",
        "decrypt",
        "detach",
        "email",
        "execute",
        "export",
        "generate",
        "import",
        "ingest",
        "invoice",
        "migrate",
        "partial",
        "partially",
        "pause",
        "perform",
        "post",
        "preview",
        "publish",
        "query",
        "querymore",
        "reconcile",
        "regenerate",
        "register",
        "renew",
        "reopen",
        "rerun",
        "resend",
        "restore",
        "resume",
        "retrieve",
        "retry",
        "run",
        "set",
        "settle",
        "sign",
        "skip",
        "stop",
        "submit",
        "suspend",
        "sync",
        "test",
        "transfer",
        "trigger",
        "update",
        "upload",
        "verify",
    }
)
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


_METHOD_PREFIX = re.compile(r"(GET|POST|PUT|PATCH|DELETE)(?=[a-z])")


def words(text: str) -> list[str]:
    """Lower-case words of an operationId, a summary or a path: camelCase, snake_case and dashes split.

    ``Action_POSTquery`` gives action, post, query: an upper-case HTTP method glued to a lower-case
    word is split there.
    """
    return [word.lower() for word in _CAMEL.findall(_METHOD_PREFIX.sub(r"\1 ", text))]


def classify(method: str, operation_id: str, summary: str) -> Safety:
    """The safety class of an operation from its method, operationId and summary (rules above)."""
    if method.upper() == "GET":
        return "read"
    if method.upper() == "DELETE":
        return "destructive"
    said = words(summary.removeprefix("CRUD:"))
    named = words(operation_id)
    joined = " ".join([*said, "|", *named])
    if _DESTRUCTIVE & {*said, *named} or re.search(r"\bwrite ?off\b", joined):
        return "destructive"
    verb = next((word for word in said if word not in {"crud"}), "")
    return "write" if verb in _WRITE else "destructive"
