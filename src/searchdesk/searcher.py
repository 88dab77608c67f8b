"""Searching the index: parse, rank, collapse repeats, count facets, suggest.

:class:`SearchIndex` keeps the Whoosh index open for a front end and opens a
Whoosh searcher per call (one per thread, as Whoosh requires). Everything it
returns is a frozen dataclass from :mod:`searchdesk.models`; no Whoosh object
leaves this module.

Ranking is BM25F; a query of several plain words also scores, optionally, the
same words as a phrase (slop 1), so paragraphs where they stand together rank
first. Paragraphs with the same digest collapse into one hit (``also_in``).
"""

from __future__ import annotations

import pickle
import re
import struct
import threading
import time
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import query as wq
from whoosh.qparser import FieldsPlugin, FuzzyTermPlugin, QueryParser, SingleQuotePlugin
from whoosh.reading import IndexReader

from . import docmap, store
from .analysis import french_analyzer, normalize, stem
from .docmap import NO_SOURCE, DocMap
from .errors import IndexDamaged, QuerySyntaxError, SearchdeskError
from .highlight import match_spans
from .models import Chunk, Hit, IndexStats, Location, SearchResult, SourceInfo, Span
from .schema import file_records, stored_chunk

BODY = "body"
SPELL = "spell_body"
#: Boost of the optional phrase clause relative to the words alone.
PHRASE_BOOST = 2.0
#: At most this many other locations are listed for a collapsed hit.
MAX_ALSO_IN = 50
#: A prefix expands to at most this many terms (the most frequent).
MAX_PREFIX_TERMS = 128
#: Stands for a protected ``word*`` while Whoosh parses the query.
PLACEHOLDER = "90210424242"
#: A plain word followed by ``*`` (not inside a field name or a wildcard).
_PREFIX = re.compile(r"(^|[\s(\"])(\w+(?:['’‘ʼ]\w+)*)\*(?=$|[\s)\"])")
#: Longest query accepted (characters).
MAX_QUERY_CHARS = 2000
#: The last word is matched as a prefix only from this many letters on.
MIN_PREFIX_CHARS = 2

_WORD = re.compile(r"\w+(?:['’‘ʼ]\w+)*", re.UNICODE)
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
#: What reading a truncated or incomplete Whoosh index raises.
READ_ERRORS = (
    OSError,
    EOFError,
    KeyError,
    ValueError,
    IndexError,
    struct.error,
    pickle.UnpicklingError,
    zlib.error,
)
#: Fields a query may name (``source:NAME``, ``path:/abs/path``, ``body:word``).
SEARCHABLE_FIELDS = {"body", "source", "path"}
_FIELD_NAME = re.compile(r"(?<![\w:])(\w+):")
_FIELD_SYNTAX = re.compile(r'\w+:(?:"[^"]*"?|\S*)')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class SearchCancelled(Exception):
    """Raised inside :meth:`SearchIndex.search` when ``should_stop`` says so."""


def _never() -> bool:
    return False


