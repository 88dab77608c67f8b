"""The app's ctrl+t: most words when not all (the default), or every word required."""

from __future__ import annotations

from pathlib import Path

from searchdesk.tui.app import make_app
from searchdesk.tui.screens import HelpModal

from .test_app import settle

NOTE = "no paragraph holds every word; showing paragraphs with most of them"


async def test_ctrl_a_toggles_most_words(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press(*"accord paix zorglub ")
        await settle(app, pilot)
        assert app.result is not None and app.result.partial
        assert len(app.results_list.hits) == 1
        status = str(app.status.render())
        assert NOTE in status and "2 of 3" in status
        assert any(key == "ctrl+t" and b.binding.show for key, b in app.active_bindings.items())

        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert app.all_words
        assert app.result is not None and app.result.total == 0 and not app.result.partial
        assert NOTE not in str(app.status.render())
        assert app.query_box.value == "accord paix zorglub "  # the query box keeps its own keys

        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert not app.all_words
        assert app.result is not None and app.result.partial


async def test_help_lists_ctrl_a(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        text = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "ctrl+t" in text and "most words" in text
