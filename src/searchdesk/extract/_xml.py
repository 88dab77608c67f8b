"""What the XML-based extractors (DOCX, ODT, EPUB, XHTML) share.

One secure parser configuration (no entity expansion, no network, no DTD, no
huge trees: no XXE and no billion laughs), reading a container's part with a
one-line error, the Dublin Core title, text cleaning, and heading levels
from style names resolved through a style's parent chain.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from . import ExtractionError

if TYPE_CHECKING:
    from ._zip import SafeZip

DC = "http://purl.org/dc/elements/1.1/"
#: Deepest heading level a block gets.
MAX_LEVEL = 6
#: Most styles followed up a parent chain (a loop or a hostile chain ends there).
MAX_CHAIN = 20

_HEADING = re.compile(r"(?:heading|titre)\s*([1-9])", re.IGNORECASE)
_TITLE = re.compile(r"(?:title|titre)", re.IGNORECASE)
_LIBXML_WHERE = re.compile(r"\s*\(<string>, line \d+\)$")

#: A style: its own heading level (None: not set), and its parent style.
Style = tuple[int | None, str | None]


class Damaged(ExtractionError):
    """A part whose XML does not parse."""


def secure_parser(**options: Any) -> Any:
    """An lxml ``XMLParser`` that resolves no entity and reads no network or DTD."""
    from lxml import etree

    settings = {"resolve_entities": False, "no_network": True, "load_dtd": False}
    settings.setdefault("huge_tree", False)
    return etree.XMLParser(**{**settings, **options})


def parse_part(pkg: SafeZip, name: str) -> Any:
    """A part's root element; :class:`Damaged` if it is not well-formed XML."""
    from lxml import etree

    raw = pkg.read(name)
    try:
        root = etree.fromstring(raw, secure_parser())
    except etree.XMLSyntaxError as exc:
        reason = _LIBXML_WHERE.sub("", str(exc).splitlines()[0] if str(exc) else "not XML")[:160]
        raise Damaged(f"damaged {pkg.kind} file ({name}: {reason})") from exc
    if root is None:
        raise Damaged(f"damaged {pkg.kind} file ({name} is empty)")
    return root


def dc_title(pkg: SafeZip, name: str) -> str | None:
    """The ``dc:title`` of a metadata part (``docProps/core.xml``, ``meta.xml``), if any."""
    if name not in pkg.names:
        return None
    try:
        root = parse_part(pkg, name)
    except Damaged:
        return None
    el = root.find(f".//{{{DC}}}title")
    if el is None:
        return None
    return clean(el.text or "") or None


def clean(text: str) -> str:
    """NFC text without soft hyphens, stripped."""
    return unicodedata.normalize("NFC", text.replace("\u00ad", "")).strip()


def level_of_name(name: str) -> int | None:
    """1-6 for ``Heading N`` / ``Titre N`` / ``Title`` / ``Titre``, None otherwise."""
    name = name.strip()
    if m := _HEADING.fullmatch(name):
        return min(int(m.group(1)), MAX_LEVEL)
    if _TITLE.fullmatch(name):
        return 1
    return None


def chain_level(
    styles: Mapping[str, Style], name: str, unknown: Callable[[str], int | None]
) -> int | None:
    """The first level set on ``name``'s parent chain (a style not defined in
    ``styles`` is judged by its name with ``unknown``); None if none is."""
    level: int | None = None
    current: str | None = name
    seen: set[str] = set()
    while current and current not in seen and len(seen) < MAX_CHAIN:
        seen.add(current)
        if current not in styles:
            return unknown(current)
        level, current = styles[current]
        if level is not None:
            break
    return level