class SearchIndex:
    """An open index, ready to answer queries from any thread."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._ix, self.marker = store.open_index(index_dir)
        self._analyzer = french_analyzer()
        self._parser = _make_parser(self._ix.schema)
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._dm: DocMap | None = None

    def close(self) -> None:
        with self._lock:
            for s in self._idle:
                s.close()
            self._idle.clear()
        self._ix.close()

    def _follow_rebuild(self) -> None:
        """Switch to the new generation after a ``--rebuild`` by another process.

        The marker is a small file: reading it per search costs well under a
        millisecond, and a long-running app keeps working across rebuilds.
        """
        try:
            marker = store.read_marker(self.index_dir)
        except SearchdeskError:
            return  # keep answering from what is open; the next read may fail
        if marker.generation == self.marker.generation:
            return
        ix, marker = store.open_index(self.index_dir)
        with self._lock:
            old, self._idle = self._idle, []
            self._ix, self.marker, self._dm = ix, marker, None
        for s in old:
            s.close()

    @contextmanager
    def _searcher(self) -> Iterator[Any]:
        """A pooled searcher; read failures become one-line :class:`IndexDamaged`."""
        try:
            with self._pooled_searcher() as s:
                yield s
        except READ_ERRORS as exc:
            raise IndexDamaged(
                f"the index at {self.index_dir} cannot be read ({type(exc).__name__});"
                " run `searchdesk index --rebuild DIR`"
            ) from exc

    @contextmanager
    def _pooled_searcher(self) -> Iterator[Any]:
        """Borrow an open Whoosh searcher (one per thread at a time).

        Opening a searcher opens every segment file (tens of ms on a large
        index), so searchers are pooled and only refreshed when the index
        has changed since.
        """
        self._follow_rebuild()
        with self._lock:
            s = self._idle.pop() if self._idle else None
            ix = self._ix
        if s is None:
            s = ix.searcher()
        elif not s.up_to_date():
            s = s.refresh()
        try:
            yield s
        finally:
            with self._lock:
                self._idle.append(s)

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
    ) -> SearchResult:
        """Run one query and return ranked, collapsed hits with facets.

        Args:
            text: the query in searchdesk's query language.
            limit: the most hits to return (``total`` counts them all).
            sources: keep only hits in these sources (facets ignore this).
            prefix_last: also match the last word as a prefix (search as you type).
            suggest: look for a "did you mean" when a word is unknown.
            should_stop: polled between stages; when it returns True the
                search raises :class:`SearchCancelled` (a newer query in the
                app makes this one useless: stop competing for the CPU).
        """
        started = time.perf_counter()
        text = normalize(text)
        with self._searcher() as s:
            q = self._parse(text, prefix_last, s.reader())
            suggestion = self._suggest(s, text, skip_last=prefix_last) if suggest else None
            return self._run(s, text, q, limit, tuple(sources), suggestion, started, should_stop)

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
            if name in self._ix.schema.names() and name not in SEARCHABLE_FIELDS:
                raise QuerySyntaxError(f"`{name}:` cannot be searched; use source:NAME")
        if prefix_last and reader is not None:
            clean = _with_prefix(clean, lambda word: self._is_known(reader, word))
        clean, prefixes = self._protect_prefixes(clean)
        try:
            q = self._parser.parse(clean).normalize()
        except Exception as exc:  # whoosh's parser raises assorted errors
            raise QuerySyntaxError(f"cannot parse the query: {text!r}") from exc
        return _with_phrase_boost(q.accept(_fix_multiterms(prefixes)))

    def _protect_prefixes(self, text: str) -> tuple[str, dict[str, str]]:
        """Take ``word*`` out of the parser's hands: it would stem the prefix.

        Stemming a partial word is meaningless (``résea`` stems to ``res``,
        a prefix of hundreds of words). Each plain ``word*`` becomes a
        placeholder number, replaced after parsing by a :class:`_BodyPrefix`
        on the folded, unstemmed word.
        """
        prefixes: dict[str, str] = {}

        def protect(m: re.Match[str]) -> str:
            if text[: m.start()].count('"') % 2:
                return m.group(0)  # inside a phrase: Whoosh has no prefixes there
            folded = [t.text for t in self._analyzer(m.group(2), no_morph=True)]
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

        Asked of the spelling words (unstemmed): ``fichie`` is not a word even
        if its stem happens to be one, so it is still completed as a prefix.
        """
        folded = [t.text for t in self._analyzer(normalize(word), no_morph=True)]
        return len(folded) == 1 and reader.doc_frequency(SPELL, folded[0]) > 0

    def _run(
        self,
        s: Any,
        text: str,
        q: wq.Query,
        limit: int,
        sources: tuple[str, ...],
        suggestion: str | None,
        started: float,
        should_stop: Callable[[], bool] = _never,
    ) -> SearchResult:
        reader = s.reader()
        if isinstance(q, type(wq.NullQuery)):
            return SearchResult(text, 0, (), {}, suggestion, _ms(started), sources)

        # Facets and total: distinct paragraphs per source. Queries with
        # costly matchers (phrases, prefixes) are scored once, for every
        # match; plain terms are cheaper as an unscored pass plus a top-N.
        dm = self._docmap(s)
        src_ids, digests = dm.source_ids, dm.digests
        scored: list[tuple[int, float]] | None = None
        if _costly(q):
            scored = list(s.search(q, limit=None, optimize=False).items())
            matches: Iterable[int] = (docnum for docnum, _score in scored)
        else:
            matches = s.docs_for_query(q)
        per_source: dict[int, set[int]] = defaultdict(set)
        for seen, docnum in enumerate(matches):
            if not seen & 0xFFF and should_stop():
                raise SearchCancelled
            sid = src_ids[docnum]
            if sid != NO_SOURCE:
                per_source[sid].add(digests[docnum])
        facets = {dm.sources[sid]: len(d) for sid, d in per_source.items()}
        facets = dict(sorted(facets.items()))
        ids = {name: i for i, name in enumerate(dm.sources)}
        wanted = [per_source.get(ids[name], set()) for name in sources if name in ids]
        if not sources:
            wanted = list(per_source.values())
        total = len(set().union(*wanted)) if wanted else 0

        hits: list[Hit] = []
        if total and limit > 0:
            terms = _matched_terms(q, reader)
            if should_stop():
                raise SearchCancelled
            if scored is not None:
                best = _distinct(
                    scored, limit, digests, src_ids, {ids[n] for n in sources if n in ids}
                )
            else:
                best = self._top_distinct(s, q, limit, sources, digests)
            for docnum, score in best:
                if should_stop():
                    raise SearchCancelled
                chunk = _stored(reader, dm, docnum)
                hits.append(
                    Hit(
                        source=chunk.source,
                        path=chunk.path,
                        line=chunk.line,
                        ordinal=chunk.ordinal,
                        heading=chunk.heading,
                        text=chunk.text,
                        score=score,
                        highlights=match_spans(chunk.text, terms, self._analyzer),
                        also_in=_also_in(reader, dm, docnum),
                    )
                )
        return SearchResult(text, total, tuple(hits), facets, suggestion, _ms(started), sources)

    def _top_distinct(
        self, s: Any, q: wq.Query, limit: int, sources: tuple[str, ...], digests: array[int]
    ) -> list[tuple[int, float]]:
        """The ``limit`` best documents with distinct digests (collapsing repeats).

        Whoosh's own ``collapse=`` reads a column per matching document;
        asking for a few more than ``limit`` top documents and dropping
        repeats here (digests from the docmap) is cheaper.
        """
        flt = wq.Or([wq.Term("source", name) for name in sources]) if sources else None
        # optimize=False: Whoosh's block-quality skipping costs more than it
        # saves here (measured: equal on single terms, 2-3x slower on prefixes
        # and phrases). When the first page is mostly repeats (boilerplate),
        # the second and last round takes every match: each round scores all
        # matches anyway.
        wanted: int | None = limit * 2 + 10
        while True:
            results = s.search(q, limit=wanted, filter=flt, optimize=False)
            scored = [(docnum, float(score or 0.0)) for docnum, score in results.items()]
            best = _distinct(scored, limit, digests, source_ids=array("I"), wanted_sources=set())
            if len(best) == limit or wanted is None or results.scored_length() < wanted:
                return best
            wanted = None

    def _docmap(self, s: Any) -> DocMap:
        """The (source, digest) map of the searcher's commit, loaded once per commit."""
        key = docmap.commit_key(self.marker.generation, s.reader())
        dm = self._dm
        if dm is None or dm.key != key:
            with self._lock:
                dm = self._dm
                if dm is None or dm.key != key:
                    dm = docmap.load(self.index_dir, key) or docmap.build(key, s.reader())
                    self._dm = dm
        return dm

    # -- did you mean ------------------------------------------------------

    def _suggest(self, s: Any, text: str, skip_last: bool = False) -> str | None:
        """The query with unknown words replaced by the closest indexed words.

        With ``skip_last`` (search as you type) the word being typed is left
        alone while it is the beginning of some indexed word: it is matched as
        a prefix, not misspelled.
        """
        reader = s.reader()
        if SPELL not in reader.indexed_field_names():
            return None
        replacements: list[tuple[int, int, str]] = []
        words_only = _FIELD_SYNTAX.sub(lambda m: " " * len(m.group()), text)
        matches = list(_WORD.finditer(words_only))
        if skip_last and matches and not words_only[matches[-1].end() :].strip():
            folded = [t.text for t in self._analyzer(matches[-1].group(), no_morph=True)]
            if folded and next(iter(reader.expand_prefix(SPELL, folded[0])), None) is not None:
                matches.pop()
        for m in matches:
            word = m.group()
            if word in _OPERATORS:
                continue
            folded = [t.text for t in self._analyzer(word, no_morph=True)]
            if len(folded) != 1 or len(folded[0]) < 3 or not folded[0].isalpha():
                continue
            term = folded[0]
            after = words_only[m.end() : m.end() + 1]
            if after in ("*", "~") or reader.doc_frequency(SPELL, term):
                continue
            if reader.doc_frequency(BODY, stem(term)):
                continue
            best = self._closest_word(reader, term)
            if best is None:
                continue
            surface = self._surface_form(s, best)
            if word[:1].isupper():
                surface = surface[:1].upper() + surface[1:]
            replacements.append((m.start(), m.end(), surface))
        if not replacements:
            return None
        out = text
        for start, end, surface in reversed(replacements):
            out = out[:start] + surface + out[end:]
        return out

    def _closest_word(self, reader: Any, term: str) -> str | None:
        """The indexed word nearest to ``term``: fewest edits, then most frequent."""
        for maxdist in (1, 2):
            candidates = list(reader.terms_within(SPELL, term, maxdist=maxdist, prefix=1))
            if candidates:
                return max(candidates, key=lambda c: (reader.doc_frequency(BODY, stem(c)), c))
        return None

    def _surface_form(self, s: Any, term: str) -> str:
        """How an indexed (folded) word is written in a document, accents included."""
        reader = s.reader()
        stemmed = stem(term)
        if not reader.doc_frequency(BODY, stemmed):
            return term
        for n, docnum in enumerate(reader.postings(BODY, stemmed).all_ids()):
            if n >= 20:
                break
            body = reader.stored_fields(docnum).get(BODY, "")
            for t in self._analyzer(body, chars=True, no_morph=True):
                if t.text == term:
                    return str(body[t.startchar : t.endchar]).lower()
        return term

    def matches_in(
        self, path: str, text: str, *, prefix_last: bool = False
    ) -> dict[int, tuple[Span, ...]]:
        """Matched words of every chunk of one document: ordinal → spans.

        Used by the detail view to highlight and jump between matches.
        """
        with self._searcher() as s:
            reader = s.reader()
            q = self._parse(normalize(text), prefix_last, reader)
            if isinstance(q, type(wq.NullQuery)):
                return {}
            terms = _matched_terms(q, reader)
            results = s.search(q, limit=None, filter=wq.Term("path", path))
            found = {
                hit["pos"][1]: match_spans(hit["body"], terms, self._analyzer) for hit in results
            }
        return dict(sorted(found.items()))

    # -- documents and summary ----------------------------------------------

    def document(self, path: str) -> list[Chunk]:
        """All chunks of one document, in order (for context and detail views)."""
        with self._searcher() as s:
            return self._chunks(s, sorted(s.document_numbers(path=path)), sort=True)

    def neighbours(self, path: str, ordinal: int) -> tuple[Chunk | None, Chunk | None]:
        """The chunks just before and after one chunk of a document (for previews).

        A document's chunks are always written together, in order, so its
        document numbers, ascending, are its chunks by ordinal: only two
        stored documents are read, not the whole document.
        """
        with self._searcher() as s:
            docnums = sorted(s.document_numbers(path=path))
            wanted = [n for n in (ordinal - 1, ordinal + 1) if 0 <= n < len(docnums)]
            found = {c.ordinal: c for c in self._chunks(s, [docnums[n] for n in wanted])}
            if any(n not in found for n in wanted):  # not in order after all
                found = {c.ordinal: c for c in self._chunks(s, docnums)}
        return found.get(ordinal - 1), found.get(ordinal + 1)

    def _chunks(self, s: Any, docnums: Iterable[int], sort: bool = False) -> list[Chunk]:
        reader = s.reader()
        dm = self._docmap(s)
        chunks = [_stored(reader, dm, n) for n in docnums]
        return sorted(chunks, key=lambda c: c.ordinal) if sort else chunks

    def sources(self) -> list[SourceInfo]:
        """Every indexed document with its title, sorted by source."""
        with self._searcher() as s:
            infos = [
                SourceInfo(
                    f["file_meta"]["source"],
                    f["file_path"],
                    f["file_meta"]["title"],
                    f["file_meta"]["paragraphs"],
                )
                for f in file_records(s)
            ]
        return sorted(infos, key=lambda i: i.source)

    def file_path(self, path: str) -> str | None:
        """The real file-system path of an indexed document (undecodable bytes intact)."""
        with self._searcher() as s:
            f = s.document(file_path=path)
        return None if f is None else str(f["file_meta"]["fspath"])

    def stats(self) -> IndexStats:
        with self._searcher() as s:
            reader = s.reader()
            records = list(file_records(s))
            dm = self._docmap(s)
            distinct = {
                d for sid, d in zip(dm.source_ids, dm.digests, strict=True) if sid != NO_SOURCE
            }
            terms = sum(1 for _ in reader.lexicon(BODY))
        return IndexStats(
            files=len(records),
            paragraphs=sum(f["file_meta"]["paragraphs"] for f in records),
            distinct_paragraphs=len(distinct),
            terms=terms,
            size_bytes=store.size_on_disk(self.index_dir, self.marker.generation),
            last_update=store.read_marker(self.index_dir).last_update,
        )


