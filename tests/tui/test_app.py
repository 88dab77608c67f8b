"""The real Textual app driven by its Pilot over real indexes on disk."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static
from textual.worker import WorkerCancelled

from searchdesk.errors import IndexDamaged
from searchdesk.indexer import build_index
from searchdesk.parallel import WorkerError
from searchdesk.tui import app as app_module
from searchdesk.tui.app import SearchdeskApp, make_app
from searchdesk.tui.screens import DetailScreen, HelpModal, NoIndexScreen

S002 = "seeds/002_69bb2a699ee90d40.txt"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


async def settle(app: SearchdeskApp, pilot: object) -> None:
    """Wait past the debounce and for every worker, and those their results start, to end."""
    await pilot.pause(0.25)  # type: ignore[attr-defined]
    for _ in range(50):
        running = [w for w in app.workers if not w.is_finished]
        if not running:
            break
        with contextlib.suppress(WorkerCancelled):  # superseded: wait for the newer one
            await app.workers.wait_for_complete(running)
        await pilot.pause()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


def marked(app: SearchdeskApp) -> list[str]:
    return [h.text[a:b] for h in app.results_list.hits for a, b in h.highlights]


async def test_typing_shows_hits_with_highlights(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)  # the index is opened in a worker
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
        await pilot.press("tab")  # the sources' filter box, then the list
        assert app.focused is app.query_one("#source-filter")
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
        await settle(app, pilot)  # the document is read in a worker
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
        assert app.clipboard.endswith(f", {selected.source}:{screen.current.line}")
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
        await settle(app, pilot)
        assert isinstance(app.screen, NoIndexScreen)
        folder = app.screen.query_one("#folder", Input)
        folder.focus()
        folder.value = str(tmp_path / "missing")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, NoIndexScreen)
        assert "no such folder" in str(app.screen.query_one("#index-message", Static).render())
        folder.value = str(SEEDS)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, NoIndexScreen)
        assert app.index is not None and len(app.infos) == 5
        await pilot.press(*"article 5")
        await settle(app, pilot)
        assert app.result is not None and app.result.total > 0


async def test_no_index_screen_indexes_with_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build large enough to fork indexing processes works from the app too.

    They were forked from the executor thread of a Textual thread worker and
    each exited with status 1 once its segment was written (read as "Operation
    not permitted" before workers reported their errors).
    """
    from searchdesk import indexer

    monkeypatch.setattr(indexer, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(indexer.os, "cpu_count", lambda: 2)
    app = make_app(tmp_path / "index")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        folder = app.screen.query_one("#folder", Input)
        folder.value = str(SEEDS)
        await pilot.press("enter")
        await settle(app, pilot)
        if isinstance(app.screen, NoIndexScreen):
            pytest.fail(str(app.screen.query_one("#index-message", Static).render()))
        assert len(app.infos) == 5


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
        await settle(app, pilot)
        assert app.is_running
        svg = app.export_screenshot()
        assert "\x1b" not in svg


async def test_command_palette_lists_the_actions(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Search", "Use suggestion", "Clear filters", "Open file"} <= titles
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
        await settle(app, pilot)
        hit = app.results_list.current
        assert hit is not None
        # Sources are labelled with their indexed folder's name: seeds/NNN.txt.
        assert record.read_text().split() == [f"+{hit.line}", str(SEEDS.parent / hit.source)]


# -- the index changes, breaks or vanishes under the app ------------------------


def notes(app: SearchdeskApp) -> list[str]:
    """The messages of the notifications shown (or still queued)."""
    return [n.message for n in app._notifications]


async def until(app: SearchdeskApp, pilot: object, done: Callable[[], bool]) -> None:
    """Let the app run (its timer, its workers) until ``done()``; fail after a long while."""
    deadline = time.monotonic() + 60
    while not done():
        assert time.monotonic() < deadline, "the app did not get there"
        await settle(app, pilot)


async def searchdesk_cli(*args: str | Path) -> None:
    """Run `searchdesk ARGS` in another process, as a user in another terminal would."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "searchdesk",
        *map(str, args),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode(errors="replace")


@pytest.fixture
def fast_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "WATCH_SECONDS", 0.2)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(
        "Le conseil municipal se réunit mardi.\n\nIl vote le budget de la ville.\n",
        encoding="utf-8",
    )
    return docs


def source_values(app: SearchdeskApp) -> list[str]:
    panel = app.source_panel
    return [str(panel.get_option_at_index(i).value) for i in range(panel.option_count)]


@pytest.mark.usefixtures("fast_watch")
async def test_the_app_follows_an_index_updated_and_rebuilt_by_another_process(
    tmp_path: Path, docs: Path
) -> None:
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    app = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert source_values(app) == ["docs/a.txt"]
        assert "1 files · 2 paragraphs" in str(app.status.render())
        await pilot.press(*"zanzibar")
        await settle(app, pilot)
        assert app.result is not None and app.result.total == 0

        # `searchdesk index` in another terminal adds a file: its source appears,
        # and the query on screen is run again on the index as it is now.
        (docs / "b.txt").write_text("Le voyage à Zanzibar est reporté.\n", encoding="utf-8")
        await searchdesk_cli("--index", index_dir, "index", docs)
        await until(app, pilot, lambda: "docs/b.txt" in source_values(app))
        await until(app, pilot, lambda: app.result is not None and app.result.total == 1)
        assert [h.source for h in app.results_list.hits] == ["docs/b.txt"]
        assert any("The index changed" in n for n in notes(app))

        # `--rebuild` after a file was deleted: it leaves the sources; the summary follows.
        (docs / "a.txt").unlink()
        await searchdesk_cli("--index", index_dir, "index", "--rebuild", docs)
        await until(app, pilot, lambda: source_values(app) == ["docs/b.txt"])
        app.query_box.value = ""
        await settle(app, pilot)
        assert "1 files · 1 paragraphs" in str(app.status.render())
        summary = str(app.results_list.get_option_at_index(0).prompt)
        assert "1 files · 1 paragraphs" in summary


@pytest.mark.usefixtures("fast_watch")
async def test_a_marker_damaged_under_the_app_is_one_line_then_a_rebuild_recovers(
    tmp_path: Path, docs: Path
) -> None:
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    app = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        (index_dir / "searchdesk.json").write_text("null")
        await until(app, pilot, lambda: any("is damaged" in n for n in notes(app)))
        assert app.is_running
        shown = str(app.status.render())
        assert "is damaged" in shown and "--rebuild" in shown and "\n" not in shown
        assert sum("is damaged" in n for n in notes(app)) == 1  # said once, not every look
        await searchdesk_cli("--index", index_dir, "index", "--rebuild", docs)
        await until(app, pilot, lambda: "files" in str(app.status.render()))
        assert source_values(app) == ["docs/a.txt"]


async def test_engine_errors_in_preview_detail_and_open_are_one_line(
    seeds_index: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An index rebuilt or damaged between a search and a key: a message, never a crash."""
    from searchdesk.searcher import SearchIndex

    def damaged(self: SearchIndex, *args: object, **kwargs: object) -> object:
        raise IndexDamaged("the index at x cannot be read (EOFError); run `searchdesk index`")

    def broken(self: SearchIndex, *args: object, **kwargs: object) -> object:
        raise EOFError("Ran out of input")

    record = tmp_path / "editor-ran"
    monkeypatch.setenv("EDITOR", f"touch {record}")
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(seeds_index)
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=(120, 40)) as pilot:
        monkeypatch.setattr(SearchIndex, "neighbours", damaged)
        monkeypatch.setattr(SearchIndex, "document", broken)
        monkeypatch.setattr(SearchIndex, "file_path", damaged)
        await pilot.press(*"Hegseth")
        await settle(app, pilot)
        assert app.result is not None and app.result.total > 0
        hit = app.results_list.current
        assert hit is not None
        preview = str(app.preview.query_one("#preview-body", Static).render())
        assert hit.text[:30] in preview  # shown, without its neighbours
        assert "cannot be read (EOFError)" in str(app.status.render())
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, DetailScreen)
        assert any("cannot read the index: EOFError: Ran out of input" in n for n in notes(app))
        await pilot.press("o")
        await settle(app, pilot)
        assert app.is_running
        assert not record.exists()
        assert all("\n" not in n for n in notes(app))


