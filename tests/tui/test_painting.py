"""The results list's fast paths show what Textual's own OptionList shows.

``ResultsList.prepare`` paints the entries that will be on screen while the
debounce runs, and keeps them (``_lines_painted``) across results; the lists'
scrollbars are redrawn only when they change (``QuietOptionList``). Each test
drives the real app over a real index, once as it is and once with the plain
path (OptionList's own painting, nothing painted ahead), and compares what is
on screen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.scroll_view import ScrollView
from textual.widgets import Input, OptionList

from searchdesk import searcher
from searchdesk.tui.app import SearchdeskApp, make_app
from searchdesk.tui.widgets import ResultsList, SourcePanel
from searchdesk.tui.widgets.lists import QuietOptionList

from .test_app import settle


@pytest.fixture(autouse=True)
def _fixed_timing(monkeypatch: pytest.MonkeyPatch) -> None:
    # The status line shows the search's time: the same on both runs.
    monkeypatch.setattr(searcher, "_ms", lambda started: 7.0)


def plain_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """OptionList's own painting and ScrollView's own size updates; nothing ahead."""
    monkeypatch.setattr(ResultsList, "_get_option_render", OptionList._get_option_render)
    monkeypatch.setattr(ResultsList, "render_lines", OptionList.render_lines)
    monkeypatch.setattr(ResultsList, "prepare", lambda self, hits: None)
    monkeypatch.setattr(QuietOptionList, "_size_updated", ScrollView._size_updated)


async def typed(app: SearchdeskApp, pilot: Any, text: str) -> None:
    await pilot.press(*text)
    await settle(app, pilot)
    assert app.result is not None and app.result.query == app.query_box.value


async def screens(app: SearchdeskApp, size: tuple[int, int]) -> list[str]:
    """The screen after: typing (a letter at a time), a letter more (mostly the
    same hits, which the cache keeps), moving down the list (its highlight and
    scrolling), a new word, a resize and a query with one hit."""
    shots: list[str] = []
    async with app.run_test(size=size) as pilot:
        for field in app.query(Input):
            field.cursor_blink = False  # the same frame on both runs
        await settle(app, pilot)
        await typed(app, pilot, "etat")
        shots.append(app.export_screenshot())
        await typed(app, pilot, "s")
        shots.append(app.export_screenshot())
        app.results_list.focus()
        for _ in range(9):
            await pilot.press("down")
        await settle(app, pilot)
        shots.append(app.export_screenshot())
        app.query_box.focus()
        app.query_box.value = ""
        await typed(app, pilot, "guerre")
        shots.append(app.export_screenshot())
        await pilot.resize_terminal(size[0] - 17, size[1] - 5)
        await settle(app, pilot)
        shots.append(app.export_screenshot())
        app.query_box.value = ""
        await typed(app, pilot, '"Organisation mondiale du commerce"')
        shots.append(app.export_screenshot())
    return shots


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_fast_paths_show_what_the_plain_path_shows(
    seeds_index: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    fast = await screens(make_app(seeds_index), size)
    with monkeypatch.context() as patch:
        plain_path(patch)
        plain = await screens(make_app(seeds_index), size)
    assert len(fast) == len(plain) == 6
    for step, (ours, theirs) in enumerate(zip(fast, plain, strict=True)):
        assert ours == theirs, f"screen {step} differs"


async def test_results_painted_ahead_are_optionlists_own_lines(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await typed(app, pilot, "etats")
        results = app.results_list
        hits = results.hits
        assert len(hits) > 5
        # Painted ahead of showing, as a new result is: the first highlighted.
        results.clear_options()
        results._lines_painted.clear()
        results.prepare(tuple(hits))
        painted = dict(results._lines_painted)
        assert 0 < len(painted) < len(hits)  # those on screen only
        results.show_hits(tuple(hits))
        await pilot.pause()
        assert results._lines_painted == painted  # the paint found every one ready
        plain = results.get_visual_style("option-list--option")
        current = results.get_visual_style("option-list--option", "option-list--option-highlighted")
        for index in range(len(painted)):
            option = results.get_option_at_index(index)
            style = current if index == results.highlighted else plain
            ours = results._get_option_render(option, style)
            assert any(lines is ours for _prompt, lines in painted.values())
            assert ours == OptionList._get_option_render(results, option, style)
        # Below the fold, painted when shown, as OptionList paints them.
        last = results.get_option_at_index(results.option_count - 1)
        assert results._get_option_render(last, plain) == OptionList._get_option_render(
            results, last, plain
        )


async def test_the_scrollbars_follow_the_lists(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)

        def check(widget: OptionList) -> None:
            if not widget.show_vertical_scrollbar:
                return
            bar = widget.vertical_scrollbar
            assert bar.window_virtual_size == widget.virtual_size.height
            assert bar.window_size == widget.scrollable_content_region.height

        await typed(app, pilot, "etats")
        assert app.results_list.show_vertical_scrollbar
        check(app.results_list)
        check(app.query_one(SourcePanel))
        await pilot.resize_terminal(90, 18)  # the sources overflow their pane too
        await settle(app, pilot)
        assert app.query_one(SourcePanel).show_vertical_scrollbar
        check(app.results_list)
        check(app.query_one(SourcePanel))
        app.query_box.value = ""
        await typed(app, pilot, '"Organisation mondiale du commerce"')
        assert len(app.results_list.hits) < 4
        check(app.results_list)