def search(index_dir: Path, text: str, **kwargs: Any) -> SearchResult:
    """Open the index, run one query, close it (see :meth:`SearchIndex.search`)."""
    with SearchIndex(index_dir) as ix:
        return ix.search(text, **kwargs)


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


def _with_phrase_boost(q: wq.Query) -> wq.Query:
    """Score the words of a plain multi-word query also as a phrase (optional)."""
    if (
        isinstance(q, wq.And)
        and all(isinstance(sub, wq.Term) and sub.fieldname == BODY for sub in q.subqueries)
        and len(q.subqueries) > 1
    ):
        words = [sub.text for sub in q.subqueries]
        phrase = wq.Phrase(BODY, words, slop=1, boost=PHRASE_BOOST)
        return wq.AndMaybe(q, phrase)
    return q


def _costly(q: wq.Query) -> bool:
    """Does the query hold a phrase or a multi-term (prefix, fuzzy) part?

    Whoosh evaluates those slowly (positions, many postings): better once,
    scored, than twice (an unscored pass for facets, then a top-N).
    """
    if isinstance(q, (wq.Phrase, wq.MultiTerm)):
        return True
    return any(_costly(child) for child in q.children())


def _distinct(
    scored: list[tuple[int, float]],
    limit: int,
    digests: array[int],
    source_ids: array[int],
    wanted_sources: set[int],
) -> list[tuple[int, float]]:
    """The first ``limit`` scored documents with distinct digests, in the sources."""
    seen: set[int] = set()
    best: list[tuple[int, float]] = []
    for docnum, score in scored:
        if wanted_sources and source_ids[docnum] not in wanted_sources:
            continue
        digest = digests[docnum]
        if digest in seen:
            continue
        seen.add(digest)
        best.append((docnum, float(score or 0.0)))
        if len(best) == limit:
            break
    return best