async def test_o_on_a_deleted_file_warns_instead_of_running_the_editor(
    tmp_path: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "editor-args"
    editor = tmp_path / "editor"
    editor.write_text(f'#!/bin/sh\necho "$@" > {record}\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    app = make_app(index_dir)
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"budget")
        await settle(app, pilot)
        assert app.result is not None and app.result.total == 1
        (docs / "a.txt").unlink()
        await pilot.press("down", "o")
        await settle(app, pilot)
        assert any(
            n.endswith("a.txt no longer exists; run `searchdesk index` to update the index")
            for n in notes(app)
        )
        assert not record.exists()  # the editor did not run
        assert not (docs / "a.txt").exists()  # and nothing created the file
        # The same from the detail screen.
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("o")
        await settle(app, pilot)
        assert not record.exists()
        assert sum("no longer exists" in n for n in notes(app)) == 2


# -- starting on an index that cannot be opened --------------------------------


def no_index_text(app: SearchdeskApp) -> str:
    screen = app.screen
    assert isinstance(screen, NoIndexScreen)
    return "\n".join(
        str(screen.query_one(f"#{name}", Static).render())
        for name in ("no-index-title", "no-index-reason", "index-message")
    )


async def test_a_damaged_marker_is_one_line_and_the_index_can_be_rebuilt_here(
    tmp_path: Path, docs: Path
) -> None:
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    (index_dir / "searchdesk.json").write_text("null")
    app = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.is_running
        text = no_index_text(app)
        assert "Cannot open the index" in text
        reason = str(app.screen.query_one("#no-index-reason", Static).render()).splitlines()[0]
        assert reason.startswith("the index marker") and "is damaged" in reason
        assert "--rebuild" in reason
        assert "rebuild the index from it" in text
        folder = app.screen.query_one("#folder", Input)
        assert app.screen.focused is folder
        folder.value = str(docs)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, NoIndexScreen)
        assert source_values(app) == ["docs/a.txt"]


