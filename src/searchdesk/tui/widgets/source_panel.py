"""The sources panel: every document with its hit count, toggled to filter.

A filter box above the list narrows it as the user types (any source is
reachable, however many there are). At most :data:`MAX_ROWS` rows are drawn
(most hits first, plus every source that is on): drawing and measuring a row
costs ~0.2 ms on the UI thread, and man-fr has 2,411 sources, so a full list
stalled every keystroke by a third of a second. The list is an ``OptionList`` whose rows
draw their own on/off mark (``●`` on, ``○`` off), so the state never depends
on a colour alone.
"""

from __future__ import annotations

import unicodedata

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ...models import SourceInfo
from ...paths import display_path
from ...sanitize import sanitize_line
from .lists import QuietOptionList

ON_MARK = "●"
OFF_MARK = "○"
#: Rows drawn are kept (and measured once) up to this many.
ROW_CACHE = 20_000
#: Rows drawn at most; a last row says how many more the filter can reach.
MAX_ROWS = 100
#: Width used before the panel knows its own.
DEFAULT_WIDTH = 30


class SourceOption(Option):
    """One source row; ``value`` is the source label."""

    def __init__(self, prompt: Content, value: str) -> None:
        super().__init__(prompt, id=value)
        self.value = value


class SourceFilter(Input):
    """Type to narrow the sources panel; down moves into the list."""

    BINDINGS = [Binding("down", "focus_sources", "Sources", show=False)]

    def __init__(self) -> None:
        super().__init__(placeholder="filter sources…", id="source-filter", compact=True)

    def action_focus_sources(self) -> None:
        self.app.query_one(SourcePanel).focus()


