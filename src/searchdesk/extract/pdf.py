"""PDF documents, read with PDFium (pypdfium2).

PDFium gives the text of a page in reading order with a line break after each
line, but no paragraph breaks. Lines are rebuilt with their geometry (first
character's origin, last character's box, font size and weight, sampled at a
few characters so the cost stays linear in the text with a small constant) and
grouped into paragraphs: a new paragraph starts on a vertical gap clearly larger
than the usual line pitch for that font size, on a first-line indent (or an
outdent after a paragraph's body), on a change of font size or weight, and
after a line ending with sentence punctuation that stops short although the next
line's first word would have fitted on it.

Lines clearly larger than the body text, or short bold lines without final
punctuation, are headings, with a level by size rank. Lines repeated at the
top or bottom of most pages (digits aside) and bare page numbers are running
headers and footers: dropped. Words hyphenated at a line end are joined unless
the hyphen belongs to a compound (``c'est-à-dire`` broken after ``c'est-``).
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from . import Block, Extracted, ExtractionError

#: Most pages of a document read (beyond: refused).
MAX_PAGES = 5_000
#: Most characters PDFium may report in a document (beyond: refused).
MAX_CHARS = 20_000_000

#: A font size this much larger than the body's makes a heading.
_HEADING_RATIO = 1.15
#: Longest text (characters) a heading may have.
_HEADING_MAX = 250
#: Longest text of a bold heading at body size, and most lines it may span.
_BOLD_HEADING_MAX = 120
_BOLD_HEADING_LINES = 2

# PDFium's marks of a hyphen it found at a line end ("\x02" from
# FPDFText_GetUnicode, U+FFFE in FPDFText_GetText); the line break is then gone.
_PDFIUM_HYPHENS = "\x02\ufffe"
# Hyphens a producer may leave at a line end itself.
_LINE_END_HYPHENS = ("-", "\u2010", "\u00ad")
_BREAK = re.compile(r"[\x02\ufffe]|\r\n|\n|\r")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = (".", "!", "?", ":", "…", "»", '"', "”")
_HEADING_END = (".", ",", ";", ":", "!", "?", "…")
_PAGE_NUMBER = re.compile(
    r"(?:page|p\.)?\s*[-–—]?\s*(?:\d{1,5}|[ivxlcdm]{1,7})\s*[-–—]?"
    r"(?:\s*(?:/|sur|of|de)\s*\d{1,5})?",
    re.IGNORECASE,
)
_COMPOUND = re.compile(r"\w+(?:-\w+)+")
_NO_TITLE = frozenset(
    {"untitled", "sans titre", "titre", "title", "document", "doc", "unknown", "none", "rapport"}
)
_FILE_TITLE = re.compile(
    r"^(?:microsoft (?:word|powerpoint|excel) - )|"
    r"\.(?:docx?|odt|pdf|rtf|txt|pptx?|xlsx?|indd|qxd|tex|dvi|ps|html?|pages)$|^[a-z]:\\|/",
    re.IGNORECASE,
)


def _control_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {c: None for c in range(32) if c not in (9, 10, 13)}
    table.update({9: " ", 10: " ", 13: " ", 0x7F: None, 0xAD: None, 0xFFFE: None, 0xFFFF: None})
    table.update({c: None for c in range(0x80, 0xA0)})
    # Latin ligatures (ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ) to their letters; NFKC on these only.
    table.update({c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)})
    return table


_CLEAN = _control_table()
_UNCLEAN = re.compile("[" + re.escape("".join(map(chr, _CLEAN))) + "]")


def clean(text: str) -> str:
    """Ligatures spelled out, soft hyphens and control characters dropped,
    whitespace runs made one space (NFC comes when a block is built)."""
    if _UNCLEAN.search(text):
        text = text.translate(_CLEAN)
    return _SPACES.sub(" ", text)


def meaningful_title(title: str | None) -> str | None:
    """A metadata title worth showing, or None (empty, a file name, "untitled")."""
    if not title:
        return None
    title = unicodedata.normalize("NFC", clean(title)).strip()
    if len(title) < 2 or not any(c.isalpha() for c in title):
        return None
    if title.lower() in _NO_TITLE or _FILE_TITLE.search(title):
        return None
    return title


def is_page_number(text: str) -> bool:
    """A bare page number: "3", "- 3 -", "Page 3 sur 10", "3/10", "iv"."""
    return _PAGE_NUMBER.fullmatch(text.strip()) is not None


@dataclass(slots=True)
class _Line:
    text: str
    page: int
    x: float
    """Origin of the first character (left edge of the line)."""
    right: float
    base: float
    """Baseline (PDF space: grows upwards)."""
    size: float
    bold: bool
    word: float
    """Width of the first word."""
    hyphen: bool
    """Ends with a hyphen at the line break (removed from text)."""
    glue: bool = False
    """Ends with a hyphen after a non-letter ("--"): joined to the next line as is."""

    @property
    def style(self) -> tuple[float, bool]:
        return (round(self.size * 2) / 2, self.bold)


@dataclass(slots=True)
class _Para:
    first: _Line
    text: list[str]
    count: int = 1
    """Lines in the paragraph."""
    body_x: float | None = None
    """Leftmost start of its lines after the first."""
    hyphen: bool = False
    """Its last line ends with a hyphen at the line break."""

    def add(self, line: _Line) -> None:
        self.count += 1
        self.body_x = line.x if self.body_x is None else min(self.body_x, line.x)
        self.hyphen = line.hyphen


class _Page:
    """Reads the lines of one PDFium text page."""

    def __init__(self, raw: Any, textpage: Any, number: int) -> None:
        self.raw = raw
        self.tp = textpage
        self.number = number
        self._l = ctypes.c_double()
        self._r = ctypes.c_double()
        self._b = ctypes.c_double()
        self._t = ctypes.c_double()
        self._font = ctypes.create_string_buffer(128)
        self._flags = ctypes.c_int()

    def _box(self, i: int) -> tuple[float, float]:
        self.raw.FPDFText_GetCharBox(self.tp, i, self._l, self._r, self._b, self._t)
        return self._l.value, self._r.value

    def _bold(self, i: int) -> bool:
        if self.raw.FPDFText_GetFontWeight(self.tp, i) >= 600:
            return True
        n = self.raw.FPDFText_GetFontInfo(self.tp, i, self._font, len(self._font), self._flags)
        name = self._font.value[: max(n - 1, 0)].decode("latin-1").lower()
        return any(w in name for w in ("bold", "black", "heavy", "semibold", "demi"))

    def lines(self, text: str) -> list[_Line]:
        """The page's lines; ``text`` holds one character per PDFium char index."""
        raw, tp = self.raw, self.tp
        out: list[_Line] = []
        start = 0
        ends = [(m.start(), m.end(), m.group() in _PDFIUM_HYPHENS) for m in _BREAK.finditer(text)]
        ends.append((len(text), len(text), False))
        for end, after, marked in ends:
            seg_start, seg = start, text[start:end]
            start = after
            first = seg_start + (len(seg) - len(seg.lstrip()))
            last = seg_start + len(seg.rstrip()) - 1
            if last < first:
                continue
            line = clean(seg).strip()
            hyphen, glue = marked, False
            if not hyphen and line.endswith(_LINE_END_HYPHENS):
                if line[-2:-1].isalpha():
                    hyphen = True
                    line = line[:-1]
                else:
                    glue = not line[-2:-1].isspace()
            elif seg.rstrip().endswith("\u00ad"):
                hyphen = True  # a visible soft hyphen: clean() dropped it
            if not line:
                continue
            raw.FPDFText_GetCharOrigin(tp, first, self._l, self._b)
            x, base = self._l.value, self._b.value
            right = self._box(last)[1]
            space = seg.find(" ", first - seg_start)
            word_end = seg_start + space - 1 if space > 0 else last
            word = self._box(word_end)[1] - x
            mid = (first + last) // 2
            # The median of three: a footnote call or a drop cap does not make the line's size.
            size = sorted(raw.FPDFText_GetFontSize(tp, i) for i in (first, mid, last))[1]
            bold = self._bold(first) and self._bold(last)
            out.append(_Line(line, self.number, x, right, base, size, bold, word, hyphen, glue))
        return out


