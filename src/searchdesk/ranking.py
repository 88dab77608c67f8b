"""Vectorised matching: a compiled query evaluated as arrays, segment by segment.

Whoosh's matchers score one posting at a time in Python (a method call per
posting and per tree node, a field length read per document), and the
facets need every match: a common word of man-fr costs tens of
milliseconds. Here each term's postings are read a block at a time into
numpy arrays (ids, weights, and positions when a phrase needs them), and
the query tree becomes array operations: BM25F over the whole list, AND as
an intersection, OR and the optional clauses as unions, a phrase as an
intersection whose candidates alone have their positions checked.

The scores are Whoosh's: the same BM25F formula in the same float order,
global idf and average lengths from the top-level searcher, the same
boosts (including Whoosh's rule that a compound query of one subquery
drops its boost). Only the order in which Whoosh adds up the children of
an AND or OR (a tree balanced by posting counts, per segment) may differ,
by an ulp; the engine treats scores that close as ties
(:data:`searchdesk.searcher.SCORE_TIE`) and orders them by place.

A query holding a node this module does not know (``NOT`` alone, fuzzy
words before expansion, ranges, …) raises :class:`Unsupported`, and the
engine falls back to Whoosh's own matchers. ``tests/unit/test_ranking_arrays.py``
proves both paths give the same hits, scores, facets and totals.

numpy is imported with this module, which the engine imports only when a
search needs it (a cold ``searchdesk query`` on a short posting list does
not pay its import).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pickle import loads
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.query.wrappers import WrappingQuery
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

from .docmap import NO_SOURCE
from .query import ExactBonus, WordQuery, term_bytes

__all__ = ["ArrayRanker", "Matches", "Ranked", "Unsupported", "count_matches", "facets_and_page"]

IntArray = np.ndarray
FloatArray = np.ndarray

#: Decoded posting lists kept between searches (the words being typed, the
#: same query paged or re-run), counted in postings.
CACHE_POSTINGS = 4_000_000

#: A phrase word is read only near the documents holding its rarer words (see
#: ``_phrase_postings``) when they would touch under 1/PARTIAL_READ of its
#: blocks; else it is read whole, and kept for the next queries.
PARTIAL_READ = 4
#: Postings in a full W3 block (``W3Codec(blocklimit=128)``).
BLOCK_POSTINGS = 128

_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_SCORES = np.zeros(0, dtype=np.float64)
#: Whoosh's field-length byte → length, as floats (the BM25F input).
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class Unsupported(Exception):
    """The query holds a node the array path does not evaluate: use Whoosh's."""


@dataclass(frozen=True, slots=True)
class Matches:
    """Every matching document of a query: global numbers (ascending) and scores."""

    docnums: IntArray
    scores: FloatArray


@dataclass(frozen=True, slots=True)
class _Postings:
    ids: IntArray  # segment-local document numbers, ascending, deleted ones included
    weights: FloatArray
    values: tuple[bytes, ...] | None  # encoded positions, when read for a phrase


class _Mode:
    """How leaves are scored: BM25F, the exact-form bonus, or not at all."""

    __slots__ = ("B", "K1", "bonus", "scored")

    def __init__(self, weighting: Any, bonus: float | None = None) -> None:
        self.scored = weighting is not None
        self.B = getattr(weighting, "B", 0.75)
        self.K1 = getattr(weighting, "K1", 1.2)
        self.bonus = bonus

    def with_bonus(self, bonus: float) -> _Mode:
        mode = _Mode(None, bonus)
        mode.scored, mode.B, mode.K1 = self.scored, self.B, self.K1
        return mode


class _Segment:
    """One segment's reader with what the array path reads of it."""

    __slots__ = ("alive", "key", "offset", "reader")

    def __init__(self, reader: Any, offset: int, dead_cache: dict[tuple[str, int], IntArray]):
        self.reader = reader
        self.offset = offset
        segment = reader.segment()
        self.key = segment.segment_id() if segment is not None else str(id(reader))
        deleted = reader.deleted_docs_set
        self.alive: Callable[[IntArray], IntArray] | None = None
        if deleted:
            # A segment's deletions only grow: their count names the set.
            dead = dead_cache.get((self.key, len(deleted)))
            if dead is None:
                dead = np.fromiter(deleted, dtype=np.int64, count=len(deleted))
                dead.sort()
                if len(dead_cache) > 64:
                    dead_cache.clear()
                dead_cache[(self.key, len(deleted))] = dead
            self.alive = lambda ids: ~np.isin(ids, dead, assume_unique=True)


