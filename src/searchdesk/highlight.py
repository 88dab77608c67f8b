"""Highlights as data: which characters of a paragraph matched, and snippets.

The engine never produces markup. It returns ``(start, end)`` offsets of the
matched words in a paragraph's original text (found by ``explain.py``); front ends turn them into
colour, bold or plain-text markers. :func:`snippet` cuts a window around the
first matches of a long paragraph, for both front ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .models import Span


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text, matched or not: what a renderer styles."""

    text: str
    matched: bool


def segments(text: str, spans: Iterable[Span]) -> Iterator[Segment]:
    """Split ``text`` into alternating plain and matched segments."""
    pos = 0
    for start, end in spans:
        if start < pos:
            continue
        if start > pos:
            yield Segment(text[pos:start], False)
        yield Segment(text[start:end], True)
        pos = end
    if pos < len(text):
        yield Segment(text[pos:], False)


@dataclass(frozen=True, slots=True)
class Snippet:
    """A window of a paragraph, with spans relative to the window."""

    text: str
    spans: tuple[Span, ...]
    clipped_start: bool
    clipped_end: bool


def snippet(text: str, spans: tuple[Span, ...], max_chars: int = 320) -> Snippet:
    """A window of at most ``max_chars`` around the first match, cut at spaces."""
    if len(text) <= max_chars:
        return Snippet(text, spans, False, False)
    first = spans[0][0] if spans else 0
    start = max(0, first - max_chars // 4)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + max_chars)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + max_chars // 2 else end
    window = tuple((s - start, e - start) for s, e in spans if s >= start and e <= end)
    return Snippet(text[start:end], window, start > 0, end < len(text))
