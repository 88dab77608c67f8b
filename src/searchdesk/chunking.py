"""Splitting a document's lines into paragraph chunks (pure: no Whoosh, no I/O).

Three layouts occur in real folders and are all handled:

* blocks separated by blank lines, one paragraph per block;
* one paragraph per line, no blank lines (long lines);
* hard-wrapped text (man pages, e-mails) whose lines are joined back into
  paragraphs: a line near the file's wrap width continues on the next line,
  while a short line, a change of indentation or a list bullet ends it.

A short line without sentence-final punctuation that introduces a paragraph is
a *heading*: its own chunk, and the ``heading`` of the chunks below it.
Markdown ``#`` lines are headings too (a title longer than
:data:`MAX_CHUNK_CHARS` is body text). Paragraphs longer than
:data:`MAX_CHUNK_CHARS` are cut at sentence boundaries: no chunk is longer.

The chunker is a stream over numbered lines (:func:`iter_line_chunks`), linear
in time and bounded in memory whatever the input: it holds at most one short
paragraph (a possible heading, until the next paragraph decides) and the uncut
tail of the current paragraph, whose pieces are emitted as soon as they are
final, so a paragraph that never ends is never held whole. Only the wrap width
needs the whole file: it is learnt beforehand, line by line, by
:class:`WrapWidth` (``documents.scan`` does it in its first pass). No regular
expression here can backtrack more than linearly on user text.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .models import Chunk

if TYPE_CHECKING:
    from .extract import Block

#: No chunk is longer than this (long paragraphs are cut at sentences).
MAX_CHUNK_CHARS = 2000
#: Files whose 95th-percentile line length is at most this are hard-wrapped.
WRAP_MAX_WIDTH = 120
#: Headings are at most this long.
HEADING_MAX_CHARS = 100
#: A wrapped line shorter than this share of the wrap width ends its paragraph.
SHORT_LINE_RATIO = 0.6

#: A line of a document with its 1-based number. Pieces of one over-long line
#: (see ``documents.MAX_LINE_CHARS``) share a number.
NumberedLine = tuple[int, str]

#: A paragraph's pending text is cut into pieces once it holds this many chars
#: (a batch keeps the joins cheap; what is left after a cut is under a piece).
_CUT_BATCH = 1 << 16
#: Pieces of a paragraph with no letter or digit yet are kept (in case one
#: comes) up to this many chars, then dropped: they hold nothing to search.
_PENDING_MAX = 1 << 20

_SENTENCE_END = (".", "!", "?", "…", ";", ",", ":")
# Linear: one anchored pass; the only backtracking is over the leading spaces.
_BULLET = re.compile(r"\s*(?:[-*+•–]|\d{1,3}[.)])\s+\S")
# Runs of spaces, tabs and no-break spaces, except a lone space (already what a
# run becomes: leaving it alone makes plain text cost nothing).
_SPACES = re.compile(r"[\t\u00a0\u202f][ \t\u00a0\u202f]*| [ \t\u00a0\u202f]+")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+")
# A letter or digit (``\w`` minus ``_`` is exactly ``str.isalnum``).
_ALNUM = re.compile(r"[^\W_]")


def digest(text: str) -> str:
    """Digest of a paragraph's normalised text (case and spacing ignored)."""
    key = " ".join(text.casefold().split())
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def iter_chunks(text: str, source: str, path: str, markdown: bool = False) -> Iterator[Chunk]:
    """Yield the chunks of a whole text in memory, in order, with 1-based line numbers.

    For tests and small inputs; files are chunked as streams with
    :func:`iter_line_chunks`, which gives the same chunks.
    """
    lines = text.splitlines()
    width = wrap_width(lines)
    return iter_line_chunks(enumerate(lines, start=1), source, path, width=width, markdown=markdown)


def iter_line_chunks(
    lines: Iterable[NumberedLine],
    source: str,
    path: str,
    *,
    width: int | None,
    markdown: bool = False,
) -> Iterator[Chunk]:
    """Yield the chunks of a document given as a stream of numbered lines.

    ``lines`` are the document's lines without their line breaks (trailing
    spaces are ignored), in order; ``width`` is :attr:`WrapWidth.width` of
    those same lines, computed beforehand since it needs them all.
    """
    chunker = _Chunker(source, path, width, markdown)
    out = chunker.out
    for number, line in lines:
        chunker.feed(number, line)
        if out:
            yield from out
            out.clear()
    chunker.finish()
    yield from out


