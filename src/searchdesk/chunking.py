"""Splitting a document's text into paragraph chunks (pure: no Whoosh, no I/O).

Three layouts occur in real folders and are all handled:

* blocks separated by blank lines, one paragraph per block;
* one paragraph per line, no blank lines (long lines);
* hard-wrapped text (man pages, e-mails) whose lines are joined back into
  paragraphs: a line near the file's wrap width continues on the next line,
  while a short line, a change of indentation or a list bullet ends it.

A short line without sentence-final punctuation that introduces a paragraph is
a *heading*: its own chunk, and the ``heading`` of the chunks below it.
Markdown ``#`` lines are headings too. Paragraphs longer than
:data:`MAX_CHUNK_CHARS` are cut at sentence boundaries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .models import Chunk

#: No chunk is longer than this (long paragraphs are cut at sentences).
MAX_CHUNK_CHARS = 2000
#: Files whose 95th-percentile line length is at most this are hard-wrapped.
WRAP_MAX_WIDTH = 120
#: Headings are at most this long.
HEADING_MAX_CHARS = 100
#: A wrapped line shorter than this share of the wrap width ends its paragraph.
SHORT_LINE_RATIO = 0.6

_SENTENCE_END = (".", "!", "?", "…", ";", ",", ":")
_BULLET = re.compile(r"\s*(?:[-*+•–]|\d{1,3}[.)])\s+\S")
_MD_HEADING = re.compile(r"\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+")


@dataclass(slots=True)
class _Para:
    """A paragraph before heading detection: text plus where it came from."""

    text: str
    line: int
    indent: int
    line_offsets: list[tuple[int, int]]
    """(offset in text, line number) of each joined line."""
    markdown_heading: bool = False

    @property
    def single_line(self) -> bool:
        return len(self.line_offsets) == 1


def digest(text: str) -> str:
    """Digest of a paragraph's normalised text (case and spacing ignored)."""
    key = " ".join(text.casefold().split())
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def iter_chunks(text: str, source: str, path: str, markdown: bool = False) -> Iterator[Chunk]:
    """Yield the chunks of one document, in order, with 1-based line numbers."""
    paras = _paragraphs(text.splitlines(), markdown)
    heading: str | None = None
    ordinal = 0
    for i, para in enumerate(paras):
        if not any(ch.isalnum() for ch in para.text):
            continue
        nxt = paras[i + 1] if i + 1 < len(paras) else None
        if para.markdown_heading or _is_heading(para, nxt):
            yield Chunk(source, path, para.line, ordinal, None, para.text, digest(para.text), True)
            ordinal += 1
            heading = para.text
            continue
        for piece, line in _split_long(para):
            yield Chunk(source, path, line, ordinal, heading, piece, digest(piece))
            ordinal += 1


def _heading_like(para: _Para) -> bool:
    return (
        para.single_line
        and len(para.text) <= HEADING_MAX_CHARS
        and not para.text.endswith(_SENTENCE_END)
    )


def _is_heading(para: _Para, nxt: _Para | None) -> bool:
    if nxt is None or not _heading_like(para):
        return False
    return not _heading_like(nxt) or nxt.indent > para.indent


def _wrap_width(lines: list[str]) -> int | None:
    """The wrap width of a hard-wrapped file, or None for unwrapped text."""
    lengths = sorted(len(line) for line in lines if line.strip())
    if len(lengths) < 3:
        return None
    p95 = lengths[int(0.95 * (len(lengths) - 1))]
    return p95 if p95 <= WRAP_MAX_WIDTH else None


def _paragraphs(raw_lines: list[str], markdown: bool) -> list[_Para]:
    lines = [line.rstrip() for line in raw_lines]
    width = _wrap_width(lines)
    paras: list[_Para] = []
    current: list[tuple[int, str]] = []

    def flush() -> None:
        if current:
            paras.append(_join(current))
            current.clear()

    prev = ""
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            flush()
            prev = ""
            continue
        if markdown:
            m = _MD_HEADING.match(line)
            if m:
                flush()
                paras.append(_Para(m.group(2), number, 0, [(0, number)], markdown_heading=True))
                prev = ""
                continue
        if current and not _continues(prev, line, width):
            flush()
        current.append((number, line))
        prev = line
    flush()
    return paras


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _continues(prev: str, line: str, width: int | None) -> bool:
    """Does ``line`` continue the paragraph whose last line is ``prev``?"""
    if width is None or _BULLET.match(line):
        return False
    if len(prev) < SHORT_LINE_RATIO * width:
        return False
    if _indent(line) != _indent(prev):
        # A hanging indent under a bullet continues the item.
        return bool(_BULLET.match(prev)) and _indent(line) > _indent(prev)
    return True


def _join(lines: list[tuple[int, str]]) -> _Para:
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    pos = 0
    for number, line in lines:
        piece = _SPACES.sub(" ", line.strip())
        if parts:
            pos += 1
        offsets.append((pos, number))
        parts.append(piece)
        pos += len(piece)
    first_line = lines[0][1]
    return _Para(" ".join(parts), lines[0][0], _indent(first_line), offsets)


def _line_at(para: _Para, offset: int) -> int:
    line = para.line
    for start, number in para.line_offsets:
        if start > offset:
            break
        line = number
    return line


def _split_long(para: _Para) -> Iterator[tuple[str, int]]:
    """Cut a paragraph into pieces of at most MAX_CHUNK_CHARS, at sentences."""
    text = para.text
    if len(text) <= MAX_CHUNK_CHARS:
        yield text, para.line
        return
    start = 0
    while start < len(text):
        end = start + MAX_CHUNK_CHARS
        end = len(text) if end >= len(text) else _cut_point(text, start, end)
        piece = text[start:end].strip()
        if piece:
            yield piece, _line_at(para, start)
        start = end


def _cut_point(text: str, start: int, end: int) -> int:
    """The best place to end a piece in ``text[start:end]``: sentence, space, or hard."""
    window = text[start:end]
    last = None
    for m in _SENTENCE_SPLIT.finditer(window):
        last = m
    if last is not None and last.start() > MAX_CHUNK_CHARS // 4:
        return start + last.end()
    space = window.rfind(" ")
    if space > MAX_CHUNK_CHARS // 4:
        return start + space + 1
    return end
