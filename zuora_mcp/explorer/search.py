"""Ranking operations for a plain-language query: BM25F over five fields, with light stemming and synonyms.

Each operation is a document with fields ``summary`` ("Cancel a subscription"), ``id`` (the
operationId's words), ``path`` (its segments, parameters included), ``tag`` and ``text`` (the first
sentence of its description, where the spec has one). A query word scores in every field it
appears in, weighted per field and normalized by field length (BM25F). Words are lower-cased, split
at camelCase, dashes and underscores, and stemmed lightly (``subscriptions`` → ``subscription``,
``cancelled`` → ``cancel``). Billing verbs and nouns people use for Zuora's words (``void`` →
cancel, ``customer`` → account, ``record`` → create) are added at a lower weight.

Pure Python; no model, no download. The statistics are computed once, by ``zuora-mcp schemas build``
(:func:`search_structures`), and stored in the index file: per term, the operations that contain it
and the term's BM25F field-weighted, length-normalised frequency in each. A search then reads only
the postings of its own words, instead of scoring every operation (the first search after start-up
costs the index load and little more). For any other set of operations, :class:`SearchIndex`
computes the same structures itself, with the same code.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zuora_mcp.explorer.index import Operation, Postings, SearchData
from zuora_mcp.explorer.safety import words

__all__ = ["Hit", "SearchIndex", "document_fields", "search_structures", "stem", "terms"]

_FIELD_WEIGHTS = {"summary": 3.0, "id": 2.0, "tag": 1.5, "path": 1.2, "text": 0.6}
_K1 = 1.2
_B = 0.75
_SYNONYM_WEIGHT = 0.5
_COORDINATION = 1.0
# Stored frequencies are rounded: the file stays small, and a fresh build gives the same bytes.
_DIGITS = 6
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


def document_fields(operation_id: str, summary: str, tag: str, path: str, text: str) -> dict[str, list[str]]:
    """The terms of each field of one operation, in field order."""
    return {
        "summary": terms(summary.removeprefix("CRUD:")),
        "id": terms(operation_id),
        "tag": terms(tag),
        "path": [term for term in terms(re.sub(r"[{}/]", " ", path)) if term != "v" and not term.isdigit()],
        "text": terms(text),
    }


def _postings(documents: Sequence[Mapping[str, Sequence[str]]]) -> Postings:
    """Per term: the documents containing it (ascending) and its BM25F frequency in each.

    BM25F sums a term's field frequencies, each weighted and divided by its field's length norm;
    that sum does not depend on the query, so it is computed here once. A query word's frequency is
    then the weighted sum of its terms' (see :meth:`SearchIndex._concept_scores`).
    """
    count = max(len(documents), 1)
    lengths = dict.fromkeys(_FIELD_WEIGHTS, 0.0)
    for fields in documents:
        for name, found in fields.items():
            lengths[name] += len(found)
    average = {name: max(total / count, 1.0) for name, total in lengths.items()}
    docs: dict[str, list[int]] = {}
    weights: dict[str, list[float]] = {}
    for number, fields in enumerate(documents):
        frequency: dict[str, float] = {}
        for name, found in fields.items():
            norm = 1 - _B + _B * len(found) / average[name]
            for term, n in Counter(found).items():
                frequency[term] = frequency.get(term, 0.0) + _FIELD_WEIGHTS[name] * n / norm
        for term, value in frequency.items():
            docs.setdefault(term, []).append(number)
            weights.setdefault(term, []).append(round(value, _DIGITS))
    return {term: (docs[term], weights[term]) for term in sorted(docs)}


def search_structures(operations: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """What the index file stores for search, from its operations' entries (JSON-ready).

    ``ids`` fixes the document numbers: operations in operationId order, as the file lists them.
    """
    ids = sorted(operations)
    documents = [
        document_fields(
            name,
            str(operations[name].get("summary") or ""),
            str(operations[name].get("tag") or ""),
            str(operations[name]["path"]),
            str(operations[name].get("text") or ""),
        )
        for name in ids
    ]
    return {"ids": ids, "postings": {term: [d, w] for term, (d, w) in _postings(documents).items()}}


def _shared_data(operations: Sequence[Operation]) -> SearchData | None:
    """The stored statistics, when ``operations`` are exactly those of one loaded index, in its order."""
    data = operations[0].search_data if operations else None
    if data is None or len(data.ids) != len(operations):
        return None
    for number, operation in enumerate(operations):
        if operation.search_data is not data or operation.position != number:
            return None
    return data


class SearchIndex:
    """BM25F statistics over a set of operations; :meth:`search` ranks them for a query.

    Operations straight from a loaded index use the statistics stored in it; any other set (a
    subset, operations from elsewhere) gets them computed here, by the same code that built them.
    """

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._operations = list(operations)
        data = _shared_data(self._operations)
        if data is None:
            documents = [
                document_fields(op.operation_id, op.summary, op.tag, op.path, op.text) for op in self._operations
            ]
            data = SearchData(ids=tuple(op.operation_id for op in self._operations), postings=_postings(documents))
        self._postings = data.postings
        self._count = max(len(self._operations), 1)

    def _idf(self, term: str) -> float:
        df = len(self._postings[term][0])
        return math.log(1 + (self._count - df + 0.5) / (df + 0.5))

    def _concept_scores(self, concept: Concept) -> dict[int, float]:
        """BM25F of one query word, with its synonyms treated as one term (as Lucene's SynonymQuery does).

        Frequencies add up, weighted; the rarity is that of the commonest of the terms, so a synonym
        never makes a document rarer than the word Zuora actually uses. Only documents containing
        one of the terms score (every other one scores 0).
        """
        known = [term for term in concept if term in self._postings]
        if not known:
            return {}
        idf = min(self._idf(term) for term in known)
        frequency: dict[int, float] = {}
        for term in known:
            weight = concept[term]
            docs, values = self._postings[term]
            for doc, value in zip(docs, values, strict=True):
                frequency[doc] = frequency.get(doc, 0.0) + weight * value
        return {doc: idf * f / (_K1 + f) for doc, f in frequency.items()}

    def _scores(self, concepts: list[Concept]) -> dict[int, float]:
        """Every document that answers at least one query word, with its score."""
        totals: dict[int, float] = {}
        matched: dict[int, int] = {}
        for concept in concepts:
            for doc, score in self._concept_scores(concept).items():
                if score > 0:
                    totals[doc] = totals.get(doc, 0.0) + score
                    matched[doc] = matched.get(doc, 0) + 1
        # Coordination: a document that answers every word of the request beats one that answers
        # some of them many times.
        return {doc: total * (matched[doc] / len(concepts)) ** _COORDINATION for doc, total in totals.items()}

    def search(
        self, query: str, *, tag: str | None = None, safety: Sequence[str] | str | None = None, limit: int = 8
    ) -> list[Hit]:
        """The best ``limit`` operations for ``query``, best first; ties keep index order.

        ``tag`` keeps operations whose tag contains it (case-insensitive); ``safety`` keeps those of
        that class (or classes). An empty query with a tag lists that tag's operations.
        """
        wanted = {safety} if isinstance(safety, str) else set(safety or ())
        folded = tag.strip().lower() if tag else None

        def kept(operation: Operation) -> bool:
            if folded and folded not in operation.tag.lower():
                return False
            return not wanted or operation.safety in wanted

        if limit <= 0:
            return []
        concepts = _concepts(query)
        if not concepts:
            listed: list[Hit] = []
            for operation in self._operations:
                if len(listed) >= limit:
                    break
                if kept(operation):
                    listed.append(Hit(operation, 0.0))
            return listed
        scored = sorted(self._scores(concepts).items(), key=lambda item: (-round(item[1], 4), item[0]))
        hits: list[Hit] = []
        for doc, score in scored:
            if len(hits) >= limit:
                break
            if score > 0 and kept(self._operations[doc]):
                hits.append(Hit(self._operations[doc], round(score, 4)))
        return hits
