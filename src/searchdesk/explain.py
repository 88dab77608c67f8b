"""Why a paragraph matched: one match plan per query, read against each hit.

:func:`plan` walks the compiled query once (leaving out what ``NOT``
excludes) and lists its items: bare words (:class:`~searchdesk.query.WordPlan`),
phrases, and expanded patterns (prefixes, fuzzy words). :func:`explain` runs
the analyzer over one paragraph and says, for each item, where and how it
matched: the highlights and ``Hit.why`` come from the same pass, so they
never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from whoosh import query as wq

from .analysis import (
    _TOKEN_RE,
    APOSTROPHES,
    ELIDED,
    FRENCH_STOP_WORDS,
    _first_apostrophe,
    _parts,
    fold,
    stem_terms,
)
from .models import Match, Span
from .query import ExactBonus, WordPhrase, WordPlan, WordQuery, walk
from .schema import EXACT

#: Best first: when an item matches several ways, ``why`` names the best.
_RANK = {"phrase": 0, "exact": 1, "prefix": 2, "fuzzy": 3, "stem": 4}


class _Token(NamedTuple):
    """One word of a hit (a tuple: thousands are made per query)."""

    start: int
    end: int
    pos: int
    exact: str
    stems: tuple[str, ...]
    """Folded stem, then the accented one if the word has accents (empty: a stop word)."""
    widx: int
    """Its rank among the tokens with stems (-1: none): ``body`` phrases run over those."""


@dataclass(frozen=True, slots=True)
class PhraseItem:
    label: str
    field: str
    seq: tuple[str, ...]
    """Exact forms (``exact``) or stems (``body``), one per word."""
    words: tuple[str, ...]
    """The words as typed (folded), to tell an exact run from a stemmed one."""


@dataclass(frozen=True, slots=True)
class PatternItem:
    label: str
    words: frozenset[str]
    how: str


Item = WordPlan | PhraseItem | PatternItem


def plan(q: wq.Query, labels: dict[tuple[str, ...], str] | None = None) -> list[Item]:
    """The items of a compiled query, in query order, without what NOT excludes."""
    labels = labels or {}
    items: list[Item] = []
    for node in walk(q):
        if isinstance(node, WordQuery) and node.plan is not None:
            items.append(node.plan)
        elif isinstance(node, WordPhrase):
            words = tuple(node.query_words)
            label = labels.get(words, " ".join(words))
            items.append(PhraseItem(label, "body", tuple(node.words), tuple(map(fold, words))))
        elif type(node) is wq.Phrase and node.fieldname == EXACT:
            words = tuple(str(w) for w in node.words)
            items.append(PhraseItem(" ".join(words), EXACT, words, words))
        elif type(node) is wq.Term and node.fieldname == EXACT and not _is_bonus(q, node):
            items.append(PhraseItem(str(node.text), EXACT, (str(node.text),), (str(node.text),)))
        elif type(node).__name__ == "_Expanded" and getattr(node, "fieldname", None) == EXACT:
            label = str(node.text)
            how = "fuzzy" if "~" in label else "prefix"
            expanded = frozenset(w.decode("utf-8") for w in node.words)
            items.append(PatternItem(label, expanded, how))
    return items


def _is_bonus(root: wq.Query, term: wq.Query) -> bool:
    """Is this ``exact`` term the ranking bonus of a bare word (not a quoted word)?"""
    for node in walk(root):
        if isinstance(node, (wq.ConstantScoreQuery, ExactBonus)) and node.child is term:
            return True
    return False


def _tokens(text: str, relevant: _Relevance | None = None) -> list[_Token]:
    """Every word of ``text`` as :func:`french_analyzer` indexes it, with its characters.

    The fused equivalent of the analyzer's own token chain (tested equal in
    tests/unit/test_explain_tokens.py): one
    regular expression pass, each distinct word analysed once
    (:func:`_word_tokens`), no Token objects. It runs on every hit shown.
    With ``relevant``, only the tokens that can match the query are made
    (the others are counted, for places and phrase runs).
    """
    tokens: list[_Token] = []
    place = -1
    widx = -1
    skip = relevant.skip if relevant is not None else None
    for m in _TOKEN_RE.finditer(text):
        raw = m.group()
        place += 1
        if skip is not None:
            stemmed = skip.get(raw)
            if stemmed is None:
                stemmed = relevant.judge(raw)  # type: ignore[union-attr]
            if stemmed >= 0:  # no token of this word can match: only counted
                widx += stemmed
                continue
        start = m.start()
        for rel_start, rel_end, exact, stems in _analysed(raw):
            if stems:
                widx += 1
            if (
                relevant is None
                or exact in relevant.exact
                or any(t in relevant.stems for t in stems)
            ):
                tokens.append(
                    _Token(
                        start + rel_start,
                        start + rel_end,
                        place,
                        exact,
                        stems,
                        widx if stems else -1,
                    )
                )
    return tokens


def _word_terms(raw: str) -> tuple[frozenset[str], int]:
    """Every term of a word's tokens, and how many of them have stems (remembered)."""
    found = _WORD_TERMS.get(raw)
    if found is None:
        tokens = _analysed(raw)
        terms = frozenset(t for _s, _e, exact, stems in tokens for t in (exact, *stems))
        found = terms, sum(1 for entry in tokens if entry[3])
        if len(_WORD_TERMS) >= _WORD_TOKENS_SIZE:
            _WORD_TERMS.clear()
        _WORD_TERMS[raw] = found
    return found


