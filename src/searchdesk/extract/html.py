"""HTML pages: the main text of a saved article, or every block of a document.

A saved news page is mostly furniture (menus, teasers of other articles,
comments, cookie banners, footers): :mod:`trafilatura` finds its main text,
and its XML output (``<head rend="h2">``, ``<p>``, ``<list><item>``,
``<table><row><cell>``) gives the structure. A document-like page (an HTML
export of a report, a book chapter) has nothing to remove, and trafilatura
may drop a part of it; there the page is read block by block
(:func:`blocks_from_html`): headings with their level, paragraphs, list
items, table rows, quotations, without scripts, styles and page furniture.

The walk is driven by the parser's events (a SAX-like target), never by
recursion over a tree, so 10,000 nested ``<div>`` cost nothing and lose no
text. lxml and trafilatura are imported when a page is read, not when this
module is (trafilatura takes about 350 ms to import).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from . import Block, BlockKind, Extracted, ExtractionError
from ._xml import secure_parser

#: Pages with more text than this are not given to trafilatura, whose time
#: grows faster than the text (2 s for 0.9 M characters, 34 s for 6 M): they
#: are read block by block (0.3 s per MB). A news article is far shorter.
MAX_MAIN_TEXT_CHARS = 500_000
#: Nesting deeper than this truncates lxml's tree (libxml2's limit is 256), so
#: trafilatura would see part of the page: such a page is read block by block.
MAX_TREE_DEPTH = 200
#: When trafilatura keeps this share of the text of the block-by-block reading
#: or more, the page had no furniture to remove: the lossless reading is used.
DOCUMENT_COVERAGE = 0.9

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
#: Elements whose start and end end the paragraph being read.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center",
        "dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "header", "hgroup", "hr",
        "html", "legend", "li", "listing", "main", "menu", "nav", "ol", "p",
        "plaintext", "pre", "section", "summary", "table", "tbody", "tfoot",
        "thead", "tr", "ul", "xmp",
        *_HEADINGS,
    }
)  # fmt: skip
#: Never text: dropped with everything inside.
_ALWAYS_DROP = frozenset(
    {
        "applet", "audio", "button", "canvas", "datalist", "embed", "head",
        "iframe", "map", "meta", "link", "nav", "noscript", "object", "option",
        "script", "select", "style", "svg", "template", "textarea", "title",
        "video",
    }
)  # fmt: skip
#: Page furniture, dropped when reading a web page (kept in a book chapter).
#: A ``<header>`` inside an ``<article>``, ``<main>`` or ``<section>`` is the
#: heading of that part (its title, its byline) and is kept.
_FURNITURE = frozenset({"header", "footer", "aside", "form"})
_PARTS = frozenset({"article", "main", "section"})
_CELLS = frozenset({"td", "th"})
_CELL_SEPARATOR = " | "

#: trafilatura's XML elements, as the HTML elements the walk knows.
_TRAFILATURA_TAGS = {
    "doc": "html",
    "main": "body",
    "comments": "nav",  # never wanted (include_comments=False leaves it empty)
    "list": "ul",
    "item": "li",
    "quote": "blockquote",
    "row": "tr",
    "cell": "td",
    "lb": "br",
    "graphic": "img",
}

#: A paragraph announcing another article: "Lire aussi | …", "À lire aussi : …".
_TEASER = re.compile(
    r"(?:(?:[àa] )?lire (?:aussi|également|egalement)|voir aussi|sur le même sujet"
    r"|read (?:more|also))\s*[:|–—.-]|lire la suite\W*$",
    re.IGNORECASE,
)
_TEASER_MAX_CHARS = 300

_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
_WORD = re.compile(r"\w")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([-\w.:]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([-\w.:]+)""",
    re.IGNORECASE,
)
_TITLE_SEPARATORS = re.compile(r"\s+[-|–—·•:]\s+")


def clean(text: str) -> str:
    """NFC text without soft hyphens and zero-width marks, spaces made one."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(_INVISIBLE.sub("", text).split())


def decode_html(data: bytes) -> str:
    """The text of an HTML page.

    A byte order mark decides; else text that is valid UTF-8 is UTF-8 (text in
    another encoding hardly ever is, whatever its declaration says); else the
    declared charset (``<meta charset>`` or the XML declaration), with
    ISO-8859-1 and ASCII read as windows-1252 as browsers do; else
    windows-1252, the usual encoding of old French pages.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encoding = "cp1252"
    declared = _DECLARED.search(data[:8192])
    if declared:
        label = (declared.group(1) or declared.group(2)).decode("ascii", "replace")
        try:
            name = codecs.lookup(label).name
        except LookupError:
            name = "cp1252"
        if not name.startswith(("utf-16", "utf-32", "latin-1", "iso8859-1", "ascii")):
            encoding = name
    return data.decode(encoding, errors="replace")