class SourcePanel(QuietOptionList):
    """Sources with their hit counts; space or enter toggles a filter.

    Each row is two lines: the mark, the count and the title; then the file
    (its label, middle-elided to fit). Rows are sorted by count, then title.
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("space", "toggle_source", "Toggle", show=False),
    ]

    class Changed(Message):
        """The set of selected sources changed."""

    def __init__(self) -> None:
        super().__init__(id="sources")
        self._selected: list[str] = []
        self._infos: list[SourceInfo] = []
        self._facets: dict[str, int] | None = None
        self._filter = ""
        self._width = 0
        self._rows: dict[tuple[str, str, int, bool, int, int], Content] = {}
        #: source -> (shown title, its folded form, folded label), per list of infos.
        self._names: dict[str, tuple[str, str, str]] = {}
        self._names_of: list[SourceInfo] | None = None
        self._shown = 0

    @property
    def selected(self) -> list[str]:
        """The selected sources, in the order they were selected."""
        return list(self._selected)

    def deselect_all(self) -> None:
        if self._selected:
            self._selected = []
            self._rebuild()
            self.post_message(self.Changed())

    def toggle(self, source: str) -> None:
        if source in self._selected:
            self._selected.remove(source)
        else:
            self._selected.append(source)
        self._rebuild()
        self.post_message(self.Changed())

    def action_toggle_source(self) -> None:
        option = self.highlighted_option
        if isinstance(option, SourceOption):
            self.toggle(option.value)

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if isinstance(event.option, SourceOption):
            self.toggle(event.option.value)

    def on_focus(self) -> None:
        if self.highlighted is None and self.option_count:
            self.highlighted = 0  # space acts at once

    def set_filter(self, text: str) -> None:
        self._filter = text
        self._rebuild()
        if self.option_count:
            self.highlighted = 0

    def show_counts(self, infos: list[SourceInfo], facets: dict[str, int] | None) -> None:
        """New sources or counts (``facets`` is None without a query: counts are paragraphs)."""
        if infos is self._infos and facets == self._facets and self.option_count:
            return  # the same rows: a word grew by a letter and matched the same files
        self._infos = infos
        self._facets = facets
        known = {i.source for i in infos}
        self._selected = [s for s in self._selected if s in known]
        self._rebuild()

    def on_resize(self, event: events.Resize) -> None:
        if self.scrollable_content_region.width != self._width:
            self._rebuild()

    def _count(self, info: SourceInfo) -> int:
        return info.paragraphs if self._facets is None else self._facets.get(info.source, 0)

    def _rebuild(self) -> None:
        """Redraw the rows, keeping the cursor on the same source."""
        current = self.highlighted_option
        current_value = current.value if isinstance(current, SourceOption) else None
        self._width = self.scrollable_content_region.width
        width = max(self._width, 12) if self._width else DEFAULT_WIDTH
        names = self._folded_names()
        needle = _fold(self._filter.strip())
        rows: list[tuple[int, str, str, SourceInfo]] = []
        for info in self._infos:
            shown, folded, folded_name = names[info.source]
            if needle and needle not in folded and needle not in folded_name:
                continue
            rows.append((self._count(info), shown, folded, info))
        if self._facets is None:
            rows.sort(key=lambda r: (r[2], r[3].source))
        else:
            rows.sort(key=lambda r: (-r[0], r[2], r[3].source))
        kept = rows[:MAX_ROWS]
        on = set(self._selected)
        kept += [r for r in rows[MAX_ROWS:] if r[3].source in on]
        digits = max((len(str(r[0])) for r in kept), default=1)
        options: list[Option] = [
            SourceOption(self._row(count, shown, info, width, digits), info.source)
            for count, shown, _folded, info in kept
        ]
        self._shown = len(rows)
        if len(rows) > len(kept):
            more = f"… {len(rows) - len(kept):,} more: type in the filter above"
            options.append(Option(Content(more).stylize("dim italic"), disabled=True))
        self.clear_options()
        self.add_options(options)
        if current_value is not None:
            for index, option in enumerate(options):
                if isinstance(option, SourceOption) and option.value == current_value:
                    self.highlighted = index
                    break
        self._update_border()

    def _folded_names(self) -> dict[str, tuple[str, str, str]]:
        """Each source's shown title and folded forms, computed once per list of sources."""
        if self._names_of is not self._infos:
            shared = _shared_titles(self._infos)
            self._names = {}
            for info in self._infos:
                name = display_path(info.source)
                title = info.title
                shown = sanitize_line(name if title in shared or not title.strip() else title)
                self._names[info.source] = (shown, _fold(shown), _fold(name))
            self._names_of = self._infos
        return self._names

    def _row(self, count: int, shown: str, info: SourceInfo, width: int, digits: int) -> Content:
        """A row's prompt; the same row is the same ``Content``, whose measures are cached."""
        on = info.source in self._selected
        key = (info.source, shown, count, on, width, digits)
        row = self._rows.get(key)
        if row is None:
            if len(self._rows) > ROW_CACHE:
                self._rows.clear()
            row = self._rows[key] = self._draw_row(count, shown, info, width, digits, on)
        return row

    def _draw_row(
        self, count: int, shown: str, info: SourceInfo, width: int, digits: int, on: bool
    ) -> Content:
        mark = Content(ON_MARK).stylize("bold $text-success") if on else Content(OFF_MARK)
        number = Content(f"{count:>{digits}} ").stylize("bold $text-accent" if count else "dim")
        room = max(width - digits - 3, 4)
        name = Content(_clip_end(shown, room))
        if on:
            name = name.stylize("bold")
        elif not count:
            name = name.stylize("dim")
        file = _clip_middle(display_path(info.source), max(width - 3, 4))
        head = Content.assemble(mark, " ", number, name)
        return Content("\n").join([head, Content("  " + file).stylize("dim")])

    def _update_border(self) -> None:
        """The pane's border: sources (with hits, under a query), shown and on."""
        pane = self.parent if isinstance(self.parent, Widget) else self
        total = len(self._infos)
        if self._facets is None:
            pane.border_title = f"Sources {total}"
        else:
            with_hits = sum(1 for i in self._infos if self._facets.get(i.source, 0))
            pane.border_title = f"Sources {with_hits} with hits"
        parts = []
        if self._filter.strip():
            parts.append(f"{self._shown} shown")
        if self._selected:
            parts.append(f"{len(self._selected)} on")
        pane.border_subtitle = " · ".join(parts)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form, for the filter and sorting."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _clip_end(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _clip_middle(text: str, width: int) -> str:
    """``seeds/004_58e…baac30.txt``: the start and the end of a long name."""
    if len(text) <= width:
        return text
    keep = width - 1
    head = keep // 2
    return text[:head] + "…" + text[len(text) - (keep - head) :]


def _shared_titles(infos: list[SourceInfo]) -> set[str]:
    seen: set[str] = set()
    shared: set[str] = set()
    for info in infos:
        (shared if info.title in seen else seen).add(info.title)
    return shared
