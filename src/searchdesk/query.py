"""From what Whoosh parsed to what is searched: exact forms, stems, prefixes.

The parser leaves every bare word of ``body`` whole (lowercased, accents
kept; see :class:`~searchdesk.analysis.FrenchStemFilter`). :func:`resolver`
then turns each one into the query it means:

* a bare word meets its inflections (``body`` stems) and ranks paragraphs
  holding the word itself first: ``AndMaybe(stems, exact)``, the exact form
  adding :data:`EXACT_BONUS`, more than any stem-only score;
* typed with accents, it meets the same accents only (``guérir`` ≠
  ``guère``), and unaccented writings of it (``negociations``) unless the
  index also holds another accented word with that spelling;
* typed without accents, every accented reading (``guerir`` finds
  « guérir » and « guère », « guérir » first);
* a quoted word or phrase, a prefix (``utilisateu*``) and a fuzzy word
  (``zelenski~``) are matched on ``exact``: words as written, never stems.

No Whoosh object leaves the engine; this module is the engine's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from whoosh import query as wq
from whoosh import scoring
from whoosh.query.wrappers import WrappingQuery

from .analysis import (
    FRENCH_STOP_WORDS,
    fold,
    french_analyzer,
    light_stem,
    normalize,
    readings,
)
from .schema import BODY, EXACT

#: Score added to a paragraph for each query word it holds exactly (accents
#: aside): more than any BM25F score of a stem alone, so exact forms rank first.
#: Scaled by the word's weight in the chunk, at most 1: a heading chunk's words
#: weigh less (:data:`~searchdesk.schema.HEADING_CHUNK_WEIGHT`), so a bare
#: heading ranks below the paragraphs that hold the same words as typed.
EXACT_BONUS = 100.0


class _BonusScorer(scoring.BaseScorer):
    """``bonus`` times the posting's weight, at most ``bonus``."""

    def __init__(self, bonus: float) -> None:
        self.bonus = bonus

    def supports_block_quality(self) -> bool:
        return True

    def score(self, matcher: Any) -> float:
        return self.bonus * min(float(matcher.weight()), 1.0)

    def max_quality(self) -> float:
        return self.bonus

    def block_quality(self, matcher: Any) -> float:
        return self.bonus * min(float(matcher.block_max_weight()), 1.0)


class _BonusWeighting(scoring.WeightingModel):
    def __init__(self, bonus: float) -> None:
        self.bonus = bonus

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1) -> _BonusScorer:
        return _BonusScorer(self.bonus)


class ExactBonus(WrappingQuery):
    """The ranking bonus of a bare word held as typed: :data:`EXACT_BONUS` × its weight.

    Like Whoosh's ``ConstantScoreQuery`` but read from the postings' weights
    (and without reading every posting into a list first).
    """

    def __init__(self, child: wq.Query, bonus: float = EXACT_BONUS) -> None:
        super().__init__(child)
        self.bonus = bonus

    def __eq__(self, other: object) -> bool:
        return type(other) is ExactBonus and self.child == other.child and self.bonus == other.bonus

    def __hash__(self) -> int:
        return hash((self.child, self.bonus))

    def __repr__(self) -> str:
        return f"ExactBonus({self.child!r}, {self.bonus:g})"

    def _rewrap(self, child: wq.Query) -> ExactBonus:
        return ExactBonus(child, self.bonus)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        if context is None:
            context = searcher.context()
        if context.weighting is not None:
            context = context.set(weighting=_BonusWeighting(self.bonus))
        return self.child.matcher(searcher, context)


#: A quoted phrase not introduced by a field name (``source:"a b"`` stays).
_QUOTED = re.compile(r'(?<![\w:])"([^"]*)"')
#: A quoted phrase on ``body``: words as written, like a bare quote.
_BODY_QUOTED = re.compile(r'(?<![\w:])body:"')

_WORD = re.compile(r"\w+(?:['’‘ʼ]\w+)*(?:[.+#/]\w*)*", re.UNICODE)
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}


def quoted_to_exact(text: str) -> str:
    """``"mode non bloquant"`` → ``exact:"mode non bloquant"`` (words as written)."""
    text = _BODY_QUOTED.sub('exact:"', text)
    return _QUOTED.sub(lambda m: f'exact:"{m.group(1)}"', text)


def stop_words_only(text: str) -> bool:
    """Is the query made only of stop words (``sur``, ``jusqu'à``, ``qu'il``)?

    Quoted phrases, field syntax and patterns make it something else.
    """
    if '"' in text or ":" in text or "*" in text or "~" in text:
        return False
    words = [w for w in re.split(r"[\s()]+", normalize(text)) if w and w not in _OPERATORS]
    if not words:
        return False
    for word in words:
        tokens = list(french_analyzer()(word, removestops=False))
        if not tokens or not all(t.stopped for t in tokens):
            return False
    return True


def _first_accent(word: str) -> int:
    for i, ch in enumerate(word):
        if not ch.isascii():
            return i
    return len(word)


class WordPlan:
    """What one bare query word matches, at the level of one token."""

    __slots__ = ("accented", "exact", "folded", "label", "terms")

    def __init__(
        self,
        label: str,
        exact: str,
        terms: frozenset[str],
        accented: str | None,
        folded: str | None,
    ) -> None:
        self.label = label
        self.exact = exact
        #: Folded or accented stems any token may have.
        self.terms = terms
        #: Typed with accents: the accented stem, and the folded stem that
        #: counts only for tokens written without accents (None: it does not).
        self.accented = accented
        self.folded = folded