def _matched_terms(q: wq.Query, reader: Any) -> frozenset[str]:
    """Index terms of ``body`` that the query matches, prefixes expanded.

    Leaves are asked one by one: whoosh's ``Query.existing_terms`` skips
    leaves whose field differs from the first leaf's (``source:X word``).
    """
    found: set[str] = set()
    for leaf in q.leaves():
        if leaf.field() != BODY:
            continue
        for _field, t in leaf.existing_terms(reader, phrases=True, expand=True):
            found.add(t.decode("utf-8") if isinstance(t, bytes) else t)
    return frozenset(found)


class _BodyFuzzyTerm(wq.FuzzyTerm):
    """A fuzzy term expanded over the stemmed ``body`` terms themselves.

    Whoosh expands fuzzy terms over the field's spelling words when the field
    has ``spelling=True``; those are unstemmed and never match ``body``.
    """

    def _btexts(self, ixreader: Any) -> Iterable[Any]:
        words: set[str] = set()
        prefix = max(self.prefixlength, 1)
        for leaf, _offset in ixreader.leaf_readers():
            words.update(
                IndexReader.terms_within(leaf, self.fieldname, self.text, self.maxdist, prefix)
            )
        return sorted(words)


class _BodyPrefix(wq.Prefix):
    """A prefix of whole words, matched against stemmed terms.

    ``utilisat*`` must find « utilisateur », whose term is ``utilis``: the
    folded, unstemmed prefix is expanded over the spelling words (whole
    words) and each word is mapped to its stem. At most
    :data:`MAX_PREFIX_TERMS` terms, the most frequent, are kept.
    """

    def _btexts(self, ixreader: Any) -> Iterable[bytes]:
        found = set(ixreader.expand_prefix(self.fieldname, self.text))
        for word in ixreader.expand_prefix(SPELL, self.text):
            term = stem(word.decode("utf-8")).encode("utf-8")
            if (self.fieldname, term) in ixreader:
                found.add(term)
        if len(found) > MAX_PREFIX_TERMS:
            found = set(
                sorted(found, key=lambda t: -ixreader.doc_frequency(self.fieldname, t))[
                    :MAX_PREFIX_TERMS
                ]
            )
        return sorted(found)


