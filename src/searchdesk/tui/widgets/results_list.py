"""The results list: one entry per hit, rendered lazily by OptionList."""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...models import Hit
from ...paths import display_path
from ..display import hit_prompt


class ResultsList(OptionList):
    """Ranked hits. Entries are data, not widgets, so long lists stay fast."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="results")
        self.border_title = "Results"
        self.hits: list[Hit] = []

    def show_hits(self, hits: tuple[Hit, ...], keep_position: bool = False) -> None:
        """Replace the entries (``keep_position`` when more of the same query arrive)."""
        position = self.highlighted if keep_position else None
        self.hits = list(hits)
        self.clear_options()
        entries: list[Option | None] = []
        for i, hit in enumerate(hits):
            if i:
                entries.append(None)  # a separator line between hits
            entries.append(Option(hit_prompt(hit), id=str(i)))
        self.add_options(entries)
        if self.hits:
            self.highlighted = position if position is not None else 0

    def show_summary(self, files: int, paragraphs: int, updated: str, index_dir: str) -> None:
        """What the index holds and how to query it, instead of a blank list."""
        self.hits = []
        self.clear_options()
        text = Content.assemble(
            ("Index", "bold"),
            f"  {display_path(index_dir)}\n",
            (f"{files}", "bold $text-accent"),
            " files · ",
            (f"{paragraphs}", "bold $text-accent"),
            f" paragraphs · last update {updated}\n\n",
            "Type to search. Words are ANDed; accents, case and l’/d’ do not matter.\n",
            '"a phrase"   a OR b   a NOT b   négoc*   Zelenski~   source:NAME\n\n',
            ("? or f1", "bold"),
            " lists every key.",
        )
        self.add_option(Option(text, disabled=True))

    @property
    def current_index(self) -> int | None:
        """Index in ``hits`` of the highlighted entry."""
        if self.highlighted is None or not self.hits:
            return None
        option_id = self.get_option_at_index(self.highlighted).id
        return int(option_id) if option_id is not None else None

    @property
    def current(self) -> Hit | None:
        index = self.current_index
        return None if index is None else self.hits[index]
