"""Searching the index: parse, rank, collapse repeats, count facets, suggest.

:class:`SearchIndex` keeps the Whoosh index open for a front end and opens a
Whoosh searcher per call (one per thread, as Whoosh requires). Everything it
returns is a frozen dataclass from :mod:`searchdesk.models`; no Whoosh object
leaves this module.

Ranking is BM25F; a query of several plain words also scores, optionally, the
same words as a phrase (slop 1), so paragraphs where they stand together rank
first. Paragraphs with the same digest collapse into one hit (``also_in``).

Every search runs under a :class:`_Budget`: wildcards, prefixes, fuzzy words
and ranges expand to a bounded number of words, and the whole search to a
bounded time, polled inside the loops that do the work (expansion scans,
posting reads, the matcher the collector drives), where ``should_stop`` is
polled too. A query that outgrows its budget gets a one-line
:class:`QueryTooBroad`, not a silently truncated answer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import pickle
import re
import struct
import sys
import threading
import time
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from whoosh import index as whoosh_index
from whoosh import matching, scoring
from whoosh import query as wq
from whoosh.filedb.filestore import StorageError
from whoosh.filedb.filetables import FileFormatError
from whoosh.qparser import FieldsPlugin, FuzzyTermPlugin, QueryParser, SingleQuotePlugin
from whoosh.query.wrappers import WrappingQuery
from whoosh.reading import CorruptIndexError, ReaderClosed
from whoosh.support.levenshtein import distance

from . import docmap, store
from . import explain as explain_mod
from .analysis import FRENCH_STOP_WORDS, fold, french_analyzer, normalize, stem
from .docmap import NO_SOURCE, DocMap
from .errors import IndexDamaged, QuerySyntaxError, SearchdeskError
from .models import Chunk, Hit, IndexStats, Location, SearchResult, SourceInfo, Span
from .query import (
    AccentedUnder,
    WordPhrase,
    WordQuery,
    accented_under,
    phrase_labels,
    primary_term,
    quoted_to_exact,
    resolver,
    walk,
)
from .schema import BODY, EXACT, HEADING, file_records, make_schema, stored_chunk

#: Boost of the optional phrase clause relative to the words alone.
PHRASE_BOOST = 2.0
#: BM25F's length normalisation of ``body`` and ``exact`` (Whoosh's default is
#: 0.75): lower, a one-line synopsis or a bare heading is not preferred so
#: much to a paragraph that discusses the words (see README, "Ranking").
BODY_B = 0.5
#: BM25F's term-frequency saturation (Whoosh's default).
K1 = 1.2
#: Weight of the query's words found in the heading a paragraph is under
#: (the ``heading`` field), relative to the words in the paragraph: a
#: section titled with the words lifts its paragraphs that hold them.
HEADING_LIFT = 0.5
#: Prefixes whose accented terms are remembered (:meth:`SearchIndex._accented_under`).
UNDER_CACHE = 256
#: How a SearchIndex matches queries (see :class:`SearchIndex`).
RANKERS = ("auto", "arrays", "whoosh")
#: With ``ranker="auto"``, numpy is imported (~0.1 s) for the first query whose
#: terms have at least this many postings in all; Whoosh's matchers answer
#: shorter ones in less than that.
ARRAY_POSTINGS = 3000
#: A one-shot process (``SearchIndex(one_shot=True)``, ``searchdesk query``)
#: that has not imported numpy evaluates queries of up to this many postings
#: in plain Python (:mod:`searchdesk.ranking_py`, about 1 µs a posting), rather
#: than pay numpy's import (~0.1 s, more on a busy machine) for one search.
PY_POSTINGS = 60_000
#: At most this many other locations are listed for a collapsed hit.
MAX_ALSO_IN = 50
#: Scores this close (relative) are equal: ties are broken by place, not docnum.
SCORE_TIE = 1e-9
#: One wildcard, prefix, fuzzy word or range may match at most this many
#: index words; beyond, the query is refused as too broad (never truncated).
#: ``re*``, the broadest two-letter prefix of man-fr, matches 838.
MAX_EXPANSION = 4000
#: All the patterns of one query together match at most this many words.
MAX_EXPANSION_TOTAL = 10000
#: CPU seconds one search may take (parse, expansion, matching, hits) before
#: it stops with :class:`QueryTooBroad`; overridable per call (``time_budget``).
SEARCH_SECONDS = 3.0
#: Attempts at a read that fails while a writer commits or switches
#: generations, the marker read again before each retry.
READ_ATTEMPTS = 4
#: Pause before the n-th retry: n times this, in seconds.
RETRY_PAUSE = 0.05
#: Stands for a protected ``word*`` while Whoosh parses the query.
PLACEHOLDER = "90210424242"
#: A plain word followed by ``*`` (not inside a field name or a wildcard).
_PREFIX = re.compile(r"(^|[\s(\"])(\w+(?:['’‘ʼ]\w+)*)\*(?=$|[\s)\"])")
#: Longest query accepted (characters).
MAX_QUERY_CHARS = 2000
#: A query with more unknown words than this gets no "did you mean".
MAX_SUGGESTED_WORDS = 8
#: The last word is matched as a prefix only from this many letters on.
MIN_PREFIX_CHARS = 2

_WORD = re.compile(r"\w+(?:['’‘ʼ]\w+)*", re.UNICODE)
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
#: What reading a truncated or incomplete Whoosh index raises, or one whose
#: files a writer removed after a ``--rebuild`` (``EmptyIndexError``).
READ_ERRORS = (
    OSError,
    EOFError,
    KeyError,
    ValueError,
    IndexError,
    struct.error,
    pickle.UnpicklingError,
    zlib.error,
    whoosh_index.IndexError,
    ReaderClosed,
    CorruptIndexError,
    StorageError,
    FileFormatError,
)
#: Fields a query may name (``source:NAME``, ``path:/abs/path``, ``body:word``).
SEARCHABLE_FIELDS = {"body", "source", "path"}
_FIELD_NAME = re.compile(r"(?<![\w:])(\w+):")
_FIELD_SYNTAX = re.compile(r'\w+:(?:"[^"]*"?|\S*)')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class SearchCancelled(Exception):
    """Raised inside :meth:`SearchIndex.search` when ``should_stop`` says so."""


class QueryTooBroad(QuerySyntaxError):
    """The query matches too many words, or runs longer than its time budget.

    A subclass of :class:`QuerySyntaxError`: front ends show it as one line
    (exit 2), like any query the user has to rewrite.
    """


def _never() -> bool:
    return False


_T = TypeVar("_T")
_Postings = tuple["array[int]", "array[float]"]


class _Budget:
    """One search's limits: its time, its expanded words, the caller's cancel.

    Whoosh's loops never look at a clock, so searchdesk ticks the budget from
    the loops it controls (expansion scans, posting reads, the matcher the
    collector drives): a runaway query stops within a few hundred steps of
    its deadline or of ``should_stop`` turning True, not after it has
    finished. Time is the searching thread's CPU time: it measures the work a
    query costs, so a machine busy with other things slows a search down but
    does not make it "too broad".
    """

    __slots__ = ("_ticks", "deadline", "postings", "seconds", "should_stop", "words")

    def __init__(self, seconds: float, should_stop: Callable[[], bool] = _never) -> None:
        self.seconds = seconds
        self.deadline = time.thread_time() + seconds
        self.should_stop = should_stop
        self.words = 0
        self._ticks = 0
        #: Postings read by :class:`_Expanded` matchers, for the rest of the search
        #: (keyed by the segment reader itself: its ``id`` could be reused).
        self.postings: dict[tuple[Any, str, bytes, bool], _Postings] = {}

    def check(self) -> None:
        """Raise if the caller gave up or the time is spent."""
        if self.should_stop():
            raise SearchCancelled
        if time.thread_time() > self.deadline:
            raise QueryTooBroad(
                f"query too slow: stopped after {self.seconds:g} s of work; be more specific"
                " (fewer or longer wildcards, prefixes or fuzzy words)"
            )

    def tick(self) -> None:
        """One step of work; every 256th step checks the clock and ``should_stop``."""
        self._ticks += 1
        if not self._ticks & 0xFF:
            self.check()

    def spend_words(self, count: int) -> None:
        self.words += count
        if self.words > MAX_EXPANSION_TOTAL:
            raise QueryTooBroad(
                f"query too broad: its wildcards, prefixes and fuzzy words match more than"
                f" {MAX_EXPANSION_TOTAL} words in all; be more specific"
            )


@dataclass(eq=False)
class _Generation:
    """One opened index and its pooled searchers (dropped together on a switch)."""

    ix: Any
    marker: store.Marker
    idle: list[Any] = field(default_factory=list)


class SearchIndex:
    """An open index, ready to answer queries from any thread.

    It follows the writers of other processes: each read first compares the
    marker with the one it opened (:meth:`refresh`), and a read that fails
    because a writer switched generations under it is retried on what the
    marker names then, so callers see the old or the new index, never an
    error in between.
    """

    def __init__(self, index_dir: Path, ranker: str = "auto", one_shot: bool = False) -> None:
        """Open the index at ``index_dir``.

        ``ranker``: ``"arrays"`` evaluates queries with numpy
        (:mod:`searchdesk.ranking`), ``"whoosh"`` with Whoosh's own matchers,
        ``"auto"`` with arrays once a query's posting lists are long enough to
        repay importing numpy (:data:`ARRAY_POSTINGS`), then always. Both
        give the same results (tests/unit/test_ranking_arrays.py).

        ``one_shot``: the process searches once and exits (``searchdesk
        query``). With ``ranker="auto"``, while numpy is not imported, a query
        the arrays would answer is evaluated the same way in plain Python
        (:mod:`searchdesk.ranking_py`, up to :data:`PY_POSTINGS` postings):
        the same results (tests/unit/test_ranking_py.py) without numpy's import.
        """
        if ranker not in RANKERS:
            raise ValueError(f"ranker must be one of {RANKERS}, not {ranker!r}")
        self.index_dir = index_dir
        self.ranker = ranker
        self.one_shot = one_shot
        self._arrays: Any = None  # the ArrayRanker, made on first use
        #: Accented body terms by prefix, for one commit (key "" names it).
        self._under: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._reopening = threading.Lock()
        self._dm_lock = threading.Lock()
        self._stamp = store.marker_stamp(index_dir)
        self._current = _Generation(*_open(index_dir))
        # searchdesk's own schema, the index's (the marker vouches for the
        # version): ``ix.schema`` would read the TOC again, which a writer may
        # have removed since the index was opened.
        schema = make_schema()
        self._parser = _make_parser(schema)
        self._fields = frozenset(schema.names())
        self._dm: DocMap | None = None

    @property
    def marker(self) -> store.Marker:
        """The marker of the generation answering now."""
        return self._current.marker

    def warm(self) -> None:
        """Import the array path now (numpy: ~0.1 s), in a process that stays
        (the app, from its loading thread), rather than in the first search
        whose posting lists are long enough to need it."""
        if self.ranker == "whoosh" or self.one_shot:
            return
        with contextlib.suppress(ImportError):  # no numpy: Whoosh's matchers answer
            from . import ranking  # noqa: F401

    def close(self) -> None:
        with self._lock:
            current = self._current
            idle, current.idle = current.idle, []
        for s in idle:
            s.close()
        current.ix.close()

    def refresh(self) -> bool:
        """Reopen the index if a writer changed it since; True if it did.

        The marker is a small file, read in well under a millisecond: every
        read calls this, and a front end may call it on a timer to learn that
        the index changed (to refresh its summary and sources list). A marker
        that cannot be read or an index that cannot be opened right now keeps
        the open one answering; the error shows when a read really fails.
        """
        stamp = store.marker_stamp(self.index_dir)
        if stamp is not None and stamp == self._stamp:
            return False  # the marker verified at open is still the live one
        try:
            marker = store.read_marker(self.index_dir)
        except SearchdeskError:
            return False
        if marker == self._current.marker:
            self._stamp = stamp
            return False
        try:
            self._reopen(stamp)
        except SearchdeskError:
            return False
        return True

    def _reopen(self, stamp: tuple[int, int, int, int] | None = None) -> None:
        """Open what the marker names now and retire the pooled searchers.

        ``stamp`` is the marker's, taken before it was read: if the marker
        changes meanwhile, the next refresh sees a new stamp and reads again.
        """
        if stamp is None:
            stamp = store.marker_stamp(self.index_dir)
        with self._reopening:
            ix, marker = store.open_index(self.index_dir)
            with self._lock:
                self._stamp = stamp
                old, self._current = self._current, _Generation(ix, marker)
                idle, old.idle = old.idle, []
        for s in idle:
            s.close()

    def _read(self, fn: Callable[[Any, store.Marker], _T]) -> _T:
        """Run ``fn(searcher, marker)``; ride out a writer's switch, else say damaged.

        A writer that commits or rebuilds removes the files of the generation
        it replaces; a searcher opened just before can then fail to read
        (``EmptyIndexError``, ``FileNotFoundError``…). The marker is read
        again and the read retried a few times, briefly apart, before the
        failure is reported as a damaged index.
        """
        failure: BaseException | None = None
        for attempt in range(READ_ATTEMPTS):
            if attempt:
                time.sleep(RETRY_PAUSE * attempt)
                try:
                    self._reopen()
                except SearchdeskError as exc:
                    failure = exc
                    continue
            try:
                with self._pooled_searcher() as (s, marker):
                    return fn(s, marker)
            except READ_ERRORS as exc:
                failure = exc
        if isinstance(failure, SearchdeskError):
            raise failure
        raise IndexDamaged(
            f"the index at {self.index_dir} cannot be read ({type(failure).__name__});"
            " run `searchdesk index --rebuild DIR`"
        ) from failure

    @contextmanager
    def _pooled_searcher(self) -> Iterator[tuple[Any, store.Marker]]:
        """Borrow an open Whoosh searcher (one per thread at a time) and its marker.

        Opening a searcher opens every segment file (tens of ms on a large
        index), so searchers are pooled per generation and only refreshed
        when the index has changed since. A searcher that failed to read is
        closed, not pooled; one of a retired generation is closed on return.
        """
        self.refresh()
        with self._lock:
            current = self._current
            s = current.idle.pop() if current.idle else None
        if s is None:
            s = current.ix.searcher(weighting=_weighting())
        elif not s.up_to_date():
            s = s.refresh()
        try:
            yield s, current.marker
        except READ_ERRORS:
            s.close()
            raise
        except BaseException:
            self._give_back(current, s)
            raise
        self._give_back(current, s)

    def _give_back(self, generation: _Generation, s: Any) -> None:
        with self._lock:
            if generation is self._current:
                generation.idle.append(s)
                return
        s.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- queries -----------------------------------------------------------

    def search(
        self,
        text: str,
        *,
        limit: int = 10,
        sources: Sequence[str] = (),
        prefix_last: bool = False,
        suggest: bool = True,
        should_stop: Callable[[], bool] = _never,
        time_budget: float | None = None,
        all_words: bool = False,
    ) -> SearchResult:
        """Run one query and return ranked, collapsed hits with facets.

        Words are ANDed. When no paragraph holds every word, the paragraphs
        holding the most of them are returned instead (``matched_words`` of
        ``of_words``; see :meth:`_most_words`), unless ``all_words``.

        Args:
            text: the query in searchdesk's query language.
            limit: the most hits to return (``total`` counts them all).
            sources: keep only hits in these sources (facets ignore this).
            prefix_last: also match the last word as a prefix (search as you type).
            suggest: look for a "did you mean" when a word is unknown.
            should_stop: polled every few hundred steps, inside Whoosh's
                matching too; when it returns True the search raises
                :class:`SearchCancelled` (a newer query in the app makes this
                one useless: stop competing for the CPU).
            time_budget: seconds before the search stops with
                :class:`QueryTooBroad` (default :data:`SEARCH_SECONDS`).
            all_words: never fall back to the paragraphs holding most words:
                a query whose words no paragraph holds together finds nothing.

        Raises:
            QueryTooBroad: a pattern matches more than :data:`MAX_EXPANSION`
                words (all of them: :data:`MAX_EXPANSION_TOTAL`), or the time
                budget ran out.
        """
        started = time.perf_counter()
        budget = _Budget(SEARCH_SECONDS if time_budget is None else time_budget, should_stop)
        budget.check()
        text = normalize(text)

        def run(s: Any, marker: store.Marker) -> SearchResult:
            q = self._compile(text, prefix_last, s.reader(), budget, marker)
            suggestion = self._suggest(s, text, prefix_last, budget) if suggest else None
            result = self._run(
                s, marker, text, q, limit, tuple(sources), suggestion, started, budget
            )
            if result.total or result.facets or all_words:
                return result
            parts = _word_parts(q)
            if parts is None:
                return result
            return (
                self._most_words(
                    s, marker, text, parts, limit, tuple(sources), suggestion, started, budget
                )
                or result
            )

        return self._read(run)

    def _compile(
        self, text: str, prefix_last: bool, reader: Any, budget: _Budget, marker: store.Marker
    ) -> wq.Query:
        """Parse, then expand every pattern once, over the whole index, within the budget.

        Called again when a read is retried on another generation: what the
        previous attempt expanded and read counts for nothing (its time does).
        """
        budget.words = 0
        budget.postings.clear()
        q = self._parse(text, prefix_last, reader)
        q = _with_phrase_boost(
            q.accept(resolver(reader, self._accented_under(reader, marker))), reader
        )
        return _with_heading_lift(q.accept(_expander(reader, budget)))

    def _accented_under(self, reader: Any, marker: store.Marker) -> AccentedUnder:
        """:func:`query.accented_under`, remembered per commit.

        Scanning the lexicon under ``r`` for the accented readings of
        ``répertoire`` reads thousands of terms (tens of ms); a commit's
        lexicon never changes, so each prefix is scanned once.
        """
        scan = accented_under(reader)
        key = docmap.commit_key(marker.generation, reader)
        cache = self._under
        if cache.get("") != key:
            cache.clear()
            cache[""] = key

        def under(head: str) -> list[str]:
            found = cache.get(head)
            if not isinstance(found, list):
                found = scan(head)
                if len(cache) > UNDER_CACHE:
                    cache.clear()
                    cache[""] = key
                cache[head] = found
            return found

        return under

    def _parse(self, text: str, prefix_last: bool, reader: Any = None) -> wq.Query:
        if len(text) > MAX_QUERY_CHARS:
            raise QuerySyntaxError(
                f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})"
            )
        clean = _CONTROL.sub(" ", text)
        for m in _FIELD_NAME.finditer(clean):
            name = m.group(1)
            after = clean[m.end() : m.end() + 1]
            if name in SEARCHABLE_FIELDS and (not after or after.isspace() or after == ")"):
                raise QuerySyntaxError(f"`{name}:` needs a value, e.g. {name}:notes.txt")
            if name in self._fields and name not in SEARCHABLE_FIELDS:
                raise QuerySyntaxError(f"`{name}:` cannot be searched; use source:NAME")
        if prefix_last and reader is not None:
            clean = _with_prefix(clean, lambda word: self._is_known(reader, word))
        clean, prefixes = self._protect_prefixes(clean)
        clean = quoted_to_exact(clean)
        try:
            q = self._parser.parse(clean).normalize()
        except Exception as exc:  # whoosh's parser raises assorted errors
            raise QuerySyntaxError(f"cannot parse the query: {text!r}") from exc
        return q.accept(_fix_multiterms(prefixes))

    def _protect_prefixes(self, text: str) -> tuple[str, dict[str, str]]:
        """Take ``word*`` out of the parser's hands: it would stem the prefix.

        Stemming a partial word is meaningless (``résea`` stems to ``res``,
        a prefix of hundreds of words). Each plain ``word*`` becomes a
        placeholder number, replaced after parsing by a prefix of the
        ``exact`` field: words as written (folded), never stems.
        """
        prefixes: dict[str, str] = {}

        def protect(m: re.Match[str]) -> str:
            if text[: m.start()].count('"') % 2:
                return m.group(0)  # inside a phrase: Whoosh has no prefixes there
            folded = _folded(m.group(2))
            if len(folded) != 1:
                return m.group(0)
            if len(folded[0]) < MIN_PREFIX_CHARS:
                raise QuerySyntaxError(
                    f"prefix too short: {m.group(2)}* (at least {MIN_PREFIX_CHARS} letters)"
                )
            placeholder = f"{PLACEHOLDER}{len(prefixes):03d}"
            prefixes[placeholder] = folded[0]
            return m.group(1) + placeholder

        return _PREFIX.sub(protect, text), prefixes

    def _is_known(self, reader: Any, word: str) -> bool:
        """Is ``word`` written as a whole word in some document (accents aside)?

        Asked of the ``exact`` words (unstemmed): ``fichie`` is not a word even
        if its stem happens to be one, so it is still completed as a prefix.
        """
        folded = _folded(normalize(word))
        return len(folded) == 1 and reader.doc_frequency(EXACT, folded[0]) > 0

    def _run(
        self,
        s: Any,
        marker: store.Marker,
        text: str,
        q: wq.Query,
        limit: int,
        sources: tuple[str, ...],
        suggestion: str | None,
        started: float,
        budget: _Budget,
        restrict: set[int] | None = None,
    ) -> SearchResult:
        """Facets, total and the first ``limit`` distinct hits of ``q``.

        ``restrict``: only these documents count (the paragraphs holding the
        most words, when none holds them all).
        """
        reader = s.reader()
        if isinstance(q, type(wq.NullQuery)):
            return SearchResult(text, 0, (), {}, suggestion, _ms(started), sources)
        dm = self._docmap(s, marker)
        matched = self._evaluate_py(s, q, budget)
        arrays = None if matched is not None else self._evaluate(s, q, budget)
        if matched is not None:
            total, facets, best = self._rank_scored(matched, limit, sources, dm, reader, restrict)
        elif arrays is not None:
            total, facets, best = self._rank_arrays(
                arrays, limit, sources, dm, reader, restrict, budget
            )
        else:
            total, facets, best = self._rank_whoosh(
                s, q, limit, sources, dm, reader, restrict, budget
            )

        hits: list[Hit] = []
        if total and limit > 0:
            explainer = explain_mod.Explainer(explain_mod.plan(q, phrase_labels(text)))
            budget.check()
            for docnum, score in best():
                budget.check()
                chunk = _stored(reader, dm, docnum)
                spans, why = explainer(chunk.text)
                hits.append(
                    Hit(
                        source=chunk.source,
                        path=chunk.path,
                        line=chunk.line,
                        ordinal=chunk.ordinal,
                        heading=chunk.heading,
                        text=chunk.text,
                        score=score,
                        highlights=spans,
                        also_in=_also_in(reader, dm, docnum),
                        page=chunk.page,
                        why=why,
                    )
                )
        return SearchResult(text, total, tuple(hits), facets, suggestion, _ms(started), sources)

    def _evaluate(self, s: Any, q: wq.Query, budget: _Budget, scored: bool = True) -> Any:
        """The query's matches as arrays (:mod:`searchdesk.ranking`), or None for Whoosh's path."""
        if self.ranker == "whoosh":
            return None
        if self._arrays is None:
            if self.ranker == "auto" and _postings_count(q, s.reader()) < ARRAY_POSTINGS:
                return None
            try:
                from . import ranking
            except ImportError:  # numpy missing: Whoosh's matchers do the same work
                self.ranker = "whoosh"
                return None
            self._arrays = ranking.ArrayRanker()
        from .ranking import Unsupported

        try:
            return self._arrays.evaluate(q, s, s.weighting if scored else None, budget.check)
        except Unsupported:
            return None
        except AttributeError:
            # The array path reads Whoosh's W3 posting blocks through private
            # attributes: a Whoosh release that renames them must not break
            # searching. Its matchers give the same answers, slower.
            self.ranker = "whoosh"
            return None

    def _evaluate_py(self, s: Any, q: wq.Query, budget: _Budget) -> list[tuple[int, float]] | None:
        """In a one-shot process, what :meth:`_evaluate` would give with numpy, in
        plain Python (ascending (docnum, score)); None where it does not apply."""
        if _postings_count(q, s.reader()) < ARRAY_POSTINGS or not self._numpy_saved(s, q):
            return None  # Whoosh's matchers answer short lists; numpy repays long ones
        from . import ranking_py

        try:
            return ranking_py.evaluate(q, s, s.weighting, budget.check)
        except ranking_py.Unsupported:
            return None
        except AttributeError:
            return None  # Whoosh's private posting attributes changed (see _evaluate)

    def _numpy_saved(self, s: Any, q: wq.Query) -> bool:
        """Should this search do without numpy (a one-shot process that has not
        imported it, on posting lists short enough: :data:`PY_POSTINGS`)?"""
        if not self.one_shot or self.ranker != "auto" or _numpy_imported():
            return False  # imported already (by an earlier search): the arrays cost nothing more
        return _postings_count(q, s.reader()) <= PY_POSTINGS

    def _rank_scored(
        self,
        matched: list[tuple[int, float]],
        limit: int,
        sources: tuple[str, ...],
        dm: DocMap,
        reader: Any,
        restrict: set[int] | None,
    ) -> tuple[int, dict[str, int], Callable[[], list[tuple[int, float]]]]:
        """Total, facets and the page's best documents, from every match and its score.

        As :meth:`_rank_whoosh` for a query scored whole: facets count
        distinct digests per source, and the ranked list (score descending,
        then document number, as the arrays rank) goes to :func:`_distinct`.
        """
        if restrict is not None:
            matched = [(docnum, score) for docnum, score in matched if docnum in restrict]
        facets, total = _facets((docnum for docnum, _score in matched), sources, dm)
        src_ids, ids = dm.source_ids, dm.source_index
        wanted_ids = {ids[n] for n in sources if n in ids}
        # What the arrays rank: the wanted sources' paragraphs.
        kept = [
            m
            for m in matched
            if src_ids[m[0]] != NO_SOURCE and (not sources or src_ids[m[0]] in wanted_ids)
        ]

        def best() -> list[tuple[int, float]]:
            # Score descending, then document number: ``kept`` ascends by
            # document number and the sort is stable (reverse=True included).
            kept.sort(key=itemgetter(1), reverse=True)
            return _distinct(kept, limit, reader, dm, wanted_sources=set())

        return total, facets, best

    def _word_counts(
        self, s: Any, words: list[wq.Query], allowed: wq.Query | None, budget: _Budget
    ) -> Counter[int]:
        """How many of ``words`` each document holds (only those ``allowed`` matches).

        A one-shot process without numpy counts with Whoosh's (unscored)
        matchers up to :data:`PY_POSTINGS`, rather than import it.
        """
        per_word: list[Any] = [None]
        limit = None
        if not self._numpy_saved(s, wq.Or([*words, *([allowed] if allowed is not None else [])])):
            per_word = [self._evaluate(s, word, budget, scored=False) for word in words]
            if allowed is not None:
                limit = self._evaluate(s, allowed, budget, scored=False)
        if all(m is not None for m in per_word) and (allowed is None or limit is not None):
            from .ranking import count_matches

            return Counter(count_matches(per_word, limit))
        counts: Counter[int] = Counter()
        for word in words:
            counts.update(s.docs_for_query(_Budgeted(word, budget)))
        if allowed is not None:
            permitted = set(s.docs_for_query(_Budgeted(allowed, budget)))
            counts = Counter({d: n for d, n in counts.items() if d in permitted})
        return counts

    def _rank_arrays(
        self,
        matches: Any,
        limit: int,
        sources: tuple[str, ...],
        dm: DocMap,
        reader: Any,
        restrict: set[int] | None,
        budget: _Budget,
    ) -> tuple[int, dict[str, int], Callable[[], list[tuple[int, float]]]]:
        """Total, facets and the page's best documents, from the array path's matches."""
        from .ranking import facets_and_page

        budget.check()
        ids = dm.source_index
        wanted = {ids[name] for name in sources if name in ids}
        total, per_source, ranked = facets_and_page(
            matches, dm, restrict, wanted if sources else None
        )
        facets = dict(sorted((dm.sources[sid], n) for sid, n in per_source.items()))

        def best() -> list[tuple[int, float]]:
            return _best_of_sorted(ranked, limit, reader, dm)

        return total, facets, best

    def _rank_whoosh(
        self,
        s: Any,
        q: wq.Query,
        limit: int,
        sources: tuple[str, ...],
        dm: DocMap,
        reader: Any,
        restrict: set[int] | None,
        budget: _Budget,
    ) -> tuple[int, dict[str, int], Callable[[], list[tuple[int, float]]]]:
        """Total, facets and the page's best documents, with Whoosh's matchers."""
        # Facets and total: distinct paragraphs per source. Queries with
        # costly matchers (phrases, prefixes) are scored once, for every
        # match; plain terms are cheaper as an unscored pass plus a top-N.
        bounded = _Budgeted(q, budget)
        scored: list[tuple[int, float]] | None = None
        if _costly(q):
            scored = list(s.search(bounded, limit=None, optimize=False).items())
            if restrict is not None:
                scored = [(docnum, score) for docnum, score in scored if docnum in restrict]
            matches: Iterable[int] = (docnum for docnum, _score in scored)
        elif restrict is not None:
            matches = restrict
        else:
            matches = s.docs_for_query(bounded)
        facets, total = _facets(matches, sources, dm)
        ids = dm.source_index

        def best() -> list[tuple[int, float]]:
            if scored is not None:
                return _distinct(scored, limit, reader, dm, {ids[n] for n in sources if n in ids})
            return self._top_distinct(s, bounded, limit, sources, dm, restrict)

        return total, facets, best

    def _most_words(
        self,
        s: Any,
        marker: store.Marker,
        text: str,
        parts: _WordParts,
        limit: int,
        sources: tuple[str, ...],
        suggestion: str | None,
        started: float,
        budget: _Budget,
    ) -> SearchResult | None:
        """The paragraphs holding the most of the query's words, when none holds all.

        The words (bare words, prefixes, fuzzy words, OR groups) become
        optional; what is quoted, excluded (``NOT``) or a ``source:`` stays
        mandatory. Each word's paragraphs are read once, unscored (within the
        budget), and counted: the most words any paragraph of the wanted
        sources holds, ``k``, decides which paragraphs are shown (those with
        ``k`` words), ranked by the sum of their words' scores, as a
        coordination-ranked OR would rank them first. None if no paragraph
        holds any of the words.
        """
        words, mandatory = parts
        loose: wq.Query = wq.Or(words)
        if mandatory:
            loose = wq.And([*mandatory, loose])
        ranked = _with_heading_lift(loose)
        dm = self._docmap(s, marker)
        src_ids = dm.source_ids
        counts = self._word_counts(s, words, loose if mandatory else None, budget)
        budget.check()
        ids = dm.source_index
        wanted = {ids[name] for name in sources if name in ids}
        if sources and not wanted:
            return None
        most = max(
            (
                n
                for d, n in counts.items()
                if src_ids[d] != NO_SOURCE and (not wanted or src_ids[d] in wanted)
            ),
            default=0,
        )
        if not most:
            return None
        restrict = {d for d, n in counts.items() if n >= most and src_ids[d] != NO_SOURCE}
        result = self._run(
            s, marker, text, ranked, limit, sources, suggestion, started, budget, restrict
        )
        if not result.total:
            return None
        return dataclasses.replace(result, matched_words=most, of_words=len(words))

    def _top_distinct(
        self,
        s: Any,
        q: wq.Query,
        limit: int,
        sources: tuple[str, ...],
        dm: DocMap,
        restrict: set[int] | None = None,
    ) -> list[tuple[int, float]]:
        """The ``limit`` best documents with distinct digests (collapsing repeats).

        Whoosh's own ``collapse=`` reads a column per matching document;
        asking for a few more than ``limit`` top documents and dropping
        repeats here (digests from the docmap) is cheaper. Whoosh breaks ties
        by document number, so when the last hit ties with the last document
        asked for, others of that score may be left out: then every match is
        taken, for hits that do not depend on how the index was built.
        """
        flt: wq.Query | set[int] | None = (
            wq.Or([wq.Term("source", name) for name in sources]) if sources else None
        )
        if restrict is not None:
            flt = restrict if flt is None else restrict & set(s.docs_for_query(flt))
        # optimize=False: Whoosh's block-quality skipping costs more than it
        # saves here (measured: equal on single terms, 2-3x slower on prefixes
        # and phrases). When the first page is mostly repeats (boilerplate),
        # the second and last round takes every match: each round scores all
        # matches anyway.
        wanted: int | None = limit * 2 + 10
        while True:
            results = s.search(q, limit=wanted, filter=flt, optimize=False)
            scored = [(docnum, float(score or 0.0)) for docnum, score in results.items()]
            best = _distinct(scored, limit, s.reader(), dm, wanted_sources=set())
            if wanted is None or results.scored_length() < wanted:
                return best  # every match was seen
            if len(best) == limit and not _tied(best[-1][1], scored[-1][1]):
                return best  # every match scoring at least as high as the last hit was seen
            wanted = None

    def _docmap(self, s: Any, marker: store.Marker) -> DocMap:
        """The (source, digest) map of the searcher's commit, loaded once per commit."""
        key = docmap.commit_key(marker.generation, s.reader())
        dm = self._dm
        if dm is None or dm.key != key:
            with self._dm_lock:
                dm = self._dm
                if dm is None or dm.key != key:
                    dm = docmap.load(self.index_dir, key) or docmap.build(key, s.reader())
                    self._dm = dm
        return dm

    # -- did you mean ------------------------------------------------------

    def _suggest(self, s: Any, text: str, skip_last: bool, budget: _Budget) -> str | None:
        """The query with unknown words replaced by the closest indexed words.

        Only words that are in no paragraph (neither as written nor by their
        stem) are replaced, and never a word under ``NOT`` (« paix NOT trêve »
        must not become « paix NOT très »), nor a quoted one. With
        ``skip_last`` (search as you type) the word being typed is left alone
        while it is the beginning of some indexed word: it is matched as a
        prefix, not misspelled. Finding the closest word costs up to ~0.1 s
        on a large index: a query with more than :data:`MAX_SUGGESTED_WORDS`
        unknown words is not a typo, and gets no suggestion.
        """
        reader = s.reader()
        if EXACT not in reader.indexed_field_names():
            return None
        words_only = _FIELD_SYNTAX.sub(lambda m: " " * len(m.group()), text)
        words_only = re.sub(r'"[^"]*"?', lambda m: " " * len(m.group()), words_only)
        matches = list(_WORD.finditer(words_only))
        if skip_last and matches and not words_only[matches[-1].end() :].strip():
            folded = _folded(matches[-1].group())
            if folded and next(iter(reader.expand_prefix(EXACT, folded[0])), None) is not None:
                matches.pop()
        unknown: list[tuple[re.Match[str], str]] = []
        negated = False
        for m in matches:
            word = m.group()
            if word in _OPERATORS:
                negated = word in ("NOT", "ANDNOT")
                continue
            if negated or words_only[: m.start()].rstrip().endswith("-"):
                negated = False
                continue
            folded = _folded(word)
            if len(folded) != 1 or len(folded[0]) < 3 or not folded[0].isalpha():
                continue
            term = folded[0]
            after = words_only[m.end() : m.end() + 1]
            if after in ("*", "~") or reader.doc_frequency(EXACT, term):
                continue
            if reader.doc_frequency(BODY, stem(term)):
                continue
            unknown.append((m, term))
            if len(unknown) > MAX_SUGGESTED_WORDS:
                return None
        replacements: list[tuple[int, int, str]] = []
        for m, term in unknown:
            budget.check()
            best = self._closest_word(reader, term)
            if best is None:
                continue
            surface = self._surface_form(s, best)
            if m.group()[:1].isupper():
                surface = surface[:1].upper() + surface[1:]
            replacements.append((m.start(), m.end(), surface))
        if not replacements:
            return None
        out = text
        for start, end, surface in reversed(replacements):
            out = out[:start] + surface + out[end:]
        return out

    def _closest_word(self, reader: Any, term: str) -> str | None:
        """The indexed word nearest to ``term``: fewest edits, then most frequent.

        Stop words are never proposed (they are not searched).
        """
        for maxdist in (1, 2):
            candidates = [
                c
                for c in reader.terms_within(EXACT, term, maxdist=maxdist, prefix=1)
                if c not in FRENCH_STOP_WORDS
            ]
            if candidates:
                return max(candidates, key=lambda c: (reader.doc_frequency(EXACT, c), c))
        return None

    def _surface_form(self, s: Any, term: str) -> str:
        """How an indexed (folded) word is written in a document, accents included."""
        reader = s.reader()
        if not reader.doc_frequency(EXACT, term):
            return term
        for n, docnum in enumerate(reader.postings(EXACT, term).all_ids()):
            if n >= 20:
                break
            body = reader.stored_fields(docnum).get(BODY, "")
            for t in french_analyzer()(body, chars=True, mode="query", removestops=False):
                if fold(t.text) == term:
                    return str(body[t.startchar : t.endchar]).lower()
        return term

    def matches_in(
        self,
        path: str,
        text: str,
        *,
        prefix_last: bool = False,
        should_stop: Callable[[], bool] = _never,
        time_budget: float | None = None,
        all_words: bool = False,
    ) -> dict[int, tuple[Span, ...]]:
        """Matched words of every chunk of one document: ordinal → spans.

        Used by the detail view to highlight and jump between matches. Bounded
        like :meth:`search` (same errors). When no chunk of the document holds
        every word (and not ``all_words``), the chunks holding any of them.
        """
        budget = _Budget(SEARCH_SECONDS if time_budget is None else time_budget, should_stop)
        text = normalize(text)

        def run(s: Any, marker: store.Marker) -> dict[int, tuple[Span, ...]]:
            reader = s.reader()
            q = self._compile(text, prefix_last, reader, budget, marker)
            if isinstance(q, type(wq.NullQuery)):
                return {}
            in_path = wq.Term("path", path)
            results = s.search(_Budgeted(q, budget), limit=None, filter=in_path)
            parts = None if results or all_words else _word_parts(q)
            if parts is not None:
                words, mandatory = parts
                q = wq.And([*mandatory, wq.Or(words)]) if mandatory else wq.Or(words)
                results = s.search(_Budgeted(q, budget), limit=None, filter=in_path)
            explainer = explain_mod.Explainer(explain_mod.plan(q, phrase_labels(text)))
            found = {hit["pos"][1]: explainer(hit["body"])[0] for hit in results}
            return dict(sorted(found.items()))

        return self._read(run)

    # -- documents and summary ----------------------------------------------

    def document(self, path: str) -> list[Chunk]:
        """All chunks of one document, in order (for context and detail views)."""

        def run(s: Any, marker: store.Marker) -> list[Chunk]:
            return self._chunks(s, marker, sorted(s.document_numbers(path=path)), sort=True)

        return self._read(run)

    def neighbours(self, path: str, ordinal: int) -> tuple[Chunk | None, Chunk | None]:
        """The chunks just before and after one chunk of a document (for previews).

        A document's chunks are always written together, in order, so its
        document numbers, ascending, are its chunks by ordinal: only two
        stored documents are read, not the whole document.
        """

        def run(s: Any, marker: store.Marker) -> tuple[Chunk | None, Chunk | None]:
            docnums = sorted(s.document_numbers(path=path))
            wanted = [n for n in (ordinal - 1, ordinal + 1) if 0 <= n < len(docnums)]
            found = {c.ordinal: c for c in self._chunks(s, marker, [docnums[n] for n in wanted])}
            if any(n not in found for n in wanted):  # not in order after all
                found = {c.ordinal: c for c in self._chunks(s, marker, docnums)}
            return found.get(ordinal - 1), found.get(ordinal + 1)

        return self._read(run)

    def _chunks(
        self, s: Any, marker: store.Marker, docnums: Iterable[int], sort: bool = False
    ) -> list[Chunk]:
        reader = s.reader()
        dm = self._docmap(s, marker)
        chunks = [_stored(reader, dm, n) for n in docnums]
        return sorted(chunks, key=lambda c: c.ordinal) if sort else chunks

    def sources(self) -> list[SourceInfo]:
        """Every indexed document with its title, sorted by source."""

        def run(s: Any, marker: store.Marker) -> list[SourceInfo]:
            return [
                SourceInfo(
                    f["file_meta"]["source"],
                    f["file_path"],
                    f["file_meta"]["title"],
                    f["file_meta"]["paragraphs"],
                )
                for f in file_records(s)
            ]

        return sorted(self._read(run), key=lambda i: i.source)

    def file_path(self, path: str) -> str | None:
        """The real file-system path of an indexed document (undecodable bytes intact)."""

        def run(s: Any, marker: store.Marker) -> str | None:
            f = s.document(file_path=path)
            return None if f is None else str(f["file_meta"]["fspath"])

        return self._read(run)

    def stats(self) -> IndexStats:
        """What the open generation holds (the marker's last update is of that generation)."""

        def run(s: Any, marker: store.Marker) -> IndexStats:
            reader = s.reader()
            records = list(file_records(s))
            dm = self._docmap(s, marker)
            distinct = {
                d for sid, d in zip(dm.source_ids, dm.digests, strict=True) if sid != NO_SOURCE
            }
            return IndexStats(
                files=len(records),
                paragraphs=sum(f["file_meta"]["paragraphs"] for f in records),
                distinct_paragraphs=len(distinct),
                terms=sum(1 for _ in reader.lexicon(BODY)),
                size_bytes=store.size_on_disk(self.index_dir, marker.generation),
                last_update=marker.last_update,
            )

        return self._read(run)


