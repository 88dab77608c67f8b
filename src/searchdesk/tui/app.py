"""The searchdesk Textual app: search as you type, facets, preview, detail.

Searches run in a thread worker (exclusive, so a newer query cancels an older
one), debounced by a timer; each carries a serial number and a result older
than the latest request is dropped, so a stale result is never shown.

Every engine call runs in a thread worker too (opening the index, its
sources, a preview's neighbours, a document, a file's path) and posts its
answer, or its error as one line, back to the UI: an index rebuilt or damaged
under the app never becomes a traceback. Each of those answers carries a
serial number too: only the answer to the latest request is shown. A new
result is painted first; the preview of its first hit and the sources' counts
follow after that refresh. A timer looks at the index's marker
every :data:`WATCH_SECONDS`; when another process has changed the index, the
summary, the sources and the current results are reloaded.
"""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual._time import get_time  # the clock of Message.time
from textual.app import App, ComposeResult, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList
from textual.worker import get_current_worker

from .. import store
from ..errors import IndexBuilding, SearchdeskError
from ..extract import is_text
from ..models import Hit, SearchResult, SourceInfo, place
from ..paths import display_path
from ..sanitize import escape, sanitize_line
from ..searcher import SearchCancelled, SearchIndex
from .clipboard import (
    DESKTOP_OPENER,
    editor_command,
    editor_name,
    launch_detached,
    opener_command,
    system_copy,
)
from .display import error_line
from .messages import (
    CopyDone,
    DetailLoaded,
    EditorTarget,
    EngineProblem,
    GroupLoaded,
    IndexChecked,
    IndexLoaded,
    IndexUnavailable,
    OpenerTarget,
    PreviewLoaded,
    SearchCompleted,
    SearchFailed,
)
from .screens import DetailScreen, HelpModal, NoIndexScreen
from .widgets import PreviewPane, QueryBox, ResultsList, SourceFilter, SourcePanel, StatusLine

#: Delay between the last keystroke and the search.
DEBOUNCE_SECONDS = 0.15
#: Hits fetched per page; more are fetched when the cursor reaches the end.
PAGE_SIZE = 20
#: A preview or a document still being read after this long says so.
LOADING_SECONDS = 0.1
#: How often the index's marker is read to notice another process's update.
WATCH_SECONDS = 2.0
#: A desktop opener that has exited by then with a failure status is reported.
OPENER_CHECK_SECONDS = 2.0
#: Python's full garbage collections (50-200 ms of a stopped UI with Textual
#: and an index loaded) run after this many young ones (its default is 10),
#: so in practice only when the app collects itself, at a pause in the typing.
FULL_GC_EVERY = 1000
#: No keystroke for this long: a pause, when the app collects its garbage.
IDLE_GC_SECONDS = 1.5


@dataclass(frozen=True, slots=True)
class Paragraph:
    """The paragraph under the cursor (a hit, or a paragraph of the detail screen)."""

    path: str
    line: int
    page: int | None
    text: str
    source: str

    @property
    def place(self) -> str:
        """``:12``, `` p. 3`` or `` ¶12``: see :func:`searchdesk.models.place`."""
        return place(self.path, self.line, self.page)

    @property
    def where(self) -> str:
        """``source:12``, ``source p. 3`` or ``source ¶12``, as shown."""
        return f"{display_path(self.source)}{self.place}"


