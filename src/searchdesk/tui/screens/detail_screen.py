"""The detail screen: a hit's paragraph in its document, with every match."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ...models import Chunk, Hit, Span
from ..display import chunk_content, chunk_place, location, title


class DetailScreen(Screen[None]):
    """The whole document as a list of paragraphs; n/p jump between matches."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("n", "next_match", "Next"),
        Binding("p", "previous_match", "Prev"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("o", "app.open_in_editor", "Open"),
        Binding("y", "app.copy_paragraph", "Copy"),
    ]

    def __init__(self, hit: Hit, chunks: list[Chunk], matches: dict[int, tuple[Span, ...]]) -> None:
        super().__init__()
        self.hit = hit
        self.chunks = chunks
        self.matches = matches
        self.matched = sorted(matches)
        """Ordinals of the paragraphs with a match, in document order."""

    def compose(self) -> ComposeResult:
        yield Static(
            self._header(self.hit.source, self.hit.place, self.hit.ordinal), id="detail-title"
        )
        options: list[Option | None] = []
        for i, c in enumerate(self.chunks):
            if i:
                options.append(None)  # a blank line between paragraphs (see the CSS)
            prompt = (
                title(c.text).stylize("bold underline")
                if c.is_heading
                else chunk_content(
                    c, self.matches.get(c.ordinal, ()), dim=c.ordinal not in self.matches
                )
            )
            options.append(Option(prompt, id=str(c.ordinal)))
        yield OptionList(*options, id="document")
        yield Footer()

    def on_mount(self) -> None:
        doc = self.query_one("#document", OptionList)
        doc.highlighted = self._index_of(self.hit.ordinal)
        doc.focus()
        self.call_after_refresh(self._centre)

    def _header(self, source: str, at: str, ordinal: int) -> Content:
        """``source:line · match i/n`` (``source p. 3`` in a PDF) for the paragraph
        under the cursor."""
        total = len(self.matched)
        if ordinal in self.matches:
            where = f"match {self.matched.index(ordinal) + 1}/{total}"
        else:
            where = f"{total} {'match' if total == 1 else 'matches'} in this document"
        return Content.assemble(location(source, at), "  ·  ", (where, "bold"))

    @on(OptionList.OptionHighlighted, "#document")
    def _moved(self) -> None:
        chunk = self.current
        if chunk is not None:
            header = self._header(chunk.source, chunk_place(chunk), chunk.ordinal)
            self.query_one("#detail-title", Static).update(header)

    def _centre(self) -> None:
        """Scroll the highlighted paragraph to the middle of the screen."""
        doc = self.query_one("#document", OptionList)
        index = doc.highlighted
        if index is None:
            return
        doc._update_lines()
        y = doc._index_to_line.get(index)
        if y is None:
            return
        height = doc._heights.get(index, 1)
        region = Region(0, y, doc.scrollable_content_region.width, height)
        doc.scroll_to_region(region, center=True, animate=False, force=True, immediate=True)

    @property
    def current(self) -> Chunk | None:
        index = self.query_one("#document", OptionList).highlighted
        return self.chunks[index] if index is not None and index < len(self.chunks) else None

    def _index_of(self, ordinal: int) -> int:
        for i, c in enumerate(self.chunks):
            if c.ordinal == ordinal:
                return i
        return 0

    def _jump(self, step: int) -> None:
        doc = self.query_one("#document", OptionList)
        start = doc.highlighted or 0
        i = start + step
        while 0 <= i < len(self.chunks):
            if self.chunks[i].ordinal in self.matches:
                doc.highlighted = i
                self._centre()
                return
            i += step
        self.notify("No more matches in this document", timeout=2)

    def action_next_match(self) -> None:
        self._jump(1)

    def action_previous_match(self) -> None:
        self._jump(-1)

    def action_cursor_down(self) -> None:
        self.query_one("#document", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#document", OptionList).action_cursor_up()