def iter_block_chunks(blocks: Iterable[Block], source: str, path: str) -> Iterator[Chunk]:
    """Yield the chunks of a document given as extracted blocks (any format).

    The format has already decided what is a heading and what a paragraph:
    nothing is guessed here. Spacing is normalised, paragraphs longer than
    :data:`MAX_CHUNK_CHARS` are cut at sentences, blocks without a letter or
    digit are dropped, and each chunk takes the nearest heading above it.
    A block without a line number is numbered by its position (1-based).
    """
    ordinal = 0
    heading: str | None = None
    for number, block in enumerate(blocks, start=1):
        text = " ".join(block.text.split())
        if not text or not _ALNUM.search(text):
            continue
        line = block.line if block.line is not None else number
        if block.kind == "heading" and len(text) <= MAX_CHUNK_CHARS:
            yield Chunk(source, path, line, ordinal, None, text, digest(text), True, block.page)
            ordinal += 1
            heading = text
            continue
        for piece, _line in _Splitter(line, text).pieces(final=True):
            yield Chunk(
                source, path, line, ordinal, heading, piece, digest(piece), False, block.page
            )
            ordinal += 1


def wrap_width(lines: Iterable[str]) -> int | None:
    """The wrap width of a hard-wrapped text's lines, or None for unwrapped text."""
    counter = WrapWidth()
    counter.update(lines)
    return counter.width


class WrapWidth:
    """The wrap width of a file, learnt one line at a time in constant memory.

    It is the 95th-percentile length of the non-blank lines (trailing spaces
    ignored) when that is at most :data:`WRAP_MAX_WIDTH`, else None (the text
    is not hard-wrapped); fewer than three non-blank lines give None. Lengths
    above the maximum are counted together: only whether the percentile falls
    among them matters.
    """

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        self._counts = [0] * (WRAP_MAX_WIDTH + 2)

    def add(self, line: str) -> None:
        """Count one line."""
        n = len(line.rstrip())
        if n:
            self._counts[min(n, WRAP_MAX_WIDTH + 1)] += 1

    def update(self, lines: Iterable[str]) -> None:
        """Count lines."""
        counts, top = self._counts, WRAP_MAX_WIDTH + 1
        for line in lines:
            n = len(line.rstrip())
            if n:
                counts[n if n < top else top] += 1

    @property
    def width(self) -> int | None:
        """The wrap width of the lines counted so far, or None."""
        total = sum(self._counts)
        if total < 3:
            return None
        rank = int(0.95 * (total - 1))
        seen = 0
        for length, count in enumerate(self._counts):
            seen += count
            if seen > rank:
                return length if length <= WRAP_MAX_WIDTH else None
        return None  # pragma: no cover - the counts sum to total


@dataclass(slots=True)
class _Short:
    """A one-line paragraph that may be a heading (short, no final punctuation)."""

    text: str
    line: int
    indent: int


class _Chunker:
    """The paragraph state machine behind :func:`iter_line_chunks`.

    Whether a short paragraph is a heading depends on the next paragraph (is
    it heading-like too, is it indented further?), so such a paragraph is
    *held* until that is known: at the next one's first line (more indented,
    or not heading-like), its second line, or its end. Chunks are appended to
    :attr:`out` in document order.
    """

    def __init__(self, source: str, path: str, width: int | None, markdown: bool) -> None:
        self.source = source
        self.path = path
        self.width = width
        self.markdown = markdown
        self.out: list[Chunk] = []
        self.ordinal = 0
        self.heading: str | None = None
        self.prev = ""
        """Last line of the open paragraph ("" when none is open)."""
        self.open: _Short | _Splitter | None = None
        self.held: _Short | None = None

    def feed(self, number: int, line: str) -> None:
        line = line.rstrip()
        if not line:
            self._close()
            self.prev = ""
            return
        if self.markdown:
            title = _markdown_heading(line)
            if title is not None and len(title) <= MAX_CHUNK_CHARS:
                self._close()
                self._markdown(number, title)
                self.prev = ""
                return
        if self.open is not None and not _continues(self.prev, line, self.width):
            self._close()
        text = _SPACES.sub(" ", line.strip())
        if self.open is None:
            self._start(number, _indent(line), text)
        else:
            self._extend(number, text)
        self.prev = line

    def finish(self) -> None:
        self._close()
        if self.held is not None:
            self._resolve(heading=False)

    def _start(self, number: int, indent: int, text: str) -> None:
        held = self.held
        short = _heading_like(text)
        if held is not None and (indent > held.indent or not short):
            self._resolve(heading=True)
        if short:
            self.open = _Short(text, number, indent)
        else:
            self.open = splitter = _Splitter(number, text)
            if splitter.backlog > _CUT_BATCH:
                self._cut(splitter, final=False)

    def _extend(self, number: int, text: str) -> None:
        splitter = self.open
        if isinstance(splitter, _Short):
            # Two lines: not heading-like, so a held paragraph above is a heading.
            if self.held is not None:
                self._resolve(heading=True)
            splitter = self.open = _Splitter(splitter.line, splitter.text)
        assert splitter is not None
        splitter.add(number, text)
        if splitter.backlog > _CUT_BATCH:
            self._cut(splitter, final=False)

    def _close(self) -> None:
        para, self.open = self.open, None
        if isinstance(para, _Short):
            # A heading-like paragraph no more indented: the held one is body text.
            if self.held is not None:
                self._resolve(heading=False)
            if _ALNUM.search(para.text):
                self.held = para
        elif para is not None:
            self._cut(para, final=True)

    def _markdown(self, number: int, title: str) -> None:
        if self.held is not None:
            self._resolve(heading=not _heading_like(title))
        if _ALNUM.search(title):
            self._emit(number, title, is_heading=True)
            self.heading = title

    def _resolve(self, *, heading: bool) -> None:
        held, self.held = self.held, None
        assert held is not None
        self._emit(held.line, held.text, is_heading=heading)
        if heading:
            self.heading = held.text

    def _cut(self, splitter: _Splitter, *, final: bool) -> None:
        for piece, line in splitter.pieces(final):
            self._emit(line, piece, is_heading=False)

    def _emit(self, line: int, text: str, *, is_heading: bool) -> None:
        heading = None if is_heading else self.heading
        self.out.append(
            Chunk(
                self.source, self.path, line, self.ordinal, heading, text, digest(text), is_heading
            )
        )
        self.ordinal += 1


