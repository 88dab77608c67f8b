"""App-wide messages, posted from worker threads to the UI.

Every engine call of the app runs in a thread worker; what it finds comes
back as one of these messages, and an engine error as a one-line string or
the :class:`~searchdesk.errors.SearchdeskError` itself, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message
from textual.notifications import SeverityLevel

from ..errors import SearchdeskError
from ..models import Chunk, Hit, IndexProgress, IndexReport, SearchResult, SourceInfo, Span
from ..searcher import SearchIndex
from ..store import Marker


@dataclass
class SearchCompleted(Message):
    """A search worker finished; ``serial`` tells stale results apart."""

    serial: int
    result: SearchResult
    show_at: float | None = None
    """Not shown before this time (the end of the debounce; ``textual._time.get_time``)."""


@dataclass
class SearchFailed(Message):
    """A search raised; the message is shown in the status line."""

    serial: int
    error: str


@dataclass
class IndexProgressed(Message):
    """Progress of the indexing run started from the no-index screen."""

    progress: IndexProgress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IndexProgressed)


@dataclass
class IndexFinished(Message):
    """The indexing run ended (``error`` is set when it failed)."""

    report: IndexReport | None
    error: str | None = None


@dataclass
class IndexLoaded(Message):
    """The index was opened (or re-read after it changed): its marker and sources."""

    index: SearchIndex
    marker: Marker
    infos: list[SourceInfo]


@dataclass
class IndexUnavailable(Message):
    """The index cannot be opened or read now."""

    error: SearchdeskError
    waiting: bool = False
    """True while another process builds the index for the first time."""


@dataclass
class IndexChecked(Message):
    """The periodic look at the index's marker: what it is now, or why it cannot be read."""

    marker: Marker | None
    error: SearchdeskError | None = None


@dataclass
class PreviewLoaded(Message):
    """The paragraphs around a previewed hit; ``serial`` tells a stale answer apart."""

    serial: int
    hit: Hit
    before: Chunk | None
    after: Chunk | None


@dataclass
class DetailLoaded(Message):
    """A hit's whole document and the query's matches in it, for the detail screen
    (``chunks`` is empty when it could not be read: the reason was posted before);
    ``serial`` tells a stale answer apart."""

    serial: int
    hit: Hit
    chunks: list[Chunk]
    matches: dict[int, tuple[Span, ...]]


@dataclass
class EditorTarget(Message):
    """The file to open in ``$EDITOR``: its real path (checked to exist) and line."""

    serial: int
    path: str
    line: int


@dataclass
class OpenerTarget(Message):
    """A document to open with the desktop's opener (not a text file): its real
    path (checked to exist), its page (None if it has none) and its label."""

    serial: int
    path: str
    page: int | None
    source: str


@dataclass
class EngineProblem(Message):
    """A worker's one-line error or warning, shown in a notification (and the status line)."""

    text: str
    severity: SeverityLevel = "error"


@dataclass
class CopyDone(Message):
    """The system clipboard tool's outcome for a copy (the terminal got OSC 52 already)."""

    citation: str
    tool: str | None
    """The tool that took the text, if any."""
    problem: str | None = None
    """Why the tools found failed, if they did."""


@dataclass
class GroupLoaded(Message):
    """Every hit of one file, for its expanded group in the results."""

    serial: int
    source: str
    hits: tuple[Hit, ...]