def search(index_dir: Path, text: str, **kwargs: Any) -> SearchResult:
    """Open the index, run one query, close it (see :meth:`SearchIndex.search`)."""
    with SearchIndex(index_dir) as ix:
        return ix.search(text, **kwargs)


def _open(index_dir: Path) -> tuple[Any, store.Marker]:
    """:func:`store.open_index`, tried again if a writer switched generations under it.

    Between reading the marker and opening the files it names, a ``--rebuild``
    can remove them; the next try reads the new marker. An index that stays
    unreadable is reported as damaged after a fraction of a second.
    """
    for attempt in range(1, READ_ATTEMPTS):
        try:
            return store.open_index(index_dir)
        except IndexDamaged:
            time.sleep(RETRY_PAUSE * attempt)
    return store.open_index(index_dir)


def _make_parser(schema: Any) -> QueryParser:
    parser = QueryParser(BODY, schema)
    # French apostrophes (l'article) must not start single-quoted terms.
    parser.remove_plugin_class(SingleQuotePlugin)
    # "Kyiv: la ville" is text, not a search in a field named Kyiv.
    parser.remove_plugin_class(FieldsPlugin)
    parser.add_plugin(FieldsPlugin(remove_unknown=True))
    parser.add_plugin(FuzzyTermPlugin())
    return parser


