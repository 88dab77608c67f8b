"""Shown when there is no index yet: explains, and can index a folder."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, ProgressBar, Static

from ...errors import SearchdeskError
from ...indexer import build_index
from ...models import IndexProgress
from ...sanitize import sanitize
from ..messages import IndexFinished, IndexProgressed


class NoIndexScreen(Screen[bool]):
    """Type a folder, press enter: it is indexed with a progress bar."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", priority=True)]

    def __init__(self, index_dir: Path, reason: str) -> None:
        super().__init__()
        self.index_dir = index_dir
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="no-index"):
            yield Static(Content("No index yet").stylize("bold"), id="no-index-title")
            yield Static(
                Content(
                    f"{sanitize(self.reason)}\n\n"
                    "Type a folder of .txt / .md documents and press enter to index it"
                    " here, or run `searchdesk index DIR` in a shell."
                )
            )
            yield Input(placeholder="folder to index, e.g. seeds", id="folder")
            yield ProgressBar(id="index-progress", show_eta=False)
            yield Static(id="index-message")
        yield Footer()

    @on(Input.Submitted, "#folder")
    def start(self, event: Input.Submitted) -> None:
        folder = event.value.strip()
        if not folder:
            return
        event.input.disabled = True
        self.query_one("#index-message", Static).update(Content(f"Indexing {sanitize(folder)}…"))
        self.run_index(folder)

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def run_index(self, folder: str) -> None:
        try:
            report = build_index(
                [folder],
                self.index_dir,
                progress=self._report,
            )
        except SearchdeskError as exc:
            self.post_message(IndexFinished(None, str(exc)))
        else:
            self.post_message(IndexFinished(report))

    def _report(self, progress: IndexProgress) -> None:
        self.post_message(IndexProgressed(progress))

    def on_index_progressed(self, message: IndexProgressed) -> None:
        bar = self.query_one("#index-progress", ProgressBar)
        bar.update(total=message.progress.total, progress=message.progress.done)

    def on_index_finished(self, message: IndexFinished) -> None:
        if message.error is not None:
            self.query_one("#index-message", Static).update(
                Content(sanitize(message.error)).stylize("bold $text-error")
            )
            folder = self.query_one("#folder", Input)
            folder.disabled = False
            folder.focus()
            return
        self.dismiss(True)