class SearchdeskApp(App[int]):
    """Search a searchdesk index interactively."""

    TITLE = "searchdesk"
    CSS_PATH = "searchdesk.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        # Outside a text field (a text field takes the key as a character).
        Binding("q", "quit", "Quit", show=False),
        Binding("slash", "focus_query", "Search", show=False),
        Binding("ctrl+f", "focus_query", "Search", show=False, priority=True),
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+s", "apply_suggestion", "Suggestion", priority=True),
        Binding("ctrl+r", "clear_filters", "Clear filters", priority=True),
        Binding(
            "ctrl+t",
            "toggle_all_words",
            "All words",
            priority=True,
            tooltip="Require every word (on), or show the paragraphs holding the most"
            " words when none holds them all (off, the default)",
        ),
        Binding("escape", "back_or_clear", "Back / clear", show=False),
        Binding(
            "o",
            "open_in_editor",
            "Open",
            tooltip="Open the file: .txt and .md in $SEARCHDESK_EDITOR or $EDITOR at the"
            f" line; PDF, DOCX, ODT, HTML, EPUB with $SEARCHDESK_OPENER or {DESKTOP_OPENER}",
        ),
        Binding("y", "copy_paragraph", "Copy"),
        Binding("g", "group_by_file", "Group"),
    ]

    #: Actions of the main screen only: hidden from the footer and inert elsewhere.
    MAIN_ACTIONS = frozenset(
        {
            "focus_query",
            "apply_suggestion",
            "clear_filters",
            "toggle_all_words",
            "back_or_clear",
            "focus_results",
            "group_by_file",
        }
    )

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
        self._reveal: Timer | None = None
        """Shows a search's result, come before the end of its debounce, at that end."""
        self._limit = PAGE_SIZE
        self._loading = False
        self._stale = False
        """The last load failed: try again at the next look, even if the marker is the same."""
        self._problem: str | None = None
        """The index problem last shown (each is shown once)."""
        self._no_index: NoIndexScreen | None = None
        self.all_words = False
        """ctrl+t: every word required (no fallback to the paragraphs with most words)."""
        self._preview_serial = 0
        self._preview_hit: Hit | None = None
        """The hit the preview shows, or is reading the neighbours of."""
        self._preview_pending = False
        self._preview_done = 0
        """The serial of the last preview shown (with or without its neighbours)."""
        self._detail_serial = 0
        self._detail_done = 0
        """The serial of the last document that came (or failed to)."""
        self._detail_notice: str | None = None
        """What the status line says while a document is slow to come."""
        self._open_serial = 0
        self._bindings_state: tuple[object, ...] | None = None
        self._active = 0.0
        """When the query or the results' cursor last moved (:func:`get_time`)."""
        self._gc_threshold: tuple[int, int, int] | None = None
        """Python's collection thresholds, while the app schedules full collections."""

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

    # -- which keys act now ---------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that would do nothing now are inert and left out of the footer."""
        main = len(self.screen_stack) == 1
        if action in self.MAIN_ACTIONS and not main:
            return False
        typing = isinstance(self.focused, Input)
        if action == "apply_suggestion":
            return self.result is not None and bool(self.result.suggestion)
        if action == "clear_filters":
            return bool(self.source_panel.selected)
        if action == "group_by_file":
            return not typing and self._has_hit()
        if action in ("open_in_editor", "copy_paragraph"):
            if isinstance(self.screen, DetailScreen):
                return True
            return main and not typing and self.index is not None and self._has_hit()
        return True

    def _has_hit(self) -> bool:
        return self.result is not None and self.results_list.current is not None

    # -- layout and start ----------------------------------------------------

    def compose(self) -> ComposeResult:
        yield QueryBox(self.initial_query)
        with Horizontal(id="panes"):
            with Vertical(id="sources-pane"):
                yield SourceFilter()
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
        self._release_gc()

    # -- garbage collection: at pauses, not while typing ------------------------

    def _schedule_gc(self) -> None:
        """Once the index is open: the objects made so far (Textual, the index's
        readers) are frozen, out of every later collection, and full collections
        are left to :meth:`_collect_when_idle`. A full collection walks every
        object and held the UI for 85-190 ms, often between a keystroke and
        its results."""
        if self._gc_threshold is not None:
            return
        self._gc_threshold = gc.get_threshold()
        young, middle, _full = self._gc_threshold
        gc.freeze()
        gc.set_threshold(young, middle, FULL_GC_EVERY)

    def _release_gc(self) -> None:
        threshold, self._gc_threshold = self._gc_threshold, None
        if threshold is not None:
            gc.set_threshold(*threshold)
            gc.unfreeze()

    def _collect_when_idle(self) -> None:
        """A full collection at a pause, if objects have aged since the last one."""
        if (
            self._gc_threshold is not None
            and gc.get_count()[2]
            and get_time() - self._active >= IDLE_GC_SECONDS
        ):
            gc.collect()

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
        if opened is not None:
            opened.warm()  # while the first keys are typed, not in their search

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
        self._schedule_gc()
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
        self._collect_when_idle()
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
    def _query_changed(self, event: Input.Changed) -> None:
        self._stop_timers()
        self._active = get_time()
        # The search under way is for a text the box no longer holds: stop it now
        # rather than when the next one starts, so it stops competing for the GIL
        # (and its result, or its error, is dropped however close it was).
        self._serial += 1
        self.workers.cancel_group(self, "search")
        if self.index is not None and event.value.strip():
            # Searched as soon as the keystroke is drawn (not while it is: the
            # search would compete with its echo for the GIL), shown when the
            # debounce ends, from the keystroke (the message's time): typing
            # looks the same, and the results come without the search's time.
            self.call_after_refresh(self._search_ahead, self._serial, event.time + DEBOUNCE_SECONDS)
        else:  # the index summary, or nothing to search yet
            self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._search_now)

    def _stop_timers(self) -> None:
        """A new request: the debounce under way and a result held for its time are dropped."""
        for timer in (self._debounce, self._reveal):
            if timer is not None:
                timer.stop()
        self._debounce = self._reveal = None

    def _search_ahead(self, serial: int, show_at: float) -> None:
        if serial == self._serial:  # no keystroke since
            self._search_now(show_at=show_at)

    def _search_now(self, limit: int = PAGE_SIZE, show_at: float | None = None) -> None:
        """Search for the query box's text now; its result is shown at once, or
        at ``show_at`` (a :func:`get_time` time) if it comes before."""
        if self.index is None:
            return
        if show_at is None:
            self._stop_timers()
        self._serial += 1
        self._limit = limit
        text = self.query_box.value
        if not text.strip():
            self.result = None
            self.results_list.show_hits(())
            self._clear_preview()
            self.source_panel.show_counts(self.infos, None)
            self._show_summary()
            return
        sources = tuple(self.source_panel.selected)
        self.run_search(self.index, self._serial, text, sources, limit, show_at)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(
        self,
        index: SearchIndex,
        serial: int,
        text: str,
        sources: tuple[str, ...],
        limit: int,
        show_at: float | None = None,
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
                all_words=self.all_words,
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
            self.post_message(SearchCompleted(serial, result, show_at))

    def on_search_completed(self, message: SearchCompleted) -> None:
        if message.serial != self._serial:
            return  # a newer search is under way: never show a stale result
        show_at = message.show_at
        if show_at is not None and show_at - get_time() > 0.001:
            # Early (typing may go on): its entries are drawn now, while the UI
            # is idle, and shown when the debounce ends, unless a key comes first.
            self.results_list.prepare(message.result.hits)
            # The wait is measured after drawing (tens of ms), not before: the
            # timer counts from now, and would otherwise fire that much late.
            wait = show_at - get_time()
            if wait > 0.001:
                self._reveal = self.set_timer(wait, lambda: self._show_search(message))
                return
        self._show_search(message)

    def _show_search(self, message: SearchCompleted) -> None:
        self._reveal = None
        if message.serial != self._serial:
            return
        more = (
            self.result is not None
            and self.result.query == message.result.query
            and (self.result.sources == message.result.sources)
        )
        self.result = message.result
        r = message.result
        if r.total == 0:
            self.results_list.show_empty(r.query, r.suggestion, len(r.sources))
        else:
            self.results_list.show_hits(r.hits, keep_position=more, facets=r.facets)
        # The hits first: the sources panel (tens of ms for hundreds of rows) is
        # redrawn once they are on screen.
        self.call_after_refresh(self.source_panel.show_counts, self.infos, r.facets)
        self._show_result_status()
        self._update_preview()  # after the refresh that paints the hits
        self._refresh_bindings()

    def _show_result_status(self) -> None:
        r = self.result
        if r is None:
            return
        self.status.show_result(
            r.total,
            r.elapsed_ms,
            r.sources,
            r.suggestion,
            words=None if r.matched_words is None else (r.matched_words, r.of_words or 0),
            all_words=self.all_words,
        )

    def _refresh_bindings(self) -> None:
        """Refresh the footer only when a key it shows may have turned on or off:
        the footer rebuilds its keys at each refresh (a layout pass of the whole
        screen), and this is called at every hit and every cursor move."""
        state = (
            len(self.screen_stack),
            type(self.screen),
            self.focused,
            self.index is not None,
            self.result is not None and bool(self.result.suggestion),
            bool(self.source_panel.selected),
            self._has_hit(),
        )
        if state != self._bindings_state:
            self._bindings_state = state
            self.refresh_bindings()

    def on_search_failed(self, message: SearchFailed) -> None:
        if message.serial == self._serial:
            self.status.show_text(message.error, error=True)
            # The status line cuts a long message: the notification shows it whole.
            self.notify(message.error, severity="error", timeout=10, markup=False)

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

    @on(SourcePanel.Changed)
    def _sources_changed(self) -> None:
        self._search_now()
        self._refresh_bindings()

    @on(Input.Changed, "#source-filter")
    def _source_filter_changed(self, event: Input.Changed) -> None:
        self.source_panel.set_filter(event.value)

    # -- results and preview ---------------------------------------------------

    @on(OptionList.OptionHighlighted, "#results")
    def _hit_highlighted(self) -> None:
        if not self.screen_stack or not self.screen_stack[0].query(ResultsList):
            return  # the app is closing: the list emptied as it was removed
        self._active = get_time()
        self._update_preview()
        self._refresh_bindings()
        result = self.result
        if result is not None and self.results_list.at_end and result.total > len(result.hits):
            self._search_now(limit=self._limit + PAGE_SIZE)

    def action_group_by_file(self) -> None:
        """``g``: one entry per file (its best paragraph, "+N more here"), or back to flat."""
        grouped = not self.results_list.grouped
        self.results_list.set_grouped(grouped)
        self.results_list.focus()
        how = "grouped by file: space expands a file" if grouped else "one entry per paragraph"
        self.notify(f"Results {how}", timeout=2)

    @on(ResultsList.ExpandRequested)
    def _expand_group(self, event: ResultsList.ExpandRequested) -> None:
        source = self.results_list.toggle_group()
        result = self.result
        if source is None or result is None or self.index is None:
            return
        count = result.facets.get(source, 0)
        self.load_group(self.index, self._serial, result.query, source, count)

    @work(thread=True, group="group", exit_on_error=False)
    def load_group(
        self, index: SearchIndex, serial: int, text: str, source: str, count: int
    ) -> None:
        """Every hit of one file, for its expanded group."""
        try:
            result = index.search(
                text,
                limit=max(count, 1),
                sources=(source,),
                prefix_last=True,
                all_words=self.all_words,
            )
        except Exception as exc:
            self.post_message(EngineProblem(_engine_error(exc)))
            return
        self.post_message(GroupLoaded(serial, source, result.hits))

    def on_group_loaded(self, message: GroupLoaded) -> None:
        if message.serial == self._serial:
            self.results_list.show_group(message.source, message.hits)

    def _update_preview(self) -> None:
        """Preview the highlighted hit, once the screen is refreshed: the hits (or
        the cursor) are painted first. Several calls before that refresh are one."""
        if not self._preview_pending:
            self._preview_pending = self.call_after_refresh(self._preview_now)

    def _preview_now(self) -> None:
        self._preview_pending = False
        try:
            hit = self.results_list.current
            shown = self.preview.display
        except NoMatches:
            return  # the app is closing: its screen is gone
        if hit is not None and hit is self._preview_hit:
            return  # shown, or its neighbours are being read
        if hit is None or not shown or self.index is None:
            self._clear_preview(hit)
            return
        self._preview_serial += 1
        serial = self._preview_serial
        self._preview_hit = hit
        self.load_preview(self.index, serial, hit)
        self.set_timer(LOADING_SECONDS, lambda: self._preview_slow(serial, hit))

    def _clear_preview(self, hit: Hit | None = None) -> None:
        """Show ``hit`` without its neighbours (or nothing); a load under way is dropped."""
        self._preview_serial += 1
        self._preview_done = self._preview_serial
        self._preview_hit = None  # a preview without neighbours is redone when it is shown
        self.preview.show(hit)

    def _preview_slow(self, serial: int, hit: Hit) -> None:
        """The neighbours are slow to come: show the paragraph itself meanwhile."""
        if serial == self._preview_serial and self._preview_done != serial:
            with contextlib.suppress(NoMatches):
                self.preview.show(hit, loading=True)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def load_preview(self, index: SearchIndex, serial: int, hit: Hit) -> None:
        try:
            before, after = index.neighbours(hit.path, hit.ordinal)
        except Exception as exc:  # the hit is still shown, without its context
            self.post_message(PreviewLoaded(serial, hit, None, None))
            self.post_message(EngineProblem(_engine_error(exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(PreviewLoaded(serial, hit, before, after))

    def on_preview_loaded(self, message: PreviewLoaded) -> None:
        if message.serial != self._preview_serial:
            return  # the cursor has moved on: a newer preview is on its way
        self._preview_done = message.serial
        with contextlib.suppress(NoMatches):  # the app is closing: its screen is gone
            self.preview.show(message.hit, message.before, message.after)

    @on(OptionList.OptionSelected, "#results")
    def _hit_selected(self) -> None:
        hit = self.results_list.current
        if hit is None or self.index is None:
            return
        self._detail_serial += 1
        serial = self._detail_serial
        self.load_detail(self.index, serial, hit, self.query_box.value)
        self.set_timer(LOADING_SECONDS, lambda: self._detail_slow(serial, hit))

    def _detail_slow(self, serial: int, hit: Hit) -> None:
        """The document is slow to come: say it is being read."""
        if serial == self._detail_serial != self._detail_done and len(self.screen_stack) == 1:
            self._detail_notice = f"reading {display_path(hit.source)}…"
            with contextlib.suppress(NoMatches):
                self.status.show_text(self._detail_notice)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self, index: SearchIndex, serial: int, hit: Hit, text: str) -> None:
        """Read a hit's document and the query's matches in it, for the detail screen."""
        try:
            chunks = index.document(hit.path)
            matches = index.matches_in(hit.path, text, prefix_last=True, all_words=self.all_words)
        except Exception as exc:
            self.post_message(EngineProblem(_engine_error(exc)))
            self.post_message(DetailLoaded(serial, hit, [], {}))
            return
        if not chunks:
            self.post_message(
                EngineProblem(
                    f"{display_path(hit.source)} is no longer in the index"
                    " (it changed since this search)",
                    "warning",
                )
            )
        if not get_current_worker().is_cancelled:
            self.post_message(DetailLoaded(serial, hit, chunks, matches))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        if message.serial != self._detail_serial:
            return  # another hit was opened since
        self._detail_done = message.serial
        notice, self._detail_notice = self._detail_notice, None
        if notice is not None and self.status.text == notice:
            self._show_result_status()  # unless an error has taken its place
        if (
            message.chunks
            and len(self.screen_stack) == 1
            and self.results_list.current == message.hit
        ):
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
            "Open file",
            "Open the paragraph's file: .txt/.md in $EDITOR at its line, PDF, DOCX, ODT,"
            f" HTML, EPUB with $SEARCHDESK_OPENER or {DESKTOP_OPENER} (o)",
            self.action_open_in_editor,
        )
        yield SystemCommand(
            "Copy paragraph",
            "Copy the paragraph with its citation (y)",
            self.action_copy_paragraph,
        )
        yield SystemCommand(
            "Group by file",
            "One entry per file, its best paragraph first; space expands (g)",
            self.action_group_by_file,
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

    def action_toggle_all_words(self) -> None:
        """``ctrl+t``: require every word, or fall back to the paragraphs with most words."""
        self.all_words = not self.all_words
        how = (
            "every word required"
            if self.all_words
            else "when no paragraph holds every word, those with the most are shown"
        )
        self.notify(f"Search: {how}", timeout=3)
        if self.query_box.value.strip():
            self._search_now()

    def action_clear_filters(self) -> None:
        if self.source_panel.selected:
            self.source_panel.deselect_all()

    def action_back_or_clear(self) -> None:
        focused = self.focused
        if isinstance(focused, (QueryBox, SourceFilter)) and focused.value:
            focused.value = ""
        else:
            self.query_box.focus()

    def _selected_paragraph(self) -> Paragraph | None:
        """The paragraph under the cursor, if any."""
        if isinstance(self.screen, DetailScreen):
            chunk = self.screen.current
            if chunk is None:
                return None
            return Paragraph(chunk.path, chunk.line, chunk.page, chunk.text, chunk.source)
        hit: Hit | None = self.results_list.current if self.result is not None else None
        if hit is None:
            return None
        return Paragraph(hit.path, hit.line, hit.page, hit.text, hit.source)

    def citation(self, source: str, where: str) -> str:
        """``Title, source:12`` (text), ``Title, source p. 3`` (PDF) or ``Title,
        source ¶12``: ``where`` is the place; the title is the one the engine
        recorded (the document's metadata, ``<title>`` or first heading)."""
        located = f"{display_path(source)}{where}"
        for info in self.infos:
            if info.source == source and info.title.strip():
                return f"{sanitize_line(info.title.strip())}, {located}"
        return located

    def action_copy_paragraph(self) -> None:
        selected = self._selected_paragraph()
        if selected is None:
            return
        citation = self.citation(selected.source, selected.place)
        copied = f"{selected.text}\n— {citation}"
        self.copy_to_clipboard(copied)  # OSC 52: the terminal may or may not take it
        self.copy_with_tool(copied, selected.where)

    @work(thread=True, exclusive=True, group="copy", exit_on_error=False)
    def copy_with_tool(self, text: str, where: str) -> None:
        tool, problem = system_copy(text)
        self.post_message(CopyDone(where, tool, problem))

    def on_copy_done(self, message: CopyDone) -> None:
        if message.tool is not None:
            how = f"with {message.tool} and the terminal (OSC 52)"
        elif message.problem is not None:
            how = f"to the terminal (OSC 52) only; {message.problem}"
        else:
            how = "to the terminal (OSC 52) only: no wl-copy, xclip, xsel or pbcopy found"
        severity: SeverityLevel = "information" if message.tool is not None else "warning"
        self.notify(f"Copied {message.citation} {how}", severity=severity, timeout=4, markup=False)

    def action_open_in_editor(self) -> None:
        """``o``: a text file in the editor at the line, any other with the desktop's opener."""
        selected = self._selected_paragraph()
        if selected is None or self.index is None:
            return
        self._open_serial += 1
        self.find_file(self.index, self._open_serial, selected)

    @work(thread=True, exclusive=True, group="editor", exit_on_error=False)
    def find_file(self, index: SearchIndex, serial: int, paragraph: Paragraph) -> None:
        """The real path of a paragraph's file, if it still exists (else a warning)."""
        source = paragraph.source
        try:
            real = index.file_path(paragraph.path)
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
        elif is_text(paragraph.path):
            self.post_message(EditorTarget(serial, real, paragraph.line))
        else:
            self.post_message(OpenerTarget(serial, real, paragraph.page, source))

    def on_editor_target(self, message: EditorTarget) -> None:
        if message.serial != self._open_serial:
            return  # o was pressed again since: that file is opened instead
        editor = editor_name()
        try:
            command = editor_command(message.path, message.line)
            with self.suspend():
                subprocess.run(command, check=False)
        except SuspendNotSupported:
            self.notify("this terminal cannot hand over to an editor", severity="error")
        except (OSError, ValueError) as exc:
            self.notify(
                f"cannot run {escape(editor)}: {error_line(exc)}", severity="error", markup=False
            )
        self.refresh()

    def on_opener_target(self, message: OpenerTarget) -> None:
        """Open a PDF, DOCX… with the desktop's opener, detached: the app stays on screen."""
        if message.serial != self._open_serial:
            return  # o was pressed again since: that file is opened instead
        name = display_path(message.source)
        try:
            opener = opener_command(message.path, message.page)
        except ValueError as exc:  # a template shlex cannot split
            self.notify(
                f"cannot run $SEARCHDESK_OPENER: {escape(str(exc))}",
                severity="error",
                markup=False,
            )
            return
        if opener is None:
            self.notify(
                f"No desktop opener ({DESKTOP_OPENER}) to open {name}:"
                " set $SEARCHDESK_OPENER, e.g. 'evince -i {page} {path}'",
                severity="warning",
                timeout=8,
                markup=False,
            )
            return
        try:
            process = launch_detached(opener.command)
        except (OSError, ValueError) as exc:
            self.notify(
                f"cannot run {escape(opener.name)}: {error_line(exc)}",
                severity="error",
                markup=False,
            )
            return
        page = f" p. {message.page}" if message.page is not None else ""
        if opener.at_page or not page:
            text = f"Opened {name}{page} with {escape(opener.name)}"
        else:  # the opener cannot be told the page: say where to look
            text = f"Opened {name} with {escape(opener.name)}; the paragraph is on{page}"
        self.notify(text, timeout=4, markup=False)
        self.set_timer(OPENER_CHECK_SECONDS, lambda: self._check_opener(process, opener.name, name))

    def _check_opener(self, process: subprocess.Popen[bytes], opener: str, name: str) -> None:
        """An opener that gave up (``xdg-open`` without an application for the
        type exits 3): say so. One still running is left alone."""
        status = process.poll()
        if status:
            self.notify(
                f"{escape(opener)} could not open {name} (exit status {status})",
                severity="warning",
                timeout=6,
                markup=False,
            )


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