def _with_prefix(text: str, is_known: Callable[[str], bool]) -> str:
    """Match the last plain word as a prefix while it is not a word of the index.

    ``négoc`` becomes ``négoc*``; ``négociations``, a known word, stays as it
    is (an exact term scores better, and is much faster than a prefix).
    """
    m = re.search(r"(^|[\s(])([^\s\"():*~^]+)$", text)
    if m is None or text.count('"') % 2:
        return text
    word = m.group(2)
    if (
        word in _OPERATORS
        or ":" in word
        or len(word) < MIN_PREFIX_CHARS
        or not _WORD.fullmatch(word)
    ):
        return text
    if is_known(word):
        return text
    return text[: m.start(2)] + f"{word}*"


def _with_phrase_boost(q: wq.Query, reader: Any) -> wq.Query:
    """Score the words of a plain multi-word query also as a phrase (optional)."""
    if (
        isinstance(q, wq.And)
        and all(isinstance(sub, WordQuery) and sub.plan for sub in q.subqueries)
        and len(q.subqueries) > 1
    ):
        words = [primary_term(sub.plan.label, reader) for sub in q.subqueries if sub.plan]
        phrase = wq.Phrase(BODY, words, slop=1, boost=PHRASE_BOOST)
        return wq.AndMaybe(q, phrase)
    return q