def looks_binary(data: bytes) -> bool:
    """True for bytes that are no text: NUL bytes or many control characters."""
    head = data[:65536]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "<" not in decode_html(head[:4096])  # no tag: not HTML
    if b"\x00" in head:
        return True
    controls = sum(head.count(bytes([c])) for c in (*range(1, 9), 11, *range(14, 32)))
    return controls > len(head) // 20


class _Walker:
    """Parser target turning start/end/data events into blocks, in constant stack.

    Text is gathered until a block element starts or ends; it then becomes a
    heading (inside ``h1``–``h6``) or a paragraph. Dropped elements are
    counted, not skipped, since a target sees every event.
    """

    def __init__(self, *, furniture: bool, tags: Mapping[str, str] | None = None) -> None:
        self.blocks: list[Block] = []
        self.drop_furniture = furniture
        self.tags = tags
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, dropped here)
        self.dropping = 0
        self.in_parts = 0  # open <article>, <main>, <section>
        self.levels: list[int] = []  # open headings
        self.cell_pending = False
        self.has_text = False  # the paragraph being read has a visible character
        self.max_depth = 0
        # Title candidates.
        self.meta: dict[str, str] = {}
        self.title_parts: list[str] | None = None
        self.title: str | None = None
        self.h1_parts: list[str] | None = None
        self.h1: str | None = None

    def _name(self, tag: Any) -> str:
        if not isinstance(tag, str):  # comments and processing instructions
            return ""
        name = tag.rpartition("}")[2].lower()
        if self.tags is not None:
            if name == "head":
                return "h2"  # a trafilatura head: its level is in its rend
            name = self.tags.get(name, name)
        return name

    def start(self, tag: Any, attrib: Mapping[str, str]) -> None:
        name = self._name(tag)
        if self.tags is not None and tag == "head":
            rend = attrib.get("rend", "")
            name = rend if rend in _HEADINGS else "h2"
        dropped = self.dropping > 0 or name in _ALWAYS_DROP
        if not dropped and self.drop_furniture and name in _FURNITURE:
            dropped = name != "header" or self.in_parts == 0
        self.stack.append((name, dropped))
        self.max_depth = max(self.max_depth, len(self.stack))
        if name == "title" and self.title is None:
            self.title_parts = []
        elif name == "h1" and self.h1 is None:
            self.h1_parts = []
        elif name == "meta":
            key = attrib.get("property") or attrib.get("name") or ""
            content = attrib.get("content")
            if content and key.lower() in ("og:title", "og:site_name", "application-name"):
                self.meta.setdefault(key.lower(), clean(content))
        if dropped:
            self.dropping += 1
            return
        if name in _PARTS:
            self.in_parts += 1
        if name in _BLOCK_TAGS:
            self._flush()
            if name in _HEADINGS:
                self.levels.append(_HEADINGS[name])
        elif name in _CELLS:
            # Cells are joined by a separator, put before the next cell's text
            # (an empty cell adds none).
            self.cell_pending = self.has_text
        elif name == "br":
            self.parts.append(" ")

    def end(self, tag: Any) -> None:
        if not self.stack:
            return
        name, dropped = self.stack.pop()
        if name == "title" and self.title_parts is not None:
            self.title = clean("".join(self.title_parts)) or None
            self.title_parts = None
        elif name == "h1" and self.h1_parts is not None:
            self.h1 = clean("".join(self.h1_parts)) or None
            self.h1_parts = None
        if dropped:
            self.dropping -= 1
            return
        if name in _PARTS:
            self.in_parts -= 1
        if name in _BLOCK_TAGS:
            self._flush()
            if name in _HEADINGS and self.levels:
                self.levels.pop()
        elif name in _CELLS:
            self.parts.append(" ")

    def data(self, text: str) -> None:
        if self.title_parts is not None:
            self.title_parts.append(text)
        if self.h1_parts is not None:
            self.h1_parts.append(text)
        if self.dropping == 0:
            if not text.isspace():
                if self.cell_pending:
                    self.parts.append(_CELL_SEPARATOR)
                    self.cell_pending = False
                self.has_text = True
            self.parts.append(text)

    def comment(self, text: str) -> None:
        pass

    def close(self) -> None:
        self._flush()

    def _flush(self) -> None:
        self.cell_pending = self.has_text = False
        if not self.parts:
            return
        text = clean("".join(self.parts))
        self.parts.clear()
        if not _WORD.search(text):
            return
        kind: BlockKind = "heading" if self.levels else "paragraph"
        self.blocks.append(Block(text, kind, self.levels[-1] if self.levels else 0))


