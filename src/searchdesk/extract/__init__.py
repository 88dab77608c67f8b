"""The extractor seam: one module per document format, chosen by suffix.

An extractor turns a document's bytes into an :class:`Extracted`: a title and
a sequence of :class:`Block` (headings and paragraphs, in reading order, with
their page for paged formats). Everything after it (chunking, analysis,
indexing, collapsing, the front ends) is format-blind.

Extractors of formats with a parser (PDF, DOCX, ODT, HTML, EPUB and any
third-party one) run in worker processes with a time limit and a memory cap
(:mod:`searchdesk.extract.pool`): a hostile file costs one warning, never the
run. Plain text and Markdown are read in-process as streams
(:mod:`searchdesk.extract.text`), since a text file can be of any size.

A third party adds a format with an entry point in the group
``searchdesk.extractors`` naming an object (or a class to instantiate) that
follows :class:`Extractor`.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, Protocol, runtime_checkable

#: Entry point group of third-party extractors.
ENTRY_POINT_GROUP = "searchdesk.extractors"

#: Suffixes read as plain text (streamed in-process, located by line).
TEXT_SUFFIXES = (".txt", ".md")

BlockKind = Literal["heading", "paragraph"]


@dataclass(frozen=True, slots=True)
class Block:
    """A heading or a paragraph of a document, as the format gives it."""

    text: str
    """The text, lines joined by spaces (the chunker normalises spacing)."""
    kind: BlockKind = "paragraph"
    level: int = 0
    """Heading level, 1 (title) to 6; 0 for paragraphs."""
    page: int | None = None
    """1-based page for paged formats (PDF), None otherwise."""
    line: int | None = None
    """1-based line in a text document; None: the chunker numbers blocks."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """What an extractor found in one document."""

    title: str | None
    """The document's title: metadata, else its first heading; None if unknown."""
    blocks: Sequence[Block]
    warnings: tuple[str, ...] = ()
    """Things a user should know (an image-only page, a part skipped)."""


class ExtractionError(Exception):
    """A document that cannot be read: the message is one line for the user.

    For example ``"encrypted (needs a password)"``, ``"not a DOCX file (not a
    zip archive)"``, ``"inflates past 512 MB"``. The file is skipped with this
    warning; nothing of it is indexed.
    """


@runtime_checkable
class Extractor(Protocol):
    """One document format."""

    name: str
    """Short name shown to users: ``"PDF"``, ``"DOCX"``."""
    suffixes: tuple[str, ...]
    """Lower-case suffixes with their dot: ``(".pdf",)``."""
    paged: bool
    """True when blocks carry pages (locations are shown as ``p. N``)."""

    def extract(self, data: bytes) -> Extracted:
        """Extract a document from its bytes; raise :class:`ExtractionError` if unreadable."""
        ...


#: Built-in extractors: (module, attribute), imported only when needed.
_BUILTIN: dict[str, tuple[str, str]] = {
    ".txt": ("searchdesk.extract.text", "TEXT"),
    ".md": ("searchdesk.extract.text", "MARKDOWN"),
    ".pdf": ("searchdesk.extract.pdf", "PDF"),
    ".docx": ("searchdesk.extract.docx", "DOCX"),
    ".odt": ("searchdesk.extract.odt", "ODT"),
    ".html": ("searchdesk.extract.html", "HTML"),
    ".htm": ("searchdesk.extract.html", "HTML"),
    ".xhtml": ("searchdesk.extract.html", "HTML"),
    ".epub": ("searchdesk.extract.epub", "EPUB"),
}


def suffix_of(path: str) -> str:
    """The lower-case suffix of a file name, with its dot ('' if none)."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def is_text(path: str) -> bool:
    """True for plain text and Markdown: located by line, opened in an editor."""
    return suffix_of(path) in TEXT_SUFFIXES


@cache
def _third_party() -> dict[str, Extractor]:
    """Extractors declared by installed packages, by suffix (built-ins win)."""
    from importlib.metadata import entry_points

    found: dict[str, Extractor] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
            extractor = obj() if isinstance(obj, type) else obj
        except Exception:  # a broken plug-in must not stop indexing
            continue
        if not isinstance(extractor, Extractor):
            continue
        for suffix in extractor.suffixes:
            suffix = suffix.lower()
            if suffix not in _BUILTIN:
                found.setdefault(suffix, extractor)
    return found


def suffixes() -> tuple[str, ...]:
    """Every suffix some extractor reads, sorted."""
    return tuple(sorted({*_BUILTIN, *_third_party()}))


def for_path(path: str) -> Extractor | None:
    """The extractor for a file name, or None when no format claims its suffix."""
    suffix = suffix_of(path)
    builtin = _BUILTIN.get(suffix)
    if builtin is not None:
        module, attr = builtin
        extractor: Extractor = getattr(importlib.import_module(module), attr)
        return extractor
    return _third_party().get(suffix)