class ArrayRanker:
    """Evaluates compiled queries as arrays; caches decoded postings and lengths.

    One per open index; thread-safe (the caches are locked, the arrays are
    never written once made).
    """

    def __init__(self, cache_postings: int = CACHE_POSTINGS) -> None:
        self._limit = cache_postings
        self._size = 0
        self._postings: OrderedDict[tuple[str, str, bytes, bool], _Postings] = OrderedDict()
        self._lengths: dict[tuple[str, str], FloatArray] = {}
        self._dead: dict[tuple[str, int], IntArray] = {}
        self._lock = threading.Lock()

    def evaluate(
        self,
        q: wq.Query,
        searcher: Any,
        weighting: Any,
        check: Callable[[], None],
    ) -> Matches:
        """Every document matching ``q`` and its score (zeros when ``weighting`` is None).

        ``check`` is called between posting lists (the search's budget and
        cancel). Raises :class:`Unsupported` for a query Whoosh must match.
        """
        parts = [(searcher, 0)] if searcher.is_atomic() else list(searcher.subsearchers or [])
        mode = _Mode(weighting)
        avgfl: dict[str, float] = {}
        ids: list[IntArray] = []
        scores: list[FloatArray] = []
        for sub, offset in parts:
            seg = _Segment(sub.reader(), offset, self._dead)
            ctx = _Context(self, searcher, seg, check, avgfl)
            seg_ids, seg_scores = ctx.eval(q, mode)
            if seg.alive is not None and len(seg_ids):
                keep = seg.alive(seg_ids)
                seg_ids, seg_scores = seg_ids[keep], seg_scores[keep]
            ids.append(seg_ids + offset)
            scores.append(seg_scores)
        if not ids:
            return Matches(_EMPTY_IDS, _EMPTY_SCORES)
        return Matches(np.concatenate(ids), np.concatenate(scores))

    # -- caches --------------------------------------------------------------

    def postings(self, seg: _Segment, field: str, btext: bytes, values: bool) -> _Postings:
        """A term's postings in a segment, from the cache when read before.

        A list read with positions also answers a read without them; a term
        absent from the segment has an empty list (remembered too: asking the
        segment costs more than reading a short list).
        """
        with self._lock:
            for key in ((seg.key, field, btext, True), (seg.key, field, btext, values)):
                cached = self._postings.get(key)
                if cached is not None:
                    self._postings.move_to_end(key)
                    return cached
        if (field, btext) in seg.reader:
            postings = _read_postings(seg.reader, field, btext, values)
        else:
            postings = _Postings(_EMPTY_IDS, _EMPTY_SCORES, () if values else None)
        with self._lock:
            self._postings[(seg.key, field, btext, values)] = postings
            self._size += len(postings.ids)
            while self._size > self._limit and len(self._postings) > 1:
                _old, dropped = self._postings.popitem(last=False)
                self._size -= len(dropped.ids)
        return postings

    def postings_within(
        self, seg: _Segment, field: str, btext: bytes, within: IntArray
    ) -> _Postings:
        """A term's postings near ``within`` only (see :func:`_read_postings`).

        From the cache if the whole list is there; else read in part and not
        kept (a part answers no other query).
        """
        with self._lock:
            cached = self._postings.get((seg.key, field, btext, True))
        if cached is not None:
            return cached
        if (field, btext) not in seg.reader:
            return _Postings(_EMPTY_IDS, _EMPTY_SCORES, ())
        return _read_postings(seg.reader, field, btext, True, within)

    def lengths(self, seg: _Segment, field: str) -> FloatArray:
        key = (seg.key, field)
        with self._lock:
            cached = self._lengths.get(key)
        if cached is not None:
            return cached
        lengths = _read_lengths(seg.reader, field)
        with self._lock:
            self._lengths[key] = lengths
        return lengths


