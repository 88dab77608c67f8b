"""The query input at the top of the main screen."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class QueryBox(Input):
    """Where the user types; every change starts a (debounced) search."""

    BINDINGS = [
        Binding("down", "app.focus_results", "Results", show=False),
    ]

    def __init__(self, value: str | None = None) -> None:
        super().__init__(
            value=value or "",
            placeholder='Search: words, "a phrase", OR, NOT, prefix*, source:NAME',
            id="query",
        )
