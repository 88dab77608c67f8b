"""The results list: one entry per hit, rendered lazily by OptionList."""

from __future__ import annotations

from typing import cast

from rich.segment import Segment
from textual.binding import Binding
from textual.content import Content
from textual.css.styles import RulesMap
from textual.geometry import Region, Spacing
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.visual import Padding, Visual
from textual.widgets.option_list import Option

from ...models import Hit
from ...paths import display_path
from ...sanitize import sanitize_line
from ..display import hit_prompt
from .lists import QuietOptionList

#: Entries kept drawn (a ``Content`` keeps its height once measured) up to this many.
PROMPT_CACHE = 1000
#: Entries kept painted (their lines at the list's width, in one style) up to this many.
LINES_CACHE = 400


class ResultsList(QuietOptionList):
    """Ranked hits. Entries are data, not widgets, so long lists stay fast."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("space", "expand", "Expand", show=False),
    ]

    class ExpandRequested(Message):
        """Space on a file's group: expand it (its hits are fetched) or fold it."""

    def action_expand(self) -> None:
        if self.grouped:
            self.post_message(self.ExpandRequested())

    def __init__(self) -> None:
        super().__init__(id="results")
        self.border_title = "Results"
        self.hits: list[Hit] = []
        self._shown: list[Hit] = []
        """The hit of each entry, in order."""
        self.grouped = False
        """One entry per file (its best paragraph), expandable with space."""
        self.facets: dict[str, int] = {}
        self.expanded: set[str] = set()
        self.group_hits: dict[str, list[Hit]] = {}
        """Every hit of an expanded file, once fetched (they may lie past the loaded pages)."""
        self._prompts_drawn: dict[tuple[object, ...], Content] = {}
        """The entry of a hit, by what it shows: a query a letter longer finds
        mostly the same hits, whose entries are then neither drawn nor wrapped again."""
        self._lines_painted: dict[tuple[object, ...], tuple[Content, list[Strip]]] = {}
        """The lines of an entry as OptionList paints them, by (entry, place, style,
        width…): painted ahead by :meth:`prepare`, kept across :meth:`show_hits`
        (OptionList forgets its own at every change of the entries)."""
        self._pass: tuple[Spacing, int, Style] | None = None
        """What every entry's lines depend on besides itself, during one paint."""

    def show_hits(
        self,
        hits: tuple[Hit, ...],
        keep_position: bool = False,
        facets: dict[str, int] | None = None,
    ) -> None:
        """Replace the entries (``keep_position`` when more of the same query arrive)."""
        current = self.current if keep_position else None
        if not keep_position:
            self.expanded.clear()
            self.group_hits.clear()
        if facets is not None:
            self.facets = facets
        self.hits = list(hits)
        self._render_entries(current)

    def _render_entries(self, current: Hit | None) -> None:
        """Draw the hits (flat or grouped), the cursor on ``current`` if it is still shown."""
        entries: list[Option | None] = []
        prompts = self._prompts()
        for i, (_hit, prompt) in enumerate(prompts):
            if i:
                entries.append(None)  # a separator line between hits
            entries.append(Option(prompt))
        self._shown = [hit for hit, _prompt in prompts]
        # One change of the list's height, not two (emptied, then filled), each
        # of which would show or hide the scrollbar and lay the screen out again.
        self.set_options(entries)
        self.refresh()
        self.border_title = "Results by file" if self.grouped else "Results"
        if self._shown:
            position = self._shown.index(current) if current in self._shown else 0
            self.highlighted = position

    def prepare(self, hits: tuple[Hit, ...]) -> None:
        """Draw and measure the entries of ``hits`` ahead of :meth:`show_hits`, and
        paint the lines of those that will be on screen (the first highlighted, as
        :meth:`show_hits` leaves a new result), so that showing them is mostly
        copying lines already made."""
        region = self.scrollable_content_region
        if self.grouped or region.width <= 0:
            return
        width = region.width - self._get_left_gutter_width()
        width -= self.get_component_styles("option-list--option").padding.width
        rules = cast(RulesMap, self.styles)  # as OptionList measures its entries
        heights = [self._prompt(hit).get_height(rules, width) for hit in hits]
        if self.text_selection is not None:
            return
        plain = self.get_visual_style("option-list--option")
        current = self.get_visual_style("option-list--option", "option-list--option-highlighted")
        last = len(hits) - 1
        line = 0
        for index, (hit, height) in enumerate(zip(hits, heights, strict=True)):
            if line >= region.height:
                break  # below the fold: painted when scrolled to, as OptionList does
            self._painted(self._prompt(hit), index, index < last, current if index == 0 else plain)
            line += height + (index < last)

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        """OptionList's lines of an entry, from :attr:`_lines_painted` when painted
        before (an entry a query a letter shorter showed, or :meth:`prepare`)."""
        prompt = option.prompt
        if not isinstance(prompt, Content) or self.text_selection is not None:
            return super()._get_option_render(option, style)
        return self._painted(prompt, self._option_to_index[option], option._divider, style)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Paint the lines in ``crop``; what every entry's lines share is found once."""
        self._pass = self._paint_setting()
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def _paint_setting(self) -> tuple[Spacing, int, Style]:
        """An entry's padding, width and separator style."""
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        return padding, width, self.get_visual_style("option-list--separator")

    def _painted(self, prompt: Content, index: int, divider: bool, style: Style) -> list[Strip]:
        """The lines of entry ``index`` showing ``prompt``, painted as
        ``OptionList._get_option_render`` paints them (``tests/tui/test_painting.py``
        compares the two)."""
        padding, width, rule = self._pass or self._paint_setting()
        separator = rule if divider else None
        key = (id(prompt), index, divider, style, separator, padding, width)
        found = self._lines_painted.get(key)
        if found is not None and found[0] is prompt:
            return found[1]
        visual: Visual = Padding(prompt, padding) if padding else prompt
        meta = {"option": index}
        strips = [
            strip.extend_cell_length(width, style.rich_style).apply_meta(meta)
            for strip in visual.to_strips(self, visual, width, None, style)
        ]
        if separator is not None:
            strips.append(Strip([Segment("─" * width, separator.rich_style)], width))
        if len(self._lines_painted) >= LINES_CACHE:
            self._lines_painted.clear()
        self._lines_painted[key] = (prompt, strips)  # the prompt kept: its id stays its own
        return strips

    def notify_style_update(self) -> None:
        self._lines_painted.clear()  # a new theme or CSS: colours may differ
        super().notify_style_update()

    def _prompt(self, hit: Hit) -> Content:
        """A hit's entry, drawn once for what it shows."""
        key = (
            hit.source,
            hit.path,
            hit.line,
            hit.page,
            hit.heading,
            len(hit.also_in),
            hit.text,
            hit.highlights,
        )
        prompt = self._prompts_drawn.get(key)
        if prompt is None:
            if len(self._prompts_drawn) >= PROMPT_CACHE:
                self._prompts_drawn.clear()
            prompt = self._prompts_drawn[key] = hit_prompt(hit)
        return prompt

    def _prompts(self) -> list[tuple[Hit, Content]]:
        prompt_of = self._prompt
        if not self.grouped:
            return [(hit, prompt_of(hit)) for hit in self.hits]
        prompts: list[tuple[Hit, Content]] = []
        seen: set[str] = set()
        for hit in self.hits:
            if hit.source in seen:
                continue
            seen.add(hit.source)
            more = max(self.facets.get(hit.source, 1) - 1, 0)
            open_ = hit.source in self.expanded
            badge = Content("")
            if more:
                mark = "▾" if open_ else "▸"
                badge = Content(f"{mark} +{more} more here").stylize("$text-secondary bold")
            prompts.append(
                (hit, Content("\n").join([prompt_of(hit), badge]) if more else prompt_of(hit))
            )
            if open_:
                others = self.group_hits.get(hit.source) or [
                    h for h in self.hits if h.source == hit.source
                ]
                for other in others:
                    if other != hit and (other.path, other.ordinal) != (hit.path, hit.ordinal):
                        prompts.append((other, Content("  ↳ ") + prompt_of(other)))
        return prompts

    def set_grouped(self, grouped: bool) -> None:
        current = self.current
        self.grouped = grouped
        self._render_entries(current)

    def toggle_group(self) -> str | None:
        """Expand or fold the highlighted file's group; the source, if it is now expanded."""
        hit = self.current
        if not self.grouped or hit is None:
            return None
        if hit.source in self.expanded:
            self.expanded.discard(hit.source)
            first = next((h for h in self.hits if h.source == hit.source), hit)
            self._render_entries(first)
            return None
        self.expanded.add(hit.source)
        self._render_entries(hit)
        return hit.source

    def show_group(self, source: str, hits: tuple[Hit, ...]) -> None:
        """Every hit of an expanded file has arrived."""
        if source in self.expanded:
            self.group_hits[source] = list(hits)
            self._render_entries(self.current)

    def show_summary(self, files: int, paragraphs: int, updated: str, index_dir: str) -> None:
        """What the index holds and how to query it, instead of a blank list."""
        self.hits = []
        self._shown = []
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

    def show_empty(self, query: str, suggestion: str | None, filters: int) -> None:
        """No hits: say so in the pane, with what to try next."""
        self.hits = []
        self._shown = []
        self.clear_options()
        tips: list[Content] = []
        if suggestion:
            tips.append(
                Content.assemble(
                    "Did you mean ",
                    (sanitize_line(suggestion), "bold $text-warning"),
                    "? ",
                    ("ctrl+s", "bold"),
                    " searches for it.",
                )
            )
        tips.append(Content("Check the spelling, or end a word with * (négoc*) or ~ (Zelenski~)."))
        tips.append(Content("Use fewer words: every word must match."))
        if filters:
            noun = "filter" if filters == 1 else "filters"
            tips.append(
                Content.assemble(
                    f"Remove the source {noun} ({filters} on): ", ("ctrl+r", "bold"), "."
                )
            )
        lines = [
            Content.assemble(("No hits", "bold"), " for ", (sanitize_line(query), "bold")),
            Content(""),
            *(Content("• ") + tip for tip in tips),
        ]
        self.add_option(Option(Content("\n").join(lines), disabled=True))

    @property
    def current(self) -> Hit | None:
        """The hit under the cursor."""
        if self.highlighted is None or not self.hits:
            return None
        shown = self._shown
        return shown[self.highlighted] if self.highlighted < len(shown) else None

    @property
    def current_index(self) -> int | None:
        """Index in ``hits`` of the highlighted entry."""
        hit = self.current
        return None if hit is None else self.hits.index(hit) if hit in self.hits else None

    @property
    def at_end(self) -> bool:
        """Is the cursor on the last entry (time to load more)?"""
        return self.highlighted is not None and self.highlighted >= self.option_count - 1
