"""The array path's evaluation in plain Python, for a process that searches once.

Importing numpy costs about 0.1 s, more than :mod:`searchdesk.ranking`
then saves on a common word (tens of thousands of postings), so a
one-shot ``searchdesk query`` evaluates the usual query shapes here: words
(:class:`~searchdesk.query.WordQuery`, ``ExactBonus``), ``AND``, ``OR`` and
adjacent phrases (``slop=1``, the optional phrase clause of several words).
Anything else raises :class:`Unsupported`, and the engine takes its usual
paths.

The scores are :mod:`searchdesk.ranking`'s, bit for bit: the same postings
(deleted documents dropped per segment), the same BM25F expression
evaluated operation for operation on the same doubles (weights read as
float32, lengths from Whoosh's byte table), the same order of additions
(``AND`` and ``OR`` add their children's scores in order, from 0.0), the
same boosts and the same rule that a compound of one subquery drops its
boost. ``tests/unit/test_ranking_py.py`` compares the two on every query.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from itertools import accumulate
from pickle import loads
from typing import Any

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.query.wrappers import WrappingQuery
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

from .query import ExactBonus, WordQuery, term_bytes

__all__ = ["Unsupported", "evaluate"]

#: One segment's matches: document number (segment-local) → score.
Scores = dict[int, float]
#: Whoosh's field-length byte → length (the BM25F input), as ranking's ``_LENGTHS``.
_LENGTHS = [float(byte_to_length(b)) for b in range(256)]


class Unsupported(Exception):
    """The query holds a node this module does not evaluate."""


def evaluate(
    q: wq.Query, searcher: Any, weighting: Any, check: Callable[[], None]
) -> list[tuple[int, float]]:
    """Every live document matching ``q`` with its score: (global docnum, score), ascending.

    ``weighting``: the searcher's BM25F (its ``B`` and ``K1``).
    """
    parts = [(searcher, 0)] if searcher.is_atomic() else list(searcher.subsearchers or [])
    avgfl: dict[str, float] = {}
    B = getattr(weighting, "B", 0.75)
    K1 = getattr(weighting, "K1", 1.2)
    out: list[tuple[int, float]] = []
    for sub, offset in parts:
        reader = sub.reader()
        ctx = _Context(searcher, reader, check, avgfl, B, K1)
        scores = ctx.eval(q, None)
        deleted = reader.deleted_docs_set or ()
        out.extend(
            (docnum + offset, score)
            for docnum, score in sorted(scores.items())
            if docnum not in deleted
        )
    return out


class _Context:
    """One segment's evaluation of one query (``bonus``: the exact-form bonus, or None)."""

    __slots__ = ("B", "K1", "avgfl", "check", "lengths", "reader", "top")

    def __init__(
        self,
        top: Any,
        reader: Any,
        check: Callable[[], None],
        avgfl: dict[str, float],
        B: float,
        K1: float,
    ) -> None:
        self.top = top
        self.reader = reader
        self.check = check
        self.avgfl = avgfl
        self.B = B
        self.K1 = K1
        self.lengths: dict[str, bytes | None] = {}

    def eval(self, q: wq.Query, bonus: float | None) -> Scores:
        kind = type(q)
        if q is wq.NullQuery or kind is type(wq.NullQuery):
            return {}
        if kind is wq.Term:
            if q.minquality:
                raise Unsupported("Term with minquality")
            scores = self._word(q.fieldname, q.text, bonus)
            return _boosted(scores, q.boost)
        if kind is ExactBonus:
            assert isinstance(q, ExactBonus)
            return self.eval(q.child, q.bonus)
        if kind is WordQuery or kind is wq.AndMaybe:
            return self._and_maybe(q.a, q.b, bonus)
        if kind is wq.And or kind is wq.Or:
            return self._compound(q, bonus)
        if isinstance(q, wq.Phrase) and (kind is wq.Phrase or kind.__name__ == "WordPhrase"):
            return self._phrase(q, bonus)
        if isinstance(q, WrappingQuery) and kind.__name__ == "_Budgeted":
            return self.eval(q.child, bonus)
        raise Unsupported(kind.__name__)

    # -- leaves --------------------------------------------------------------

    def _word(self, field: str, text: Any, bonus: float | None) -> Scores:
        btext = term_bytes(self.top.schema, field, text)
        if btext is None or (field, btext) not in self.reader:
            self.check()
            return {}
        ids, weights, _values = _read_postings(self.reader, field, btext, False)
        self.check()
        return self._score(field, btext, ids, weights, bonus)

    def _score(
        self, field: str, btext: bytes, ids: list[int], weights: list[float], bonus: float | None
    ) -> Scores:
        if bonus is not None:
            return {d: bonus * (1.0 if w > 1.0 else w) for d, w in zip(ids, weights, strict=True)}
        top = self.top
        if not top.schema[field].scorable:
            return dict(zip(ids, weights, strict=True))
        idf = top.idf(field, btext)
        avgfl = self.avgfl.get(field)
        if avgfl is None:
            avgfl = self.avgfl[field] = top.avg_field_length(field) or 1
        raw = self._lengths(field)
        B, K1 = self.B, self.K1
        k1_plus = K1 + 1
        one_minus_b = 1 - B
        if raw is None:
            return {
                d: idf * ((w * k1_plus) / (w + K1 * (one_minus_b + B * 1.0 / avgfl)))
                for d, w in zip(ids, weights, strict=True)
            }
        stored = len(raw)
        table = _LENGTHS
        # ranking._Context._score, operation for operation (the same doubles).
        return {
            d: idf
            * (
                (w * k1_plus)
                / (w + K1 * (one_minus_b + B * table[raw[d] if d < stored else 0] / avgfl))
            )
            for d, w in zip(ids, weights, strict=True)
        }

    def _lengths(self, field: str) -> bytes | None:
        """The segment's quantised lengths of ``field`` (one byte a document), or
        None when it has none (every length is then 1.0, as ranking reads it)."""
        if field in self.lengths:
            return self.lengths[field]
        column = self.reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        raw: bytes | None = None
        if column is not None:
            stored = min(column._count, self.reader.doc_count_all())
            raw = bytes(column._dbfile.get(column._basepos, stored)) if stored else b""
        self.lengths[field] = raw
        return raw

    # -- compounds -----------------------------------------------------------

    def _and_maybe(self, a: wq.Query, b: wq.Query, bonus: float | None) -> Scores:
        scores = self.eval(a, bonus)
        if not scores:
            return scores
        extra = self.eval(b, bonus)
        for d, s in extra.items():
            if d in scores:
                scores[d] += s
        return scores

    def _compound(self, q: Any, bonus: float | None) -> Scores:
        subs = q.subqueries
        if not subs:
            return {}
        if len(subs) == 1:
            return self.eval(subs[0], bonus)  # a compound of one: its boost dropped
        if type(q) is wq.Or and (q.minmatch or q.scale):
            raise Unsupported("Or with minmatch or scale")
        parts = [self.eval(sub, bonus) for sub in subs]
        if type(q) is wq.And:
            scores = _intersection(parts)
        else:
            scores = {}
            for part in parts:
                for d, s in part.items():
                    scores[d] = scores.get(d, 0.0) + s
        return _boosted(scores, q.boost)

    def _phrase(self, q: Any, bonus: float | None) -> Scores:
        field = q.fieldname
        schema = self.top.schema
        if field not in schema:
            return {}
        fmt = schema[field].format
        if not fmt or not fmt.supports("positions"):
            raise Unsupported("phrase on a field without positions")
        if q.slop != 1 and len(q.words) > 1:
            raise Unsupported("phrase with slop")
        btexts: list[bytes] = []
        for word in q.words:
            btext = term_bytes(self.top.schema, field, word)
            if btext is None:
                return {}
            btexts.append(btext)
        lists = []
        for btext in btexts:
            if (field, btext) not in self.reader:
                self.check()
                return {}
            lists.append(_read_postings(self.reader, field, btext, True))
            self.check()
        parts = [
            self._score(field, b, ids, weights, bonus)
            for (ids, weights, _v), b in zip(lists, btexts, strict=True)
        ]
        scores = _intersection(parts)
        if scores and len(lists) > 1:
            decode = fmt.decode_positions
            at = [dict(zip(ids, values, strict=True)) for ids, _w, values in lists]
            kept: Scores = {}
            for k, (d, s) in enumerate(scores.items()):
                if not k & 0xFF:
                    self.check()
                found = set(_positions(at[0][d], decode))
                for i in range(1, len(at)):
                    found.intersection_update(p - i for p in _positions(at[i][d], decode))
                    if not found:
                        break
                if found:
                    kept[d] = s
            scores = kept
        return _boosted(scores, q.boost)


