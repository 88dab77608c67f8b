"""The app as a reading desk: keys, the sources panel, detail, preview, empty state, copy, open."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static
from textual.widgets._footer import FooterKey

from searchdesk.indexer import build_index
from searchdesk.models import Chunk
from searchdesk.tui.app import SearchdeskApp, make_app
from searchdesk.tui.display import context
from searchdesk.tui.screens import DetailScreen, NoIndexScreen
from searchdesk.tui.widgets.source_panel import OFF_MARK, ON_MARK, SourceOption

from .test_app import S002, settle

S004 = "seeds/004_58e2441d30baac30.txt"


def footer_keys(app: SearchdeskApp) -> list[str]:
    return [key.key for key in app.screen.query(FooterKey)]


def rows(app: SearchdeskApp) -> list[str]:
    panel = app.source_panel
    return [str(panel.get_option_at_index(i).prompt) for i in range(panel.option_count)]


def notes(app: SearchdeskApp) -> list[str]:
    return [n.message for n in app._notifications]


# -- keys -----------------------------------------------------------------------


async def test_q_quits_outside_a_text_field_and_types_inside_one(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press(*"quoi")
        await settle(app, pilot)
        assert app.query_box.value == "quoi"  # typed, not quit
        assert app.is_running
        await pilot.press("tab")  # the source filter is a text field too
        await pilot.press("q")
        assert app.query_one("#source-filter", Input).value == "q"
        assert app.is_running
        await pilot.press("tab")  # the sources list: space acts on its first row at once
        await pilot.press("space")
        await settle(app, pilot)
        assert len(app.source_panel.selected) == 1
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert not app.is_running


async def test_footer_lists_only_keys_that_act(seeds_index: Path, tmp_path: Path) -> None:
    app = make_app(tmp_path / "index")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, NoIndexScreen)
        keys = footer_keys(app)
        assert "ctrl+q" in keys
        for inert in ("ctrl+s", "ctrl+r", "o", "y"):
            assert inert not in keys
        # No progress bar before an indexing run starts.
        assert not app.screen.query_one("#index-progress").display

    app = make_app(seeds_index)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert not {"ctrl+s", "ctrl+r", "o", "y"} & set(footer_keys(app))
        await pilot.press(*"Ukrane")  # misspelt: a suggestion, no hits
        await settle(app, pilot)
        assert "ctrl+s" in footer_keys(app)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("down")  # a hit under the cursor: o and y act
        await pilot.pause()
        assert {"o", "y"} <= set(footer_keys(app))
        assert "ctrl+s" not in footer_keys(app)


# -- sources panel ------------------------------------------------------------------


async def test_sources_show_state_count_title_file_sorted_by_hits(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"etats-unis")
        await settle(app, pilot)
        assert app.result is not None
        facets = app.result.facets
        values = [
            str(app.source_panel.get_option_at_index(i).value)
            for i in range(app.source_panel.option_count)
        ]
        counts = [facets.get(v, 0) for v in values]
        assert counts == sorted(counts, reverse=True)
        with_hits = sum(1 for c in facets.values() if c)
        pane = app.query_one("#sources-pane")
        assert pane.border_title == f"Sources {with_hits} with hits"
        first = rows(app)[0]
        info = next(i for i in app.infos if i.source == values[0])
        assert first.startswith(f"{OFF_MARK} {facets[values[0]]} ")
        assert info.title[:10] in first
        assert "seeds/" in first and first.rstrip().endswith(".txt")  # the file, elided
        # Toggling shows the on mark; the border says how many are on.
        app.source_panel.focus()
        app.source_panel.highlighted = values.index(S002)
        await pilot.press("space")
        await settle(app, pilot)
        on = [r for r in rows(app) if r.startswith(ON_MARK)]
        assert len(on) == 1 and "002_" in on[0]
        assert "1 on" in str(pane.border_subtitle)


@pytest.fixture
def many_sources(tmp_path: Path) -> Path:
    """150 documents: more than any cap; each one reachable by the filter."""
    docs = tmp_path / "many"
    docs.mkdir()
    for n in range(150):
        words = "commun " * (1 + n % 7)
        (docs / f"doc{n:03d}.txt").write_text(f"Titre {n:03d}\n\n{words}unique{n:03d}\n")
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    return index_dir


async def test_every_source_is_listed_and_the_filter_narrows(
    many_sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchdesk.tui.widgets import source_panel

    monkeypatch.setattr(source_panel, "MAX_ROWS", 1000)  # the cap has its own test
    app = make_app(many_sources)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.source_panel.option_count == 150
        await pilot.press(*"commun")
        await settle(app, pilot)
        assert app.source_panel.option_count == 150
        assert app.query_one("#sources-pane").border_title == "Sources 150 with hits"
        await pilot.press("tab")
        await pilot.press(*"doc149")
        await pilot.pause()
        assert [str(app.source_panel.get_option_at_index(0).value)] == [
            str(app.source_panel.get_option_at_index(i).value)
            for i in range(app.source_panel.option_count)
        ]
        assert app.source_panel.get_option_at_index(0).value == "many/doc149.txt"
        await pilot.press("down", "enter")  # into the list, toggle
        await settle(app, pilot)
        assert app.source_panel.selected == ["many/doc149.txt"]
        assert app.result is not None and app.result.sources == ("many/doc149.txt",)
        # Titles are searched too; escape clears the filter.
        app.query_one("#source-filter", Input).focus()
        await pilot.press("escape")
        await pilot.press(*"titre 00")
        await pilot.pause()
        assert app.source_panel.option_count == 10
        await pilot.press("escape")
        await pilot.pause()
        assert app.source_panel.option_count == 150


async def test_past_max_rows_a_last_row_points_to_the_filter(
    many_sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawn rows are capped (man-fr has 2,411 sources); the filter reaches the rest,
    and a source that is on stays listed wherever it ranks."""
    from searchdesk.tui.widgets import source_panel

    monkeypatch.setattr(source_panel, "MAX_ROWS", 100)
    app = make_app(many_sources)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"commun")
        await settle(app, pilot)
        panel = app.source_panel
        assert panel.option_count == 101
        last = panel.get_option_at_index(100)
        assert last.disabled and "50 more: type in the filter" in str(last.prompt)
        shown = {getattr(panel.get_option_at_index(i), "value", "") for i in range(100)}
        hidden = next(
            f"many/doc{n:03d}.txt" for n in range(150) if f"many/doc{n:03d}.txt" not in shown
        )
        await pilot.press("tab")
        await pilot.press(*hidden.split("/")[1].removesuffix(".txt"))
        await pilot.pause()
        assert panel.get_option_at_index(0).value == hidden
        await pilot.press("down", "enter")
        await settle(app, pilot)
        app.query_one("#source-filter", Input).focus()
        await pilot.press("escape")
        await pilot.pause()
        values = [getattr(panel.get_option_at_index(i), "value", None) for i in range(102)]
        assert panel.option_count == 102 and hidden in values