_WORD_TERMS: dict[str, tuple[frozenset[str], int]] = {}


def _analysed(raw: str) -> tuple[_WordToken, ...]:
    """:func:`_word_tokens`, remembered."""
    found = _WORD_TOKENS.get(raw)
    if found is None:
        found = _word_tokens(raw)
        if len(_WORD_TOKENS) >= _WORD_TOKENS_SIZE:
            _WORD_TOKENS.clear()
        _WORD_TOKENS[raw] = found
    return found


class _Relevance:
    """Which words of a text can match a query's items (remembered per word)."""

    __slots__ = ("exact", "skip", "stems", "terms")

    def __init__(self, items: list[Item]) -> None:
        self.stems: set[str] = set()
        self.exact: set[str] = set()
        for item in items:
            if isinstance(item, WordPlan):
                self.stems.update(item.terms)
                self.stems.update(t for t in (item.accented, item.folded) if t)
            elif isinstance(item, PhraseItem):
                (self.exact if item.field == EXACT else self.stems).update(item.seq)
            else:
                self.exact.update(item.words)
        self.terms = self.stems | self.exact
        #: Word → -1 if a token of it may match, else how many of its tokens
        #: have stems (what skipping it counts).
        self.skip: dict[str, int] = {}

    def judge(self, raw: str) -> int:
        """Remember and return what :attr:`skip` says of ``raw``.

        A word is kept when any of its terms (exact forms or stems) is one of
        the plan's, whichever kind: keeping a word that cannot match costs a
        token, never a highlight.
        """
        terms, stemmed = _word_terms(raw)
        verdict = stemmed if terms.isdisjoint(self.terms) else -1
        self.skip[raw] = verdict
        return verdict


_WordToken = tuple[int, int, str, tuple[str, ...]]
_WORD_TOKENS: dict[str, tuple[_WordToken, ...]] = {}
_WORD_TOKENS_SIZE = 100_000