#: The words of a query (optional when no paragraph holds them all) and its
#: mandatory parts (quoted, ``NOT``, ``source:``).
_WordParts = tuple[list[wq.Query], list[wq.Query]]


def _word_parts(q: wq.Query) -> _WordParts | None:
    """Split a query of ANDed parts into its words and its mandatory parts.

    None when it is not an AND of two words or more (one word, a phrase, an
    OR at the top). The optional phrase clause of a plain multi-word query
    (:func:`_with_phrase_boost`) is dropped: its words are never all together.
    """
    while type(q) is wq.AndMaybe:  # the optional phrase and heading clauses
        q = q.a
    if type(q) is not wq.And:
        return None
    words: list[wq.Query] = []
    mandatory: list[wq.Query] = []
    for sub in q.subqueries:
        (words if _is_word(sub) else mandatory).append(sub)
    if len(words) < 2:
        return None
    return words, mandatory


def _is_word(q: wq.Query) -> bool:
    """A part the user typed as a word: bare, split (``cessez-le-feu``), a
    pattern (prefix, fuzzy, wildcard, even one matching nothing), or an OR group."""
    if isinstance(q, (WordQuery, WordPhrase, _Expanded, wq.MultiTerm)):
        return True
    if q is wq.NullQuery:
        return True
    return type(q) is wq.Or