def _positions(value: bytes, decode: Callable[[bytes], list[int]]) -> list[int]:
    if value.endswith(b"."):
        # What decode_positions does, without its per-value checks and loop
        # (as ranking._Context._adjacent).
        return list(accumulate(loads(value[_INT_SIZE:])))
    return decode(value)


def _intersection(parts: list[Scores]) -> Scores:
    """Documents in every part; their scores added part by part, from 0.0."""
    common = set(parts[0])
    for other in parts[1:]:
        common.intersection_update(other)
        if not common:
            return {}
    scores = dict.fromkeys(sorted(common), 0.0)
    for part in parts:
        for d in scores:
            scores[d] += part[d]
    return scores


def _boosted(scores: Scores, boost: float) -> Scores:
    if boost != 1.0:
        return {d: s * boost for d, s in scores.items()}
    return scores


def _read_postings(
    reader: Any, field: str, btext: bytes, values: bool
) -> tuple[list[int], list[float], list[bytes]]:
    """A term's postings in one segment: ids, weights (as ranking reads them), values."""
    fmt = reader.schema[field].format
    m = reader._terms.matcher(field, btext, fmt)
    ids: list[int] = []
    out_values: list[bytes] = []
    if type(m) is not W3LeafMatcher:
        weights: list[float] = []
        while m.is_active():
            ids.append(m.id())
            weights.append(float(m.weight()))
            if values:
                out_values.append(m.value())
            m.next()
        return ids, weights, out_values
    packed = array("f")
    while True:
        m._read_data()
        deltas, block_weights, block_values = m._data[0], m._data[1], m._data[2]
        count = m._blocklength
        # Block ids are delta-encoded from the block's first id (each block restarts at 0).
        ids.extend(accumulate(deltas))
        if block_weights is None:
            packed.extend([1.0] * count)
        elif isinstance(block_weights, float):
            packed.extend([block_weights] * count)  # rounded to float32, as numpy's full()
        elif type(block_weights) is array and block_weights.typecode == "f":
            packed.extend(block_weights)
        else:
            packed.extend(list(block_weights))  # rounded to float32, as ranking reads them
        if values:
            out_values.extend(block_values)
        if m._lastblock:
            break
        m._goto(m._nextoffset)
    return ids, packed.tolist(), out_values
