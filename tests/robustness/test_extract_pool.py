"""Extraction in worker processes: a third-party format through the entry point,
and hostile extractors (a loop, a sleep, a memory hog, a crash) that cost one
warning each while the run goes on and commits the rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from searchdesk.extract.pool import ExtractorPool

PLUGIN = textwrap.dedent(
    '''
    """A test plug-in: one well-behaved format and four hostile ones."""
    import os
    import time

    from searchdesk.extract import Block, Extracted


    class Notes:
        name = "notes"
        suffixes = (".notes",)
        paged = True

        def extract(self, data):
            pages = data.decode("utf-8").split("\\f")
            blocks = [
                Block(line, page=number)
                for number, page in enumerate(pages, start=1)
                for line in page.splitlines()
                if line.strip()
            ]
            return Extracted("Mes notes", blocks)


    class Hostile:
        paged = False

        def __init__(self, how):
            self.how = how
            self.name = how
            self.suffixes = ("." + how,)

        def extract(self, data):
            if self.how == "loop":
                while True:
                    pass
            if self.how == "sleep":
                time.sleep(3600)
            if self.how == "hog":
                chunks = []
                while True:
                    chunks.append(bytearray(64 << 20))
            if self.how == "crash":
                os.abort()
            raise RuntimeError("unreachable")


    NOTES = Notes()
    LOOP, SLEEP, HOG, CRASH = (Hostile(h) for h in ("loop", "sleep", "hog", "crash"))
    '''
)


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """A folder on PYTHONPATH holding a module and its dist-info with entry points."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sd_testplugin.py").write_text(PLUGIN, encoding="utf-8")
    info = site / "sd_testplugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: sd-testplugin\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[searchdesk.extractors]\n"
        + "".join(
            f"{n} = sd_testplugin:{n.upper()}\n" for n in ("notes", "loop", "sleep", "hog", "crash")
        ),
        encoding="utf-8",
    )
    return site


def _run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "searchdesk", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_plugin_format_and_hostile_extractors(tmp_path: Path, plugin: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.notes").write_text("Première page du carnet\fLa négociation reprend page deux\n")
    (docs / "b.txt").write_text("Un texte ordinaire sur la négociation.\n", encoding="utf-8")
    for how in ("loop", "sleep", "hog", "crash"):
        (docs / f"bad.{how}").write_bytes(b"x")
    env = {
        "PYTHONPATH": str(plugin),
        "SEARCHDESK_EXTRACT_SECONDS": "5",
        "SEARCHDESK_EXTRACT_MEMORY_MB": "512",
        "SEARCHDESK_INDEX": str(tmp_path / "index"),
    }
    done = _run("index", "docs", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    warnings = sorted(done.stderr.splitlines())
    assert warnings == [
        f"searchdesk: warning: {docs / 'bad.crash'}: the extractor crashed or ran out of memory"
        " on it; skipped",
        f"searchdesk: warning: {docs / 'bad.hog'}: needs more memory than extraction may use;"
        " skipped",
        f"searchdesk: warning: {docs / 'bad.loop'}: took longer than 5 s; skipped",
        f"searchdesk: warning: {docs / 'bad.sleep'}: took longer than 5 s; skipped",
    ]
    assert "2 added" in done.stdout

    found = _run("query", "negociation", "--json", cwd=tmp_path, env=env)
    hits = json.loads(found.stdout)["hits"]
    places = sorted((h["source"], h["line"], h["page"]) for h in hits)
    assert places == [("docs/a.notes", 2, 2), ("docs/b.txt", 1, None)]
    human = _run("query", "negociation", "--color", "never", cwd=tmp_path, env=env)
    assert "docs/a.notes p. 2" in human.stdout

    # --strict: the same folder fails and commits nothing new.
    (docs / "c.txt").write_text("Encore un texte.\n", encoding="utf-8")
    strict = _run("index", "--strict", "docs", cwd=tmp_path, env=env)
    assert strict.returncode == 2, strict.stdout
    assert _run("query", "encore", cwd=tmp_path, env=env).returncode == 1


def test_pool_answers_every_file_once(tmp_path: Path) -> None:
    paths = []
    for n in range(7):
        p = tmp_path / f"{n}.md"
        p.write_text(f"# Titre {n}\n\nParagraphe {n}.\n", encoding="utf-8")
        paths.append(str(p))
    paths.append(str(tmp_path / "missing.md"))
    os.mkfifo(tmp_path / "fifo.md")
    paths.append(str(tmp_path / "fifo.md"))
    with ExtractorPool(paths, procs=2) as pool:
        outcomes = list(pool.results())
    assert sorted(o.path for o in outcomes) == sorted(paths)
    by_path = {o.path: o for o in outcomes}
    assert by_path[paths[3]].extracted is not None
    assert [b.text for b in by_path[paths[3]].extracted.blocks] == ["Titre 3", "Paragraphe 3."]
    assert by_path[str(tmp_path / "missing.md")].error == "No such file or directory"
    assert by_path[str(tmp_path / "fifo.md")].error == "not a regular file (FIFO)"


def test_pool_stops_when_asked(tmp_path: Path) -> None:
    paths = [str(tmp_path / f"{n}.md") for n in range(50)]
    for p in paths:
        Path(p).write_text("Un paragraphe.\n", encoding="utf-8")
    asked = iter([False, False, True])
    with ExtractorPool(paths, procs=2, should_stop=lambda: next(asked, True)) as pool:
        got = list(pool.results())
    assert len(got) < 50
