"""Turning engine dataclasses into Textual ``Content`` (never markup).

Document text goes into ``Content(text)``, which is not parsed as markup, after
control characters are removed; highlights are applied as spans. Names (source
labels, paths) go through :func:`searchdesk.paths.display_path`, which shows
controls and undecodable bytes escaped.
"""

from __future__ import annotations

from textual.content import Content

from ..errors import SearchdeskError
from ..highlight import segments, snippet
from ..models import Chunk, Hit, Span, place
from ..paths import display_path
from ..sanitize import escape, sanitize

MATCH_STYLE = "bold $text-warning"
SOURCE_STYLE = "$text-accent"
DIM_STYLE = "dim"
SNIPPET_CHARS = 160
#: Context shown around the previewed paragraph (characters of each neighbour).
CONTEXT_CHARS = 240


def highlighted(text: str, spans: tuple[Span, ...] = ()) -> Content:
    """Plain text with matched spans styled (control characters removed first)."""
    return Content("").join(
        Content(sanitize(seg.text)).stylize(MATCH_STYLE)
        if seg.matched
        else Content(sanitize(seg.text))
        for seg in segments(text, spans)
    )


def location(source: str, where: str) -> Content:
    """``source:12``, ``source p. 3`` or ``source ¶12``: ``where`` is a place
    (:func:`searchdesk.models.place`, ``Hit.place``), its number styled."""
    return Content.assemble(
        (display_path(source), SOURCE_STYLE), where[:1], (where[1:], "$text-success")
    )


def chunk_place(chunk: Chunk) -> str:
    """A chunk's place: ``:12`` (text), `` p. 3`` (PDF) or `` ¶12`` (other formats)."""
    return place(chunk.path, chunk.line, chunk.page)


def hit_prompt(hit: Hit) -> Content:
    """A results-list entry: ``source:line`` (or ``p. N``, ``¶N``), heading, badge, snippet."""
    head = location(hit.source, hit.place)
    if hit.heading:
        head += Content("  ") + Content(sanitize(hit.heading)).stylize("bold")
    if hit.also_in:
        head += Content(f"  ×{len(hit.also_in) + 1}").stylize("$text-secondary bold")
    snip = snippet(hit.text, hit.highlights, SNIPPET_CHARS)
    body = highlighted(snip.text, snip.spans)
    if snip.clipped_start:
        body = Content("…") + body
    if snip.clipped_end:
        body += Content("…")
    return Content("\n").join([head, body])


def chunk_content(chunk: Chunk, spans: tuple[Span, ...] = (), dim: bool = False) -> Content:
    content = highlighted(chunk.text, spans)
    return content.stylize(DIM_STYLE) if dim else content


def context(chunk: Chunk, before: bool) -> Content:
    """A dimmed neighbour: the end of the paragraph before, the start of the one after."""
    text = chunk.text
    if len(text) > CONTEXT_CHARS:
        text = "…" + _tail(text, CONTEXT_CHARS) if before else _head(text, CONTEXT_CHARS) + "…"
    return Content(sanitize(text)).stylize(DIM_STYLE)


def _head(text: str, limit: int) -> str:
    """At most ``limit`` characters from the start, cut at a word boundary."""
    cut = text[: limit + 1]
    space = cut.rfind(" ", 0, limit + 1)
    return (cut[:space] if space > 0 else text[:limit]).rstrip()


def _tail(text: str, limit: int) -> str:
    """At most ``limit`` characters from the end, starting at a word."""
    start = len(text) - limit
    space = text.find(" ", start - 1)
    return (text[space + 1 :] if 0 <= space < len(text) - 1 else text[start:]).lstrip()


def title(text: str) -> Content:
    return Content(sanitize(text))


def error_line(exc: BaseException) -> str:
    """One line for an error: the engine's message, an ``OSError``'s strerror and file."""
    if isinstance(exc, SearchdeskError):
        return escape(str(exc))
    if isinstance(exc, OSError) and exc.strerror:
        name = exc.filename
        if name is None:
            return escape(exc.strerror)
        shown = display_path(name) if isinstance(name, (str, bytes)) else escape(str(name))
        return f"{escape(exc.strerror)}: {shown}"
    return escape(f"{type(exc).__name__}: {exc}")