def _walk(data: bytes, *, furniture: bool, xhtml: bool) -> _Walker:
    """Read a page block by block (XHTML as XML first when asked, else as HTML)."""
    from lxml import etree

    if xhtml or data[:1024].lstrip().removeprefix(codecs.BOM_UTF8).startswith(b"<?xml"):
        walker = _Walker(furniture=furniture)
        parser = secure_parser(target=walker)
        try:
            etree.fromstring(data, parser)
            return walker
        except etree.XMLSyntaxError:
            pass  # not well-formed (or too deep, or HTML entities): read as HTML
    walker = _Walker(furniture=furniture)
    parser = etree.HTMLParser(
        target=walker, encoding="utf-8", no_network=True, remove_comments=True
    )
    text = decode_html(data).encode("utf-8")
    if text.strip():
        try:
            etree.fromstring(text, parser)
        except etree.XMLSyntaxError:  # nothing lxml could make a document of
            walker.close()
    return walker


def blocks_from_html(data: bytes, *, main_text: bool, xhtml: bool = False) -> list[Block]:
    """The blocks of an HTML page, in reading order.

    With ``main_text``, the page is a web page: its main text if trafilatura
    finds one (see :func:`extract_html`), else its blocks without page
    furniture (``header``, ``footer``, ``aside``, ``form``). Without, it is a
    document or a book chapter: every block, headings with their level,
    paragraphs, list items, table rows (cells joined by ``" | "``),
    quotations, preformatted text; scripts, styles, navigation and forms
    controls are dropped. ``xhtml`` tries an XML parser first (a self-closed
    ``<title/>`` or ``<script/>`` swallows the page in an HTML parser).
    """
    if main_text:
        return list(extract_html(data).blocks)
    return _walk(data, furniture=False, xhtml=xhtml).blocks


def _title(walker: _Walker) -> str | None:
    """The page's title: og:title or <title> without its site's name, else h1.

    "Article - Site" and "Site | Article" are trimmed when the page names its
    site (og:site_name) or when the rest is the page's own heading; a title
    whose pieces neither names stays whole.
    """
    site = walker.meta.get("og:site_name") or walker.meta.get("application-name")
    names = {site.casefold()} if site else set()
    own = {t.casefold() for t in (walker.h1, walker.meta.get("og:title")) if t}
    for candidate in (walker.meta.get("og:title"), walker.title):
        if not candidate:
            continue
        for sep in _TITLE_SEPARATORS.finditer(candidate):
            head, tail = candidate[: sep.start()], candidate[sep.end() :]
            if tail.casefold() in names or (
                head.casefold() in own and tail.casefold() != head.casefold()
            ):
                return head
            if head.casefold() in names or tail.casefold() in own:
                return tail
        return candidate
    return walker.h1


def _main_text(text: str) -> list[Block]:
    """trafilatura's main text of a page, as blocks ([] when it finds none)."""
    import trafilatura
    from lxml import etree

    try:
        xml = trafilatura.extract(
            text,
            output_format="xml",
            include_formatting=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            favor_recall=True,
            deduplicate=False,
            with_metadata=False,
        )
    except MemoryError:
        raise
    except Exception:  # trafilatura failing on a page (RecursionError too): read by blocks
        return []
    if not xml:
        return []
    walker = _Walker(furniture=False, tags=_TRAFILATURA_TAGS)
    parser = secure_parser(target=walker, huge_tree=True)
    try:
        etree.fromstring(xml.encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        return []
    return walker.blocks


def _is_teaser(block: Block) -> bool:
    return len(block.text) <= _TEASER_MAX_CHARS and _TEASER.match(block.text) is not None


def _chars(blocks: list[Block]) -> int:
    return sum(len(b.text) for b in blocks)


def extract_html(data: bytes) -> Extracted:
    """A web page's title and main text (see the module's documentation)."""
    if looks_binary(data):
        raise ExtractionError("not an HTML file (binary data)")
    walker = _walk(data, furniture=True, xhtml=False)
    title = _title(walker)
    document = walker.blocks
    blocks: list[Block] = []
    if _chars(document) <= MAX_MAIN_TEXT_CHARS and walker.max_depth <= MAX_TREE_DEPTH:
        blocks = _main_text(decode_html(data))
    if not blocks or _chars(blocks) >= DOCUMENT_COVERAGE * _chars(document):
        blocks = document
    else:
        blocks = [b for b in blocks if not _is_teaser(b)]
        # trafilatura leaves the article's title out of its text: it opens it again.
        head = title or walker.h1
        if head and blocks and not (blocks[0].kind == "heading" and blocks[0].text == head):
            blocks.insert(0, Block(head, "heading", 1))
    if title is None:
        title = next((b.text for b in blocks if b.kind == "heading"), None)
    return Extracted(title, blocks)


class HtmlExtractor:
    """Web pages and HTML documents (``.html``, ``.htm``, ``.xhtml``)."""

    name = "HTML"
    suffixes = (".html", ".htm", ".xhtml")
    paged = False

    def extract(self, data: bytes) -> Extracted:
        return extract_html(data)


HTML = HtmlExtractor()