def _word_tokens(raw: str) -> tuple[_WordToken, ...]:
    """One tokenizer match → (start, end relative to it, exact, stems) of it and its parts.

    The filters of :func:`french_analyzer` for one token, in order: elision
    (the article's characters left out), parts of a dotted or slashed name,
    lowercase, stop list, stems.
    """
    text = raw
    shift = 0
    cut = -1 if text.isalnum() and "ʼ" not in text else _first_apostrophe(text)
    if cut >= 0:
        if text[:cut].lower() in ELIDED and cut + 1 < len(text):
            text = text[cut + 1 :]
            shift = cut + 1
        for a in APOSTROPHES:
            text = text.replace(a, "")
    pieces = [(shift, len(raw), text)]
    if ("." in text or "/" in text) and not text[:1].isdigit():
        pieces.extend(
            (shift + offset, shift + offset + len(part), part) for part, offset in _parts(text)
        )
    found: list[_WordToken] = []
    for start, end, word in pieces:
        word = word.lower()
        stems = stem_terms(word) if word and word not in FRENCH_STOP_WORDS else ()
        found.append((start, end, fold(word), tuple(stems)))
    return tuple(found)


def _word_how(item: WordPlan, tok: _Token) -> str | None:
    if not tok.stems:
        return None
    if item.accented is not None:
        hit = item.accented in tok.stems[1:] or (
            item.folded is not None and len(tok.stems) == 1 and tok.stems[0] == item.folded
        )
    else:
        hit = tok.stems[0] in item.terms
    if not hit:
        return None
    return "exact" if tok.exact == item.exact else "stem"


def _phrase_runs(item: PhraseItem, tokens: list[_Token]) -> Iterable[tuple[int, int, str]]:
    if item.field == EXACT:
        at: dict[int, list[_Token]] = defaultdict(list)
        for tok in tokens:
            at[tok.pos].append(tok)
        for tok in tokens:
            if tok.exact != item.seq[0]:
                continue
            end = tok.end
            for i, form in enumerate(item.seq[1:], 1):
                nxt = [t for t in at.get(tok.pos + i, []) if t.exact == form]
                if not nxt:
                    break
                end = nxt[0].end
            else:
                yield tok.start, end, "phrase" if len(item.seq) > 1 else "exact"
        return
    # Runs of consecutive tokens with stems (stop words between are no gap),
    # found by rank: the tokens may be only the relevant ones.
    by_rank = {t.widx: t for t in tokens if t.stems}
    n = len(item.seq)
    for first in sorted(by_rank):
        maybe = [by_rank.get(first + i) for i in range(n)]
        if any(tok is None for tok in maybe):
            continue
        run = [tok for tok in maybe if tok is not None]
        if all(term in tok.stems for term, tok in zip(item.seq, run, strict=True)):
            exact = all(tok.exact == w for tok, w in zip(run, item.words, strict=True))
            yield run[0].start, run[-1].end, "exact" if exact else "stem"


class Explainer:
    """A query's items, ready to explain hit after hit (words judged once per query)."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self._relevance = _Relevance(items)

    def __call__(self, text: str) -> tuple[tuple[Span, ...], tuple[Match, ...]]:
        """Highlights (merged, sorted) and one :class:`Match` per matched item."""
        items = self.items
        if not items:
            return (), ()
        tokens = _tokens(text, self._relevance)
        spans: list[Span] = []
        why: list[Match] = []
        for item in items:
            found: list[tuple[int, int, str]] = []
            if isinstance(item, WordPlan):
                for tok in tokens:
                    how = _word_how(item, tok)
                    if how is not None:
                        found.append((tok.start, tok.end, how))
            elif isinstance(item, PhraseItem):
                found.extend(_phrase_runs(item, tokens))
            else:
                found.extend((t.start, t.end, item.how) for t in tokens if t.exact in item.words)
            if not found:
                continue
            spans.extend((a, b) for a, b, _how in found)
            start, end, how = min(found, key=lambda f: (_RANK[f[2]], f[0]))
            why.append(Match(item.label, text[start:end], how))
        return _merge(spans), tuple(why)


def explain(text: str, items: list[Item]) -> tuple[tuple[Span, ...], tuple[Match, ...]]:
    """Highlights (merged, sorted) and one :class:`Match` per matched item."""
    return Explainer(items)(text)


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for start, end in sorted(set(spans)):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)