def _weighting() -> scoring.WeightingModel:
    """BM25F with searchdesk's parameters (a new object per searcher: it is cheap)."""
    return scoring.BM25F(B=BODY_B, K1=K1)


def _with_heading_lift(q: wq.Query) -> wq.Query:
    """Also score the query's bare words in the heading a paragraph is under (optional).

    Only bare words (not what ``NOT`` excludes, not quoted words or
    patterns) are looked up in ``heading``, with the same stems as in
    ``body``, weighed :data:`HEADING_LIFT`; only for two words or more: the
    lift costs a second matcher on every paragraph of a single word
    (``fichier`` on man-fr: twice the time), where ANDed words have few.
    """
    lifts: list[wq.Query] = []

    def to_heading(node: wq.Query) -> wq.Query:
        if type(node) is wq.Term and node.fieldname == BODY:
            return wq.Term(HEADING, node.text, boost=node.boost)
        return node.apply(to_heading)

    for node in walk(q):
        if isinstance(node, WordQuery):
            lifts.append(to_heading(node.a))
    if len(lifts) < 2:
        return q
    lift = lifts[0] if len(lifts) == 1 else wq.Or(lifts)
    return wq.AndMaybe(q, wq.Or([lift], boost=HEADING_LIFT))


def _costly(q: wq.Query) -> bool:
    """Does the query hold a phrase or a multi-term (prefix, fuzzy) part?

    Whoosh evaluates those slowly (positions, many postings): better once,
    scored, than twice (an unscored pass for facets, then a top-N).
    """
    if isinstance(q, (wq.Phrase, wq.MultiTerm)):
        return True
    return any(_costly(child) for child in q.children())


