"""EPUB books: the chapters of the spine, in reading order.

``META-INF/container.xml`` names the package document (OPF); its
``dc:title`` is the title, its manifest maps ids to files (relative to the
OPF's folder, URL-encoded) and its spine orders them. Each XHTML chapter is
read block by block (:func:`searchdesk.extract.html.blocks_from_html`): a
book has no page furniture to remove, so trafilatura is not used.

Every member is read through :class:`~searchdesk.extract._zip.SafeZip` (a zip
bomb is refused) and every XML file by a parser that neither resolves
entities nor reaches the network. A book whose chapters are encrypted (DRM,
listed in ``META-INF/encryption.xml``) is refused; obfuscated fonts alone
are not encryption of the text.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import unquote

from . import Block, Extracted, ExtractionError
from ._xml import secure_parser

CONTAINER = "META-INF/container.xml"
ENCRYPTION = "META-INF/encryption.xml"
_OPF_NS = "http://www.idpf.org/2007/opf"
_DC_NS = "http://purl.org/dc/elements/1.1/"
_CONTAINER_NS = "urn:oasis:names:tc:opendocument:xmlns:container"
_ENC_NS = "http://www.w3.org/2001/04/xmlenc#"
_XHTML_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/xml", "text/xml"})
_XHTML_SUFFIXES = (".xhtml", ".html", ".htm", ".xml")
#: Font obfuscation (IDPF, Adobe): fonts mangled against copying, text left clear.
_FONT_OBFUSCATION = frozenset(
    {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
)


def _parse_xml(data: bytes, what: str) -> Any:
    """An XML document parsed without entities or network; ExtractionError if broken."""
    from lxml import etree

    for recover in (False, True):
        parser = secure_parser(recover=recover, remove_comments=True, remove_pis=True)
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError:
            continue
        if root is not None:
            return root
    raise ExtractionError(f"damaged EPUB file ({what} is not XML)")


def _member(path: str, names: frozenset[str], folded: dict[str, str]) -> str | None:
    """The zip member a package path names (exact, else ignoring case)."""
    if path in names:
        return path
    return folded.get(path.casefold())


def _resolve(base: str, href: str) -> str:
    """A manifest href as a zip member path: relative to the OPF, URL-decoded."""
    href = unquote(href.split("#", 1)[0])
    path = posixpath.normpath(posixpath.join(base, href)) if base else posixpath.normpath(href)
    return path.lstrip("/")


class EpubExtractor:
    """EPUB 2 and 3 books (``.epub``)."""

    name = "EPUB"
    suffixes = (".epub",)
    paged = False

    def extract(self, data: bytes) -> Extracted:
        from ._zip import SafeZip
        from .html import blocks_from_html, clean

        book = SafeZip(data, "EPUB")
        folded = {name.casefold(): name for name in book.names}
        if CONTAINER not in book.names:
            raise ExtractionError(f"damaged EPUB file (no {CONTAINER})")
        container = _parse_xml(book.read(CONTAINER), CONTAINER)
        opf_path = None
        for rootfile in container.iter(f"{{{_CONTAINER_NS}}}rootfile", "rootfile"):
            full_path = rootfile.get("full-path")
            media = rootfile.get("media-type", "application/oebps-package+xml")
            if full_path and media == "application/oebps-package+xml":
                opf_path = full_path
                break
        if opf_path is None:
            raise ExtractionError("damaged EPUB file (no package document named)")
        opf_member = _member(unquote(opf_path).lstrip("/"), book.names, folded)
        if opf_member is None:
            raise ExtractionError(f"damaged EPUB file (no package document {opf_path})")
        opf = _parse_xml(book.read(opf_member), opf_member)
        base = posixpath.dirname(opf_member)

        title = None
        for element in opf.iter(f"{{{_DC_NS}}}title"):
            text = clean(element.xpath("string()"))  # without unresolved entities
            if text:
                title = text
                break

        manifest: dict[str, tuple[str, str]] = {}
        for item in opf.iter(f"{{{_OPF_NS}}}item", "item"):
            item_id, href = item.get("id"), item.get("href")
            if item_id and href:
                manifest[item_id] = (_resolve(base, href), item.get("media-type", ""))
        spine = [ref.get("idref", "") for ref in opf.iter(f"{{{_OPF_NS}}}itemref", "itemref")]
        if not spine:
            raise ExtractionError("damaged EPUB file (its spine is empty)")

        if ENCRYPTION in book.names and self._encrypted(
            _parse_xml(book.read(ENCRYPTION), ENCRYPTION), {p for p, _ in manifest.values()}
        ):
            raise ExtractionError("encrypted (DRM)")

        blocks: list[Block] = []
        warnings: list[str] = []
        seen: set[str] = set()
        for idref in spine:
            entry = manifest.get(idref)
            if entry is None:
                warnings.append(f"spine item {idref!r} is not in the manifest: skipped")
                continue
            path, media = entry
            if path in seen:
                continue
            seen.add(path)
            if media not in _XHTML_TYPES and not path.lower().endswith(_XHTML_SUFFIXES):
                continue  # an image or an SVG page: no text to read
            member = _member(path, book.names, folded)
            if member is None:
                warnings.append(f"chapter {path} is missing: skipped")
                continue
            blocks.extend(blocks_from_html(book.read(member), main_text=False, xhtml=True))
        if title is None:
            title = next((b.text for b in blocks if b.kind == "heading"), None)
        return Extracted(title, blocks, tuple(warnings))

    @staticmethod
    def _encrypted(encryption: Any, documents: set[str]) -> bool:
        """True when encryption.xml lists a file other than an obfuscated font."""
        for data in encryption.iter(f"{{{_ENC_NS}}}EncryptedData"):
            method = data.find(f"{{{_ENC_NS}}}EncryptionMethod")
            algorithm = method.get("Algorithm", "") if method is not None else ""
            if algorithm in _FONT_OBFUSCATION:
                continue
            for ref in data.iter(f"{{{_ENC_NS}}}CipherReference"):
                uri = unquote(ref.get("URI", "")).lstrip("/")
                if uri in documents or uri.lower().endswith(_XHTML_SUFFIXES):
                    return True
        return False


EPUB = EpubExtractor()
