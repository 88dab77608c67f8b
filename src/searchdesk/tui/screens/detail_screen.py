"""The detail screen: a hit's paragraph in its document, with every match."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ...models import Chunk, Hit, Span
from ..display import chunk_content, location, title


class DetailScreen(Screen[None]):
    """The whole document as a list of paragraphs; n/p jump between matches."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("n", "next_match", "Next match"),
        Binding("p", "previous_match", "Previous match"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("o", "app.open_in_editor", "Open in $EDITOR"),
        Binding("y", "app.copy_paragraph", "Copy"),
    ]

    def __init__(self, hit: Hit, chunks: list[Chunk], matches: dict[int, tuple[Span, ...]]) -> None:
        super().__init__()
        self.hit = hit
        self.chunks = chunks
        self.matches = matches

    def compose(self) -> ComposeResult:
        header = location(self.hit.source, self.hit.line)
        yield Static(header, id="detail-title")
        yield OptionList(
            *(
                Option(
                    chunk_content(
                        c, self.matches.get(c.ordinal, ()), dim=c.ordinal not in self.matches
                    )
                    if not c.is_heading
                    else title(c.text).stylize("bold underline"),
                    id=str(c.ordinal),
                )
                for c in self.chunks
            ),
            id="document",
        )
        yield Footer()

    def on_mount(self) -> None:
        doc = self.query_one("#document", OptionList)
        doc.highlighted = self._index_of(self.hit.ordinal)
        doc.scroll_to_highlight(top=True)
        doc.focus()

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
                doc.scroll_to_highlight(top=True)
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
