"""Snapshots of the main screen on seeds/ (update with `pytest --snapshot-update`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from searchdesk import searcher
from searchdesk.tui.app import make_app


@pytest.fixture(autouse=True)
def _fixed_timing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Search time is shown in the status line; fix it so snapshots are stable.
    monkeypatch.setattr(searcher, "_ms", lambda started: 7.0)


async def _type_query(pilot: Any) -> None:
    # A blinking cursor is drawn or not depending on when the frame is taken
    # (on a loaded machine, often not): keep it steady.
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    await pilot.press(*"etats-unis")
    await pilot.pause(0.3)
    # Opening the index, the search and the preview's neighbours each run in a
    # worker started by the previous one's result: wait until all are done.
    for _ in range(50):
        running = [w for w in pilot.app.workers if not w.is_finished]
        if not running:
            break
        await pilot.app.workers.wait_for_complete(running)
        await pilot.pause()
    await pilot.pause()


class TestMainScreen:
    def test_wide(self, snap_compare: Any, seeds_index: Path) -> None:
        """120×40: sources with counts, results with highlights, preview."""
        assert snap_compare(make_app(seeds_index), terminal_size=(120, 40), run_before=_type_query)

    def test_narrow(self, snap_compare: Any, seeds_index: Path) -> None:
        """80×24: the preview is hidden."""
        assert snap_compare(make_app(seeds_index), terminal_size=(80, 24), run_before=_type_query)
