"""Splitting a document's lines into paragraph chunks (pure: no Whoosh, no I/O).

Three layouts occur in real folders and are all handled:

* blocks separated by blank lines, one paragraph per block;
* one paragraph per line, no blank lines (long lines);
* hard-wrapped text (man pages, e-mails) whose lines are joined back into
  paragraphs: a line near the file's wrap width continues on the next line,
  while a short line, a change of indentation or a list bullet ends it.

In hard-wrapped text a word hyphenated at a line end is joined back
(``pro‐``/``cessus`` gives ``processus``; U+2010, U+00AD and ``-``) while a
real compound keeps its hyphen (``Jean-``/``Pierre``, ``c'est-``/``à-dire``,
``ci‐``/``dessous``, an address broken at its own ``-``): see
:func:`_hyphen_join`. An *entry* (``EAGAIN …``, ``-l fichier``, a definition
list's term) is its first line joined with the more-indented lines right
below it, when it is indented at least as much as the document's body text
(the most frequent first-line indent of its paragraphs so far): section
titles, less indented, stay headings.

A short line without sentence-final punctuation that introduces a paragraph is
a *heading*: its own chunk, and the ``heading`` of the chunks below it. It
never ends with an article, preposition or conjunction (or a comma), and page
furniture is never one (:func:`is_boilerplate`: bylines, comment widgets,
"related news" labels, sharing buttons): such lines stay paragraphs. In
Markdown the file's own structure wins: ``#`` lines are headings (a title
longer than :data:`MAX_CHUNK_CHARS` is body text) and once one is seen
nothing else is guessed to be; fenced code blocks (````` and ``~~~``) are
chunks of their own without their fences, and a table is one chunk.
Paragraphs longer than :data:`MAX_CHUNK_CHARS` are cut at sentence
boundaries: no chunk is longer. :func:`document_title` finds a document's
title in its first chunks.

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
import itertools
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
#: :func:`document_title` looks at this many chunks at the start of a document.
TITLE_CHUNKS = 30
#: A title is at most this long (a longer first line is body text).
TITLE_MAX_CHARS = 200

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

#: A heading never ends with one of these (nor with an elided ``l'``, ``d'``…).
FUNCTION_WORDS = frozenset(
    "le la les l' un une des du de d' à au aux par pour sur dans en et ou ni mais"
    " que qui avec sans sous entre vers chez".split()
)
#: Page furniture of saved web pages (casefolded, final ``.:!`` removed): never
#: a heading. Kept as paragraphs: the seeds' paragraphs must not move, and a
#: search for "répondre" may still want them.
BOILERPLATE = frozenset(
    {
        "répondre",
        "laisser un commentaire",
        "laisser une réponse",
        "ajouter un commentaire",
        "signaler",
        "signaler un abus",
        "j'aime",
        "je n'aime pas",
        "nouvelles connexes",
        "articles connexes",
        "lire aussi",
        "à lire aussi",
        "a lire aussi",
        "lire la suite",
        "partager",
        "partager cet article",
        "imprimer",
        "s'abonner",
        "veröffentlicht am",
        "aktualisiert am",
        "share",
        "tweet",
        "reply",
        "like",
        "read more",
        "related news",
    }
)
_BOILERPLATE_PREFIXES = (
    "partager sur ",
    "share on ",
    "publié le ",
    "mis à jour le ",
    "transparenz:",
    "veröffentlicht am ",
    "aktualisiert am ",
)
#: Left parts of a hyphen at a line end that make a compound, not a split word.
_COMPOUND_LEFT = frozenset(
    "c'est vis peut sous non demi semi mi quasi grand arrière avant après"
    " celui celle ceux celles".split()
)
#: Right parts (first word of the next line) that make a compound: inverted
#: pronouns (``dit-il``), ``-là``, ``-ci``, ``-même``, ``peut-être``, ``à-dire``.
_COMPOUND_RIGHT = frozenset(
    "il ils elle elles on je tu t ce ci là à y en être même mêmes moi toi lui nous vous"
    " eux leur le la les dessus dessous delà".split()
)
_HYPHENS = "-\u2010\u00ad"
#: How a wrapped line joins the line above: with a space, glued to a hyphen
#: kept, or glued to a word whose line-end hyphen is dropped.
_SPACE, _KEEP, _DROP = 0, 1, 2
#: Body indents above this are counted together (the counter stays small).
_INDENT_CAP = 64
#: What a paragraph may be, from its first line (see ``_Chunker._kind``).
_SHORT, _BYLINE, _CHROME, _BODY = range(4)
#: At most this many bylines wait with a held paragraph; one more and it is body text.
_BYLINES_MAX = 4


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
    byline: bool = False


class _Chunker:
    """The paragraph state machine behind :func:`iter_line_chunks`.

    Whether a short paragraph is a heading depends on the next paragraph (is
    it heading-like too, is it indented further?), so such a paragraph is
    *held* until that is known: at the next one's first line (more indented,
    or not heading-like), its second line, or its end. Bylines below it are
    transparent (held with it, up to :data:`_BYLINES_MAX`: a title, its
    byline, its text); other page furniture means it introduces nothing.
    Chunks are appended to :attr:`out` in document order.
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
        self.bylines: list[_Short] = []
        """Bylines below the held paragraph, emitted right after it."""
        self.indent = 0
        """Indent of the open paragraph's first line."""
        self.single = False
        """The open paragraph has one line so far."""
        self.indents: dict[int, int] = {}
        """How many body paragraphs start at each indent (capped)."""
        self.body_indent: int | None = None
        """The most frequent of those indents (the smallest on a tie)."""
        self.body_count = 0
        self.structured = False
        """Markdown: a ``#`` heading was seen, so no heading is guessed."""
        self.fence: tuple[str, int] | None = None
        """Markdown: the open code fence's character and length."""
        self.table = False
        """Markdown: the open paragraph is a table."""

    def feed(self, number: int, line: str) -> None:
        line = line.rstrip()
        if self.markdown and self._markdown_line(number, line):
            return
        if not line:
            self._close()
            self.prev = ""
            return
        text = _SPACES.sub(" ", line.strip())
        indent = _indent(line)
        if self.open is not None:
            if _continues(self.prev, line, self.width) or (self.single and self._entry(line)):
                self._extend(number, text, _hyphen_join(self.prev, text))
                self.prev = line
                return
            self._close()
        self._start(number, indent, text)
        self.prev = line

    def finish(self) -> None:
        self._close()
        if self.held is not None:
            self._resolve(heading=False)

    def _entry(self, line: str) -> bool:
        """Does ``line``, below the open paragraph's only line, continue an entry?"""
        return (
            self.width is not None
            and self.body_indent is not None
            and self.indent >= self.body_indent
            and _indent(line) > self.indent
            and not _BULLET.match(line)
        )

    def _kind(self, text: str) -> int:
        """What a paragraph starting with ``text`` may be: ``_SHORT`` (a possible
        heading), ``_BYLINE``, ``_CHROME`` (other page furniture) or ``_BODY``."""
        if self.structured or not _heading_like(text):
            return _BODY
        if not is_boilerplate(text):
            return _SHORT
        return _BYLINE if _byline(text) else _CHROME

    def _body(self, indent: int) -> None:
        """Count a body paragraph starting at ``indent``."""
        key = min(indent, _INDENT_CAP)
        count = self.indents[key] = self.indents.get(key, 0) + 1
        best = self.body_indent
        if best is None or count > self.body_count or (count == self.body_count and key < best):
            self.body_indent, self.body_count = key, count

    def _start(self, number: int, indent: int, text: str, *, body: bool = False) -> None:
        kind = _BODY if body else self._kind(text)
        if self.held is not None:
            if kind == _CHROME:
                self._resolve(heading=False)
            elif kind == _BODY or (kind == _SHORT and indent > self.held.indent):
                self._resolve(heading=True)
        self.indent, self.single = indent, True
        if kind in (_SHORT, _BYLINE):
            self.open = _Short(text, number, indent, kind == _BYLINE)
        else:
            self._body(indent)
            self.open = splitter = _Splitter(number, text)
            if splitter.backlog > _CUT_BATCH:
                self._cut(splitter, final=False)

    def _extend(self, number: int, text: str, join: int = _SPACE) -> None:
        self.single = False
        splitter = self.open
        if isinstance(splitter, _Short):
            # Two lines: not heading-like, so a held paragraph above is a heading.
            if self.held is not None:
                self._resolve(heading=True)
            self._body(splitter.indent)
            splitter = self.open = _Splitter(splitter.line, splitter.text)
        assert splitter is not None
        splitter.add(number, text, join)
        if splitter.backlog > _CUT_BATCH:
            self._cut(splitter, final=False)

    def _close(self) -> None:
        para, self.open = self.open, None
        self.single = self.table = False
        if isinstance(para, _Short):
            if para.byline:
                if self.held is not None and len(self.bylines) < _BYLINES_MAX:
                    self.bylines.append(para)
                    return
                if self.held is not None:
                    self._resolve(heading=False)
                self._emit(para.line, para.text, is_heading=False)
                return
            # A heading-like paragraph no more indented: the held one is body text.
            if self.held is not None:
                self._resolve(heading=False)
            if _ALNUM.search(para.text):
                self.held = para
        elif para is not None:
            self._cut(para, final=True)

    def _markdown_line(self, number: int, line: str) -> bool:
        """Handle a line of Markdown's own structure; False for any other line."""
        fence = self.fence
        if fence is not None:
            if _closes_fence(line, fence):
                self._close()
                self.fence = None
            elif line:
                text = _SPACES.sub(" ", line.strip())
                if self.open is None:
                    self._start(number, _indent(line), text, body=True)
                else:
                    self._extend(number, text)
            self.prev = ""
            return True
        fence = _opens_fence(line)
        if fence is not None:
            self._close()
            self.fence = fence
            self.prev = ""
            return True
        title = _markdown_heading(line)
        if title is not None and len(title) <= MAX_CHUNK_CHARS:
            self._close()
            self._markdown(number, title)
            self.prev = ""
            return True
        if _table_row(line):
            text = _SPACES.sub(" ", line.strip())
            if self.table:
                self._extend(number, text)
            else:
                self._close()
                self._start(number, _indent(line), text, body=True)
                self.table = True
            self.prev = line
            return True
        if self.table:
            self._close()
            self.prev = ""
        return False

    def _markdown(self, number: int, title: str) -> None:
        if self.held is not None:
            self._resolve(heading=not _heading_like(title))
        if _ALNUM.search(title):
            self._emit(number, title, is_heading=True)
            self.heading = title
            self.structured = True

    def _resolve(self, *, heading: bool) -> None:
        held, self.held = self.held, None
        assert held is not None
        self._emit(held.line, held.text, is_heading=heading)
        if heading:
            self.heading = held.text
        for byline in self.bylines:
            self._emit(byline.line, byline.text, is_heading=False)
        self.bylines.clear()

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

    def add(self, number: int, text: str, join: int = _SPACE) -> None:
        """Append a line's text: after a space, or glued (:func:`_hyphen_join`)."""
        if join == _SPACE:
            self._parts.append(" ")
            self._total += 1
        elif join == _DROP:
            # The hyphen is the last character, never yet in a piece: a piece
            # is only cut before the end of what has been received.
            self._parts[-1] = self._parts[-1][:-1]
            self._total -= 1
        self._lines.append((self._total, number))
        self._parts.append(text)
        self._total += len(text)
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
    """Could a one-line paragraph with this text be a heading?

    Short, without final punctuation, and not ending with a function word (a
    wrapped line cut mid-sentence). Page furniture is sorted out after.
    """
    if len(text) > HEADING_MAX_CHARS or text.endswith(_SENTENCE_END):
        return False
    words = text.rsplit(None, 1)
    if not words:
        return True
    last = words[-1].casefold().replace("’", "'")
    return last not in FUNCTION_WORDS and not last.endswith("'")


