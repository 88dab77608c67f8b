"""Messy folders: encodings, binary and empty files, huge files, odd names, races."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from searchdesk.chunking import MAX_CHUNK_CHARS, iter_chunks
from searchdesk.indexer import build_index
from searchdesk.models import IndexProgress
from searchdesk.searcher import SearchIndex

from ..cli.test_cli import run


def search(index_dir: Path, query: str) -> int:
    with SearchIndex(index_dir) as ix:
        return ix.search(query, suggest=False).total


def test_legacy_and_unicode_encodings(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "cp1252.txt").write_bytes("L’œuvre « complète » coûte 5 €.\n".encode("cp1252"))
    (docs / "latin1.txt").write_bytes("Un été à Genève.\n".encode("latin-1"))
    (docs / "utf16.txt").write_bytes("Un sommet à Genève.\n".encode("utf-16"))
    (docs / "utf8bom.txt").write_bytes("\ufeffUne crise à Genève.\n".encode())
    # 0x81 is undefined in cp1252: the encoding cannot be told, latin-1 is used, with a warning.
    (docs / "unknown.txt").write_bytes(b"Caf\xe9 \x81 cr\xe8me br\xfbl\xe9e.\n")
    report = build_index([docs], tmp_path / "index")
    assert report.added == 5
    assert report.other_encoding == 3
    assert [p for p in report.problems if "unknown.txt" in p and "latin-1" in p]
    with SearchIndex(tmp_path / "index") as ix:
        assert ix.search("oeuvre complete").total == 1
        assert ix.search("geneve").total == 3
        hits = ix.search("creme brulee").hits
        assert hits and "crème brûlée" in hits[0].text
        assert all("\ufffd" not in h.text for q in ("geneve", "oeuvre") for h in ix.search(q).hits)


def test_binary_empty_and_blank_files_are_skipped(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 100)
    (docs / "empty.txt").write_bytes(b"")
    (docs / "blank.md").write_text("   \n\n\t\n", encoding="utf-8")
    (docs / "pipes.txt").write_text("|\n\n---\n", encoding="utf-8")
    (docs / "real.txt").write_text("Un vrai paragraphe.\n", encoding="utf-8")
    report = build_index([docs], tmp_path / "index")
    assert (report.added, report.skipped, report.problems) == (1, 4, [])
    assert search(tmp_path / "index", "paragraphe") == 1


def test_a_huge_line_is_cut_into_bounded_chunks() -> None:
    sentence = "Une phrase de test sur la sécurité des systèmes. "
    text = sentence * (20_000_000 // len(sentence))  # 20 MB on one line
    count = 0
    for chunk in iter_chunks(text, "big.txt", "/big.txt"):
        assert len(chunk.text) <= MAX_CHUNK_CHARS
        count += 1
    assert count >= len(text) // MAX_CHUNK_CHARS


def test_one_long_line_and_many_short_lines_are_indexed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "oneline.txt").write_text("Le mot cerise revient. " * 60_000, encoding="utf-8")
    (docs / "lines.txt").write_text(
        "".join(f"ligne {i} abricot\n" for i in range(200_000)), encoding="utf-8"
    )
    report = build_index([docs], tmp_path / "index")
    assert report.added == 2
    with SearchIndex(tmp_path / "index") as ix:
        assert ix.search("cerise").total >= 1
        assert ix.search("abricot").total >= 1
        for hit in ix.search("cerise OR abricot", limit=50).hits:
            assert len(hit.text) <= MAX_CHUNK_CHARS


def test_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    name = os.fsdecode(b"caf\xe9.txt")
    (docs / name).write_text("Une terrasse de café.\n", encoding="utf-8")
    report = build_index([docs], tmp_path / "index")
    assert report.added == 1
    with SearchIndex(tmp_path / "index") as ix:
        hit = ix.search("terrasse").hits[0]
        assert hit.source == "docs/caf\\xe9.txt"
        real = ix.file_path(hit.path)
        assert real is not None and Path(real).read_text(encoding="utf-8").startswith("Une")
    done = run("--index", str(tmp_path / "index"), "query", "terrasse", "--json")
    assert done.returncode == 0 and "caf\\\\xe9.txt" in done.stdout
    # Unchanged on the next run.
    assert build_index([docs], tmp_path / "index").unchanged == 1


def test_unreadable_file_is_reported_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "secret.txt").write_text("Un secret.\n", encoding="utf-8")
    (docs / "public.txt").write_text("Un texte public.\n", encoding="utf-8")
    real_open = os.open

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith("secret.txt"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    # Root reads any file whatever its mode, so the refusal is injected.
    monkeypatch.setattr(os, "open", guarded_open)
    report = build_index([docs], tmp_path / "index")
    assert report.added == 1
    assert len(report.problems) == 1 and "secret.txt: Permission denied" in report.problems[0]


def test_file_deleted_while_indexing(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (docs / name).write_text(f"Le document {name}.\n", encoding="utf-8")

    def delete_next(progress: IndexProgress) -> None:
        if progress.path == "docs/a.txt":
            (docs / "b.txt").unlink()

    report = build_index([docs], tmp_path / "index", progress=delete_next)
    assert report.added == 2
    assert [p for p in report.problems if "b.txt" in p]


def test_symlink_loop_and_dangling_link(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "sub" / "note.txt").write_text("Une note utile.\n", encoding="utf-8")
    (docs / "sub" / "loop").symlink_to(docs)
    (docs / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    report = build_index([docs], tmp_path / "index")
    assert report.added == 1
    assert any("symlink loop" in p for p in report.problems)
    assert any("dangling.txt" in p for p in report.problems)
    done = run("--index", str(tmp_path / "index2"), "index", str(docs))
    assert done.returncode == 0
    assert "warning:" in done.stderr and "Traceback" not in done.stderr
    strict = run("--index", str(tmp_path / "index3"), "index", "--strict", str(docs))
    assert strict.returncode == 2
    assert "problems (--strict)" in strict.stderr


def test_markup_and_escapes_in_text_and_names_print_literally(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "[bold]x[").mkdir(parents=True)
    (docs / "[bold]x[" / "].txt").write_text(
        "Le [bold]traité[/] [link=http://x]lien[/link] \x1b[2J\x1b]0;titre\x07 fin du traité.\n",
        encoding="utf-8",
    )
    (docs / "esc\x1b[31m.txt").write_text("Un autre traité.\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    assert run("--index", str(index_dir), "index", str(docs)).returncode == 0
    for color in ("never", "always"):
        done = run("--index", str(index_dir), "query", "traite", "--color", color)
        assert done.returncode == 0
        assert "[bold]x[/].txt" in done.stdout
        assert "[link=http://x]lien[/link]" in done.stdout
        assert "[2J" in done.stdout and "]0;titre" in done.stdout
        assert "\x1b[2J" not in done.stdout and "\x1b]" not in done.stdout
        assert "\x07" not in done.stdout
        assert "esc\\x1b[31m.txt" in done.stdout
    stored = SearchIndex(index_dir).search("lien").hits[0].text
    assert "\x1b[2J" in stored  # stored as it is, only display strips it
