"""The status line: hits, time, filters, suggestion, or the index summary."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ...sanitize import sanitize


class StatusLine(Static):
    def __init__(self) -> None:
        super().__init__(id="status")

    def show_result(
        self, total: int, ms: float, sources: tuple[str, ...], suggestion: str | None
    ) -> None:
        noun = "hit" if total == 1 else "hits"
        parts = [Content(f"{total} {noun}").stylize("bold"), Content(f"{ms:.0f} ms")]
        if sources:
            parts.append(Content("filters: " + ", ".join(sanitize(s) for s in sources)))
        if suggestion:
            parts.append(
                Content.assemble(
                    "did you mean ",
                    (sanitize(suggestion), "bold $text-warning"),
                    " (ctrl+s)",
                )
            )
        self.update(Content(" · ").join(parts))

    def show_text(self, text: str, error: bool = False) -> None:
        self.update(Content(sanitize(text)).stylize("bold $text-error" if error else ""))
