"""The app's engine look-ups (a preview's neighbours, a document) run in workers:
the right paragraph is shown, and a slow answer never overwrites a newer choice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from searchdesk.models import Hit
from searchdesk.searcher import SearchIndex
from searchdesk.tui.app import SearchdeskApp, make_app
from searchdesk.tui.screens import DetailScreen

from .test_app import settle

#: A look-up held back by a test is released by then at the latest.
GATE_SECONDS = 30


def preview_text(app: SearchdeskApp) -> str:
    return str(app.preview.query_one("#preview-body", Static).render())


def footer_actions(app: SearchdeskApp) -> set[str]:
    return {key.action for key in app.screen.query(FooterKey)}


class Held:
    """Wrap one method of the app's open index: its first call waits for
    :meth:`release`; the others answer at once."""

    def __init__(self, index: SearchIndex, name: str) -> None:
        self.real: Callable[..., Any] = getattr(index, name)
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.calls: list[tuple[object, ...]] = []
        self._lock = threading.Lock()
        setattr(index, name, self)

    def __call__(self, *args: object, **kwargs: object) -> Any:
        with self._lock:
            first = not self.calls
            self.calls.append(args)
        if first:
            self.entered.set()
            self.gate.wait(GATE_SECONDS)
        return self.real(*args, **kwargs)

    def release(self) -> None:
        self.gate.set()


async def until(pilot: Any, condition: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the app never got there")


async def searched(app: SearchdeskApp, pilot: Any, text: str) -> None:
    app.query_box.value = text  # at once: no search of a part of it on a loaded machine
    await settle(app, pilot)
    assert app.result is not None and app.result.query == text
    assert len(app.results_list.hits) > 2


async def test_the_preview_shows_the_highlighted_hit_between_its_neighbours(
    seeds_index: Path,
) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await searched(app, pilot, "Ukraine")
        assert app.index is not None
        for step in range(3):
            hit = app.results_list.current
            assert hit is not None
            before, after = app.index.neighbours(hit.path, hit.ordinal)
            shown = preview_text(app)
            assert hit.text[:40] in shown
            if after is not None:
                assert after.text[:40] in shown
            if before is not None and not before.is_heading:
                assert before.text[-40:] in shown
            assert app.preview.border_subtitle == ""
            if step == 0:
                await pilot.press("down")  # into the results
            await pilot.press("j")
            await settle(app, pilot)


async def test_a_slow_preview_never_overwrites_a_newer_selection(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.index is not None
        held = Held(app.index, "neighbours")
        try:
            app.query_box.value = "Ukraine"
            await until(pilot, held.entered.is_set)  # the first hit's preview is held
            first = app.results_list.current
            assert first is not None
            # Held past LOADING_SECONDS: the paragraph is shown, its context is on its way.
            await until(pilot, lambda: app.preview.border_subtitle != "")
            assert first.text[:40] in preview_text(app)
            await pilot.press("down", "j")
            await settle(app, pilot)
            second = app.results_list.current
            assert second is not None and second is not first
            assert second.text[:40] in preview_text(app)
            assert app.preview.border_subtitle == ""
        finally:
            held.release()
        await settle(app, pilot)  # the first answer arrives now: it is dropped
        assert app.results_list.current is second
        assert second.text[:40] in preview_text(app)
        assert app.preview.border_subtitle == ""
        assert len(held.calls) == 2  # one look-up per hit shown, not one per event


async def test_a_slow_preview_is_dropped_when_a_new_search_arrives(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.index is not None
        held = Held(app.index, "neighbours")
        try:
            app.query_box.value = "Ukraine"
            await until(pilot, held.entered.is_set)
            app.query_box.value = "Hegseth"
            await settle(app, pilot)
            hit = app.results_list.current
            assert hit is not None and app.result is not None and app.result.query == "Hegseth"
            assert hit.text[:40] in preview_text(app)
        finally:
            held.release()
        await settle(app, pilot)
        assert app.results_list.current is hit
        assert hit.text[:40] in preview_text(app)


async def test_the_detail_view_opens_on_the_paragraph_chosen(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await searched(app, pilot, "Hegseth")
        await pilot.press("down", "j", "j")
        await pilot.pause()
        chosen = app.results_list.current
        assert chosen is not None
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert screen.hit is chosen
        assert screen.current is not None and screen.current.ordinal == chosen.ordinal
        assert screen.current.text == chosen.text
        assert chosen.ordinal in screen.matches  # the query's matches were read with it


async def test_a_slow_document_never_opens_over_a_newer_choice(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await searched(app, pilot, "Hegseth")
        assert app.index is not None
        held = Held(app.index, "document")
        await pilot.press("down")
        first = app.results_list.current
        try:
            await pilot.press("enter")  # held
            await until(pilot, held.entered.is_set)
            assert first is not None
            # Held past LOADING_SECONDS: the status line says what is being read.
            await until(pilot, lambda: (app.status.text or "").startswith("reading "))
            assert first.source in str(app.status.render())
            assert len(app.screen_stack) == 1
            await pilot.press("j", "enter")
            await settle(app, pilot)
            second = app.results_list.current
            assert second is not None and second is not first
            screen = app.screen
            assert isinstance(screen, DetailScreen) and screen.hit is second
            await pilot.press("escape")
            await pilot.press("k")  # back on the first hit, whose document is still held
            await pilot.pause()
            assert app.results_list.current is first
        finally:
            held.release()
        await settle(app, pilot)
        # Its document arrived after another was asked for: it does not open.
        assert len(app.screen_stack) == 1 and not isinstance(app.screen, DetailScreen)
        assert "hits" in str(app.status.render())  # the result's line, not "reading…"


async def test_the_footer_follows_the_suggestion_and_the_hits(seeds_index: Path) -> None:
    """The footer is refreshed only when a key turns on or off: it still does."""
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"negociatoins")
        await settle(app, pilot)
        assert app.result is not None and app.result.total == 0
        assert "apply_suggestion" in footer_actions(app)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.result is not None and app.result.total > 0
        assert "apply_suggestion" not in footer_actions(app)
        await pilot.press("down")  # the results: keys on a hit turn on
        await settle(app, pilot)
        assert {"open_in_editor", "copy_paragraph", "group_by_file"} <= footer_actions(app)
        await pilot.press("slash")  # typing again: they are inert
        await settle(app, pilot)
        assert "copy_paragraph" not in footer_actions(app)


@pytest.mark.parametrize("text", ["Ukraine", "Trump"])
async def test_one_look_up_per_hit_previewed(
    seeds_index: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """A new result is previewed once (its highlight and its arrival are one request)."""
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.index is not None
        seen: list[Hit] = []
        real = app.index.neighbours

        def counted(path: str, ordinal: int) -> Any:
            current = app.results_list.current
            if current is not None:
                seen.append(current)
            return real(path, ordinal)

        monkeypatch.setattr(app.index, "neighbours", counted)
        await searched(app, pilot, text)
        assert len(seen) == 1