def _facets(
    matches: Iterable[int], sources: tuple[str, ...], dm: DocMap
) -> tuple[dict[str, int], int]:
    """Distinct paragraphs (digests) per source of ``matches``, and in all of
    ``sources`` (every source when none is given): the facets and the total."""
    src_ids, digests = dm.source_ids, dm.digests
    per_source: dict[int, set[int]] = defaultdict(set)
    for docnum in matches:
        sid = src_ids[docnum]
        if sid != NO_SOURCE:
            per_source[sid].add(digests[docnum])
    facets = dict(sorted((dm.sources[sid], len(d)) for sid, d in per_source.items()))
    ids = dm.source_index
    if sources:
        wanted = [per_source.get(ids[name], set()) for name in sources if name in ids]
    else:
        wanted = list(per_source.values())
    return facets, len(set().union(*wanted)) if wanted else 0


def _distinct(
    scored: list[tuple[int, float]],
    limit: int,
    reader: Any,
    dm: DocMap,
    wanted_sources: set[int],
) -> list[tuple[int, float]]:
    """The first ``limit`` scored documents with distinct digests, in the sources.

    ``scored`` is in decreasing score order. Document numbers follow the
    segments, which depend on how the index was built (worker processes,
    file order, merges), so they decide nothing: documents of equal score
    (:func:`_tied`) are ranked by place (source, line), and a repeated
    paragraph is represented by its first place among ``scored``.
    """
    seen: set[int] = set()
    best: list[tuple[int, float]] = []
    start = 0
    while start < len(scored) and len(best) < limit:
        groups: dict[int, list[int]] = {}
        end = start
        while end < len(scored) and (end == start or _tied(scored[end - 1][1], scored[end][1])):
            docnum = scored[end][0]
            end += 1
            sid = dm.source_ids[docnum]
            if sid == NO_SOURCE or (wanted_sources and sid not in wanted_sources):
                continue  # a file record (``NOT x`` matches them too), or another source
            digest = dm.digests[docnum]
            if digest not in seen:
                groups.setdefault(digest, []).append(docnum)
        seen.update(groups)
        firsts = [_first_places(group, reader, dm, 1)[0] for group in groups.values()]
        scores = dict(scored[start:end])
        start = end
        for docnum in _first_places(firsts, reader, dm, limit - len(best)):
            best.append((docnum, float(scores[docnum] or 0.0)))
    return best


