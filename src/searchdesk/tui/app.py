"""The searchdesk Textual app: search as you type, facets, preview, detail.

Searches run in a thread worker (exclusive, so a newer query cancels an older
one), debounced by a timer; each carries a serial number and a result older
than the latest request is dropped, so a stale result is never shown.

Every engine call runs in a thread worker too (opening the index, its
sources, a preview's neighbours, a document, a file's path) and posts its
answer, or its error as one line, back to the UI: an index rebuilt or damaged
under the app never becomes a traceback. A timer looks at the index's marker
every :data:`WATCH_SECONDS`; when another process has changed the index, the
summary, the sources and the current results are reloaded.
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

from .. import store
from ..errors import IndexBuilding, SearchdeskError
from ..models import Hit, SearchResult, SourceInfo
from ..paths import display_path
from ..sanitize import escape
from ..searcher import SearchCancelled, SearchIndex
from .display import error_line
from .messages import (
    DetailLoaded,
    EditorTarget,
    EngineProblem,
    IndexChecked,
    IndexLoaded,
    IndexUnavailable,
    PreviewLoaded,
    SearchCompleted,
    SearchFailed,
)
from .screens import DetailScreen, HelpModal, NoIndexScreen
from .widgets import PreviewPane, QueryBox, ResultsList, SourcePanel, StatusLine

#: Delay between the last keystroke and the search.
DEBOUNCE_SECONDS = 0.15
#: Hits fetched per page; more are fetched when the cursor reaches the end.
PAGE_SIZE = 20
#: How often the index's marker is read to notice another process's update.
WATCH_SECONDS = 2.0


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
        self.marker: store.Marker | None = None
        """The marker of what the summary and sources show."""
        self.infos: list[SourceInfo] = []
        self.result: SearchResult | None = None
        self._serial = 0
        self._debounce: Timer | None = None
        self._limit = PAGE_SIZE
        self._loading = False
        self._stale = False
        """The last load failed: try again at the next look, even if the marker is the same."""
        self._problem: str | None = None
        """The index problem last shown (each is shown once)."""
        self._no_index: NoIndexScreen | None = None

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
        self.status.show_text(f"opening {display_path(str(self.index_dir))}…")
        self._load()
        self.set_interval(WATCH_SECONDS, self._watch)

    def on_unmount(self) -> None:
        if self.index is not None:
            self.index.close()

    # -- opening the index and following its changes ---------------------------

    def _load(self) -> None:
        self._loading = True
        self.load_index()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load_index(self) -> None:
        """Open the index (once) and read its marker and sources, off the UI thread."""
        worker = get_current_worker()
        index = self.index
        opened: SearchIndex | None = None
        try:
            marker = store.read_marker(self.index_dir)  # first: a later change is seen
            if index is None:
                index = opened = SearchIndex(self.index_dir)
            infos = index.sources()
        except Exception as exc:  # one line, never a traceback
            if opened is not None:
                opened.close()
            error = exc if isinstance(exc, SearchdeskError) else _unexpected(exc)
            waiting = isinstance(exc, IndexBuilding) and _building_elsewhere(self.index_dir)
            self.post_message(IndexUnavailable(error, waiting))
            return
        if worker.is_cancelled:
            if opened is not None:
                opened.close()
            return
        self.post_message(IndexLoaded(index, marker, infos))

    def on_index_loaded(self, message: IndexLoaded) -> None:
        self._loading = self._stale = False
        self._problem = None
        if self.index is None:
            self.index = message.index
        elif message.index is not self.index:
            message.index.close()  # two loads raced: keep the one already adopted
        changed = self.marker is not None and message.marker != self.marker
        self.marker = message.marker
        self.infos = message.infos
        self._close_no_index_screen()
        facets = self.result.facets if self.result is not None else None
        self.source_panel.show_counts(self.infos, facets)
        self._search_now(limit=self._limit)  # the current query, on the index as it is now
        if changed:
            files = len(self.infos)
            paragraphs = sum(i.paragraphs for i in self.infos)
            self.notify(
                f"The index changed: {files} files · {paragraphs} paragraphs",
                timeout=3,
                markup=False,
            )

    def on_index_unavailable(self, message: IndexUnavailable) -> None:
        self._loading = False
        self._stale = True
        self._show_index_problem(message.error, message.waiting)

    def _show_index_problem(self, error: SearchdeskError, waiting: bool = False) -> None:
        """Before the index opens: the no-index screen; after: one line, once."""
        text = escape(str(error))
        if self.index is None:
            self._problem = text
            if self._no_index is None:
                self._no_index = NoIndexScreen(self.index_dir, error, waiting)
                self.push_screen(self._no_index, self._index_created)
            else:
                self._no_index.show_problem(error, waiting)
            return
        if text != self._problem:
            self._problem = text
            self.status.show_text(text, error=True)
            self.notify(text, severity="error", timeout=8, markup=False)

    def _index_created(self, created: bool | None) -> None:
        self._no_index = None
        if created:
            self._load()

    def _close_no_index_screen(self) -> None:
        screen, self._no_index = self._no_index, None
        if screen is None or screen not in self.screen_stack:
            return
        while self.screen is not screen:  # e.g. the command palette over it
            self.pop_screen()
        screen.dismiss(False)

    def _watch(self) -> None:
        """Timer: look at the marker, unless a load or an in-app indexing run is under way."""
        if self._loading or (self._no_index is not None and self._no_index.busy):
            return
        self.check_index()

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def check_index(self) -> None:
        try:
            marker = store.read_marker(self.index_dir)
        except Exception as exc:  # one line, never a traceback
            error = exc if isinstance(exc, SearchdeskError) else _unexpected(exc)
            self.post_message(IndexChecked(None, error))
            return
        self.post_message(IndexChecked(marker))

    def on_index_checked(self, message: IndexChecked) -> None:
        if self._loading or (self._no_index is not None and self._no_index.busy):
            return
        if message.error is not None:
            self._show_index_problem(message.error)
            return
        if message.marker == self.marker and not self._stale and self._problem is None:
            return
        self._load()

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
        sources = tuple(self.source_panel.selected)
        self.run_search(self.index, self._serial, text, sources, limit)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(
        self, index: SearchIndex, serial: int, text: str, sources: tuple[str, ...], limit: int
    ) -> None:
        """Run one search off the UI thread and post its result."""
        worker = get_current_worker()
        try:
            result = index.search(
                text,
                limit=limit,
                sources=sources,
                prefix_last=True,
                should_stop=lambda: worker.is_cancelled,
            )
        except SearchCancelled:
            return  # superseded by a newer query
        except SearchdeskError as exc:
            self.post_message(SearchFailed(serial, error_line(exc)))
            return
        except Exception as exc:  # shown, never fatal
            self.post_message(SearchFailed(serial, f"search failed: {error_line(exc)}"))
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
        updated = self.marker.last_update if self.marker is not None else None
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
        self.source_panel.border_subtitle = display_path(str(event.selection.value))

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
        """Show the highlighted hit; its neighbours are read in a worker."""
        hit = self.results_list.current
        if hit is None or not self.preview.display or self.index is None:
            self.preview.show(hit)
            return
        self.load_preview(self.index, hit)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def load_preview(self, index: SearchIndex, hit: Hit) -> None:
        try:
            before, after = index.neighbours(hit.path, hit.ordinal)
        except Exception as exc:  # the hit is still shown, without its context
            self.post_message(PreviewLoaded(hit, None, None))
            self.post_message(EngineProblem(_engine_error(exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(PreviewLoaded(hit, before, after))

    def on_preview_loaded(self, message: PreviewLoaded) -> None:
        if self.results_list.current == message.hit:
            self.preview.show(message.hit, message.before, message.after)

    @on(OptionList.OptionSelected, "#results")
    def _hit_selected(self) -> None:
        hit = self.results_list.current
        if hit is None or self.index is None:
            return
        self.load_detail(self.index, hit, self.query_box.value)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self, index: SearchIndex, hit: Hit, text: str) -> None:
        """Read a hit's document and the query's matches in it, for the detail screen."""
        try:
            chunks = index.document(hit.path)
            matches = index.matches_in(hit.path, text, prefix_last=True)
        except Exception as exc:
            self.post_message(EngineProblem(_engine_error(exc)))
            return
        if not chunks:
            self.post_message(
                EngineProblem(
                    f"{display_path(hit.source)} is no longer in the index"
                    " (it changed since this search)",
                    "warning",
                )
            )
            return
        if not get_current_worker().is_cancelled:
            self.post_message(DetailLoaded(hit, chunks, matches))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        if len(self.screen_stack) == 1 and self.results_list.current == message.hit:
            self.push_screen(DetailScreen(message.hit, message.chunks, message.matches))

    def on_engine_problem(self, message: EngineProblem) -> None:
        """A worker's one-line error: a notification, and the status line for errors."""
        if message.severity == "error":
            self.status.show_text(message.text, error=True)
        self.notify(message.text, severity=message.severity, timeout=6, markup=False)

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
        citation = f"{display_path(source)}:{line}"
        self.copy_to_clipboard(f"{text}\n— {citation}")
        self.notify(f"Copied {citation}", timeout=2, markup=False)

    def action_open_in_editor(self) -> None:
        selected = self._selected_paragraph()
        if selected is None or self.index is None:
            return
        path, line, _text, source = selected
        self.find_file(self.index, path, line, source)

    @work(thread=True, exclusive=True, group="editor", exit_on_error=False)
    def find_file(self, index: SearchIndex, path: str, line: int, source: str) -> None:
        """The real path of a paragraph's file, if it still exists (else a warning)."""
        try:
            real = index.file_path(path)
        except Exception as exc:
            self.post_message(EngineProblem(_engine_error(exc)))
            return
        if real is None:
            self.post_message(
                EngineProblem(
                    f"{display_path(source)} is no longer in the index"
                    " (it changed since this search)",
                    "warning",
                )
            )
        elif not os.path.isfile(real):
            # An editor would create it (vi does): say so instead.
            self.post_message(
                EngineProblem(
                    f"{display_path(real)} no longer exists; run `searchdesk index`"
                    " to update the index",
                    "warning",
                )
            )
        else:
            self.post_message(EditorTarget(real, line))

    def on_editor_target(self, message: EditorTarget) -> None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        try:
            with self.suspend():
                subprocess.run(
                    [*shlex.split(editor), f"+{message.line}", message.path], check=False
                )
        except SuspendNotSupported:
            self.notify("this terminal cannot hand over to an editor", severity="error")
        except (OSError, ValueError) as exc:
            self.notify(
                f"cannot run {escape(editor)}: {error_line(exc)}", severity="error", markup=False
            )
        self.refresh()


def _unexpected(exc: BaseException) -> SearchdeskError:
    """A non-engine exception from an engine call, as a one-line error."""
    return SearchdeskError(f"cannot read the index: {error_line(exc)}")


def _building_elsewhere(index_dir: Path) -> bool:
    """Is another process building the index now (not an interrupted build)?"""
    try:
        return store.is_locked(index_dir)
    except OSError:
        return False


def _engine_error(exc: BaseException) -> str:
    return error_line(exc) if isinstance(exc, SearchdeskError) else str(_unexpected(exc))


def make_app(index_dir: Path, query: str | None = None) -> SearchdeskApp:
    """Build the app for the CLI and the tests."""
    return SearchdeskApp(index_dir, query=query)
