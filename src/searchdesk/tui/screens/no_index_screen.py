"""Shown when the index cannot be opened: says why, and offers what makes sense.

* no index yet: type a folder, press enter, it is indexed with a progress bar;
* a first build under way in another process: wait (the app opens the index
  as soon as the build ends);
* an interrupted first build: press enter to complete it;
* a damaged, incompatible or refused index: type a folder to rebuild it from
  (the engine still refuses a folder it must not write in, in one line).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, ProgressBar, Static

from ...errors import IndexBuilding, IndexNotFound, SearchdeskError
from ...indexer import build_index
from ...models import IndexProgress
from ...paths import display_path
from ...sanitize import escape
from ..display import error_line
from ..messages import IndexFinished, IndexProgressed


@dataclass(frozen=True)
class Offer:
    """What the screen says and lets the user do about one problem."""

    title: str
    advice: str
    placeholder: str | None
    """The folder input's placeholder; None hides the input (nothing to do but wait)."""
    rebuild: bool = False
    empty_ok: bool = False
    """Enter on an empty input refreshes the folders the index records."""


def offer_for(problem: SearchdeskError, waiting: bool) -> Offer:
    if isinstance(problem, IndexNotFound):
        return Offer(
            "No index yet",
            "Type a folder of .txt / .md documents and press enter to index it"
            " here, or run `searchdesk index DIR` in a shell.",
            "folder to index, e.g. seeds",
        )
    if isinstance(problem, IndexBuilding) and waiting:
        return Offer(
            "Index being built",
            "It opens here as soon as the build ends (ctrl+q quits).",
            None,
        )
    if isinstance(problem, IndexBuilding):
        return Offer(
            "Index build interrupted",
            "Press enter to complete it here (or type a folder to add to it),"
            " or run `searchdesk index` in a shell.",
            "enter completes the build; or type a folder to add",
            empty_ok=True,
        )
    return Offer(
        "Cannot open the index",
        "Type a folder and press enter to rebuild the index from it (what the"
        " index holds now is replaced), or quit with ctrl+q.",
        "folder to rebuild the index from",
        rebuild=True,
    )


class NoIndexScreen(Screen[bool]):
    """Why the index cannot be opened, and the way out; dismissed with True once built."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", priority=True)]

    def __init__(self, index_dir: Path, problem: SearchdeskError, waiting: bool = False) -> None:
        super().__init__()
        self.index_dir = index_dir
        self.problem = problem
        self.waiting = waiting
        self.offer = offer_for(problem, waiting)
        self.busy = False
        """True while an indexing run started here is under way."""

    def compose(self) -> ComposeResult:
        with Vertical(id="no-index"):
            yield Static(id="no-index-title")
            yield Static(id="no-index-reason")
            yield Input(id="folder")
            yield ProgressBar(id="index-progress", show_eta=False)
            yield Static(id="index-message")
        yield Footer()

    def on_mount(self) -> None:
        # No bar (an animated "--%") until an indexing run starts.
        self.query_one("#index-progress", ProgressBar).display = False
        self._show_offer()

    def show_problem(self, problem: SearchdeskError, waiting: bool = False) -> None:
        """The index's state changed (another process is at work): say what it is now."""
        if self.busy or (str(problem), type(problem), waiting) == (
            str(self.problem),
            type(self.problem),
            self.waiting,
        ):
            return
        self.problem, self.waiting = problem, waiting
        self.offer = offer_for(problem, waiting)
        self._show_offer()  # the last run's error, if any, stays shown below

    def _show_offer(self) -> None:
        offer = self.offer
        self.query_one("#no-index-title", Static).update(Content(offer.title).stylize("bold"))
        self.query_one("#no-index-reason", Static).update(
            Content(f"{escape(str(self.problem))}\n\n{offer.advice}")
        )
        folder = self.query_one("#folder", Input)
        folder.display = offer.placeholder is not None
        folder.placeholder = offer.placeholder or ""
        folder.disabled = offer.placeholder is None
        if folder.display:
            folder.focus()

    @on(Input.Submitted, "#folder")
    def start(self, event: Input.Submitted) -> None:
        folder = event.value.strip()
        if self.busy or not (folder or self.offer.empty_ok):
            return
        self.busy = True
        event.input.disabled = True
        what = display_path(folder) if folder else "the indexed folders"
        verb = "Rebuilding the index from" if self.offer.rebuild else "Indexing"
        self.query_one("#index-message", Static).update(Content(f"{verb} {what}…"))
        self.query_one("#index-progress", ProgressBar).display = True
        self.run_index(folder, self.offer.rebuild)

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def run_index(self, folder: str, rebuild: bool) -> None:
        """Index off the UI thread; any failure comes back as one line.

        The build runs in a thread of its own, which this worker waits for.
        A large build forks indexing processes, and a process forked from
        one of asyncio's executor threads (where thread workers run) fails
        as it exits, its work done: its exit joins the executor's threads,
        the one it was forked from included ("cannot join current thread"),
        so it ends with status 1 and the whole build fails.
        """
        builder = threading.Thread(
            target=self._build, args=(folder, rebuild), name="searchdesk-index"
        )
        builder.start()
        builder.join()

    def _build(self, folder: str, rebuild: bool) -> None:
        try:
            report = build_index(
                [folder] if folder else [],
                self.index_dir,
                rebuild=rebuild,
                progress=self._report,
            )
        except SearchdeskError as exc:
            self.post_message(IndexFinished(None, error_line(exc)))
        except Exception as exc:  # a worker's OSError (its real errno), or a bug: one line
            where = f" {display_path(folder)}" if folder else ""
            self.post_message(IndexFinished(None, f"cannot index{where}: {error_line(exc)}"))
        else:
            self.post_message(IndexFinished(report))

    def _report(self, progress: IndexProgress) -> None:
        self.post_message(IndexProgressed(progress))

    def on_index_progressed(self, message: IndexProgressed) -> None:
        bar = self.query_one("#index-progress", ProgressBar)
        bar.update(total=message.progress.total, progress=message.progress.done)

    def on_index_finished(self, message: IndexFinished) -> None:
        self.busy = False
        if message.error is not None:
            self.query_one("#index-message", Static).update(
                Content(message.error).stylize("bold $text-error")
            )
            folder = self.query_one("#folder", Input)
            folder.disabled = False
            folder.focus()
            return
        self.dismiss(True)