def _best_of_sorted(ranked: Any, limit: int, reader: Any, dm: DocMap) -> list[tuple[int, float]]:
    """The first ``limit`` distinct documents of ``ranked`` (:class:`ranking.Ranked`).

    Like :meth:`SearchIndex._top_distinct`: a few more than ``limit`` first
    (with every document tied with the last of them), more when the page is
    mostly repeats.
    """
    wanted = limit * 2 + 10
    while True:
        head = ranked.head(wanted, SCORE_TIE)
        best = _distinct(head, limit, reader, dm, wanted_sources=set())
        if len(best) == limit or len(head) == len(ranked):
            return best
        wanted *= 4


def _postings_count(q: wq.Query, reader: Any) -> int:
    """How many postings the query's terms have (a cheap estimate of its work)."""
    if isinstance(q, wq.Term):
        return int(reader.doc_frequency(q.fieldname, q.text))
    if isinstance(q, _Expanded):
        return sum(int(reader.doc_frequency(q.fieldname, w)) for w in q.words)
    if isinstance(q, wq.Phrase):
        return sum(int(reader.doc_frequency(q.fieldname, w)) for w in q.words)
    return sum(_postings_count(child, reader) for child in q.children())


def _numpy_imported() -> bool:
    return "numpy" in sys.modules


def _tied(a: float, b: float) -> bool:
    """Equal scores, but for rounding: Whoosh orders the sub-matchers of an AND
    by their size in each segment, so the same paragraph may score a few ulps
    apart in two segments (and so in two builds)."""
    return abs(a - b) <= SCORE_TIE * max(abs(a), abs(b), 1.0)


def _first_places(docnums: Sequence[int], reader: Any, dm: DocMap, count: int) -> list[int]:
    """The ``count`` first of ``docnums`` by place (source, path, line, ordinal), in order.

    The docmap orders files; stored lines are read only to order documents
    of one file.
    """
    if len(docnums) == 1:
        return list(docnums[:count])  # the common case: a paragraph that does not repeat
    by_file = sorted(docnums, key=lambda d: dm.files[dm.file_ids[d]])
    if len(by_file) > count:
        end = count
        boundary = dm.files[dm.file_ids[by_file[end - 1]]]
        while end < len(by_file) and dm.files[dm.file_ids[by_file[end]]] == boundary:
            end += 1
        by_file = by_file[:end]
    per_file = Counter(dm.file_ids[d] for d in by_file)

    def place(d: int) -> tuple[str, str, int, int]:
        source, path = dm.files[dm.file_ids[d]]
        if per_file[dm.file_ids[d]] == 1:
            return source, path, 0, 0
        pos = reader.stored_fields(d)["pos"]
        return source, path, pos[0], pos[1]

    return sorted(by_file, key=place)[:count]


def _within(candidates: Iterable[tuple[bytes, str]], text: str, maxdist: int) -> Iterator[bytes]:
    """The candidate terms within ``maxdist`` edits of ``text``.

    A length test first (an edit changes the length by one at most): most
    candidates are skipped without computing a distance.
    """
    size = len(text)
    for btext, word in candidates:
        if abs(len(word) - size) <= maxdist and distance(word, text, limit=maxdist) <= maxdist:
            yield btext


def _fix_multiterms(prefixes: dict[str, str]) -> Callable[[wq.Query], wq.Query]:
    """Prefixes match words as written (``exact``), never stems."""

    def fix(q: wq.Query) -> wq.Query:
        if type(q) is wq.Term and q.fieldname == BODY and q.text in prefixes:
            return wq.Prefix(EXACT, prefixes[q.text], boost=q.boost)
        if type(q) is wq.Prefix and q.fieldname == BODY:
            text = fold(q.text)
            if len(text) < MIN_PREFIX_CHARS:
                raise QuerySyntaxError(f"prefix too short: {q.text}* (at least 2 letters)")
            return wq.Prefix(EXACT, text, boost=q.boost)
        return q

    return fix


def _folded(word: str) -> list[str]:
    """The folded, unstemmed words of one query word (stop words kept)."""
    return [fold(t.text) for t in french_analyzer()(word, mode="query", removestops=False)]


# -- bounded expansion and matching -------------------------------------------


class _TickingReader:
    """An index reader whose term scans tick the budget.

    Whoosh's wildcards and ranges scan the term list (``*x*``: all of it)
    without ever looking at a clock; handing them this reader makes each
    scanned term one step of the search's budget.
    """

    def __init__(self, reader: Any, budget: _Budget) -> None:
        self._reader = reader
        self._budget = budget

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)

    def __contains__(self, term: object) -> bool:
        return term in self._reader

    def _ticking(self, items: Iterable[_T]) -> Iterator[_T]:
        tick = self._budget.tick
        for item in items:
            tick()
            yield item

    def lexicon(self, fieldname: str) -> Iterator[bytes]:
        return self._ticking(self._reader.lexicon(fieldname))

    def expand_prefix(self, fieldname: str, prefix: Any) -> Iterator[bytes]:
        return self._ticking(self._reader.expand_prefix(fieldname, prefix))

    def terms_from(self, fieldname: str, prefix: Any) -> Iterator[tuple[str, bytes]]:
        return self._ticking(self._reader.terms_from(fieldname, prefix))

    def all_terms(self) -> Iterator[tuple[str, bytes]]:
        return self._ticking(self._reader.all_terms())


def _expander(reader: Any, budget: _Budget) -> Callable[[wq.Query], wq.Query]:
    """Replace each pattern of a query by the words it matches (:class:`_Expanded`).

    Expanding once, over the whole index, lets the caps count words of the
    index (not of one segment), and lets matching and highlighting reuse the
    list. Bare ``*`` (Whoosh's ``Every``) is refused outright: it would read
    the postings of every word.

    Fuzzy words are expanded over the field's own terms (Whoosh would use the
    spelling words of ``body``, unstemmed, which never match it), scanning
    the terms that share their first letter once per query, not once per
    fuzzy word.
    """
    ticking = _TickingReader(reader, budget)
    scanned: dict[tuple[str, str], list[tuple[bytes, str]]] = {}

    def candidates(fieldname: str, prefix: str) -> list[tuple[bytes, str]]:
        if (fieldname, prefix) not in scanned:
            from_bytes = reader.schema[fieldname].from_bytes
            scanned[fieldname, prefix] = [
                (btext, from_bytes(btext)) for btext in ticking.expand_prefix(fieldname, prefix)
            ]
        return scanned[fieldname, prefix]

    def expand(q: wq.Query) -> wq.Query:
        if type(q) is wq.Or and not q.scale and not q.minmatch:
            return _merge_patterns(q)
        if isinstance(q, wq.Every):
            raise QueryTooBroad("query too broad: `*` matches every word; be more specific")
        if not isinstance(q, wq.MultiTerm) or isinstance(q, _Expanded):
            return q
        fieldname = q.field()
        if fieldname not in reader.schema:
            return wq.NullQuery
        label = _label(q)
        if isinstance(q, wq.FuzzyTerm):
            prefix = q.text[: max(q.prefixlength, 1)]
            words: Iterable[bytes] = _within(candidates(fieldname, prefix), q.text, q.maxdist)
        else:
            words = q._btexts(ticking)
        found: set[bytes] = set()
        for word in words:
            budget.tick()
            found.add(word)
            if len(found) > MAX_EXPANSION:
                raise QueryTooBroad(
                    f"query too broad: `{label}` matches more than {MAX_EXPANSION} words;"
                    " be more specific"
                )
        budget.spend_words(len(found))
        if not found:
            return wq.NullQuery
        words = tuple(sorted(found))
        return _Expanded(fieldname, words, (q.boost,) * len(words), label, budget)

    return expand