class _Context:
    """One segment's evaluation of one query."""

    __slots__ = ("avgfl", "check", "ranker", "seg", "top")

    def __init__(
        self,
        ranker: ArrayRanker,
        top: Any,
        seg: _Segment,
        check: Callable[[], None],
        avgfl: dict[str, float],
    ) -> None:
        self.ranker = ranker
        self.top = top
        self.avgfl = avgfl  # per field, for the whole index: one search's
        self.seg = seg
        self.check = check

    def eval(self, q: wq.Query, mode: _Mode) -> tuple[IntArray, FloatArray]:
        kind = type(q)
        if q is wq.NullQuery or kind is type(wq.NullQuery):
            return _EMPTY_IDS, _EMPTY_SCORES
        if kind is wq.Term:
            return self._term(q, mode)
        if kind is ExactBonus:
            assert isinstance(q, ExactBonus)
            return self.eval(q.child, mode.with_bonus(q.bonus))
        if kind is WordQuery or kind is wq.AndMaybe:
            return self._and_maybe(q.a, q.b, mode)
        if kind is wq.AndNot:
            ids, scores = self.eval(q.a, mode)
            if len(ids):
                not_ids, _ = self.eval(q.b, _Mode(None))
                keep = ~np.isin(ids, not_ids, assume_unique=True)
                ids, scores = ids[keep], scores[keep]
            return ids, scores
        if kind is wq.And or kind is wq.Or:
            return self._compound(q, mode)
        if kind is wq.Not:
            # Whoosh's InverseMatcher: every document of the segment the child
            # misses (deleted ones are dropped by the caller), weight 1.0.
            not_ids, _ = self.eval(q.query, _Mode(None))
            every = np.arange(self.seg.reader.doc_count_all(), dtype=np.int64)
            ids = every[~np.isin(every, not_ids, assume_unique=True)]
            return ids, np.ones(len(ids), dtype=np.float64)
        if isinstance(q, wq.Phrase) and (kind is wq.Phrase or _is_word_phrase(q)):
            return self._phrase(q, mode)
        if type(q).__name__ == "_Expanded":
            return self._expanded(q, mode)
        if isinstance(q, WrappingQuery) and type(q).__name__ == "_Budgeted":
            return self.eval(q.child, mode)
        raise Unsupported(type(q).__name__)

    # -- leaves --------------------------------------------------------------

    def _term(self, q: Any, mode: _Mode) -> tuple[IntArray, FloatArray]:
        if q.minquality:
            raise Unsupported("Term with minquality")
        ids, scores = self._word(q.fieldname, q.text, mode)
        if q.boost != 1.0 and len(scores):
            scores = scores * q.boost
        return ids, scores

    def _word(
        self, field: str, text: Any, mode: _Mode, values: bool = False
    ) -> tuple[IntArray, FloatArray]:
        btext = term_bytes(self.top.schema, field, text)
        if btext is None:
            return _EMPTY_IDS, _EMPTY_SCORES
        p = self.ranker.postings(self.seg, field, btext, values)
        self.check()
        if not len(p.ids):
            return _EMPTY_IDS, _EMPTY_SCORES
        return p.ids, self._score(field, btext, p.ids, p.weights, mode)

    def _score(
        self, field: str, btext: bytes, ids: IntArray, weights: FloatArray, mode: _Mode
    ) -> FloatArray:
        if not mode.scored:
            return np.zeros(len(ids), dtype=np.float64)
        if mode.bonus is not None:
            return mode.bonus * np.minimum(weights, 1.0)
        top = self.top
        if not top.schema[field].scorable:
            return weights
        idf = top.idf(field, btext)
        avgfl = self.avgfl.get(field)
        if avgfl is None:
            avgfl = self.avgfl[field] = top.avg_field_length(field) or 1
        fl = self.ranker.lengths(self.seg, field)[ids]
        B, K1 = mode.B, mode.K1
        # Whoosh's scoring.bm25, operation for operation (the same doubles).
        return idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))

    # -- compounds -----------------------------------------------------------

    def _and_maybe(self, a: wq.Query, b: wq.Query, mode: _Mode) -> tuple[IntArray, FloatArray]:
        ids, scores = self.eval(a, mode)
        if not len(ids):
            return ids, scores
        b_ids, b_scores = self.eval(b, mode)
        if len(b_ids):
            _, in_a, in_b = np.intersect1d(ids, b_ids, assume_unique=True, return_indices=True)
            if len(in_a):
                scores = scores.copy()
                scores[in_a] += b_scores[in_b]
        return ids, scores

    def _compound(self, q: Any, mode: _Mode) -> tuple[IntArray, FloatArray]:
        subs: Sequence[wq.Query] = q.subqueries
        if not subs:
            return _EMPTY_IDS, _EMPTY_SCORES
        if len(subs) == 1:
            # Whoosh: a compound of one subquery is that subquery's matcher,
            # its own boost dropped.
            return self.eval(subs[0], mode)
        if type(q) is wq.Or and (q.minmatch or q.scale):
            raise Unsupported("Or with minmatch or scale")
        if type(q) is wq.And:
            ids, scores = self._intersection([self.eval(sub, mode) for sub in subs])
        else:
            ids, scores = _union([self.eval(sub, mode) for sub in subs])
        if q.boost != 1.0 and len(scores):
            scores = scores * q.boost
        return ids, scores

    def _intersection(
        self, parts: list[tuple[IntArray, FloatArray]]
    ) -> tuple[IntArray, FloatArray]:
        ids = parts[0][0]
        for other, _ in parts[1:]:
            ids = np.intersect1d(ids, other, assume_unique=True)
            if not len(ids):
                return _EMPTY_IDS, _EMPTY_SCORES
        scores = np.zeros(len(ids), dtype=np.float64)
        for part_ids, part_scores in parts:
            scores += part_scores[np.searchsorted(part_ids, ids)]
        return ids, scores

    def _phrase(self, q: Any, mode: _Mode) -> tuple[IntArray, FloatArray]:
        field = q.fieldname
        schema = self.top.schema
        if field not in schema:
            return _EMPTY_IDS, _EMPTY_SCORES
        fmt = schema[field].format
        if not fmt or not fmt.supports("positions"):
            raise Unsupported("phrase on a field without positions")
        btexts: list[bytes] = []
        for word in q.words:
            btext = term_bytes(self.top.schema, field, word)
            if btext is None:
                return _EMPTY_IDS, _EMPTY_SCORES
            btexts.append(btext)
        lists = self._phrase_postings(field, btexts)
        self.check()
        if lists is None:
            return _EMPTY_IDS, _EMPTY_SCORES
        parts = [
            (p.ids, self._score(field, b, p.ids, p.weights, mode))
            for p, b in zip(lists, btexts, strict=True)
        ]
        ids, scores = self._intersection(parts)
        if not len(ids) or len(lists) == 1:
            return ids, scores * q.boost if q.boost != 1.0 else scores
        at = [np.searchsorted(p.ids, ids).tolist() for p in lists]
        values = [p.values for p in lists]
        decode = fmt.decode_positions
        slop = q.slop
        if slop == 1:
            keep = self._adjacent(values, at, decode)  # type: ignore[arg-type]
            ids, scores = ids[keep], scores[keep]
            return ids, scores * q.boost if q.boost != 1.0 else scores
        keep = np.zeros(len(ids), dtype=bool)
        for k in range(len(ids)):
            if not k & 0xFF:
                self.check()
            ends = decode(values[0][at[0][k]])  # type: ignore[index]
            for i in range(1, len(lists)):
                ends = _chain(ends, decode(values[i][at[i][k]]), slop)  # type: ignore[index]
                if not ends:
                    break
            keep[k] = bool(ends)
        ids, scores = ids[keep], scores[keep]
        if q.boost != 1.0:
            scores = scores * q.boost
        return ids, scores

    def _adjacent(
        self,
        values: list[tuple[bytes, ...]],
        at: list[list[int]],
        decode: Callable[[bytes], list[int]],
    ) -> np.ndarray:
        """Which candidates hold the words at consecutive positions (``slop=1``).

        For ``slop=1`` Whoosh's ordered span chain is exact adjacency: a match
        is a position ``p`` with word ``i`` at ``p + i`` for every ``i``, a
        set intersection in any order. Each word's positions are decoded for
        every candidate in one pass (a pickle of deltas each, accumulated in
        C), then intersected candidate by candidate.
        """
        count = len(at[0])
        decoded: list[list[list[int]]] = []
        for i, (word_values, where) in enumerate(zip(values, at, strict=True)):
            self.check()
            chosen = [word_values[j] for j in where]
            if all(v.endswith(b".") for v in chosen):
                # What decode_positions does, without its per-value checks and loop.
                decoded.append([list(accumulate(loads(v[_INT_SIZE:]))) for v in chosen])
            else:
                decoded.append([decode(v) for v in chosen])
            if i:
                decoded[i] = [[p - i for p in ps] for ps in decoded[i]]
        keep = np.zeros(count, dtype=bool)
        first, rest = decoded[0], decoded[1:]
        for k in range(count):
            found = set(first[k])
            for word in rest:
                found.intersection_update(word[k])
                if not found:
                    break
            keep[k] = bool(found)
        return keep

    def _phrase_postings(self, field: str, btexts: list[bytes]) -> list[_Postings] | None:
        """The phrase's words' postings with positions, rarest first; None if one is absent.

        A word whose blocks far outnumber the documents holding the rarer
        words together (``de`` in « valeur de retour ») is read only in the
        blocks that may hold one of them: its whole list is hundreds of
        blocks. Not kept: a word read in part is read again by the next query.
        """
        reader = self.seg.reader
        freq = [reader.doc_frequency(field, b) for b in btexts]
        lists: list[_Postings | None] = [None] * len(btexts)
        candidates: IntArray | None = None
        for i in sorted(range(len(btexts)), key=lambda i: freq[i]):
            if candidates is not None and len(candidates) * PARTIAL_READ < freq[i] / BLOCK_POSTINGS:
                p = self.ranker.postings_within(self.seg, field, btexts[i], candidates)
            else:
                p = self.ranker.postings(self.seg, field, btexts[i], True)
            if not len(p.ids):
                return None
            lists[i] = p
            candidates = (
                p.ids
                if candidates is None
                else np.intersect1d(candidates, p.ids, assume_unique=True)
            )
            if not len(candidates):
                return None
        return [p for p in lists if p is not None]

    def _expanded(self, q: Any, mode: _Mode) -> tuple[IntArray, FloatArray]:
        """A pattern's words: the union, each word's score times its weight, summed in order."""
        field = q.fieldname
        words = [
            (self.ranker.postings(self.seg, field, bytes(w), False), bytes(w), weight)
            for w, weight in zip(q.words, q.weights, strict=True)
        ]
        words = [entry for entry in words if len(entry[0].ids)]
        self.check()
        if not words:
            return _EMPTY_IDS, _EMPTY_SCORES
        every = np.concatenate([p.ids for p, _w, _x in words])
        ids = _unique(every)
        if not mode.scored:
            return ids, np.zeros(len(ids), dtype=np.float64)
        contributions = np.concatenate(
            [weight * self._score(field, b, p.ids, p.weights, mode) for p, b, weight in words]
        )
        # ufunc.at adds in the order given: word by word, as Whoosh's sum.
        total = np.zeros(len(ids), dtype=np.float64)
        np.add.at(total, np.searchsorted(ids, every), contributions)
        return ids, total


