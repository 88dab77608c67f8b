"""Incremental indexing on real indexes on disk: add, change, delete, unchanged, rebuild."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from searchdesk import store
from searchdesk.errors import IndexIncompatible, IndexNotFound, NotAnIndex, UsageError
from searchdesk.indexer import build_index
from searchdesk.searcher import SearchIndex


def total(index_dir: Path, query: str) -> int:
    with SearchIndex(index_dir) as ix:
        return ix.search(query, suggest=False).total


def test_first_run_adds_everything(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    report = build_index([corpus], index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (2, 0, 0, 0)
    assert report.skipped == 1  # ignored.pdf
    assert report.total_paragraphs == report.paragraphs == 9
    assert total(index_dir, "article 5") == 1


def test_unchanged_run_reads_nothing(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    report = build_index([corpus], index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 2)
    assert report.paragraphs == 0
    assert report.total_paragraphs == 9


def test_touched_but_identical_file_is_unchanged(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    f = corpus / "traite.txt"
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    report = build_index([corpus], index_dir)
    assert (report.updated, report.unchanged, report.paragraphs) == (0, 2, 0)
    # The new mtime is remembered: the next run does not hash it again.
    assert build_index([corpus], index_dir).unchanged == 2


def test_changed_added_and_deleted_files(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    (corpus / "traite.txt").write_text("Le protocole de Minsk est signé.\n", encoding="utf-8")
    (corpus / "notes" / "ukraine.md").unlink()
    (corpus / "nouveau.txt").write_text("Une trêve olympique est proposée.\n", encoding="utf-8")
    report = build_index([corpus], index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 0)
    assert report.total_paragraphs == 2
    assert total(index_dir, "article") == 0
    assert total(index_dir, "Minsk") == 1
    assert total(index_dir, "treve") == 1
    assert total(index_dir, "budget") == 0


def test_second_folder_is_added_beside_the_first(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    other = tmp_path / "other"
    other.mkdir()
    (other / "autre.txt").write_text("Une trêve olympique est proposée.\n", encoding="utf-8")
    build_index([corpus], index_dir)
    build_index([other], index_dir)
    assert total(index_dir, "treve") == 1
    assert total(index_dir, "article 5") == 1
    # Re-indexing one folder leaves the other alone, even after it is emptied.
    (other / "autre.txt").unlink()
    report = build_index([other], index_dir)
    assert report.removed == 1
    assert total(index_dir, "treve") == 0
    assert total(index_dir, "article 5") == 1


def test_rebuild_starts_afresh_and_keeps_one_generation(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    before = store.read_marker(index_dir).generation
    report = build_index([corpus], index_dir, rebuild=True)
    after = store.read_marker(index_dir).generation
    assert report.added == 2 and before != after
    # Files of a generation are named after it (g1_*.seg, _g1_*.toc, docmap-g1-*.bin);
    # the random part of a segment's name may hold "g1" too.
    prefixes = (f"{before}_", f"_{before}_", f"docmap-{before}-")
    assert not [p for p in index_dir.iterdir() if p.name.startswith(prefixes)]
    assert total(index_dir, "article 5") == 1


def test_schema_version_mismatch_asks_for_rebuild(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    marker = index_dir / store.MARKER
    data = json.loads(marker.read_text())
    data["schema_version"] = 0
    marker.write_text(json.dumps(data))
    with pytest.raises(IndexIncompatible, match="--rebuild"):
        SearchIndex(index_dir)
    build_index([corpus], index_dir, rebuild=True)
    assert total(index_dir, "article 5") == 1


def test_missing_index_and_bad_folders(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound):
        SearchIndex(tmp_path / "nothing")
    with pytest.raises(UsageError, match="no such folder"):
        build_index([tmp_path / "missing"], tmp_path / "index")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("do not touch")
    docs = tmp_path / "docs"
    docs.mkdir()
    with pytest.raises(NotAnIndex, match="holds other files"):
        build_index([docs], foreign)
    assert (foreign / "precious.txt").read_text() == "do not touch"


def test_index_folder_with_only_a_readme_is_accepted(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    (index_dir / "README.md").write_text("index lives here")
    build_index([corpus], index_dir)
    assert total(index_dir, "article 5") == 1


def test_legacy_encodings_are_read(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    text = "L’été des négociations à Genève, œuvre commune.\n"
    (docs / "cp1252.txt").write_bytes(text.encode("cp1252"))
    (docs / "latin1.txt").write_bytes("Une réunion à Genève.\n".encode("latin-1"))
    (docs / "bom.txt").write_bytes("\ufeffUne crise à Genève.\n".encode())
    (docs / "utf16.txt").write_bytes("Un sommet à Genève.\n".encode("utf-16"))
    index_dir = tmp_path / "index"
    report = build_index([docs], index_dir)
    assert report.added == 4
    assert report.other_encoding == 2
    with SearchIndex(index_dir) as ix:
        result = ix.search("geneve", limit=10)
        assert result.total == 4
        assert all("\ufffd" not in h.text for h in result.hits)
        assert ix.search("oeuvre").hits[0].text == text.strip()


def test_an_open_index_follows_a_rebuild_by_another_run(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    with SearchIndex(index_dir) as ix:
        assert ix.search("Minsk").total == 0
        (corpus / "traite.txt").write_text("Le protocole de Minsk est signé.\n", encoding="utf-8")
        build_index([corpus], index_dir, rebuild=True)  # old generation files removed
        assert ix.search("Minsk").total == 1
        with SearchIndex(index_dir) as fresh:
            assert ix.search("budget").to_dict() == fresh.search("budget").to_dict()


def test_documents_are_titled_by_their_own_first_lines(tmp_path: Path) -> None:
    """A man page by its NOM line, a news page by its first line."""
    docs = tmp_path / "docs"
    docs.mkdir()
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "man"
    (docs / "timer_create.2.txt").write_bytes((fixtures / "timer_create.2.txt").read_bytes())
    seeds = Path(__file__).resolve().parents[2] / "seeds"
    (docs / "news.txt").write_bytes((seeds / "000_3c61d84c98e9853d.txt").read_bytes())
    build_index([docs], tmp_path / "index")
    with SearchIndex(tmp_path / "index") as ix:
        titles = {info.source: info.title for info in ix.sources()}
    assert titles["docs/timer_create.2.txt"] == (
        "timer_create - Créer une minuterie POSIX pour un processus"
    )
    assert titles["docs/news.txt"].startswith("La crainte monte en Europe")
