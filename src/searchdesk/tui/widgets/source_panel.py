"""The sources panel: every document with its facet count, toggled to filter."""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.widgets import SelectionList
from textual.widgets.selection_list import Selection

from ...models import SourceInfo
from ...paths import display_path
from ...sanitize import sanitize_line


class SourcePanel(SelectionList[str]):
    """Sources (by title) with their hit counts; space or enter toggles a filter.

    Entries are one line each (SelectionList shows one line): the count, then
    the document's first line (its source name when other documents have the
    same first line). The highlighted source's name is the subtitle.
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("enter", "select", "Toggle", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="sources")
        self.border_title = "Sources"

    def show_counts(self, infos: list[SourceInfo], facets: dict[str, int] | None) -> None:
        """Rebuild the entries with fresh counts, keeping selections and the cursor.

        ``facets`` is None when there is no query: counts are then paragraphs.
        """
        selected = set(self.selected)
        current = self.highlighted
        current_value = self.get_option_at_index(current).value if current is not None else None
        entries: list[Selection[str]] = []
        ranked = _top(infos, facets, selected)
        shared = _shared_titles(infos)
        for info in ranked:
            count = info.paragraphs if facets is None else facets.get(info.source, 0)
            # The title names a document best, unless several share it (man
            # pages of one family): then the source does.
            name = display_path(info.source) if info.title in shared else sanitize_line(info.title)
            label = Content.assemble(
                (f"{count:<4}", "bold $text-accent" if count else "dim"),
                (name, "" if count else "dim"),
            )
            entries.append(Selection(label, info.source, info.source in selected))
        # Re-adding a selected entry posts SelectedChanged, which starts a search,
        # whose result comes back here: without this, one filter searched forever.
        with self.prevent(SelectionList.SelectedChanged):
            self.clear_options()
            self.add_options(entries)
        shown = len(ranked)
        self.border_title = "Sources" if shown == len(infos) else f"Sources {shown}/{len(infos)}"
        if current_value is not None:
            for index, entry in enumerate(entries):
                if entry.value == current_value:
                    self.highlighted = index
                    break


def _shared_titles(infos: list[SourceInfo]) -> set[str]:
    seen: set[str] = set()
    shared: set[str] = set()
    for info in infos:
        (shared if info.title in seen else seen).add(info.title)
    return shared


#: At most this many sources are listed (the selected ones always are).
MAX_SOURCES = 100


def _top(
    infos: list[SourceInfo], facets: dict[str, int] | None, selected: set[str]
) -> list[SourceInfo]:
    """Selected sources, then those with the most hits, in source order."""
    if len(infos) <= MAX_SOURCES:
        return infos
    if facets is None:
        keep = {i.source for i in infos[:MAX_SOURCES]}
    else:
        by_count = sorted(facets, key=lambda name: -facets[name])[:MAX_SOURCES]
        keep = set(by_count)
    keep |= selected
    return [i for i in infos if i.source in keep]
