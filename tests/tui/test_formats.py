"""The app on PDF, DOCX and text documents: places, citations, and `o` by kind of file.

A PDF paragraph is located by its page (``source p. 3``), a DOCX one by its
block (``source ¶4``), a text one by its line (``source:12``). ``o`` opens a
text file in the editor at the line, any other document with the desktop's
opener (``$SEARCHDESK_OPENER``, else ``xdg-open``), detached from the terminal.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from pathlib import Path

import pytest
from textual.widgets import Static

from searchdesk.indexer import build_index
from searchdesk.models import Chunk, Hit, Location
from searchdesk.tui import app as app_module
from searchdesk.tui.app import SearchdeskApp, make_app
from searchdesk.tui.clipboard import opener_command
from searchdesk.tui.display import chunk_place, hit_prompt, location
from searchdesk.tui.screens import DetailScreen, HelpModal
from searchdesk.tui.widgets import PreviewPane

from .test_app import settle

FORMATS = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
RAPPORT_PDF = FORMATS / "pdf" / "rapport.pdf"
NOTES_DOCX = FORMATS / "office" / "notes.docx"
PDF_TITLE = "La transition numérique des services publics"
DOCX_TITLE = "Notes sur le cessez-le-feu"


def notes(app: SearchdeskApp) -> list[str]:
    return [n.message for n in app._notifications]


def hit(path: str, line: int = 12, page: int | None = None) -> Hit:
    return Hit(
        source=path.lstrip("/"),
        path=path,
        line=line,
        ordinal=4,
        heading="Recommandations",
        text="Recommandation n° 6 : définir un socle minimal de cybersécurité.",
        score=1.0,
        highlights=((51, 64),),
        page=page,
    )


# -- places in the results, the preview and the detail header ------------------


def test_a_hit_is_located_by_page_block_or_line() -> None:
    pdf = hit_prompt(hit("/docs/rapport.pdf", line=32, page=3)).plain
    assert pdf.splitlines()[0] == "docs/rapport.pdf p. 3  Recommandations"
    assert ":32" not in pdf and "¶" not in pdf
    docx = hit_prompt(hit("/docs/notes.docx", line=4)).plain
    assert docx.splitlines()[0] == "docs/notes.docx ¶4  Recommandations"
    text = hit_prompt(hit("/docs/a.txt", line=12)).plain
    assert text.splitlines()[0] == "docs/a.txt:12  Recommandations"
    assert hit_prompt(hit("/docs/notes.md", line=7)).plain.startswith("docs/notes.md:7 ")


def test_locations_style_the_source_and_the_number() -> None:
    shown = location("docs/rapport.pdf", " p. 3")
    assert shown.plain == "docs/rapport.pdf p. 3"
    styles = {shown.plain[s.start : s.end]: str(s.style) for s in shown.spans}
    assert styles["docs/rapport.pdf"] == "$text-accent"
    assert styles["p. 3"] == "$text-success"
    assert location("a.txt", ":12").plain == "a.txt:12"
    chunk = Chunk("docs/rapport.pdf", "/d/rapport.pdf", 32, 31, None, "x", "d", page=3)
    assert chunk_place(chunk) == " p. 3"
    assert chunk_place(Chunk("a.txt", "/d/a.txt", 12, 3, None, "x", "d")) == ":12"
    assert chunk_place(Chunk("n.odt", "/d/n.odt", 12, 3, None, "x", "d")) == " ¶12"


async def test_the_preview_shows_pages_of_the_hit_and_of_its_other_places(tmp_path: Path) -> None:
    repeated = hit("/docs/rapport.pdf", line=32, page=3)
    others = (
        Location("docs/copie.pdf", "/docs/copie.pdf", 40, page=5),
        Location("docs/notes.docx", "/docs/notes.docx", 9),
        Location("docs/a.txt", "/docs/a.txt", 3),
    )
    shown = dataclasses.replace(repeated, also_in=others)
    app = make_app(tmp_path / "no-index")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = PreviewPane()
        await app.screen.mount(pane)
        pane.show(shown)
        body = str(pane.query_one("#preview-body", Static).render())
    lines = body.splitlines()
    assert lines[0] == "docs/rapport.pdf p. 3"
    assert "  docs/copie.pdf p. 5" in lines
    assert "  docs/notes.docx ¶9" in lines
    assert "  docs/a.txt:3" in lines


# -- the real app on a folder of a PDF, a DOCX and a text file -------------------


@pytest.fixture(scope="module")
def formats_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of docs/ holding rapport.pdf, notes.docx and a.txt (read-only)."""
    if not RAPPORT_PDF.exists() or not NOTES_DOCX.exists():
        pytest.skip("the PDF and DOCX fixtures are not there yet")
    root = tmp_path_factory.mktemp("formats")
    docs = root / "docs"
    docs.mkdir()
    shutil.copy(RAPPORT_PDF, docs / "rapport.pdf")
    shutil.copy(NOTES_DOCX, docs / "notes.docx")
    (docs / "a.txt").write_text(
        "La fanfare municipale\n\nLa fanfare joue le dimanche sur la place.\n", encoding="utf-8"
    )
    index_dir = root / "index"
    build_index([docs], index_dir)
    return index_dir


