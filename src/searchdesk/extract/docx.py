"""DOCX (Word, LibreOffice, pandoc): headings and paragraphs of the main document part.

The parts are read through :class:`~searchdesk.extract._zip.SafeZip` (one
inflation budget for the whole file) and parsed with lxml's secure settings;
python-docx is not used: it opens the zip itself and loads every part (images
included) with no size limit, and gives neither text boxes nor notes.

What is read, in body order: paragraphs, the paragraphs of table cells (row by
row, nested tables included), the paragraphs of text boxes (after the paragraph
that anchors them); then footnotes and endnotes, as paragraphs at the end.
Headers, footers, comments, deleted text and field codes are not body text.

A paragraph is a heading when its style, or a style it is based on
(``w:basedOn`` in ``word/styles.xml``), is named or identified ``Heading N`` /
``Titre N`` (level N) or ``Title`` / ``Titre`` (level 1), or gives an outline
level (``w:outlineLvl``, 0 to 8); the paragraph's own ``w:outlineLvl`` wins.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any

from . import Block, Extracted, ExtractionError
from ._xml import MAX_LEVEL, Damaged, chain_level, clean, dc_title, level_of_name, parse_part

if TYPE_CHECKING:
    from ._zip import SafeZip

_MAIN = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

#: The first bytes of an OLE2 compound file: a password-protected DOCX, or a .doc.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

#: lxml's "(<string>, line 1)" at the end of its messages.


class _Docx:
    name = "DOCX"
    suffixes = (".docx",)
    paged = False

    def extract(self, data: bytes) -> Extracted:
        if data.startswith(_OLE2):
            raise ExtractionError("encrypted or old Word format (.doc)")
        from ._zip import SafeZip

        pkg = SafeZip(data, self.name)
        main = _main_part(pkg)
        root = parse_part(pkg, main)
        w = _namespace(root)
        if w is None:
            raise ExtractionError(f"not a DOCX file ({main} is not a Word document)")
        rels = _relationships(pkg, main)
        warnings: list[str] = []

        styles: dict[str, tuple[int | None, str | None]] = {}
        styles_part = rels.get("styles")
        if styles_part in pkg.names:
            try:
                styles = _styles(parse_part(pkg, styles_part), w)
            except Damaged:
                warnings.append("styles skipped (damaged): headings may be missing")

        reader = _Reader(w, styles)
        body = root.find(f"{{{w}}}body")
        if body is not None:
            reader.walk(body)
        for kind in ("footnotes", "endnotes"):
            part = rels.get(kind)
            if part not in pkg.names:
                continue
            try:
                notes = parse_part(pkg, part)
            except Damaged:
                warnings.append(f"{kind} skipped (damaged)")
                continue
            for note in notes:
                # separator, continuationSeparator, continuationNotice: layout only
                if note.get(f"{{{w}}}type") in (None, "normal"):
                    reader.walk(note)

        return Extracted(
            title=dc_title(pkg, "docProps/core.xml") or reader.first_title,
            blocks=reader.blocks,
            warnings=tuple(warnings),
        )


def _main_part(pkg: SafeZip) -> str:
    """The main document part, as ``_rels/.rels`` names it (``word/document.xml``)."""
    if "_rels/.rels" in pkg.names:
        try:
            rels = parse_part(pkg, "_rels/.rels")
        except Damaged:
            rels = None
        if rels is not None:
            for rel in rels.iter(f"{{{_REL}}}Relationship"):
                if rel.get("Type", "").endswith("/officeDocument") and rel.get("Target"):
                    name = posixpath.normpath(rel.get("Target").lstrip("/"))
                    if name in pkg.names:
                        return name
    return "word/document.xml"


def _relationships(pkg: SafeZip, main: str) -> dict[str, str]:
    """Parts related to the main one, by relationship type: styles, footnotes, endnotes."""
    folder, base = posixpath.split(main)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    found = {kind: posixpath.join(folder, f"{kind}.xml") for kind in _RELATED}
    if rels_name not in pkg.names:
        return found
    try:
        rels = parse_part(pkg, rels_name)
    except Damaged:
        return found
    for rel in rels.iter(f"{{{_REL}}}Relationship"):
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        target = rel.get("Target")
        if kind in _RELATED and target and rel.get("TargetMode") != "External":
            if target.startswith("/"):
                found[kind] = posixpath.normpath(target.lstrip("/"))
            else:
                found[kind] = posixpath.normpath(posixpath.join(folder, target))
    return found


_RELATED = ("styles", "footnotes", "endnotes")


def _namespace(root: Any) -> str | None:
    """The WordprocessingML namespace of a ``w:document`` (transitional or strict)."""
    for ns in (_MAIN, _STRICT):
        if root.tag == f"{{{ns}}}document":
            return ns
    return None


def _styles(root: Any, w: str) -> dict[str, tuple[int | None, str | None]]:
    """Paragraph styles: id → (heading level, 0 for body text, or None; the id it is based on)."""
    own: dict[str, tuple[int | None, str | None]] = {}
    for style in root.iter(f"{{{w}}}style"):
        if style.get(f"{{{w}}}type", "paragraph") != "paragraph":
            continue
        sid = style.get(f"{{{w}}}styleId")
        if not sid:
            continue
        name_el = style.find(f"{{{w}}}name")
        name = name_el.get(f"{{{w}}}val", "") if name_el is not None else ""
        level = level_of_name(name) or level_of_name(sid)
        if level is None:
            level = _outline_level(style.find(f"{{{w}}}pPr"), w)
        based = style.find(f"{{{w}}}basedOn")
        own[sid] = (level, based.get(f"{{{w}}}val") if based is not None else None)
    return own


def _outline_level(ppr: Any, w: str) -> int | None:
    """The level a ``w:pPr`` gives with ``w:outlineLvl``: 1-6, 0 for body text, None if unset.

    ``w:outlineLvl`` counts from 0 (level 1) to 8; 9 says "body text", which
    stops the search through ``w:basedOn`` (Word's "TOC Heading" is based on
    "Heading 1" but is not in the outline).
    """
    if ppr is None:
        return None
    el = ppr.find(f"{{{w}}}outlineLvl")
    if el is None:
        return None
    try:
        value = int(el.get(f"{{{w}}}val", ""))
    except ValueError:
        return None
    if 0 <= value <= 8:
        return min(value + 1, MAX_LEVEL)
    return 0 if value == 9 else None


class _Reader:
    """Walks WordprocessingML, gathering blocks in reading order."""

    def __init__(self, w: str, styles: dict[str, tuple[int | None, str | None]]) -> None:
        self.w = w
        self.styles = styles
        self.blocks: list[Block] = []
        self.first_title: str | None = None
        self._levels: dict[str, int | None] = {}
        t = f"{{{w}}}"
        self.P = t + "p"
        self.PPR = t + "pPr"
        self.T = t + "t"
        self.TXBX = t + "txbxContent"
        self.SPACES = {t + "tab", t + "br", t + "cr", t + "ptab"}
        self.HYPHEN = t + "noBreakHyphen"
        self.SDT_PR = t + "sdtPr"
        # not body text: deleted runs, field codes, properties, section settings
        self.SKIP = {
            t + "del",
            t + "moveFrom",
            t + "instrText",
            t + "delInstrText",
            t + "rPr",
            t + "sectPr",
            t + "pPr",
            t + "tblPr",
            t + "trPr",
            t + "tcPr",
            t + "sdtPr",
            f"{{{_MC}}}Fallback",
        }

    def walk(self, el: Any) -> None:
        """Blocks of a container (body, cell, text box, note), in order."""
        for child in el:
            tag = child.tag
            if tag == self.P:
                self._paragraph(child)
            elif not isinstance(tag, str) or tag in self.SKIP or self._is_toc(child):
                continue
            else:  # tables, rows, cells, content controls, custom XML, inserted runs
                self.walk(child)

    def _is_toc(self, el: Any) -> bool:
        """A table of contents content control (it repeats the headings)."""
        if el.tag != f"{{{self.w}}}sdt":
            return False
        pr = el.find(self.SDT_PR)
        if pr is None:
            return False
        for gallery in pr.iter(f"{{{self.w}}}docPartGallery"):
            if "contents" in gallery.get(f"{{{self.w}}}val", "").lower():
                return True
        return False

    def _paragraph(self, p: Any) -> None:
        parts: list[str] = []
        boxes: list[Any] = []
        self._inline(p, parts, boxes)
        text = clean("".join(parts))
        if text:
            level = self._level(p)
            if level:
                self.blocks.append(Block(text, "heading", level))
                if level == 1 and self.first_title is None:
                    self.first_title = text
            else:
                self.blocks.append(Block(text))
        for box in boxes:
            self.walk(box)

    def _inline(self, el: Any, parts: list[str], boxes: list[Any]) -> None:
        for child in el:
            tag = child.tag
            if tag == self.T:
                parts.append(child.text or "")
            elif tag in self.SPACES:
                parts.append(" ")
            elif tag == self.HYPHEN:
                parts.append("-")
            elif tag == self.TXBX:
                boxes.append(child)
            elif not isinstance(tag, str) or tag in self.SKIP:
                continue
            elif tag == self.P:  # a paragraph inside a run: a shape's text
                boxes.append([child])
            else:
                self._inline(child, parts, boxes)

    def _level(self, p: Any) -> int | None:
        ppr = p.find(self.PPR)
        if ppr is None:
            return None
        own = _outline_level(ppr, self.w)
        if own is not None:
            return own or None
        style = ppr.find(f"{{{self.w}}}pStyle")
        if style is None:
            return None
        return self._style_level(style.get(f"{{{self.w}}}val", ""))

    def _style_level(self, sid: str) -> int | None:
        if sid in self._levels:
            return self._levels[sid]
        level = chain_level(self.styles, sid, level_of_name)
        self._levels[sid] = level or None
        return level or None


DOCX = _Docx()