def test_source_option_keeps_its_value() -> None:
    from textual.content import Content

    assert SourceOption(Content("x"), "a/b.txt").value == "a/b.txt"


# -- detail and preview -----------------------------------------------------------


async def open_detail(app: SearchdeskApp, pilot: object, query: str) -> DetailScreen:
    await pilot.press(*query)  # type: ignore[attr-defined]
    await settle(app, pilot)
    await pilot.press("down", "enter")  # type: ignore[attr-defined]
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, DetailScreen)
    await pilot.pause()  # type: ignore[attr-defined]
    return screen


async def test_detail_header_follows_the_match_and_paragraphs_are_apart(
    seeds_index: Path,
) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(app, pilot, "etats-unis")
        header = screen.query_one("#detail-title", Static)
        total = len(screen.matches)
        assert screen.current is not None
        first = screen.matched.index(screen.current.ordinal) + 1
        assert f":{screen.current.line}" in str(header.render())
        assert f"match {first}/{total}" in str(header.render())
        assert total > 1
        # Move to a neighbouring match and back (the hit may be the last match).
        there, back, step = ("n", "p", 1) if first < total else ("p", "n", -1)
        await pilot.press(there)
        await pilot.pause()
        assert f":{screen.current.line}" in str(header.render())
        assert f"match {first + step}/{total}" in str(header.render())
        await pilot.press(back)
        await pilot.pause()
        assert f"match {first}/{total}" in str(header.render())
        doc = screen.query_one("#document", OptionList)
        # A blank line between paragraphs, the last excepted.
        assert all(doc.options[i]._divider for i in range(len(doc.options) - 1))
        # The footer fits 80 columns.
        keys = list(screen.query(FooterKey))
        assert {"escape", "n", "p", "o", "y"} <= {k.key for k in keys}
        assert all(k.region.right <= 80 and k.region.width > 0 for k in keys)