def _is_word_phrase(q: wq.Query) -> bool:
    return type(q).__name__ == "WordPhrase"


def _union(parts: list[tuple[IntArray, FloatArray]]) -> tuple[IntArray, FloatArray]:
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return _EMPTY_IDS, _EMPTY_SCORES
    if len(parts) == 1:
        return parts[0]
    ids = _unique(np.concatenate([p[0] for p in parts]))
    scores = np.zeros(len(ids), dtype=np.float64)
    for part_ids, part_scores in parts:
        scores[np.searchsorted(ids, part_ids)] += part_scores
    return ids, scores


def _chain(ends: list[int], positions: list[int], slop: int) -> list[int]:
    """One step of Whoosh's ordered ``SpanNear2`` (``mindist=1``) on one document.

    ``ends`` are where the spans matched so far end; a position extends a
    span when it comes 1 to ``slop`` words after its end (nearer overlaps,
    which Whoosh rejects). Only the ends decide what follows, so the spans'
    starts are not kept. Returns the new ends (empty: no match).
    """
    if slop == 1:
        after = set(ends)
        return [p for p in positions if p - 1 in after]
    return [p for p in positions if any(1 <= p - end <= slop for end in ends)]


def _read_postings(
    reader: Any, field: str, btext: bytes, values: bool, within: IntArray | None = None
) -> _Postings:
    """A term's postings in one segment, block by block, deleted documents included.

    ``within`` (sorted document numbers): only the blocks that may hold one
    of them are decoded (a block's header gives its last id; the previous
    block's last id bounds its first), a superset of those postings.
    """
    fmt = reader.schema[field].format
    m = reader._terms.matcher(field, btext, fmt)
    if type(m) is not W3LeafMatcher:
        id_list: list[int] = []
        weight_list: list[float] = []
        value_list: list[bytes] = []
        while m.is_active():
            id_list.append(m.id())
            weight_list.append(m.weight())
            if values:
                value_list.append(m.value())
            m.next()
        return _Postings(
            np.array(id_list, dtype=np.int64),
            np.array(weight_list, dtype=np.float64),
            tuple(value_list) if values else None,
        )
    id_blocks: list[IntArray] = []
    weight_blocks: list[FloatArray] = []
    value_blocks: list[Any] = []
    previous_max = -1
    while True:
        if within is not None:
            # The first target after the previous block: is it in this one?
            i = int(np.searchsorted(within, previous_max, side="right"))
            if i == len(within):
                break
            wanted = int(within[i]) <= m._maxid
            previous_max = m._maxid
            if not wanted:
                if m._lastblock:
                    break
                m._goto(m._nextoffset)
                continue
        m._read_data()
        deltas, weights, vals = m._data[0], m._data[1], m._data[2]
        count = m._blocklength
        block_ids = np.cumsum(np.array(deltas, dtype=np.int64))
        # Block ids are delta-encoded from the block's first id, itself a delta
        # from zero: each block restarts at 0 (see W3PostingsWriter._mini_ids).
        id_blocks.append(block_ids)
        if weights is None:
            weight_blocks.append(np.ones(count, dtype=np.float64))
        elif isinstance(weights, float):
            weight_blocks.append(np.full(count, np.float32(weights), dtype=np.float64))
        else:
            weight_blocks.append(np.array(weights, dtype=np.float32).astype(np.float64))
        if values:
            value_blocks.extend(vals)
        if m._lastblock:
            break
        m._goto(m._nextoffset)
    if not id_blocks:
        return _Postings(_EMPTY_IDS, _EMPTY_SCORES, () if values else None)
    return _Postings(
        np.concatenate(id_blocks),
        np.concatenate(weight_blocks),
        tuple(value_blocks) if values else None,
    )