def _byline(text: str) -> bool:
    """A byline: ``Name |``, or a line of only a person's name."""
    return (text.endswith("|") and _ALNUM.search(text) is not None) or _person_name(text)


def is_boilerplate(text: str) -> bool:
    """Is a short line page furniture rather than structure?

    A byline (``Bùi Đức |``, or a line of only a person's name), a comment
    widget (``Répondre``, ``J'aime``), a "related news" label (``Lire
    aussi``), or site chrome (``Partager sur Twitter``, ``Veröffentlicht am``,
    ``Transparenz: …``). Meant for lines of at most :data:`HEADING_MAX_CHARS`.
    """
    if _byline(text):
        return True
    key = text.casefold().replace("’", "'").rstrip(" .:!")
    return key in BOILERPLATE or key.startswith(_BOILERPLATE_PREFIXES)


def _person_name(text: str) -> bool:
    """Two or three capitalised words and nothing else (``Bùi Đức``, ``Jean-Pierre Roux``)."""
    words = text.split()
    if not 2 <= len(words) <= 3:
        return False
    for word in words:
        rest = word[1:].replace("-", "").replace("'", "").replace("’", "")
        if not (word[0].isupper() and rest.isalpha() and rest.islower()):
            return False
    return True


def _hyphen_join(prev: str, text: str) -> int:
    """How the wrapped line ``text`` joins the line ``prev`` above it.

    ``_SPACE`` unless ``prev`` ends with a hyphen (``-``, U+2010, U+00AD) right
    after a letter or digit and ``text`` starts with one; then the two are
    glued, the hyphen dropped (``_DROP``: a word hyphenated by the wrapping)
    or kept (``_KEEP``: a compound). A soft hyphen is always dropped. Else
    the hyphen is kept when the next line starts with anything but a
    lower-case letter (``Jean-``/``Pierre``, ``POSIX.1-``/``2001``; but an
    upper-case identifier broken by a U+2010, ``FE_OVER‐``/``FLOW``, is
    joined), when the left part (after any hyphen in it: ``sous-ja‐``) is a
    known compound prefix (``c'est-``, ``sous‐``, ``peut-``), when the right
    part is a word that follows compound hyphens (``dit-``/``il``,
    ``cessez-``/``le-feu``, ``ci‐``/``dessous``),
    and for a ``-`` in an address or path (``<jean-``/``pierre@…``: the
    wrapping inserts U+2010, so an ASCII ``-`` there is the address's own).
    Only the two lines are looked at, so the stream stays bounded; a
    compound seen elsewhere in the document is not remembered.
    """
    if len(prev) < 2 or prev[-1] not in _HYPHENS or not prev[-2].isalnum():
        return _SPACE
    if not text[:1].isalnum():
        return _SPACE
    if prev[-1] == "\u00ad":
        return _DROP
    if prev[-1] == "\u2010" and prev[-2].isupper() and text[0].isupper():
        return _DROP  # an upper-case identifier hyphenated by groff: FE_OVER‐FLOW
    if not text[0].islower() or not prev[-2].isalpha():
        return _KEEP
    token = prev.rsplit(None, 1)[-1]
    if prev[-1] == "-" and any(ch in token for ch in "@/<.:"):
        return _KEEP
    left = token[:-1].casefold().replace("’", "'")
    for hyphen in _HYPHENS:  # the last part of a compound: sous-ja‐/cent
        left = left.rsplit(hyphen, 1)[-1]
    left = left.lstrip("\"'«“(<[")
    if left in _COMPOUND_LEFT or left.rsplit("'", 1)[-1] in _COMPOUND_LEFT:
        return _KEEP
    end = 0
    while end < len(text) and end < 8 and text[end].isalpha():
        end += 1
    if text[:end].casefold() in _COMPOUND_RIGHT:
        return _KEEP
    return _DROP