class WordQuery(wq.AndMaybe):
    """A bare word: its stems, and its exact form for the bonus; carries its plan."""

    def __init__(self, a: wq.Query, b: wq.Query, plan: WordPlan | None = None) -> None:
        super().__init__(a, b)
        self.plan = plan

    def apply(self, fn: Callable[[wq.Query], wq.Query]) -> WordQuery:
        return WordQuery(fn(self.a), fn(self.b), self.plan)


def term_bytes(schema: Any, field: str, text: Any) -> bytes | None:
    """A query term as the index holds it; None for a field or value the
    schema cannot hold (the term matches nothing)."""
    if field not in schema:
        return None
    try:
        return bytes(schema[field].to_bytes(text))
    except ValueError:
        return None


class WordPhrase(wq.Phrase):
    """A word the analyzer split (``cessez-le-feu``): a phrase of stems; keeps its words."""

    def __init__(self, terms: list[str], words: tuple[str, ...], slop: int, boost: float) -> None:
        super().__init__(BODY, terms, slop=slop, boost=boost)
        self.query_words = words


#: The accented ``body`` terms beginning with a prefix (see :func:`word_query`).
AccentedUnder = Callable[[str], list[str]]


def accented_under(reader: Any) -> AccentedUnder:
    """Read the index each time: the accented ``body`` terms that begin with ``head``."""

    def under(head: str) -> list[str]:
        return [
            t
            for t in (b.decode("utf-8") for b in reader.expand_prefix(BODY, head))
            if not t.isascii()
        ]

    return under


def word_query(word: str, reader: Any, under: AccentedUnder | None = None) -> WordQuery:
    """The query of one bare word (lowercase, accents as typed).

    ``under`` lists the accented stems under a prefix (a scan of the
    lexicon: a searcher may remember its answers, :func:`accented_under`).
    """
    exact = fold(word)
    stems: wq.Query
    if word.isascii():
        terms = [t for t in readings(word) if (BODY, t) in reader] or [readings(word)[0]]
        stems = (
            wq.Term(BODY, terms[0]) if len(terms) == 1 else wq.Or([wq.Term(BODY, t) for t in terms])
        )
        plan = WordPlan(word, exact, frozenset(terms), None, None)
    else:
        accented = light_stem(word)
        folded = fold(accented)
        if folded == accented:
            stems = wq.Term(BODY, folded)
            plan = WordPlan(word, exact, frozenset([folded]), None, None)
        else:
            head = folded[: _first_accent(accented)]
            under = under or accented_under(reader)
            others = [t for t in under(head) if t != accented and fold(t) == folded]
            if others:
                stems = wq.Or(
                    [
                        wq.Term(BODY, accented),
                        wq.AndNot(wq.Term(BODY, folded), wq.Or([wq.Term(BODY, t) for t in others])),
                    ]
                )
            else:
                stems = wq.Term(BODY, folded)
            plan = WordPlan(word, exact, frozenset(), accented, None if others else folded)
    bonus = ExactBonus(wq.Term(EXACT, exact))
    return WordQuery(stems, bonus, plan)


def primary_term(word: str, reader: Any) -> str:
    """The one ``body`` term standing for a word inside a phrase."""
    if word.isascii():
        return readings(word)[0]
    accented = light_stem(word)
    return accented if (BODY, accented) in reader else fold(accented)


def resolver(reader: Any, under: AccentedUnder | None = None) -> Callable[[wq.Query], wq.Query]:
    """Turn the parser's whole words into stems, exact forms and patterns."""

    def resolve(q: wq.Query) -> wq.Query:
        if type(q) is wq.Term and q.fieldname == BODY:
            compiled = word_query(q.text, reader, under)
            if q.boost != 1.0:
                compiled.a = wq.Or([compiled.a], boost=q.boost)
            return compiled
        if type(q) is wq.FuzzyTerm and q.fieldname == BODY:
            return wq.FuzzyTerm(
                EXACT, fold(q.text), boost=q.boost, maxdist=q.maxdist, prefixlength=q.prefixlength
            )
        if type(q) is wq.Wildcard and q.fieldname == BODY:
            return wq.Wildcard(EXACT, fold(q.text), boost=q.boost)
        if type(q) is wq.Phrase and q.fieldname == BODY:
            words = tuple(str(w) for w in q.words)
            terms = [primary_term(w, reader) for w in words]
            return WordPhrase(terms, words, q.slop, q.boost)
        return q

    return resolve


def walk(q: wq.Query) -> Iterator[wq.Query]:
    """The positive parts of a query, parents first (what a NOT excludes is left out)."""
    yield q
    if isinstance(q, wq.Not):
        return
    if isinstance(q, wq.AndNot):
        yield from walk(q.a)
        return
    for child in q.children():
        yield from walk(child)


def is_stop(word: str) -> bool:
    return word in FRENCH_STOP_WORDS


def phrase_labels(text: str) -> dict[tuple[str, ...], str]:
    """Query words the analyzer splits (``cessez-le-feu``), by the words they give."""
    labels: dict[tuple[str, ...], str] = {}
    for raw in re.findall(r"[^\s()\"]+", text):
        if raw.isalnum():
            continue  # one word: the analyzer cannot split it
        words = tuple(t.text for t in french_analyzer()(raw, mode="query"))
        if len(words) > 1:
            labels.setdefault(words, raw.lower())
    return labels
