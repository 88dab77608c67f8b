"""The status line: hits, time, filters, suggestion, or the index summary."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ...paths import display_path
from ...sanitize import escape, sanitize_line


class StatusLine(Static):
    """One line high (see searchdesk.tcss): an update repaints it without a layout
    pass of the whole screen."""

    def __init__(self) -> None:
        super().__init__(id="status")
        self.text: str | None = None
        """The text :meth:`show_text` shows now (None while it shows a result)."""

    def show_result(
        self,
        total: int,
        ms: float,
        sources: tuple[str, ...],
        suggestion: str | None,
        *,
        words: tuple[int, int] | None = None,
        all_words: bool = False,
    ) -> None:
        """``words``: (matched, of) when the hits hold only some of the query's words."""
        noun = "hit" if total == 1 else "hits"
        parts = [Content(f"{total} {noun}").stylize("bold"), Content(f"{ms:.0f} ms")]
        if words is not None:
            parts.append(
                Content(
                    "no paragraph holds every word; showing paragraphs with most of them"
                    f" ({words[0]} of {words[1]}; ctrl+t: all words)"
                ).stylize("$text-warning")
            )
        elif all_words:
            parts.append(Content("all words (ctrl+t)"))
        if sources:
            parts.append(Content("filters: " + ", ".join(display_path(s) for s in sources)))
        if suggestion:
            parts.append(
                Content.assemble(
                    "did you mean ",
                    (sanitize_line(suggestion), "bold $text-warning"),
                    " (ctrl+s)",
                )
            )
        self.text = None
        self.update(Content(" · ").join(parts), layout=False)

    def show_text(self, text: str, error: bool = False) -> None:
        """One line: controls in ``text`` (a name in an error message) are shown escaped."""
        self.text = text
        self.update(
            Content(escape(text)).stylize("bold $text-error" if error else ""), layout=False
        )
