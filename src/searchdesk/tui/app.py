"""The searchdesk Textual app: search as you type, facets, preview, detail.

Searches run in a thread worker (exclusive, so a newer query cancels an older
one), debounced by a timer; each carries a serial number and a result older
than the latest request is dropped, so a stale result is never shown.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, SelectionList
from textual.worker import get_current_worker

from ..errors import IndexNotFound, SearchdeskError
from ..models import Hit, SearchResult, SourceInfo
from ..sanitize import sanitize
from ..searcher import SearchCancelled, SearchIndex
from .messages import SearchCompleted, SearchFailed
from .screens import DetailScreen, HelpModal, NoIndexScreen
from .widgets import PreviewPane, QueryBox, ResultsList, SourcePanel, StatusLine

#: Delay between the last keystroke and the search.
DEBOUNCE_SECONDS = 0.15
#: Hits fetched per page; more are fetched when the cursor reaches the end.
PAGE_SIZE = 20


class SearchdeskApp(App[int]):
    """Search a searchdesk index interactively."""

    TITLE = "searchdesk"
    CSS_PATH = "searchdesk.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("slash", "focus_query", "Search", show=False),
        Binding("ctrl+f", "focus_query", "Search", priority=True),
        Binding("question_mark,f1", "help", "Help"),
        Binding("ctrl+s", "apply_suggestion", "Use suggestion", priority=True),
        Binding("ctrl+r", "clear_filters", "Clear filters", priority=True),
        Binding("escape", "back_or_clear", "Back / clear", show=False),
        Binding("o", "open_in_editor", "Open in $EDITOR"),
        Binding("y", "copy_paragraph", "Copy"),
    ]

    def __init__(self, index_dir: Path, query: str | None = None) -> None:
        super().__init__()
        self.index_dir = index_dir
        self.initial_query = query or ""
        self.index: SearchIndex | None = None
        self.infos: list[SourceInfo] = []
        self.result: SearchResult | None = None
        self._serial = 0
        self._debounce: Timer | None = None
        self._limit = PAGE_SIZE

    # -- typed accessors -----------------------------------------------------

    @property
    def query_box(self) -> QueryBox:
        return self.query_one(QueryBox)

    @property
    def source_panel(self) -> SourcePanel:
        return self.query_one(SourcePanel)

    @property
    def results_list(self) -> ResultsList:
        return self.query_one(ResultsList)

    @property
    def preview(self) -> PreviewPane:
        return self.query_one(PreviewPane)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    # -- layout and start ----------------------------------------------------

    def compose(self) -> ComposeResult:
        yield QueryBox(self.initial_query)
        with Horizontal(id="panes"):
            yield SourcePanel()
            yield ResultsList()
            yield PreviewPane()
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_box.focus()
        self._open_index()

    def _open_index(self) -> None:
        try:
            self.index = SearchIndex(self.index_dir)
        except IndexNotFound as exc:
            self.push_screen(NoIndexScreen(self.index_dir, str(exc)), self._index_created)
            return
        except SearchdeskError as exc:
            self.status.show_text(str(exc), error=True)
            return
        self.infos = self.index.sources()
        self._search_now()

    def _index_created(self, created: bool | None) -> None:
        if created:
            self._open_index()

    def on_unmount(self) -> None:
        if self.index is not None:
            self.index.close()

    # -- searching -------------------------------------------------------------

    @on(Input.Changed, "#query")
    def _query_changed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._search_now)

    def _search_now(self, limit: int = PAGE_SIZE) -> None:
        if self.index is None:
            return
        self._serial += 1
        self._limit = limit
        text = self.query_box.value
        if not text.strip():
            self.result = None
            self.results_list.show_hits(())
            self.preview.show(None)
            self.source_panel.show_counts(self.infos, None)
            self._show_summary()
            return
        self.run_search(self._serial, text, tuple(self.source_panel.selected), limit)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, serial: int, text: str, sources: tuple[str, ...], limit: int) -> None:
        """Run one search off the UI thread and post its result."""
        assert self.index is not None
        worker = get_current_worker()
        try:
            result = self.index.search(
                text,
                limit=limit,
                sources=sources,
                prefix_last=True,
                should_stop=lambda: worker.is_cancelled,
            )
        except SearchCancelled:
            return  # superseded by a newer query
        except SearchdeskError as exc:
            self.post_message(SearchFailed(serial, str(exc)))
            return
        except Exception as exc:  # shown, never fatal
            self.post_message(SearchFailed(serial, f"search failed: {type(exc).__name__}: {exc}"))
            return
        if not worker.is_cancelled:
            self.post_message(SearchCompleted(serial, result))

    def on_search_completed(self, message: SearchCompleted) -> None:
        if message.serial != self._serial:
            return  # a newer search is under way: never show a stale result
        more = (
            self.result is not None
            and self.result.query == message.result.query
            and (self.result.sources == message.result.sources)
        )
        self.result = message.result
        self.results_list.show_hits(message.result.hits, keep_position=more)
        self.source_panel.show_counts(self.infos, message.result.facets)
        r = message.result
        self.status.show_result(r.total, r.elapsed_ms, r.sources, r.suggestion)
        self._update_preview()

    def on_search_failed(self, message: SearchFailed) -> None:
        if message.serial == self._serial:
            self.status.show_text(message.error, error=True)

    def _show_summary(self) -> None:
        """Empty query: what the index holds, in the status line and the results pane."""
        files = len(self.infos)
        paragraphs = sum(i.paragraphs for i in self.infos)
        assert self.index is not None
        updated = self.index.marker.last_update
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(updated)) if updated else "never"
        self.status.show_text(
            f"{files} files · {paragraphs} paragraphs · last update {when} · type to search"
        )
        self.results_list.show_summary(files, paragraphs, when, str(self.index_dir))

    @on(SelectionList.SelectedChanged, "#sources")
    def _sources_changed(self) -> None:
        self._search_now()

    @on(SelectionList.SelectionHighlighted, "#sources")
    def _source_highlighted(self, event: SelectionList.SelectionHighlighted[str]) -> None:
        self.source_panel.border_subtitle = sanitize(str(event.selection.value))

    # -- results and preview ---------------------------------------------------

    @on(OptionList.OptionHighlighted, "#results")
    def _hit_highlighted(self) -> None:
        self._update_preview()
        result = self.result
        index = self.results_list.current_index
        if (
            result is not None
            and index is not None
            and index >= len(self.results_list.hits) - 1
            and result.total > len(result.hits)
        ):
            self._search_now(limit=self._limit + PAGE_SIZE)

    def _update_preview(self) -> None:
        hit = self.results_list.current
        if hit is None or not self.preview.display:
            self.preview.show(hit)
            return
        assert self.index is not None
        before, after = self.index.neighbours(hit.path, hit.ordinal)
        self.preview.show(hit, before, after)

    @on(OptionList.OptionSelected, "#results")
    def _hit_selected(self) -> None:
        hit = self.results_list.current
        if hit is None or self.index is None:
            return
        chunks = self.index.document(hit.path)
        matches = self.index.matches_in(hit.path, self.query_box.value, prefix_last=True)
        self.push_screen(DetailScreen(hit, chunks, matches))

    # -- actions ---------------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p) lists searchdesk's own actions too."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("Search", "Focus the query box (/ or ctrl+f)", self.action_focus_query)
        yield SystemCommand(
            "Use suggestion",
            "Apply the 'did you mean' suggestion (ctrl+s)",
            self.action_apply_suggestion,
        )
        yield SystemCommand(
            "Clear filters", "Clear the source filters (ctrl+r)", self.action_clear_filters
        )
        yield SystemCommand(
            "Open in editor",
            "Open the paragraph's file in $EDITOR at its line (o)",
            self.action_open_in_editor,
        )
        yield SystemCommand(
            "Copy paragraph",
            "Copy the paragraph with its citation (y)",
            self.action_copy_paragraph,
        )
        yield SystemCommand("Help", "List every key (? or f1)", self.action_help)

    def action_focus_query(self) -> None:
        self.query_box.focus()

    def action_focus_results(self) -> None:
        self.results_list.focus()

    def action_help(self) -> None:
        self.push_screen(HelpModal())

    def action_apply_suggestion(self) -> None:
        if self.result is not None and self.result.suggestion:
            self.query_box.value = self.result.suggestion
            self.query_box.cursor_position = len(self.query_box.value)
            self._search_now()

    def action_clear_filters(self) -> None:
        if self.source_panel.selected:
            self.source_panel.deselect_all()

    def action_back_or_clear(self) -> None:
        if self.focused is self.query_box and self.query_box.value:
            self.query_box.value = ""
        else:
            self.query_box.focus()

    def _selected_paragraph(self) -> tuple[str, int, str, str] | None:
        """(path, line, text, source) of the paragraph under the cursor, if any."""
        if isinstance(self.screen, DetailScreen):
            chunk = self.screen.current
            if chunk is None:
                return None
            return chunk.path, chunk.line, chunk.text, chunk.source
        hit: Hit | None = self.results_list.current if self.result is not None else None
        if hit is None:
            return None
        return hit.path, hit.line, hit.text, hit.source

    def action_copy_paragraph(self) -> None:
        selected = self._selected_paragraph()
        if selected is None:
            return
        _path, line, text, source = selected
        self.copy_to_clipboard(f"{text}\n— {source}:{line}")
        self.notify(f"Copied {source}:{line}", timeout=2)

    def action_open_in_editor(self) -> None:
        selected = self._selected_paragraph()
        if selected is None or self.index is None:
            return
        path, line, _text, _source = selected
        real = self.index.file_path(path) or path
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        try:
            with self.suspend():
                subprocess.run([*shlex.split(editor), f"+{line}", real], check=False)
        except SuspendNotSupported:
            self.notify("this terminal cannot hand over to an editor", severity="error")
        except (OSError, ValueError) as exc:
            self.notify(f"cannot run {editor}: {exc}", severity="error")
        self.refresh()


def make_app(index_dir: Path, query: str | None = None) -> SearchdeskApp:
    """Build the app for the CLI and the tests."""
    return SearchdeskApp(index_dir, query=query)