def _read_lengths(reader: Any, field: str) -> FloatArray:
    """Every document's length of ``field`` in one segment (Whoosh's quantised byte)."""
    count = reader.doc_count_all()
    perdoc = reader._perdoc
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return np.ones(count, dtype=np.float64)
    raw = np.zeros(count, dtype=np.uint8)
    stored = min(column._count, count)
    if stored:
        raw[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
    return _LENGTHS[raw]


class Ranked:
    """Matching documents in rank order: score descending, then document number.

    Sorted lazily: a page needs only the best few of tens of thousands of
    matches, so :meth:`head` sorts the candidates above a partition and
    sorts everything only when ties reach past them.
    """

    __slots__ = ("_docnums", "_scores", "_sorted")

    #: Candidates taken beyond the partition, relative to the score there:
    #: a chain of ties (each step under ``tie``) this long is not expected.
    MARGIN = 1e-6

    def __init__(self, docnums: IntArray, scores: FloatArray) -> None:
        self._docnums = docnums
        self._scores = scores
        self._sorted: tuple[IntArray, FloatArray] | None = None

    def __len__(self) -> int:
        return len(self._docnums)

    def _sort(self, docnums: IntArray, scores: FloatArray) -> tuple[IntArray, FloatArray]:
        order = np.lexsort((docnums, -scores))
        return docnums[order], scores[order]

    def head(self, count: int, tie: float) -> list[tuple[int, float]]:
        """The first ``count`` (docnum, score), and every one after tied with the last.

        ``tie`` is the relative difference under which scores are equal
        (chained, as :func:`searchdesk.searcher._distinct` groups them).
        """
        n = len(self._scores)
        if self._sorted is None and 0 < count < n // 4:
            kth = float(np.partition(self._scores, n - count)[n - count])
            floor = kth - self.MARGIN * max(abs(kth), 1.0)
            pick = self._scores >= floor
            docnums, scores = self._sort(self._docnums[pick], self._scores[pick])
            end = _tie_end(scores, count, tie)
            if end < len(scores):  # the ties end inside the candidates: exact
                return list(zip(docnums[:end].tolist(), scores[:end].tolist(), strict=True))
        if self._sorted is None:
            self._sorted = self._sort(self._docnums, self._scores)
        docnums, scores = self._sorted
        end = _tie_end(scores, count, tie)
        return list(zip(docnums[:end].tolist(), scores[:end].tolist(), strict=True))


def _tie_end(scores: FloatArray, count: int, tie: float) -> int:
    """Where the first ``count`` sorted scores end, with the chain of ties after them."""
    end = min(count, len(scores))
    if 0 < end < len(scores):
        rest = scores[end - 1 :]
        a, b = rest[:-1], rest[1:]
        scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)
        broken = np.flatnonzero(np.abs(a - b) > tie * scale)
        end = end + int(broken[0]) if len(broken) else len(scores)
    return end