def docs_of(index_dir: Path) -> Path:
    return index_dir.parent / "docs"


async def search(app: SearchdeskApp, pilot: object, query: str) -> Hit:
    await pilot.press(*query)  # type: ignore[attr-defined]
    await settle(app, pilot)
    await pilot.press("down")  # type: ignore[attr-defined]
    await settle(app, pilot)
    current = app.results_list.current
    assert current is not None
    return current


def results_text(app: SearchdeskApp) -> str:
    panel = app.results_list
    return "\n".join(
        str(panel.get_option_at_index(i).prompt.plain)  # type: ignore[union-attr]
        for i in range(panel.option_count)
    )


async def test_a_pdf_hit_shows_its_page_in_results_preview_detail_and_citation(
    formats_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no clipboard tool: OSC 52 only
    app = make_app(formats_index)
    async with app.run_test(size=(80, 24)) as pilot:
        found = await search(app, pilot, "cybersécurité")
        assert found.source == "docs/rapport.pdf" and found.page == 3
        listed = results_text(app)
        assert listed.startswith("docs/rapport.pdf p. 3  Recommandations\n")
        assert f":{found.line}" not in listed
        await pilot.press("y")
        await settle(app, pilot)
        assert app.clipboard == f"{found.text}\n— {PDF_TITLE}, docs/rapport.pdf p. 3"
        assert any(n.startswith("Copied docs/rapport.pdf p. 3 to the terminal") for n in notes(app))
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        header = str(screen.query_one("#detail-title", Static).render())
        assert header.startswith("docs/rapport.pdf p. 3  ·  match 1/1")
        await pilot.press("home")  # the title, on page 1
        await pilot.pause()
        header = str(screen.query_one("#detail-title", Static).render())
        assert header.startswith("docs/rapport.pdf p. 1  ·  ")
    app = make_app(formats_index)
    async with app.run_test(size=(120, 40)) as pilot:
        await search(app, pilot, "cybersécurité")
        preview = str(app.preview.query_one("#preview-body", Static).render())
        assert preview.splitlines()[0] == "docs/rapport.pdf p. 3"


async def test_docx_and_text_hits_are_cited_by_block_and_by_line(
    formats_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    app = make_app(formats_index)
    async with app.run_test(size=(80, 24)) as pilot:
        found = await search(app, pilot, "délégués")
        assert found.source == "docs/notes.docx" and found.page is None
        assert results_text(app).startswith(f"docs/notes.docx ¶{found.line}")
        await pilot.press("y")
        await settle(app, pilot)
        assert app.clipboard.endswith(f"\n— {DOCX_TITLE}, docs/notes.docx ¶{found.line}")
    app = make_app(formats_index)
    async with app.run_test(size=(80, 24)) as pilot:
        found = await search(app, pilot, "dimanche")
        assert results_text(app).startswith(f"docs/a.txt:{found.line}")
        await pilot.press("y")
        await settle(app, pilot)
        assert app.clipboard.endswith(f"\n— La fanfare municipale, docs/a.txt:{found.line}")


# -- `o`: the editor for text, the desktop's opener for the rest -----------------


def fake_opener(path: Path, status: int = 0) -> Path:
    """A viewer that records its arguments, stdin and session, then exits with ``status``.

    Everything goes to ``<path>.*`` files; ``<path>.args`` is written last.
    """
    path.write_text(
        "#!/bin/sh\n"
        f"out='{path}'\n"
        'echo $$ > "$out.pid"\n'
        # The 6th field of /proc/PID/stat is the session: a new session is led by its PID.
        "read -r stat < /proc/$$/stat\n"
        'echo "$stat" > "$out.stat"\n'
        "fds=$(/bin/readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2)\n"
        'echo "$fds" > "$out.fds"\n'
        'printf "%s\\n" "$@" > "$out.tmp"\n'
        '/bin/mv "$out.tmp" "$out.args"\n'
        f"exit {status}\n"
    )
    path.chmod(0o755)
    return path


async def wait_for(app: SearchdeskApp, pilot: object, path: Path) -> None:
    deadline = time.monotonic() + 15
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} was never written"
        await pilot.pause(0.05)  # type: ignore[attr-defined]


def no_suspend(app: SearchdeskApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """A desktop opener must not take the terminal: fail if the app suspends."""

    def suspend() -> object:
        raise AssertionError("the app suspended for a desktop opener")

    monkeypatch.setattr(app, "suspend", suspend)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
async def test_o_on_a_pdf_hit_runs_the_opener_at_the_page_detached(
    formats_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opener = fake_opener(tmp_path / "viewer")
    monkeypatch.setenv("SEARCHDESK_OPENER", f"'{opener}' --page={{page}} {{path}}")
    monkeypatch.setenv("EDITOR", "false")
    app = make_app(formats_index)
    no_suspend(app, monkeypatch)
    pdf = docs_of(formats_index) / "rapport.pdf"
    async with app.run_test(size=(80, 24)) as pilot:
        await search(app, pilot, "cybersécurité")
        await pilot.press("o")
        await settle(app, pilot)
        args = Path(f"{opener}.args")
        await wait_for(app, pilot, args)
        assert app.is_running
        command = args.read_text().splitlines()
        assert command[0] == "--page=3"
        assert os.path.realpath(command[1]) == os.path.realpath(pdf)
        assert len(command) == 2
        # Detached: a session of its own, no terminal on stdin, stdout, stderr.
        pid = Path(f"{opener}.pid").read_text().strip()
        stat = Path(f"{opener}.stat").read_text()
        assert stat.rsplit(")", 1)[1].split()[3] == pid  # session id == its own pid
        assert Path(f"{opener}.fds").read_text().split() == ["/dev/null"] * 3
        assert "Opened docs/rapport.pdf p. 3 with viewer" in notes(app)
        # The same from the detail screen, on another page.
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("home")
        args.unlink()
        await pilot.press("o")
        await settle(app, pilot)
        await wait_for(app, pilot, args)
        assert args.read_text().splitlines()[0] == "--page=1"
        assert "Opened docs/rapport.pdf p. 1 with viewer" in notes(app)


async def test_o_on_a_docx_hit_adds_the_path_last_and_page_is_1(
    formats_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opener = fake_opener(tmp_path / "viewer")
    monkeypatch.setenv("SEARCHDESK_OPENER", f"'{opener}' -p {{page}}")
    app = make_app(formats_index)
    no_suspend(app, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(app, pilot, "délégués")
        await pilot.press("o")
        await settle(app, pilot)
        args = Path(f"{opener}.args")
        await wait_for(app, pilot, args)
        command = args.read_text().splitlines()
        assert command[:2] == ["-p", "1"]
        assert os.path.realpath(command[2]) == os.path.realpath(
            docs_of(formats_index) / "notes.docx"
        )
        assert "Opened docs/notes.docx with viewer" in notes(app)


async def test_o_on_a_text_hit_still_runs_the_editor_at_the_line(
    formats_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "editor-args"
    editor = tmp_path / "editor"
    editor.write_text(f'#!/bin/sh\necho "$@" > {record}\n')
    editor.chmod(0o755)
    opener = fake_opener(tmp_path / "viewer")
    monkeypatch.setenv("SEARCHDESK_OPENER", f"'{opener}' {{path}}")
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("SEARCHDESK_EDITOR", raising=False)
    app = make_app(formats_index)
    suspended: list[bool] = []

    class Suspend:
        def __enter__(self) -> None:
            suspended.append(True)

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(app, "suspend", Suspend)
    async with app.run_test(size=(80, 24)) as pilot:
        found = await search(app, pilot, "dimanche")
        await pilot.press("o")
        await settle(app, pilot)
        text_file = docs_of(formats_index) / "a.txt"
        line, path = record.read_text().split()
        assert line == f"+{found.line}" and os.path.realpath(path) == os.path.realpath(text_file)
        assert suspended == [True]  # the editor gets the terminal
        assert not Path(f"{opener}.args").exists()


async def test_o_without_an_opener_says_to_set_one(
    formats_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEARCHDESK_OPENER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no xdg-open, no open
    app = make_app(formats_index)
    no_suspend(app, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(app, pilot, "cybersécurité")
        await pilot.press("o")
        await settle(app, pilot)
        said = [n for n in notes(app) if "SEARCHDESK_OPENER" in n]
        assert len(said) == 1 and "\n" not in said[0]
        assert said[0].startswith("No desktop opener (")
        assert "to open docs/rapport.pdf: set $SEARCHDESK_OPENER, e.g. " in said[0]
        assert app.is_running


async def test_o_falls_back_to_xdg_open_and_says_which_page(
    formats_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "DESKTOP_OPENER", "xdg-open")
    monkeypatch.setattr("searchdesk.tui.clipboard.DESKTOP_OPENER", "xdg-open")
    monkeypatch.delenv("SEARCHDESK_OPENER", raising=False)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opener = fake_opener(bin_dir / "xdg-open")
    monkeypatch.setenv("PATH", f"{bin_dir}:/bin:/usr/bin")
    app = make_app(formats_index)
    no_suspend(app, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(app, pilot, "cybersécurité")
        await pilot.press("o")
        await settle(app, pilot)
        args = Path(f"{opener}.args")
        await wait_for(app, pilot, args)
        (path,) = args.read_text().splitlines()
        assert os.path.realpath(path) == os.path.realpath(docs_of(formats_index) / "rapport.pdf")
        # xdg-open cannot be told the page: the message says where to look.
        assert "Opened docs/rapport.pdf with xdg-open; the paragraph is on p. 3" in notes(app)


async def test_an_opener_that_cannot_start_or_fails_is_one_line(
    formats_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "OPENER_CHECK_SECONDS", 0.1)
    monkeypatch.setenv("SEARCHDESK_OPENER", f"{tmp_path}/missing-viewer {{path}}")
    app = make_app(formats_index)
    no_suspend(app, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(app, pilot, "cybersécurité")
        await pilot.press("o")
        await settle(app, pilot)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1
        assert errors[0].message.startswith("cannot run missing-viewer: No such file or directory")
        assert "\n" not in errors[0].message
        # An opener that starts, then gives up (xdg-open without an application: 3).
        opener = fake_opener(tmp_path / "viewer", status=3)
        monkeypatch.setenv("SEARCHDESK_OPENER", f"'{opener}' {{path}}")
        await pilot.press("o")
        await settle(app, pilot)
        await wait_for(app, pilot, Path(f"{opener}.args"))
        deadline = time.monotonic() + 15
        while not any("exit status 3" in n for n in notes(app)):
            assert time.monotonic() < deadline, "the failure was not reported"
            await pilot.pause(0.1)
        assert "viewer could not open docs/rapport.pdf (exit status 3)" in notes(app)
        monkeypatch.setenv("SEARCHDESK_OPENER", "viewer 'unbalanced")
        await pilot.press("o")
        await settle(app, pilot)
        assert any(n.startswith("cannot run $SEARCHDESK_OPENER: ") for n in notes(app))
        assert app.is_running


# -- the opener's command, and what the help says ---------------------------------


def test_opener_templates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SEARCHDESK_OPENER", "zathura --page={page} {path}")
    opener = opener_command("/d/a b.pdf", 3)
    assert opener is not None
    assert opener.command == ["zathura", "--page=3", "/d/a b.pdf"]
    assert opener.name == "zathura" and opener.at_page
    monkeypatch.setenv("SEARCHDESK_OPENER", "/usr/bin/evince -i {page}")
    opener = opener_command("/d/n.docx", None)
    assert opener is not None
    assert opener.command == ["/usr/bin/evince", "-i", "1", "/d/n.docx"]
    assert opener.name == "evince" and not opener.at_page
    monkeypatch.setenv("SEARCHDESK_OPENER", "  ")  # blank: as if unset
    monkeypatch.setenv("PATH", str(tmp_path))
    assert opener_command("/d/a.pdf", 3) is None


async def test_help_says_what_o_does_for_each_kind_of_file(tmp_path: Path) -> None:
    app = make_app(tmp_path / "no-index")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.push_screen(HelpModal())
        await pilot.pause()
        shown = "\n".join(str(s.render()) for s in app.screen.query(Static))
    assert "o (.txt .md)" in shown and "$SEARCHDESK_EDITOR or $EDITOR" in shown
    assert "o (PDF, DOCX, HTML…)" in shown and "$SEARCHDESK_OPENER or " in shown
    binding = next(b for b in app.BINDINGS if not isinstance(b, tuple) and b.key == "o")
    assert not isinstance(binding, tuple) and "$SEARCHDESK_OPENER" in binding.tooltip