class _Splitter:
    """A paragraph's text, cut into pieces of at most MAX_CHUNK_CHARS as it arrives.

    The text is the paragraph's lines, stripped, inner runs of spaces made
    one, joined by a space. A piece is cut once the text extends past its
    window (the cut depends on nothing further), so only the uncut tail is
    kept, with the (offset, line number) of the lines it spans: a piece's
    line is found by walking forward, never by rescanning the paragraph.
    """

    __slots__ = (
        "_alnum",
        "_base",
        "_lines",
        "_parts",
        "_pending",
        "_pending_chars",
        "_start",
        "_total",
    )

    def __init__(self, number: int, text: str) -> None:
        self._parts = [text]
        """Uncut text, in parts to join; it starts at offset ``_base``."""
        self._base = 0
        self._start = 0
        """Offset of the next piece (``_base`` between cuts)."""
        self._total = len(text)
        """Length of the paragraph's text so far."""
        self._lines: deque[tuple[int, int]] = deque([(0, number)])
        self._alnum = _ALNUM.search(text) is not None
        self._pending: list[tuple[str, int]] = []
        self._pending_chars = 0

    @property
    def backlog(self) -> int:
        """Characters received but not yet cut into pieces."""
        return self._total - self._start

    def add(self, number: int, text: str) -> None:
        self._parts.append(" ")
        self._lines.append((self._total + 1, number))
        self._parts.append(text)
        self._total += 1 + len(text)
        if not self._alnum:
            self._alnum = _ALNUM.search(text) is not None

    def pieces(self, final: bool) -> list[tuple[str, int]]:
        """Cut what can be cut (everything when ``final``): (piece, line) pairs.

        Same cuts as cutting the whole paragraph at once. A paragraph without
        any letter or digit gives nothing.
        """
        text = "".join(self._parts)
        base, start, total = self._base, self._start, self._total
        out: list[tuple[str, int]] = []
        while start < total:
            end = start + MAX_CHUNK_CHARS
            if end >= total:
                if not final:
                    break
                end = total
            else:
                end = base + _cut_point(text, start - base, end - base)
            piece = text[start - base : end - base].strip()
            if piece:
                out.append((piece, self._line_at(start)))
            start = end
        self._parts = [text[start - base :]]
        self._base = self._start = start
        if not self._alnum:
            if final:
                return []
            self._pending.extend(out)
            self._pending_chars += sum(len(p) for p, _line in out)
            if self._pending_chars > _PENDING_MAX:
                self._pending.clear()
                self._pending_chars = 0
            return []
        if self._pending:
            out[:0] = self._pending
            self._pending = []
        return out

    def _line_at(self, offset: int) -> int:
        lines = self._lines
        while len(lines) > 1 and lines[1][0] <= offset:
            lines.popleft()
        return lines[0][1]


def _heading_like(text: str) -> bool:
    """Could a one-line paragraph with this text be a heading?"""
    return len(text) <= HEADING_MAX_CHARS and not text.endswith(_SENTENCE_END)


def _markdown_heading(line: str) -> str | None:
    r"""The title of a Markdown ATX heading (``## Titre ##``), or None.

    ``line`` has no trailing spaces. The result is group 2 of the regular
    expression ``\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$`` that the chunker used
    before, computed in one linear pass: the expression backtracks cubically
    on a long run of spaces (``# a`` + 12,000 spaces + ``x`` took hours).
    """
    body = line.lstrip()
    if len(line) - len(body) > 3:
        return None
    title = body.lstrip("#")
    if not 1 <= len(body) - len(title) <= 6 or not title[:1].isspace():
        return None
    return title.lstrip().rstrip("#").rstrip()


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
