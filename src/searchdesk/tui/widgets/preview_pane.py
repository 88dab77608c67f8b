"""The preview: the selected paragraph in full, its neighbours dimmed, its other locations."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ...models import Chunk, Hit
from ...render import render_why
from ..display import context, highlighted, location, title


class PreviewPane(VerticalScroll):
    """Hidden on narrow terminals (see searchdesk.tcss)."""

    def __init__(self) -> None:
        super().__init__(id="preview")
        self.border_title = "Preview"
        self.can_focus = False

    def compose(self) -> ComposeResult:
        yield Static(id="preview-body")

    def show(
        self,
        hit: Hit | None,
        before: Chunk | None = None,
        after: Chunk | None = None,
        *,
        loading: bool = False,
    ) -> None:
        """``hit`` in full between ``before`` and ``after``; ``loading``: the
        paragraphs around it are still being read (the border says so)."""
        body = self.query_one("#preview-body", Static)
        self.border_subtitle = "reading its context…" if loading and hit is not None else ""
        if hit is None:
            body.update("")
            return
        parts: list[Content] = [location(hit.source, hit.place)]
        if hit.heading:
            parts.append(title(hit.heading).stylize("bold"))
        if before is not None and not (before.is_heading and before.text == hit.heading):
            parts.append(context(before, before=True))  # the heading is already shown
        parts.append(highlighted(hit.text, hit.highlights))
        if hit.why:
            parts.append(Content(render_why(hit)).stylize("dim"))
        if after is not None:
            parts.append(context(after, before=False))
        if hit.also_in:
            n = len(hit.also_in)
            noun = "place" if n == 1 else "places"
            places = [Content(f"Also in {n} other {noun}:").stylize("bold")]
            places += [Content("  ") + location(loc.source, loc.place) for loc in hit.also_in]
            parts.append(Content("\n").join(places))
        body.update(Content("\n\n").join(parts))
        self.scroll_home(animate=False)