def _fix_multiterms(prefixes: dict[str, str]) -> Callable[[wq.Query], wq.Query]:
    """Swap Whoosh's fuzzy and prefix queries on ``body`` for stem-aware ones."""

    def fix(q: wq.Query) -> wq.Query:
        if isinstance(q, wq.FuzzyTerm) and q.fieldname == BODY:
            return _BodyFuzzyTerm(
                q.fieldname, q.text, boost=q.boost, maxdist=q.maxdist, prefixlength=q.prefixlength
            )
        if isinstance(q, wq.Term) and q.fieldname == BODY and q.text in prefixes:
            return _BodyPrefix(BODY, prefixes[q.text], boost=q.boost)
        if type(q) is wq.Prefix and q.fieldname == BODY:
            if len(q.text) < MIN_PREFIX_CHARS:
                raise QuerySyntaxError(f"prefix too short: {q.text}* (at least 2 letters)")
            return _BodyPrefix(BODY, q.text, boost=q.boost)  # capped expansion
        return q

    return fix


def _stored(reader: Any, dm: DocMap, docnum: int) -> Chunk:
    source, path = dm.files[dm.file_ids[docnum]]
    return stored_chunk(reader.stored_fields(docnum), source, path, dm.digests[docnum])


def _also_in(reader: Any, dm: DocMap, docnum: int) -> tuple[Location, ...]:
    """The other places of a repeated paragraph (at most :data:`MAX_ALSO_IN`)."""
    locations: list[Location] = []
    for other in dm.copies(dm.digests[docnum]):
        if other == docnum:
            continue
        source, path = dm.files[dm.file_ids[other]]
        locations.append(Location(source, path, reader.stored_fields(other)["pos"][0]))
        if len(locations) >= MAX_ALSO_IN:
            break
    return tuple(sorted(locations, key=lambda loc: (loc.source, loc.line)))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