def interrupted_first_build(docs: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first build that failed half-way: a marker in the `building` state, no commit."""
    from searchdesk import indexer

    with monkeypatch.context() as m:

        def fail(*args: object, **kwargs: object) -> None:
            raise KeyboardInterrupt

        m.setattr(indexer, "_update", fail)
        with pytest.raises(KeyboardInterrupt):
            build_index([docs], index_dir)


async def test_an_interrupted_first_build_is_completed_by_enter(
    tmp_path: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = tmp_path / "index"
    interrupted_first_build(docs, index_dir, monkeypatch)
    app = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        text = no_index_text(app)
        assert "Index build interrupted" in text and "was interrupted" in text
        await pilot.press("enter")  # an empty folder: complete the build
        await settle(app, pilot)
        assert not isinstance(app.screen, NoIndexScreen)
        assert source_values(app) == ["docs/a.txt"]


@pytest.mark.usefixtures("fast_watch")
async def test_an_index_being_built_elsewhere_opens_when_the_build_ends(
    tmp_path: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchdesk import store

    index_dir = tmp_path / "index"
    interrupted_first_build(docs, index_dir, monkeypatch)
    lock = os.open(index_dir / store.LOCK, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process is building it
        app = make_app(index_dir)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            text = no_index_text(app)
            assert "Index being built" in text and "is being built" in text
            assert not app.screen.query_one("#folder", Input).display
            fcntl.flock(lock, fcntl.LOCK_UN)  # that build ends…
            await searchdesk_cli("--index", index_dir, "index")
            await until(app, pilot, lambda: not isinstance(app.screen, NoIndexScreen))
            assert source_values(app) == ["docs/a.txt"]
    finally:
        os.close(lock)


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (
            OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/data/index/g1_x.seg"),
            "No space left on device: /data/index/g1_x.seg",
        ),
        (
            WorkerError("an indexing process failed: MemoryError"),
            "an indexing process failed: MemoryError",
        ),
        (
            OSError(errno.EIO, os.strerror(errno.EIO), "/data/a\nb.txt"),
            "Input/output error: /data/a\\nb.txt",
        ),
    ],
)
async def test_in_app_indexing_reports_the_real_error(
    tmp_path: Path,
    docs: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    shown: str,
) -> None:
    from searchdesk.tui.screens import no_index_screen

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(no_index_screen, "build_index", fail)
    app = make_app(tmp_path / "index")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        folder = app.screen.query_one("#folder", Input)
        folder.value = str(docs)
        await pilot.press("enter")
        await settle(app, pilot)
        message = str(app.screen.query_one("#index-message", Static).render())
        assert shown in message
        assert "\n" not in message and "Operation not permitted" not in message
        assert not folder.disabled  # the user can try again


@pytest.mark.usefixtures("fast_watch")
async def test_results_arriving_while_another_screen_is_on_top_do_not_crash(
    tmp_path: Path, docs: Path
) -> None:
    """The index changes (and a search and a preview finish) while the detail view,
    then the help, covers the main screen: the app keeps running and catches up."""
    from searchdesk.tui.screens.detail_screen import DetailScreen

    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    app = make_app(index_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"budget")
        await settle(app, pilot)
        app.results_list.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        (docs / "c.txt").write_text("Un carnet de voyage à Zanzibar.\n", encoding="utf-8")
        await searchdesk_cli("--index", index_dir, "index", docs)
        await until(app, pilot, lambda: any("The index changed" in n for n in notes(app)))
        assert app.is_running and isinstance(app.screen, DetailScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert "docs/c.txt" in source_values(app)
        await pilot.press("f1")
        await pilot.pause()
        app.query_box.value = "carnet"  # a search finishes under the help
        await settle(app, pilot)
        assert app.is_running
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.result is not None and app.result.query == "carnet"