async def test_the_opened_paragraph_is_centred(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(app, pilot, "Lloyd Austin")
        doc = screen.query_one("#document", OptionList)
        index = doc.highlighted
        assert index is not None and index > 3  # far enough down to need a scroll
        y = doc._index_to_line[index]
        middle = y + doc._heights[index] / 2
        assert doc.scroll_y > 0
        assert abs(middle - (doc.scroll_y + doc.scrollable_content_region.height / 2)) <= 2


def test_context_cuts_at_word_boundaries() -> None:
    words = " ".join(f"mot{n:03d}" for n in range(100))
    chunk = Chunk("s", "/s", 1, 0, None, words, "d")
    after = str(context(chunk, before=False))
    before = str(context(chunk, before=True))
    assert after.endswith("…") and after[:-1].split()[-1] in words.split()
    assert before.startswith("…") and before[1:].split()[0] in words.split()


@pytest.fixture
def repeated(tmp_path: Path) -> Path:
    """A paragraph in two files, under a heading (Markdown)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a.md", "b.md"):
        (docs / name).write_text(
            "# Le titre\n\nLa paragraphe répété partout identique.\n\nUn autre texte.\n"
        )
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    return index_dir


async def test_preview_heading_once_and_plurals(repeated: Path) -> None:
    app = make_app(repeated)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"répété")
        await settle(app, pilot)
        text = str(app.preview.query_one("#preview-body", Static).render())
        assert text.count("Le titre") == 1
        assert "Also in 1 other place:" in text


# -- results: empty state and errors --------------------------------------------


def results_text(app: SearchdeskApp) -> str:
    lst = app.results_list
    return "\n".join(str(lst.get_option_at_index(i).prompt) for i in range(lst.option_count))


async def test_no_hits_says_so_with_hints(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"Ukrane")
        await settle(app, pilot)
        assert app.result is not None and app.result.total == 0
        text = results_text(app)
        assert "No hits for Ukrane" in text
        assert f"Did you mean {app.result.suggestion}?" in text
        assert "spelling" in text and "fewer words" in text
        assert "Remove the source" not in text
        # With a filter on, the hint to remove it.
        app.query_box.value = "Hegseth"
        await settle(app, pilot)
        values = [
            str(app.source_panel.get_option_at_index(i).value)
            for i in range(app.source_panel.option_count)
        ]
        app.source_panel.highlighted = values.index(S004)
        app.source_panel.action_toggle_source()
        await settle(app, pilot)
        assert app.result is not None and app.result.total == 0
        assert "Remove the source filter (1 on): ctrl+r." in results_text(app)


async def test_a_search_error_is_shown_whole_in_a_notification(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_box.value = "mot " * 1000
        await settle(app, pilot)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "query too long" in errors[-1].message


# -- copy and open ---------------------------------------------------------------


def fake_tool(bin_dir: Path, name: str, out: Path, status: int = 0) -> None:
    bin_dir.mkdir(exist_ok=True)
    tool = bin_dir / name
    tool.write_text(f"#!/bin/sh\n/bin/cat > {out}\nexit {status}\n")
    tool.chmod(0o755)


async def copy_first_hit(app: SearchdeskApp, pilot: object) -> None:
    await pilot.press(*"Hegseth")  # type: ignore[attr-defined]
    await settle(app, pilot)
    await pilot.press("down", "y")  # type: ignore[attr-defined]
    await settle(app, pilot)


async def test_y_copies_with_a_clipboard_tool_and_osc52_and_says_so(
    seeds_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "copied"
    fake_tool(tmp_path / "bin", "xclip", out)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await copy_first_hit(app, pilot)
        hit = app.results_list.current
        assert hit is not None
        title = next(i.title for i in app.infos if i.source == hit.source)
        expected = f"{hit.text}\n— {title}, {hit.source}:{hit.line}"
        assert app.clipboard == expected  # OSC 52
        assert out.read_text() == expected  # the system tool
        assert any("with xclip and the terminal (OSC 52)" in n for n in notes(app))


async def test_y_without_a_tool_says_only_the_terminal_got_it(
    seeds_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "copied"
    fake_tool(tmp_path / "bin", "wl-copy", out, status=1)  # present, and failing
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await copy_first_hit(app, pilot)
        assert app.clipboard.startswith(app.results_list.hits[0].text[:20])
        assert any("terminal (OSC 52) only; wl-copy: exit 1" in n for n in notes(app))
        assert all(n.severity != "information" for n in app._notifications)


async def test_o_honours_searchdesk_editor_placeholders(
    seeds_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "editor-args"
    editor = tmp_path / "my editor"
    editor.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    editor.chmod(0o755)
    monkeypatch.setenv("SEARCHDESK_EDITOR", f"'{editor}' -g {{path}}:{{line}}")
    monkeypatch.setenv("EDITOR", "false")
    app = make_app(seeds_index)
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"Hegseth")
        await settle(app, pilot)
        await pilot.press("down", "o")
        await settle(app, pilot)
        hit = app.results_list.current
        assert hit is not None
        root = Path(__file__).resolve().parents[2]
        assert record.read_text().splitlines() == ["-g", f"{root / hit.source}:{hit.line}"]


# -- results grouped by file ----------------------------------------------------


async def test_g_groups_hits_by_file_and_space_expands_a_file(seeds_index: Path) -> None:
    app = make_app(seeds_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"etats-unis")
        await settle(app, pilot)
        assert app.result is not None
        facets = app.result.facets
        flat = app.results_list.option_count
        await pilot.press("down", "g")
        await pilot.pause()
        lst = app.results_list
        assert lst.grouped and lst.border_title == "Results by file"
        sources = list(dict.fromkeys(h.source for h in lst.hits))
        assert lst.option_count == len(sources) < flat
        first = lst.current
        assert first is not None and first.source == sources[0]
        more = facets[first.source] - 1
        assert more > 0 and f"▸ +{more} more here" in str(lst.get_option_at_index(0).prompt)
        await pilot.press("space")  # expand: every hit of that file is fetched
        await settle(app, pilot)
        assert lst.option_count == len(sources) + more
        assert "▾" in str(lst.get_option_at_index(0).prompt)
        assert all(str(lst.get_option_at_index(i).prompt).startswith("  ↳ ") for i in (1, more))
        await pilot.press("down", "enter")  # a hit of the group opens in its document
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.hit.source == first.source
        await pilot.press("escape", "space")  # fold it again, the cursor back on its head
        await pilot.pause()
        assert lst.option_count == len(sources)
        assert lst.current == first
        await pilot.press("g")
        await pilot.pause()
        assert not lst.grouped and lst.option_count == flat
