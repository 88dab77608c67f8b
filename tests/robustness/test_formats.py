"""A folder of mixed formats, indexed and searched through the real CLI.

The fixtures were made by real producers (LibreOffice, pandoc, qpdf; see each
folder's ``make.sh``). Same paragraph in ``rapport.pdf`` and ``rapport.docx``:
one hit, the other in ``also_in``; pages for the PDF only; incremental runs
read only what changed; hostile files are warnings, never the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
PARAGRAPH = "Elle formule sept recommandations."


def run(*args: str, cwd: Path, index: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "searchdesk", *args],
        cwd=cwd,
        env={**os.environ, "SEARCHDESK_INDEX": str(index)},
        capture_output=True,
        text=True,
        timeout=180,
    )


def query(text: str, cwd: Path, index: Path, *extra: str) -> dict[str, Any]:
    done = run("query", text, "--json", *extra, cwd=cwd, index=index)
    assert done.returncode in (0, 1), done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("pdf/rapport.pdf", "pdf/rapport.docx", "office/notes.odt", "web/article.html"):
        shutil.copy(FIXTURES / name, docs)
    shutil.copy(FIXTURES / "web" / "livre.epub", docs)
    (docs / "memo.txt").write_text(
        "Mémo interne\n\nLa Cour constate que la dématérialisation avance.\n", encoding="utf-8"
    )
    return docs


def test_mixed_folder_pages_collapse_and_titles(mixed: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    done = run("index", "docs", cwd=tmp_path, index=index)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "6 added" in done.stdout

    data = query(f'"{PARAGRAPH}"', tmp_path, index)
    assert data["total"] == 1
    (hit,) = data["hits"]
    places = {hit["source"]: hit["page"]} | {loc["source"]: loc["page"] for loc in hit["also_in"]}
    assert places == {"docs/rapport.pdf": 1, "docs/rapport.docx": None}
    assert hit["text"] == PARAGRAPH
    assert hit["heading"] == "Synthèse"

    # Pages are the PDF's own: a paragraph on page 3 says 3.
    pdf_pages = {
        h["page"]
        for h in query(
            "recommandation", tmp_path, index, "--source", "docs/rapport.pdf", "--limit", "50"
        )["hits"]
    }
    assert pdf_pages <= {1, 2, 3} and 3 in pdf_pages

    sources = json.loads(run("sources", "--json", cwd=tmp_path, index=index).stdout)
    titles = {s["source"]: s["title"] for s in sources["sources"]}
    assert titles["docs/rapport.pdf"] == "La transition numérique des services publics"
    assert titles["docs/rapport.docx"] == "La transition numérique des services publics"
    assert titles["docs/memo.txt"] == "Mémo interne"

    human = run("query", f'"{PARAGRAPH}"', "--color", "never", cwd=tmp_path, index=index)
    first = human.stdout.splitlines()[0]
    assert first.startswith(("docs/rapport.pdf p. 1", "docs/rapport.docx ¶"))
    assert "also in 1 other location" in human.stdout


def test_incremental_across_formats(mixed: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert run("index", "docs", cwd=tmp_path, index=index).returncode == 0
    again = run("index", "docs", cwd=tmp_path, index=index)
    assert "0 added, 0 updated, 0 removed, 6 unchanged" in again.stdout

    # Touched but identical: no new paragraphs, the record is refreshed.
    os.utime(mixed / "notes.odt")
    touched = run("index", "docs", cwd=tmp_path, index=index)
    assert "0 added, 0 updated, 0 removed, 6 unchanged" in touched.stdout

    # Replaced by another document of the same name: updated.
    shutil.copy(FIXTURES / "office" / "notes-lo.docx", mixed / "rapport.docx")
    updated = run("index", "docs", cwd=tmp_path, index=index)
    assert "0 added, 1 updated" in updated.stdout, updated.stdout
    assert query(f'"{PARAGRAPH}"', tmp_path, index)["hits"][0]["also_in"] == []

    # A file that cannot be read any more keeps what was indexed of it.
    (mixed / "notes.odt").write_bytes(b"not a zip")
    broken = run("index", "docs", cwd=tmp_path, index=index)
    assert broken.returncode == 0
    assert "notes.odt: not an ODT file (not a zip archive)" in broken.stderr, broken.stderr
    assert query("cessez-le-feu", tmp_path, index)["total"] >= 1

    (mixed / "rapport.pdf").unlink()
    removed = run("index", "docs", cwd=tmp_path, index=index)
    assert "1 removed" in removed.stdout
    assert query(f'"{PARAGRAPH}"', tmp_path, index)["total"] == 0


HOSTILE = [
    ("pdf/encrypted.pdf", "encrypted (needs a password)"),
    ("pdf/truncated.pdf", "damaged PDF"),
    ("pdf/not-a-pdf.pdf", "not a PDF file"),
    ("office/not-a-zip.docx", "not a DOCX file (not a zip archive)"),
    ("office/bomb.docx", "zip bomb"),
    ("web/drm.epub", "encrypted (DRM)"),
]


def test_hostile_documents_are_warnings(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, _why in HOSTILE:
        shutil.copy(FIXTURES / name, docs / name.replace("/", "-"))
    shutil.copy(FIXTURES / "pdf" / "rapport.pdf", docs)
    index = tmp_path / "index"
    done = run("index", "docs", cwd=tmp_path, index=index)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == len(HOSTILE), done.stderr
    for name, why in HOSTILE:
        shown = docs / name.replace("/", "-")
        assert any(
            line.startswith(f"searchdesk: warning: {shown}: ") and why in line for line in lines
        ), (
            name,
            done.stderr,
        )
    assert "1 added" in done.stdout
    assert query(f'"{PARAGRAPH}"', tmp_path, index)["total"] == 1

    strict = run("index", "--strict", "--rebuild", "docs", cwd=tmp_path, index=index)
    assert strict.returncode == 2
    # Nothing of the strict run was committed: the previous index answers.
    assert query(f'"{PARAGRAPH}"', tmp_path, index)["total"] == 1