def _label(q: wq.Query) -> str:
    """A pattern as the user wrote it, short enough for a one-line message."""
    text = str(q)
    for name in (BODY, EXACT):
        if text.startswith(f"{name}:"):
            text = text[len(name) + 1 :]
    text = _CONTROL.sub(" ", text.replace("\n", " "))
    return text if len(text) <= 40 else text[:39] + "…"


class _Expanded(wq.MultiTerm):
    """A pattern's words, found once per search, matched in one pass per segment.

    Whoosh ORs the words of a pattern as a tree of union matchers whose cost
    per match grows with the number of words (``re*`` on man-fr: 838 words,
    11 s). Here each segment's postings of the words are read once into one
    sorted list of documents with summed scores (the same BM25F sum as the
    union), which costs time linear in the postings, ticked against the
    budget. ``weights`` are the words' boosts: patterns ORed together merge
    into one (:func:`_merge_patterns`), a word they share counting once per
    pattern, as in the union.
    """

    def __init__(
        self,
        fieldname: str,
        words: tuple[bytes, ...],
        weights: tuple[float, ...],
        label: str,
        budget: _Budget,
    ) -> None:
        self.fieldname = fieldname
        self.words = words
        self.weights = weights
        self.text = label
        self.boost = 1.0
        self.budget = budget

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is _Expanded
            and self.fieldname == other.fieldname
            and self.words == other.words
            and self.weights == other.weights
        )

    def __hash__(self) -> int:
        return hash((self.fieldname, self.words, self.weights))

    def __repr__(self) -> str:
        return f"_Expanded({self.fieldname!r}, {self.text!r}, {len(self.words)} words)"

    def __str__(self) -> str:
        return f"{self.fieldname}:{self.text}"

    def _btexts(self, ixreader: Any) -> Iterable[bytes]:
        return self.words

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        reader = searcher.reader()
        fieldname = self.fieldname
        present = [
            (word, weight)
            for word, weight in zip(self.words, self.weights, strict=True)
            if (fieldname, word) in reader
        ]
        if context is not None and context.weighting is None:  # unscored (facets)
            docs: set[int] = set()
            for word, _weight in present:
                docs.update(self._postings(searcher, word, None)[0])
            return matching.ListMatcher(sorted(docs)) if docs else matching.NullMatcher()
        weighting = context.weighting if context is not None else searcher.weighting
        scores: dict[int, float] = defaultdict(float)
        for word, weight in present:
            word_ids, word_scores = self._postings(searcher, word, weighting)
            for docnum, score in zip(word_ids, word_scores, strict=True):
                scores[docnum] += weight * score
        if not scores:
            return matching.NullMatcher()
        docnums = sorted(scores)
        return matching.ListMatcher(docnums, weights=[scores[d] for d in docnums])

    def _postings(self, searcher: Any, word: bytes, weighting: Any) -> _Postings:
        """One word's documents in a segment and, with ``weighting``, their scores.

        Kept for the rest of the search: patterns ANDed together often share
        words (``mot1~2 mot2~2``: ``mot`` in both).
        """
        key = (searcher.reader(), self.fieldname, word, weighting is not None)
        cached = self.budget.postings.get(key)
        if cached is not None:
            return cached
        tick = self.budget.tick
        ids: array[int] = array("l")
        scores: array[float] = array("d")
        if weighting is None:
            for docnum in searcher.reader().postings(self.fieldname, word).all_ids():
                tick()
                ids.append(docnum)
        else:
            m = searcher.postings(self.fieldname, word, weighting=weighting)
            while m.is_active():
                tick()
                ids.append(m.id())
                scores.append(m.score())
                m.next()
        self.budget.postings[key] = ids, scores
        return ids, scores


def _merge_patterns(q: wq.Or) -> wq.Query:
    """One :class:`_Expanded` per field for the patterns of an OR.

    ``mot1~2 OR mot2~2 OR …`` would otherwise read the postings of their
    shared words once per pattern and union the lists in a tree as deep as
    the patterns are many (150 fuzzy words: seconds for a few thousand
    matches).
    """
    by_field: dict[str, list[_Expanded]] = defaultdict(list)
    others: list[wq.Query] = []
    for sub in q.subqueries:
        if isinstance(sub, _Expanded):
            by_field[sub.fieldname].append(sub)
        else:
            others.append(sub)
    if q.boost != 1.0 or all(len(group) < 2 for group in by_field.values()):
        return q
    for fieldname, group in by_field.items():
        weights: dict[bytes, float] = defaultdict(float)
        for pattern in group:
            for word, weight in zip(pattern.words, pattern.weights, strict=True):
                weights[word] += weight
        words = tuple(sorted(weights))
        label = " OR ".join(p.text for p in group)
        merged = _Expanded(
            fieldname, words, tuple(weights[w] for w in words), label, group[0].budget
        )
        others.append(merged)
    if len(others) == 1:
        return others[0]
    return wq.Or(others)


class _Budgeted(WrappingQuery):
    """A query whose matcher ticks the budget at every step the collector takes."""

    def __init__(self, child: wq.Query, budget: _Budget) -> None:
        super().__init__(child)
        self.budget = budget

    def _rewrap(self, child: wq.Query) -> _Budgeted:
        return _Budgeted(child, self.budget)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        return _BudgetMatcher(self.child.matcher(searcher, context), self.budget)


class _BudgetMatcher(matching.WrappingMatcher):
    """Ticks the budget on each move, so a long match or collect can be stopped."""

    def __init__(self, child: Any, budget: _Budget) -> None:
        super().__init__(child)
        self.budget = budget

    def _replacement(self, newchild: Any) -> _BudgetMatcher:
        return _BudgetMatcher(newchild, self.budget)

    def copy(self) -> _BudgetMatcher:
        return _BudgetMatcher(self.child.copy(), self.budget)

    def next(self) -> Any:
        self.budget.tick()
        return self.child.next()

    def skip_to(self, docnum: int) -> Any:
        self.budget.tick()
        return self.child.skip_to(docnum)

    def all_ids(self) -> Iterator[int]:
        tick = self.budget.tick
        for docnum in self.child.all_ids():
            tick()
            yield docnum


def _stored(reader: Any, dm: DocMap, docnum: int) -> Chunk:
    source, path = dm.files[dm.file_ids[docnum]]
    return stored_chunk(reader.stored_fields(docnum), source, path, dm.digests[docnum])


def _also_in(reader: Any, dm: DocMap, docnum: int) -> tuple[Location, ...]:
    """The other places of a repeated paragraph: the first :data:`MAX_ALSO_IN` by place."""
    others = [other for other in dm.copies(dm.digests[docnum]) if other != docnum]
    locations: list[Location] = []
    for other in _first_places(others, reader, dm, MAX_ALSO_IN):
        source, path = dm.files[dm.file_ids[other]]
        pos = reader.stored_fields(other)["pos"]
        locations.append(Location(source, path, pos[0], pos[4]))
    return tuple(locations)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
