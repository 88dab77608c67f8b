"""ODT (LibreOffice, pandoc): headings and paragraphs of ``content.xml``.

``content.xml`` (and ``styles.xml``, ``meta.xml``, the manifest) are read
through :class:`~searchdesk.extract._zip.SafeZip` and parsed with lxml's secure
settings (no entity expansion, no network, no huge trees).

What is read, in document order: ``text:h`` (headings, by ``text:outline-level``)
and ``text:p`` (paragraphs), inside lists, tables, sections and text boxes (a
text box's paragraphs come after the paragraph that anchors it). A paragraph
whose style is, or is derived from, "Title" / "Titre" / "Heading N" / "Titre N"
is a heading too (pandoc and LibreOffice write the title as a ``text:p``).
Footnotes and endnotes (``text:note``) are taken out of their sentence and
appended as paragraphs after the body. Headers and footers live in
``styles.xml`` and are not read; neither are annotations, deleted text
(``text:tracked-changes``) nor generated indexes (a table of contents repeats
the headings).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import Block, Extracted, ExtractionError
from ._xml import MAX_LEVEL, Damaged, chain_level, clean, dc_title, level_of_name, parse_part

if TYPE_CHECKING:
    from ._zip import SafeZip

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
_MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"

_SPACES = re.compile(r"[ \t\r\n]+")


def _t(local: str) -> str:
    return f"{{{_TEXT}}}{local}"


_P = _t("p")
_H = _t("h")
_S = _t("s")
_NOTE = _t("note")
_NOTE_BODY = _t("note-body")
_BREAKS = {_t("tab"), _t("line-break")}
_STYLE_NAME = _t("style-name")
_OUTLINE = _t("outline-level")
#: Not body text, or a copy of it (indexes repeat headings; deleted text).
_SKIP = {
    _t("tracked-changes"),
    _t("table-of-content"),
    _t("alphabetical-index"),
    _t("illustration-index"),
    _t("table-index"),
    _t("object-index"),
    _t("user-index"),
    _t("bibliography"),
    _t("sequence-decls"),
    _t("variable-decls"),
    _t("user-field-decls"),
    _t("number"),
    _t("soft-page-break"),
    _t("ruby-text"),
    _t("note-citation"),
    f"{{{_OFFICE}}}annotation",
    f"{{{_OFFICE}}}annotation-end",
    f"{{{_OFFICE}}}forms",
    f"{{{_SVG}}}title",
    f"{{{_SVG}}}desc",
}


class _Odt:
    name = "ODT"
    suffixes = (".odt",)
    paged = False

    def extract(self, data: bytes) -> Extracted:
        from ._zip import SafeZip

        pkg = SafeZip(data, self.name)
        if _encrypted(pkg):
            raise ExtractionError("encrypted (needs a password)")
        content = parse_part(pkg, "content.xml")
        body = content.find(f"{{{_OFFICE}}}body/{{{_OFFICE}}}text")
        if body is None:
            raise ExtractionError("not an ODT text document (content.xml has no office:text)")
        warnings: list[str] = []
        parents: dict[str, tuple[int | None, str | None]] = {}
        if "styles.xml" in pkg.names:
            try:
                parents.update(_styles(parse_part(pkg, "styles.xml")))
            except Damaged:
                warnings.append("styles skipped (damaged): headings may be missing")
        parents.update(_styles(content))

        reader = _Reader(parents)
        reader.walk(body, reader.blocks)
        reader.blocks.extend(reader.notes)
        return Extracted(
            title=dc_title(pkg, "meta.xml") or reader.first_title,
            blocks=reader.blocks,
            warnings=tuple(warnings),
        )


def _encrypted(pkg: SafeZip) -> bool:
    """True when the manifest gives encryption data for some member."""
    name = "META-INF/manifest.xml"
    if name not in pkg.names:
        return False
    try:
        manifest = parse_part(pkg, name)
    except Damaged:
        return False
    return manifest.find(f".//{{{_MANIFEST}}}encryption-data") is not None


def _styles(root: Any) -> dict[str, tuple[int | None, str | None]]:
    """Paragraph styles: name → (heading level or None, parent style name)."""
    found: dict[str, tuple[int | None, str | None]] = {}
    family = f"{{{_STYLE}}}family"
    for style in root.iter(f"{{{_STYLE}}}style"):
        if style.get(family) != "paragraph":
            continue
        name = style.get(f"{{{_STYLE}}}name")
        if not name:
            continue
        display = style.get(f"{{{_STYLE}}}display-name") or name.replace("_20_", " ")
        level = level_of_name(display)
        found[name] = (level, style.get(f"{{{_STYLE}}}parent-style-name"))
    return found


class _Reader:
    """Walks ODF text, gathering blocks in reading order and notes aside."""

    def __init__(self, styles: dict[str, tuple[int | None, str | None]]) -> None:
        self.styles = styles
        self.blocks: list[Block] = []
        self.notes: list[Block] = []
        self.first_title: str | None = None
        self._levels: dict[str, int | None] = {}

    def walk(self, el: Any, out: list[Block]) -> None:
        """Blocks of a container (body, list, table, cell, section, frame, note)."""
        for child in el:
            tag = child.tag
            if tag in (_P, _H):
                self._paragraph(child, out)
            elif isinstance(tag, str) and tag not in _SKIP:
                self.walk(child, out)

    def _paragraph(self, p: Any, out: list[Block]) -> None:
        parts: list[str] = []
        boxes: list[Any] = []
        self._inline(p, parts, boxes)
        text = clean("".join(parts))
        if text:
            level = self._level(p)
            if level:
                out.append(Block(text, "heading", level))
                if level == 1 and self.first_title is None and out is self.blocks:
                    self.first_title = text
            else:
                out.append(Block(text))
        for box in boxes:
            self.walk(box, out)

    def _inline(self, el: Any, parts: list[str], boxes: list[Any]) -> None:
        if el.text:
            parts.append(_SPACES.sub(" ", el.text))
        for child in el:
            tag = child.tag
            if tag == _S:
                try:
                    count = int(child.get(_t("c"), "1"))
                except ValueError:
                    count = 1
                parts.append(" " * max(1, min(count, 1000)))
            elif tag in _BREAKS:
                parts.append(" ")
            elif tag == _NOTE:
                body = child.find(_NOTE_BODY)
                if body is not None:
                    self.walk(body, self.notes)
            elif not isinstance(tag, str) or tag in _SKIP:
                pass
            elif tag.startswith(f"{{{_DRAW}}}"):  # a frame, a text box, a shape's text
                boxes.append(child)
            else:  # span, link, field, bookmark, change mark, meta
                self._inline(child, parts, boxes)
            if child.tail:
                parts.append(_SPACES.sub(" ", child.tail))

    def _level(self, p: Any) -> int | None:
        if p.tag == _H:
            try:
                level = int(p.get(_OUTLINE, "1"))
            except ValueError:
                level = 1
            return min(max(level, 1), MAX_LEVEL)
        return self._style_level(p.get(_STYLE_NAME, ""))

    def _style_level(self, name: str) -> int | None:
        if name in self._levels:
            return self._levels[name]
        level = chain_level(self.styles, name, lambda n: level_of_name(n.replace("_20_", " ")))
        self._levels[name] = level
        return level


ODT = _Odt()