def facets_and_page(
    matches: Matches,
    dm: Any,
    restrict: set[int] | None,
    wanted: set[int] | None,
) -> tuple[int, dict[int, int], Ranked]:
    """Total, distinct paragraphs per source id, and the ranked matches to page through.

    Paragraphs are counted once per source by digest (collapsing); file
    records (``NO_SOURCE``) are not paragraphs. ``wanted``: the source ids
    the total and the ranking keep (None: all); facets count every source.
    """
    docnums, scores = matches.docnums, matches.scores
    if restrict is not None and len(docnums):
        allowed = np.fromiter(restrict, dtype=np.int64, count=len(restrict))  # a set: unique
        keep = np.isin(docnums, allowed, assume_unique=True)
        docnums, scores = docnums[keep], scores[keep]
    sids = _docmap_array(dm.source_ids, np.uint32)[docnums]
    keep = sids != NO_SOURCE
    docnums, scores, sids = docnums[keep], scores[keep], sids[keep]
    digests = _docmap_array(dm.digests, np.uint64)[docnums]
    # Most paragraphs are unique in the whole index: counted as they are.
    # Only those whose digest repeats somewhere (the docmap lists them) are
    # deduplicated, per source.
    copies = _docmap_array(dm.copy_digests, np.uint64)
    if len(copies) and len(digests):
        at = np.minimum(np.searchsorted(copies, digests), len(copies) - 1)
        repeated = copies[at] == digests
    else:
        repeated = np.zeros(len(digests), dtype=bool)
    width = len(dm.sources)
    counted = np.bincount(sids[~repeated].astype(np.int64), minlength=width)
    if repeated.any():
        r_sids, r_digests = sids[repeated], digests[repeated]
        order = np.lexsort((r_digests, r_sids))
        s_sorted, d_sorted = r_sids[order], r_digests[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = (s_sorted[1:] != s_sorted[:-1]) | (d_sorted[1:] != d_sorted[:-1])
        counted = counted + np.bincount(s_sorted[first].astype(np.int64), minlength=width)
    present = np.flatnonzero(counted)
    per_source = dict(zip(present.tolist(), counted[present].tolist(), strict=True))
    if wanted is not None:
        chosen = np.zeros(width, dtype=bool)
        chosen[sorted(wanted)] = True
        keep = chosen[sids]
        docnums, scores, digests, repeated = (
            docnums[keep],
            scores[keep],
            digests[keep],
            repeated[keep],
        )
    total = int((~repeated).sum()) + len(_unique(digests[repeated]))
    return total, per_source, Ranked(docnums, scores)


def _unique(values: IntArray) -> IntArray:
    """``np.unique(values)`` of a 1-d integer array: sorted, each value once.

    Not ``np.unique`` itself: without ``return_*`` it first asks whether the
    array is masked, which imports ``numpy.ma`` (10-30 ms, once per process:
    a cold query's first facets paid it).
    """
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _docmap_array(values: Any, dtype: Any) -> IntArray:
    """A docmap ``array`` seen as numpy, without a copy."""
    view = np.frombuffer(values, dtype=dtype) if len(values) else np.zeros(0, dtype=dtype)
    return view


def count_matches(per_word: list[Matches], allowed: Matches | None) -> dict[int, int]:
    """Document → how many of the words' match lists hold it (within ``allowed``)."""
    lists = [m.docnums for m in per_word if len(m.docnums)]
    if not lists:
        return {}
    docnums, counts = np.unique(np.concatenate(lists), return_counts=True)
    if allowed is not None:
        keep = np.isin(docnums, allowed.docnums, assume_unique=True)
        docnums, counts = docnums[keep], counts[keep]
    return dict(zip(docnums.tolist(), counts.tolist(), strict=True))