def _opens_fence(line: str) -> tuple[str, int] | None:
    """The character and length of the code fence ``line`` opens (CommonMark), or None."""
    body = line.lstrip(" ")
    if len(line) - len(body) > 3 or body[:1] not in ("`", "~"):
        return None
    char = body[0]
    length = len(body) - len(body.lstrip(char))
    if length < 3 or (char == "`" and "`" in body[length:]):
        return None
    return char, length


def _closes_fence(line: str, fence: tuple[str, int]) -> bool:
    char, length = fence
    body = line.lstrip(" ")
    if len(line) - len(body) > 3:
        return False
    rest = body.lstrip(char)
    return len(body) - len(rest) >= length and not rest.strip()


def _table_row(line: str) -> bool:
    """Is ``line`` a row of a Markdown table (``| a | b |``)?"""
    body = line.lstrip()
    return body.startswith("|") and "|" in body[1:]


def document_title(chunks: Iterable[Chunk]) -> str | None:
    """The title of a text document, from its first :data:`TITLE_CHUNKS` chunks, or None.

    A man page's title is the line of its ``NOM`` (``NAME``) section
    (``ls - Afficher le contenu de répertoires``). Otherwise it is the first
    chunk that is not page furniture (:func:`is_boilerplate`) when that is a
    heading (a news page's first line, a Markdown ``#`` title) or a short line
    without final punctuation; a document that starts with body text has no
    title. Only reads the chunks it needs (at most :data:`TITLE_CHUNKS`).
    """
    first = list(itertools.islice(chunks, TITLE_CHUNKS))
    for i, chunk in enumerate(first):
        if chunk.is_heading and chunk.text.casefold() in ("nom", "name"):
            after = first[i + 1 : i + 2]
            if after and not after[0].is_heading and len(after[0].text) <= TITLE_MAX_CHARS:
                return after[0].text
            break
    for chunk in first:
        text = chunk.text
        if not _ALNUM.search(text) or (len(text) <= HEADING_MAX_CHARS and is_boilerplate(text)):
            continue
        if chunk.is_heading or (
            len(text) <= TITLE_MAX_CHARS and not text.endswith((".", ";", ",", ":", "…"))
        ):
            return text
        return None
    return None


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
