"""App-wide messages, posted from worker threads to the UI."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ..models import IndexProgress, IndexReport, SearchResult


@dataclass
class SearchCompleted(Message):
    """A search worker finished; ``serial`` tells stale results apart."""

    serial: int
    result: SearchResult


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
