"""Rendering engine results for the command line: text, ANSI colour, JSON.

Document text is never interpreted: control characters (escape sequences
included) are removed before anything reaches the terminal, and no markup
language is involved (colour is written as ANSI codes around plain text).
Names (sources, paths) are escaped by :func:`~searchdesk.paths.display_path`,
so a file name can neither forge a line nor hide its own characters. No
write can fail on encoding: what is rendered holds no undecodable byte, and
:func:`configure_output` makes the streams escape what their encoding lacks.
Rich is imported only for the indexing progress bar, and only on a terminal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from .highlight import segments, snippet
from .models import Hit, IndexProgress, IndexReport, IndexStats, SearchResult
from .paths import display_path
from .sanitize import escape_char, sanitize, sanitize_line

SNIPPET_CHARS = 320
PLAIN_MARK = "**"


class Style:
    """ANSI styles, or nothing when colour is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def source(self, text: str) -> str:
        return self._wrap("35", text)

    def line(self, text: str) -> str:
        return self._wrap("32", text)

    def heading(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def match(self, text: str) -> str:
        return self._wrap("1;31", text) if self.color else f"{PLAIN_MARK}{text}{PLAIN_MARK}"


def render_why(hit: Hit) -> str:
    """``why: utilisateur = « utilisateurs » (stem), …``: how each query word matched."""
    parts = [
        f"{sanitize_line(m.query)} = « {sanitize_line(m.matched)} » ({m.how})" for m in hit.why
    ]
    return "why: " + ", ".join(parts)


def render_hit(hit: Hit, style: Style, why: bool = False) -> str:
    place = hit.place
    lines = [f"{style.source(display_path(hit.source))}{place[0]}{style.line(place[1:])}"]
    if hit.heading:
        lines[0] += "  " + style.heading(sanitize_line(hit.heading))
    snip = snippet(hit.text, hit.highlights, SNIPPET_CHARS)
    body = "".join(
        style.match(sanitize(seg.text)) if seg.matched else sanitize(seg.text)
        for seg in segments(snip.text, snip.spans)
    )
    body = ("…" if snip.clipped_start else "") + body + ("…" if snip.clipped_end else "")
    lines.append("  " + body)
    if why and hit.why:
        lines.append(style.dim("  " + render_why(hit)))
    if hit.also_in:
        where = ", ".join(f"{display_path(loc.source)}{loc.place}" for loc in hit.also_in[:3])
        more = f" and {len(hit.also_in) - 3} more" if len(hit.also_in) > 3 else ""
        count = len(hit.also_in)
        noun = "location" if count == 1 else "locations"
        lines.append(style.dim(f"  also in {count} other {noun}: {where}{more}"))
    return "\n".join(lines)


def top_facets(facets: dict[str, int], limit: int) -> list[tuple[str, int]]:
    """The ``limit`` sources with the most hits, most first (ties by name)."""
    return sorted(facets.items(), key=lambda item: (-item[1], item[0]))[:limit]


def render_facets(facets: dict[str, int], limit: int, style: Style) -> str | None:
    """``sources: a 3  b 2  … and 1,121 more sources``, or None when there is nothing to show."""
    if not facets or limit <= 0:
        return None
    shown = top_facets(facets, limit)
    parts = [f"{style.source(display_path(name))} {count}" for name, count in shown]
    rest = len(facets) - len(shown)
    if rest:
        noun = "source" if rest == 1 else "sources"
        parts.append(style.dim(f"… and {rest:,} more {noun}"))
    return "sources: " + "  ".join(parts)


def render_result(result: SearchResult, style: Style, facets: int = 10, why: bool = False) -> str:
    """The human output of ``searchdesk query``: hits (with ``why``, how each
    query word matched), then the top ``facets`` sources by hits, then the total."""
    blocks = [render_hit(hit, style, why) for hit in result.hits]
    footer = render_facets(result.facets, facets, style)
    if footer:
        blocks.append(footer)
    shown = len(result.hits)
    noun = "hit" if result.total == 1 else "hits"
    more = f", {shown} shown" if shown < result.total else ""
    blocks.append(f"{result.total} {noun}{more} ({result.elapsed_ms:.0f} ms)")
    return "\n\n".join(blocks)


#: What :func:`render_json` escapes after ``json.dumps`` (which leaves these
#: raw): DEL, C1 controls, bidi marks and overrides, line separators, and
#: lone surrogates. They only ever occur inside JSON strings.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        # Not a character: the text \xNN, whose JSON starts with an escaped backslash.
        return "\\" + escape_char(char)
    return f"\\u{ord(char):04x}"


def render_json(result: SearchResult) -> str:
    r"""One JSON object: always valid UTF-8, and inert in a terminal.

    Strings are the engine's, unescaped beyond JSON's rules, except that DEL,
    C1 controls and bidi/line-separator characters are written as ``\uXXXX``
    escapes (same string once parsed), and a lone surrogate (an undecodable
    byte of a file name or of the query, as :func:`os.fsdecode` keeps it),
    which UTF-8 cannot encode and strict parsers refuse as ``\udcXX``, is
    written as the text ``\xNN``, as the human output shows it.
    """
    return _dumps(result.to_dict())


def _dumps(data: object) -> str:
    return _JSON_UNSAFE.sub(_json_escape, json.dumps(data, ensure_ascii=False))


def render_jsonl(result: SearchResult) -> Iterator[str]:
    """One JSON object per hit (the objects of ``hits`` in :func:`render_json`)."""
    for hit in result.hits:
        yield _dumps(hit.to_dict())


def render_vimgrep(path: str, line: int, column: int, hit: Hit) -> str:
    """``path:line:column:text``, as ``rg --vimgrep``: the paragraph on one line."""
    return f"{display_path(path)}:{line}:{column}:{sanitize_line(hit.text)}"


def configure_output(stdout: TextIO, stderr: TextIO, *, json_output: bool = False) -> None:
    """Make printing never raise ``UnicodeEncodeError``, whatever the locale.

    A character the stream's encoding lacks (``é`` under ``LC_ALL=C`` with
    ``PYTHONUTF8=0``, a lone surrogate under ``PYTHONIOENCODING=utf-8:strict``)
    is written as a backslash escape instead. JSON output is UTF-8 whatever
    the locale (RFC 8259 requires it; :func:`render_json` only ever emits
    characters UTF-8 can encode). Streams that cannot be reconfigured (a
    ``StringIO`` in tests) are left alone.
    """
    for stream in (stdout, stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        if stream is stdout and json_output:
            reconfigure(encoding="utf-8", errors="backslashreplace")
        else:
            reconfigure(errors="backslashreplace")


def render_report(report: IndexReport) -> str:
    parts = [
        f"{report.added} added",
        f"{report.updated} updated",
        f"{report.removed} removed",
        f"{report.unchanged} unchanged",
    ]
    extra = []
    if report.skipped:
        extra.append(f"{report.skipped} skipped")
    if report.other_encoding:
        extra.append(f"{report.other_encoding} read in another encoding")
    if report.problems:
        extra.append(f"{len(report.problems)} problems")
    tail = f" ({', '.join(extra)})" if extra else ""
    return (
        f"files: {', '.join(parts)}{tail}; "
        f"paragraphs: {report.total_paragraphs} ({report.paragraphs} written); "
        f"{report.seconds:.2f} s"
    )


def render_stats(stats: IndexStats, index_dir: str) -> str:
    import datetime as dt

    when = (
        dt.datetime.fromtimestamp(stats.last_update).strftime("%Y-%m-%d %H:%M:%S")
        if stats.last_update
        else "never"
    )
    return "\n".join(
        [
            f"index:                {display_path(index_dir)}",
            f"files:                {stats.files}",
            f"paragraphs:           {stats.paragraphs}",
            f"distinct paragraphs:  {stats.distinct_paragraphs}",
            f"terms:                {stats.terms}",
            f"size on disk:         {stats.size_bytes / 1e6:.1f} MB",
            f"last update:          {when}",
        ]
    )


@contextmanager
def progress_bar(stream: TextIO) -> Iterator[Callable[[IndexProgress], None] | None]:
    """A Rich progress bar on ``stream`` when it is a terminal, else nothing."""
    if not stream.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console = Console(file=stream)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("indexing", total=None)

        def update(p: IndexProgress) -> None:
            bar.update(task, completed=p.done, total=p.total)

        yield update
