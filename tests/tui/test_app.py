"""The real Textual app driven by its Pilot over real indexes on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static
from textual.worker import WorkerCancelled

from searchdesk.indexer import build_index
from searchdesk.tui.app import SearchdeskApp, make_app
from searchdesk.tui.screens import DetailScreen, HelpModal, NoIndexScreen

S002 = "seeds/002_69bb2a699ee90d40.txt"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


async def settle(app: SearchdeskApp, pilot: object) -> None:
    """Wait past the debounce and for the search worker to post its result."""
    await pilot.pause(0.25)  # type: ignore[attr-defined]
    for _ in range(20):
        try:
            await app.workers.wait_for_complete()
            break
        except WorkerCancelled:  # superseded by a newer search: wait for that one
            continue
    await pilot.pause()  # type: ignore[attr-defined]


def marked(app: SearchdeskApp) -> list[str]:
    return [h.text[a:b] for h in app.results_list.hits for a, b in h.highlights]


async def test_typing_shows_hits_with_highlights(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.focused is app.query_box
        assert "files" in str(app.status.render())  # empty query: index summary
        summary = str(app.results_list.get_option_at_index(0).prompt)
        assert "5 files · 156 paragraphs" in summary and "Type to search" in summary
        await pilot.press(*"etats")
        await settle(app, pilot)
        assert app.result is not None and app.result.query == "etats"
        assert len(app.results_list.hits) > 0
        assert "États" in marked(app)
        assert f"{app.result.total} hits" in str(app.status.render())
        # Facet counts appear in the sources panel.
        labels = [
            app.source_panel.get_option_at_index(i).prompt
            for i in range(app.source_panel.option_count)
        ]
        assert any(str(app.result.facets[S002]) in str(label) for label in labels)


async def test_last_word_matches_as_prefix_while_typing(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"négoc")
        await settle(app, pilot)
        assert any(word.lower().startswith("négoc") for word in marked(app))


async def test_toggling_a_source_filters_and_keeps_counts(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"Ukraine")
        await settle(app, pilot)
        assert app.result is not None
        facets = dict(app.result.facets)
        assert len(facets) > 1
        await pilot.press("tab")
        assert app.focused is app.source_panel
        values = [
            app.source_panel.get_option_at_index(i).value
            for i in range(app.source_panel.option_count)
        ]
        app.source_panel.highlighted = values.index(S002)
        await pilot.press("space")
        await settle(app, pilot)
        assert app.source_panel.selected == [S002]
        assert app.result.sources == (S002,)
        assert app.result.total == facets[S002]
        assert app.result.facets == facets  # counts do not change with the filter
        assert all(
            h.source == S002 or any(loc.source == S002 for loc in h.also_in)
            for h in app.results_list.hits
        )
        assert "filters: " + S002 in str(app.status.render())
        # A new query keeps the selection; ctrl+r clears it.
        app.query_box.value = "Russie"
        await settle(app, pilot)
        assert app.source_panel.selected == [S002]
        assert app.result.sources == (S002,)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert app.source_panel.selected == []
        assert app.result.sources == ()


async def test_enter_opens_detail_and_escape_returns(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"Hegseth")
        await settle(app, pilot)
        await pilot.press("down")  # from the query box to the results
        assert app.focused is app.results_list
        await pilot.press("j")
        await pilot.pause()
        selected = app.results_list.current
        assert selected is not None
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert screen.current is not None and screen.current.ordinal == selected.ordinal
        start = screen.current.ordinal
        await pilot.press("n")
        await pilot.pause()
        assert screen.current.ordinal > start
        assert screen.current.ordinal in screen.matches
        await pilot.press("p")
        await pilot.pause()
        assert screen.current.ordinal == start
        await pilot.press("y")
        assert app.clipboard.endswith(f"— {selected.source}:{screen.current.line}")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen)
        assert app.results_list.current == selected


async def test_suggestion_is_applied_by_its_key(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"negociatoins")
        await settle(app, pilot)
        assert app.result is not None and app.result.total == 0
        assert "négociations" in str(app.status.render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.query_box.value == "négociations"
        assert app.result.total > 0


async def test_a_failing_search_is_shown_and_the_app_keeps_running(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_box.value = "mot " * 1000
        await settle(app, pilot)
        assert "query too long" in str(app.status.render())
        app.query_box.value = "Trump"
        await settle(app, pilot)
        assert app.result is not None and app.result.total > 0


async def test_stale_results_are_never_shown(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        for text in ["Trump", "Poutine", "Hegseth", "Zelensky"]:
            app.query_box.value = text
            await pilot.pause(0.01)
        await settle(app, pilot)
        assert app.result is not None and app.result.query == "Zelensky"


async def test_narrow_terminal_hides_the_preview(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.preview.display
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.preview.display


async def test_help_lists_keys(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        text = str(app.screen.query_one(Static).render())
        for key in ("ctrl+q", "ctrl+s", "$EDITOR", "n  p"):
            assert key in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpModal)


async def test_no_index_screen_can_index_a_folder(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    app = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NoIndexScreen)
        folder = app.screen.query_one("#folder", Input)
        folder.focus()
        folder.value = str(tmp_path / "missing")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, NoIndexScreen)
        assert "no such folder" in str(app.screen.query_one("#index-message", Static).render())
        folder.value = str(SEEDS)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, NoIndexScreen)
        assert app.index is not None and len(app.infos) == 5
        await pilot.press(*"article 5")
        await settle(app, pilot)
        assert app.result is not None and app.result.total > 0


@pytest.fixture
def hostile_index(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    (docs / "[bold]evil[").mkdir(parents=True)  # the source is "[bold]evil[/].txt"
    (docs / "[bold]evil[" / "].txt").write_text(
        "Le traité [bold]gras[/] et [/] puis [@click=app.quit]clic[/] et [$accent] fin.\n\n"
        "Un titre \x1b[2J\x1b]0;pwned\x07 effacé, cloche \x07 et retour\r chariot traité.\n",
        encoding="utf-8",
    )
    build_index([docs], tmp_path / "index")
    return tmp_path / "index"


async def test_markup_and_escape_sequences_are_shown_literally(hostile_index: Path) -> None:
    app = make_app(hostile_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"traite")
        await settle(app, pilot)
        assert app.is_running
        results = app.query_one("#results", OptionList)
        shown = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        everything = "\n".join(shown)
        assert "[bold]gras[/]" in everything
        assert "[@click=app.quit]clic[/]" in everything
        assert "[$accent]" in everything
        assert "[bold]evil[/].txt" in everything
        assert "\x1b" not in everything and "\x07" not in everything and "\r" not in everything
        assert "[2J" in everything  # the sequence lost its ESC and shows as text
        # Clicking through the entries and the preview never runs an action.
        await pilot.press("down", "j", "k", "enter")
        await pilot.pause()
        assert app.is_running
        svg = app.export_screenshot()
        assert "\x1b" not in svg


async def test_command_palette_lists_the_actions(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Search", "Use suggestion", "Clear filters", "Open in editor"} <= titles
        assert {"Copy paragraph", "Help", "Quit"} <= titles


async def test_long_result_lists_are_paged(seeds_index: Path) -> None:
    from searchdesk.tui.app import PAGE_SIZE

    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"Ukraine")
        await settle(app, pilot)
        assert app.result is not None and app.result.total > PAGE_SIZE
        assert len(app.results_list.hits) == PAGE_SIZE
        assert app.results_list.option_count < 2 * PAGE_SIZE  # entries, not widgets
        first = app.results_list.hits[0]
        await pilot.press("down", "end")  # to the last entry: the next page is fetched
        await settle(app, pilot)
        assert len(app.results_list.hits) == min(2 * PAGE_SIZE, app.result.total)
        assert app.results_list.hits[0] == first
        assert app.results_list.current_index == PAGE_SIZE - 1  # the cursor stays put


async def test_o_opens_the_file_in_the_editor_at_the_line(
    seeds_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib

    record = tmp_path / "editor-args"
    editor = tmp_path / "editor"
    editor.write_text(f'#!/bin/sh\necho "$@" > {record}\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(seeds_index)
    # The headless test driver cannot suspend; the real one does (tried in tmux).
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"Hegseth")
        await settle(app, pilot)
        await pilot.press("down", "o")
        await pilot.pause()
        hit = app.results_list.current
        assert hit is not None
        assert record.read_text().split() == [f"+{hit.line}", str(SEEDS / hit.source)]