def _running_keys(pages: list[list[_Line]]) -> tuple[set[str], set[str]]:
    """Keys of lines repeated at the top / bottom of most pages."""
    top: Counter[str] = Counter()
    bottom: Counter[str] = Counter()
    for lines in pages:
        top.update({_key(ln.text) for ln in heapq.nlargest(2, lines, key=_base)})
        bottom.update({_key(ln.text) for ln in heapq.nsmallest(2, lines, key=_base)})
    need = max(3, (sum(1 for p in pages if p) + 1) // 2)
    return ({k for k, n in top.items() if n >= need}, {k for k, n in bottom.items() if n >= need})


def _base(line: _Line) -> float:
    return line.base


def _key(text: str) -> str:
    return _DIGITS.sub("#", text.lower())


def _strip_running(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Pages without their running headers, footers and page numbers."""
    top_keys, bottom_keys = _running_keys(pages)
    kept: list[list[_Line]] = []
    for lines in pages:
        drop = {
            id(ln)
            for ln in heapq.nlargest(2, lines, key=_base)
            if _key(ln.text) in top_keys or is_page_number(ln.text)
        } | {
            id(ln)
            for ln in heapq.nsmallest(2, lines, key=_base)
            if _key(ln.text) in bottom_keys or is_page_number(ln.text)
        }
        kept.append([ln for ln in lines if id(ln) not in drop])
    return kept


class _Metrics:
    """Document-wide measures: body size, usual pitch per size, column right edges."""

    def __init__(self, pages: list[list[_Line]]) -> None:
        sizes: Counter[float] = Counter()
        pitches: dict[float, Counter[float]] = defaultdict(Counter)
        for lines in pages:
            for prev, line in zip([None, *lines], lines, strict=False):
                sizes[line.style[0]] += len(line.text)
                if prev is not None and prev.style == line.style:
                    pitch = prev.base - line.base
                    if 0 < pitch < 3 * line.size:
                        pitches[line.style[0]][round(pitch * 2) / 2] += 1
        self.body = sizes.most_common(1)[0][0] if sizes else 10.0
        self.pitch: dict[float, float] = {}
        for size, counts in pitches.items():
            top = max(counts.values())
            # The tightest pitch that is common: paragraph gaps are the wider ones.
            self.pitch[size] = min(p for p, n in counts.items() if n >= max(2, top / 5) or n == top)
        ratio = self.pitch.get(self.body, 1.2 * self.body) / self.body
        self.ratio = ratio if 1.0 <= ratio <= 2.0 else 1.2

    def usual_pitch(self, size: float) -> float:
        return self.pitch.get(round(size * 2) / 2, self.ratio * size)


def _column_rights(lines: list[_Line]) -> dict[int, float]:
    """The rightmost edge of the lines starting at each left position of a page."""
    rights: dict[int, float] = {}
    for ln in lines:
        k = round(ln.x / 4)
        rights[k] = max(rights.get(k, ln.right), ln.right)
    return rights


def _new_paragraph(
    para: _Para, prev: _Line, line: _Line, metrics: _Metrics, rights: dict[int, float]
) -> bool:
    if prev.style != line.style:
        return True
    size = line.size
    # Last line stopped short after a sentence although the next word would fit.
    if prev.text.endswith(_SENTENCE_END) and not prev.hyphen:
        room = rights.get(round(prev.x / 4), prev.right) - prev.right
        if line.page == prev.page and line.word + 0.3 * size < room:
            return True
    centred = abs((line.x + line.right) - (prev.x + prev.right)) < 4 and line.x != prev.x
    body_x = prev.x if para.body_x is None else para.body_x
    if not centred and line.x > body_x + 0.6 * size:  # first-line indent
        return True
    if not centred and para.count > 1 and line.x < body_x - 0.6 * size:  # outdent
        return True
    if line.page != prev.page or line.base > prev.base:
        return False  # next page or column: the paragraph goes on unless told above
    pitch = prev.base - line.base
    return pitch > metrics.usual_pitch(size) + max(1.5, 0.25 * size)


def _compounds(pages: list[list[_Line]]) -> set[tuple[str, str]]:
    """Pairs of words joined by a hyphen somewhere in the document (mid-line)."""
    pairs: set[tuple[str, str]] = set()
    for lines in pages:
        for ln in lines:
            if "-" not in ln.text:
                continue
            for m in _COMPOUND.finditer(ln.text.lower()):
                parts = m.group().split("-")
                pairs.update(itertools.pairwise(parts))
    return pairs


def _join(left: str, right: str, compounds: set[tuple[str, str]]) -> str:
    """The text of a word hyphenated at a line end (hyphen already removed from left)."""
    if not right:
        return left
    first = right.split(" ", 1)[0]
    head = first.rstrip(".,;:!?…»)”\"'")
    last = left.rsplit(" ", 1)[-1]
    tail = re.split(r"[’'-]", last)[-1].lower()
    if (
        right[0].islower()
        and "-" not in head
        and "-" not in last
        and (tail, head.split("-", 1)[0].lower()) not in compounds
    ):
        return left + right
    return left + "-" + right


def _paragraphs(pages: list[list[_Line]], metrics: _Metrics) -> list[_Para]:
    compounds = _compounds(pages)
    paras: list[_Para] = []
    para: _Para | None = None
    prev: _Line | None = None
    for lines in pages:
        rights = _column_rights(lines)
        for line in lines:
            if para is None or prev is None or _new_paragraph(para, prev, line, metrics, rights):
                para = _Para(line, [line.text], hyphen=line.hyphen)
                paras.append(para)
            else:
                if prev.hyphen:
                    para.text[-1] = _join(para.text[-1], line.text, compounds)
                elif prev.glue:
                    para.text[-1] += line.text
                else:
                    para.text.append(line.text)
                para.add(line)
            prev = line
    return paras


def _blocks(paras: list[_Para], metrics: _Metrics) -> list[Block]:
    heads: list[tuple[_Para, str, float | None]] = []  # (para, text, size or None: bold)
    for para in paras:
        text = unicodedata.normalize("NFC", " ".join(para.text)).strip()
        if para.hyphen:
            text += "-"
        size = para.first.style[0]
        if size >= metrics.body * _HEADING_RATIO and len(text) <= _HEADING_MAX:
            heads.append((para, text, size))
        elif (
            para.first.bold
            and size >= metrics.body * 0.95
            and para.count <= _BOLD_HEADING_LINES
            and len(text) <= _BOLD_HEADING_MAX
            and not text.endswith(_HEADING_END)
        ):
            heads.append((para, text, None))
        else:
            heads.append((para, text, -1.0))
    ranks = sorted({s for _, _, s in heads if s is not None and s > 0}, reverse=True)
    level = {s: min(i + 1, 6) for i, s in enumerate(ranks)}
    bold_level = min(len(ranks) + 1, 6)
    blocks: list[Block] = []
    for para, text, rank in heads:
        if not text:
            continue
        if rank is None:
            blocks.append(Block(text, "heading", bold_level, para.first.page))
        elif rank > 0:
            blocks.append(Block(text, "heading", level[rank], para.first.page))
        else:
            blocks.append(Block(text, "paragraph", 0, para.first.page))
    return blocks


def _open(pdfium: Any, data: bytes) -> Any:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium.raw.FPDF_ERR_PASSWORD:
            raise ExtractionError("encrypted (needs a password)") from exc
        if code == pdfium.raw.FPDF_ERR_SECURITY:
            raise ExtractionError("encrypted (unsupported security handler)") from exc
        if b"%PDF-" not in data[:1024]:
            raise ExtractionError("not a PDF file (no %PDF header)") from exc
        reason = str(exc).rsplit("PDFium: ", 1)[-1].rstrip(").").lower() or "unreadable"
        raise ExtractionError(f"damaged PDF ({reason})") from exc


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


class PdfExtractor:
    """PDF through PDFium: paragraphs rebuilt from line geometry."""

    name = "PDF"
    suffixes = (".pdf",)
    paged = True

    def extract(self, data: bytes) -> Extracted:
        import pypdfium2 as pdfium

        doc = _open(pdfium, data)
        try:
            count = len(doc)
            if count > MAX_PAGES:
                raise ExtractionError(f"too many pages ({count}, at most {MAX_PAGES} are read)")
            try:
                meta = doc.get_metadata_dict(skip_empty=True)
            except pdfium.PdfiumError:
                meta = {}
            pages, empty, broken = self._read_pages(pdfium, doc, count)
        finally:
            doc.close()
        warnings: list[str] = []
        if broken:
            warnings.append(f"{_plural(broken, 'page')} unreadable (damaged PDF?)")
        if empty:
            warnings.append(f"{_plural(empty, 'page')} without text (scanned images?)")
        pages = _strip_running(pages)
        metrics = _Metrics(pages)
        blocks = _blocks(_paragraphs(pages, metrics), metrics)
        title = meaningful_title(meta.get("Title"))
        if title is None:
            title = next((b.text for b in blocks if b.kind == "heading"), None)
        return Extracted(title, blocks, tuple(warnings))

    @staticmethod
    def _read_pages(pdfium: Any, doc: Any, count: int) -> tuple[list[list[_Line]], int, int]:
        pages: list[list[_Line]] = []
        empty = broken = chars = 0
        for index in range(count):
            try:
                page = doc[index]
            except pdfium.PdfiumError:
                broken += 1
                pages.append([])
                continue
            try:
                textpage = page.get_textpage()
                try:
                    n = textpage.count_chars()
                    chars += max(n, 0)
                    if chars > MAX_CHARS:
                        raise ExtractionError(
                            f"too much text (over {MAX_CHARS // 1_000_000} million characters)"
                        )
                    text = _page_text(pdfium.raw, textpage, n)
                    lines = _Page(pdfium.raw, textpage, index + 1).lines(text) if text else []
                finally:
                    textpage.close()
            except pdfium.PdfiumError:
                broken += 1
                pages.append([])
                continue
            finally:
                page.close()
            empty += not lines
            pages.append(lines)
        return pages, empty, broken


def _page_text(raw: Any, textpage: Any, n: int) -> str:
    """The page's text, one character per PDFium char index."""
    if n <= 0:
        return ""
    text: str = textpage.get_text_range(0, n)
    if len(text) != n:  # characters outside the BMP: map index by index
        text = "".join(chr(raw.FPDFText_GetUnicode(textpage, i) or 0xFFFF) for i in range(n))
    return text


PDF = PdfExtractor()
