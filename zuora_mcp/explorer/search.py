"""Ranking operations for a plain-language query: BM25F over five fields, with light stemming and synonyms.

Each operation is a document with fields ``summary`` ("Cancel a subscription"), ``id`` (the
operationId's words), ``path`` (its segments, parameters included), ``tag`` and ``text`` (the first
sentence of its description, where the spec has one). A query word scores in every field it
appears in, weighted per field and normalized by field length (BM25F). Words are lower-cased, split
at camelCase, dashes and underscores, and stemmed lightly (``subscriptions`` → ``subscription``,
``cancelled`` → ``cancel``). Billing verbs and nouns people use for Zuora's words (``void`` →
cancel, ``customer`` → account, ``record`` → create) are added at a lower weight.

Pure Python, built in a few milliseconds from the index; no model, no download.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from zuora_mcp.explorer.index import Operation
from zuora_mcp.explorer.safety import words

__all__ = ["Hit", "SearchIndex", "stem", "terms"]

_FIELD_WEIGHTS = {"summary": 3.0, "id": 2.0, "tag": 1.5, "path": 1.2, "text": 0.6}
_K1 = 1.2
_B = 0.75
_SYNONYM_WEIGHT = 0.5
_COORDINATION = 1.0
_STOPWORD_TEXT = (
    "a an and are as at be by can do for from how i in into is it its me my of on one or our please that the "
    "their them this to using v1 via what which with"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# People's words → Zuora's words. Keys and values are plain words; both sides are stemmed.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer": ("account",),
    "client": ("account",),
    "balance": ("summary", "account"),
    "bill": ("invoice",),
    "void": ("cancel",),
    "stop": ("cancel",),
    "terminate": ("cancel",),
    "end": ("cancel",),
    "pause": ("suspend",),
    "unpause": ("resume",),
    "reactivate": ("resume",),
    "extend": ("renew",),
    "record": ("create",),
    "add": ("create",),
    "new": ("create",),
    "make": ("create",),
    "start": ("create",),
    "place": ("create",),
    "open": ("create",),
    "submit": ("create",),
    "issue": ("create",),
    "get": ("retrieve",),
    "show": ("retrieve", "list"),
    "fetch": ("retrieve",),
    "find": ("retrieve", "list", "query"),
    "view": ("retrieve",),
    "look": ("retrieve",),
    "lookup": ("retrieve",),
    "read": ("retrieve",),
    "detail": ("retrieve",),
    "all": ("list",),
    "change": ("update",),
    "modify": ("update",),
    "edit": ("update",),
    "set": ("update",),
    "remove": ("delete",),
    "erase": ("delete", "scrub"),
    "drop": ("delete",),
    "money": ("payment",),
    "pay": ("payment",),
    "paid": ("payment",),
    "charge": ("payment",),
    "chargeback": ("reverse", "payment"),
    "card": ("payment", "method"),
    "return": ("refund",),
    "line": ("item",),
    "lines": ("item",),
    "number": ("key",),
    "id": ("key",),
    "plan": ("rate",),
    "price": ("charge",),
    "zoql": ("query", "action"),  # Zuora Object Query Language: the action query calls
    "sql": ("query",),
    "send": ("email",),
    "mail": ("email",),
    "upcoming": ("preview",),
    "forecast": ("preview",),
    "future": ("preview",),
    "upload": ("import",),
    "import": ("upload",),
    "pdf": ("file",),
    "document": ("file",),
    "history": ("log",),
    "status": ("job",),
    "run": ("execute",),
}
# Synonyms that mean exactly Zuora's word: full weight. In Zuora's paths a "key" is "ID or number".
_FULL_SYNONYMS = {"number": 1.0, "id": 1.0, "zoql": 1.0}
# Words a request may open with that name one of Zuora's verbs (see _concepts).
_VERB_TEXT = (
    "add change drop edit end erase extend fetch find get issue look lookup make modify new open pause place "
    "reactivate read record remove run send show start stop submit terminate unpause view void"
)
_VERBS = frozenset(_VERB_TEXT.split())


def stem(word: str) -> str:
    """A light suffix stripper: plurals, -ed, -ing, a final e and doubled consonants.

    Not linguistics: both the query and the documents pass through it, so it only has to be consistent.
    """
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiousz":
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """The stemmed, stop-word-free terms of ``text``."""
    return [stem(word) for word in words(text) if word not in _STOPWORDS]


Concept = dict[str, float]  # one query word: its term and its synonyms' terms, each with a weight


def _concepts(query: str) -> list[Concept]:
    """One concept per query word; a document scores a concept by its best-matching term."""
    concepts: list[Concept] = []
    seen: set[str] = set()
    content = [w for w in words(query) if w not in _STOPWORDS]
    for position, word in enumerate(content):
        if word in seen:
            continue
        seen.add(word)
        # "record a payment": a request's leading verb is the person's word for Zuora's verb, so
        # Zuora's verb counts fully and the literal word (a noun elsewhere: "payment records") less.
        leading_verb = position == 0 and word in _VERBS
        literal, implied = (_SYNONYM_WEIGHT, 1.0) if leading_verb else (1.0, _SYNONYM_WEIGHT)
        concept: Concept = {stem(word): literal}
        for synonym in _SYNONYMS.get(word, ()):
            weight = _FULL_SYNONYMS.get(word, implied)
            concept[stem(synonym)] = max(concept.get(stem(synonym), 0.0), weight)
        concepts.append(concept)
    return concepts


@dataclass(frozen=True)
class Hit:
    operation: Operation
    score: float


def _fields(operation: Operation) -> dict[str, list[str]]:
    return {
        "summary": terms(operation.summary.removeprefix("CRUD:")),
        "id": terms(operation.operation_id),
        "tag": terms(operation.tag),
        "path": [term for term in terms(re.sub(r"[{}/]", " ", operation.path)) if term != "v" and not term.isdigit()],
        "text": terms(operation.text),
    }


class SearchIndex:
    """BM25F statistics over a set of operations; :meth:`search` ranks them for a query."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._operations = list(operations)
        self._docs: list[dict[str, Counter[str]]] = []
        lengths: dict[str, float] = dict.fromkeys(_FIELD_WEIGHTS, 0.0)
        document_frequency: Counter[str] = Counter()
        for operation in self._operations:
            fields = {name: Counter(found) for name, found in _fields(operation).items()}
            self._docs.append(fields)
            for name, counts in fields.items():
                lengths[name] += sum(counts.values())
            document_frequency.update(set().union(*(set(counts) for counts in fields.values())))
        count = max(len(self._operations), 1)
        self._average = {name: max(total / count, 1.0) for name, total in lengths.items()}
        self._idf = {term: math.log(1 + (count - df + 0.5) / (df + 0.5)) for term, df in document_frequency.items()}

    def _concept(self, doc: dict[str, Counter[str]], concept: Concept) -> float:
        """BM25F of one query word with its synonyms treated as one term (as Lucene's SynonymQuery does).

        Frequencies add up, weighted; the rarity is that of the commonest of the terms, so a synonym
        never makes a document rarer than the word Zuora actually uses.
        """
        known = [term for term in concept if term in self._idf]
        if not known:
            return 0.0
        idf = min(self._idf[term] for term in known)
        frequency = 0.0
        for name, counts in doc.items():
            norm = 1 - _B + _B * sum(counts.values()) / self._average[name]
            found = sum(concept[term] * counts.get(term, 0) for term in known)
            frequency += _FIELD_WEIGHTS[name] * found / norm
        return idf * frequency / (_K1 + frequency)

    def _score(self, doc: dict[str, Counter[str]], concepts: list[Concept]) -> float:
        scores = [self._concept(doc, concept) for concept in concepts]
        matched = sum(score > 0 for score in scores)
        # Coordination: a document that answers every word of the request beats one that answers
        # some of them many times.
        return sum(scores) * (matched / len(scores)) ** _COORDINATION if scores else 0.0

    def search(
        self, query: str, *, tag: str | None = None, safety: Sequence[str] | str | None = None, limit: int = 8
    ) -> list[Hit]:
        """The best ``limit`` operations for ``query``, best first; ties keep spec order.

        ``tag`` keeps operations whose tag contains it (case-insensitive); ``safety`` keeps those of
        that class (or classes). An empty query with a tag lists that tag's operations.
        """
        wanted = {safety} if isinstance(safety, str) else set(safety or ())
        folded = tag.strip().lower() if tag else None
        query_terms = _concepts(query)
        hits: list[Hit] = []
        for operation, doc in zip(self._operations, self._docs, strict=True):
            if folded and folded not in operation.tag.lower():
                continue
            if wanted and operation.safety not in wanted:
                continue
            score = self._score(doc, query_terms) if query_terms else 0.0
            if score > 0 or not query_terms:
                hits.append(Hit(operation, round(score, 4)))
        hits.sort(key=lambda hit: -hit.score)
        return hits[: max(limit, 0)]
