"""Plain frozen dataclasses that the engine returns and the front ends render.

No Whoosh object ever leaves the engine: everything a CLI or TUI shows is one
of these, copied out while the searcher is open.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .extract import is_text

Span = tuple[int, int]


def place(path: str, line: int, page: int | None) -> str:
    """Where a paragraph is, written after its source: ``:12`` (a line of a
    text file), `` p. 3`` (a page), or `` ¶12`` (the 12th block of a document
    without pages or lines: DOCX, ODT, HTML, EPUB)."""
    if page is not None:
        return f" p. {page}"
    if is_text(path):
        return f":{line}"
    return f" ¶{line}"


@dataclass(frozen=True, slots=True)
class Chunk:
    """One paragraph (or heading, or bounded piece of a long paragraph)."""

    source: str
    """Path relative to the folder given to ``searchdesk index``: the facet label."""
    path: str
    """Absolute path of the document (non-UTF-8 bytes shown escaped)."""
    line: int
    """First line of the chunk in a text document, 1-based; in other formats,
    the 1-based number of its block (heading or paragraph) in the document."""
    ordinal: int
    """Position of the chunk in its document, 0-based."""
    heading: str | None
    """Nearest heading above the chunk, if any."""
    text: str
    """The chunk's text, NFC-normalised, lines joined."""
    digest: str
    """Digest of the normalised text: equal digests are repeated paragraphs."""
    is_heading: bool = False
    """True for a heading chunk (the ``heading`` of the chunks below it)."""
    page: int | None = None
    """1-based page in a paged format (PDF); None otherwise."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Location:
    """Another place where a collapsed paragraph appears."""

    source: str
    path: str
    line: int
    page: int | None = None

    @property
    def place(self) -> str:
        """``:12``, `` p. 3`` or `` ¶12``: see :func:`place`."""
        return place(self.path, self.line, self.page)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Match:
    """How one query word (or phrase, prefix, fuzzy word) matched a hit."""

    query: str
    """The query word, lowercased (``utilisateur``, ``utilisateu*``, ``zelenski~``)."""
    matched: str
    """The words of the paragraph it matched, as written (first occurrence)."""
    how: str
    """``exact`` (the same word, accents aside), ``stem`` (another inflection),
    ``prefix``, ``fuzzy``, or ``phrase`` (a quoted phrase, word for word)."""

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "matched": self.matched, "how": self.how}


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked paragraph, with its matches as character offsets into ``text``."""

    source: str
    path: str
    line: int
    ordinal: int
    heading: str | None
    text: str
    score: float
    highlights: tuple[Span, ...]
    """(start, end) offsets of matched words in ``text``, sorted."""
    also_in: tuple[Location, ...] = ()
    """Other locations of the same paragraph (collapsed repeats)."""
    page: int | None = None
    """1-based page in a paged format (PDF); None otherwise."""
    why: tuple[Match, ...] = ()
    """How each query word matched, in query order (highlights come from the same plan)."""

    @property
    def place(self) -> str:
        """``:12``, `` p. 3`` or `` ¶12``: see :func:`place`."""
        return place(self.path, self.line, self.page)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "path": self.path,
            "line": self.line,
            "page": self.page,
            "heading": self.heading,
            "text": self.text,
            "score": round(self.score, 4),
            "highlights": [list(s) for s in self.highlights],
            "also_in": [loc.to_dict() for loc in self.also_in],
            "why": [m.to_dict() for m in self.why],
        }


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The answer to one query: ranked hits, facet counts, suggestion."""

    query: str
    total: int
    """Number of hits after collapsing repeats and applying source filters."""
    hits: tuple[Hit, ...]
    facets: dict[str, int]
    """For each source, how many hits filtering to it would show."""
    suggestion: str | None = None
    """The query with unknown words replaced by close words of the index."""
    elapsed_ms: float = 0.0
    sources: tuple[str, ...] = ()
    """The source filters applied."""
    matched_words: int | None = None
    """Set when no paragraph holds every word of the query: the hits (and
    ``total``, ``facets``) are the paragraphs holding the most of them, this
    many of :attr:`of_words`. None when the hits hold every word."""
    of_words: int | None = None
    """The number of words of the query, when :attr:`matched_words` is set."""

    @property
    def partial(self) -> bool:
        """True when the hits hold only some of the query's words."""
        return self.matched_words is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {"source": dict(self.facets)},
            "suggestion": self.suggestion,
            "partial": (
                {"matched_words": self.matched_words, "of_words": self.of_words}
                if self.matched_words is not None
                else None
            ),
        }


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """A document of the index, for the sources panel."""

    source: str
    path: str
    title: str
    paragraphs: int


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What ``searchdesk stats`` reports."""

    files: int
    paragraphs: int
    distinct_paragraphs: int
    terms: int
    size_bytes: int
    last_update: float | None
    """Unix time of the last completed ``searchdesk index``."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class IndexProgress:
    """Progress of an indexing run, reported once per file."""

    done: int
    total: int
    path: str


@dataclass(slots=True)
class IndexReport:
    """Summary of an indexing run (mutable while the run fills it in)."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    """Files that are not .txt/.md, binary, or empty."""
    refreshed: int = 0
    """Unchanged files whose new mtime was recorded (touched, same content)."""
    paragraphs: int = 0
    """Paragraphs written in this run."""
    total_paragraphs: int = 0
    """Paragraphs in the index after the run."""
    other_encoding: int = 0
    """Files read in a legacy encoding (not UTF-8)."""
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    """One line per file that could not be read."""
    vanished: list[str] = field(default_factory=list)
    """Indexed folders that no longer exist (their files left the index)."""
    committed: bool = True
    """False when ``strict`` found problems and nothing was written."""
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    """The skipped files: (path as shown, why), in the order they were met."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
