"""Which file is which: real paths as bytes, overlapping folders, labels, vanished folders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from searchdesk.indexer import build_index
from searchdesk.searcher import SearchIndex

from ..cli.test_cli import SEEDS, run


def query_json(index_dir: Path, *args: str) -> dict[str, object]:
    done = run("--index", str(index_dir), "query", "--json", "--limit", "50", *args)
    assert done.returncode in (0, 1), done.stderr
    data: dict[str, object] = json.loads(done.stdout)
    return data


def test_undecodable_name_and_its_printable_lookalike_are_two_files(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    raw = os.fsencode(docs) + b"/caf\xe9.txt"
    with open(raw, "wb") as fh:
        fh.write(b"Le premier texte parle de girafes.\n")
    (docs / "caf\\xe9.txt").write_text("Le second texte parle de zèbres.\n")
    index_dir = tmp_path / "index"
    assert build_index([docs], index_dir).added == 2
    with open(raw, "wb") as fh:
        fh.write("Le premier texte parle désormais de lions.\n".encode())
    report = build_index([docs], index_dir)
    assert (report.updated, report.unchanged) == (1, 1)
    with SearchIndex(index_dir) as ix:
        assert ix.search("lions").total == 1
        assert ix.search("girafes").total == 0
        assert ix.search("zebres").total == 1


def test_overlapping_folders_never_duplicate_a_file(tmp_path: Path) -> None:
    d = tmp_path / "d"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "note.txt").write_text("Une note unique sur les ornithorynques.\n")
    (d / "top.txt").write_text("Un texte en haut.\n")
    index_dir = tmp_path / "index"
    for folder in (d, d / "sub", d):
        build_index([folder], index_dir)
    data = query_json(index_dir, "ornithorynques")
    hits = data["hits"]
    assert isinstance(hits, list) and len(hits) == 1
    assert hits[0]["also_in"] == []
    assert hits[0]["source"] == "d/sub/note.txt"
    with SearchIndex(index_dir) as ix:
        assert ix.stats().files == 2


def test_same_relative_path_in_two_folders_gives_two_sources(tmp_path: Path) -> None:
    for name, animal in (("c1", "castors"), ("c2", "loutres")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "notes.txt").write_text(f"Des notes sur les {animal} du fleuve.\n")
    index_dir = tmp_path / "index"
    build_index([tmp_path / "c1", tmp_path / "c2"], index_dir)
    data = query_json(index_dir, "fleuve")
    assert data["facets"] == {"source": {"c1/notes.txt": 1, "c2/notes.txt": 1}}
    only = query_json(index_dir, "fleuve", "--source", "c2/notes.txt")
    assert [h["source"] for h in only["hits"]] == ["c2/notes.txt"]  # type: ignore[attr-defined]
    # Two folders with the same name get longer labels.
    other = tmp_path / "elsewhere" / "c1"
    other.mkdir(parents=True)
    (other / "notes.txt").write_text("Des notes sur les hérons du fleuve.\n")
    build_index([other], index_dir)
    facets = query_json(index_dir, "fleuve")["facets"]
    assert set(facets["source"]) == {  # type: ignore[index]
        "c1/notes.txt",
        "c2/notes.txt",
        "elsewhere/c1/notes.txt",
    }


def test_index_without_folder_refreshes_all_and_drops_vanished_ones(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, word in ((a, "albatros"), (b, "bécasse")):
        folder.mkdir()
        (folder / "x.txt").write_text(f"Un {word}.\n")
    index_dir = tmp_path / "index"
    assert run("--index", str(index_dir), "index", str(a), str(b)).returncode == 0
    (a / "y.txt").write_text("Un autre albatros.\n")
    shutil.rmtree(b)
    done = run("--index", str(index_dir), "index")
    assert done.returncode == 0, done.stderr
    assert "no longer exists" in done.stderr and "b" in done.stderr
    assert query_json(index_dir, "albatros")["total"] == 2
    assert query_json(index_dir, "becasse")["total"] == 0
    # forget drops a folder; an unknown one is an error naming the indexed folders.
    done = run("--index", str(index_dir), "forget", str(a))
    assert done.returncode == 0, done.stderr
    assert query_json(index_dir, "albatros")["total"] == 0
    done = run("--index", str(index_dir), "forget", str(tmp_path / "nope"))
    assert done.returncode == 2 and "not an indexed folder" in done.stderr


def test_edit_keeping_size_and_mtime_is_detected(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    f = docs / "note.txt"
    f.write_text("Le chat dort.\n")
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    st = f.stat()
    with open(f, "r+b") as fh:  # same inode, same size
        fh.write(b"Le rat ")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_mtime_ns == st.st_mtime_ns and f.stat().st_size == st.st_size
    assert build_index([docs], index_dir).updated == 1
    with SearchIndex(index_dir) as ix:
        assert ix.search("rat").total == 1


def test_quick_start_twice_from_a_clone(tmp_path: Path) -> None:
    """`searchdesk index seeds/` run twice from the project folder: same sources."""
    clone = tmp_path / "clone"
    shutil.copytree(SEEDS, clone / "seeds")
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "searchdesk", "index", "seeds/"], cwd=clone, capture_output=True
        )
        assert done.returncode == 0
    data = query_json(clone / "index", "article 5")
    assert all(str(s).startswith("seeds/") for s in data["facets"]["source"])  # type: ignore[index]


def test_a_folder_whose_name_extends_another_is_not_inside_it(tmp_path: Path) -> None:
    """``/x/d`` does not own ``/x/dd/note.txt``: labels follow real folder boundaries."""
    for name in ("d", "dd"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "note.txt").write_text(f"Une note dans {name} sur les mouettes.\n")
    index_dir = tmp_path / "index"
    build_index([tmp_path / "d"], index_dir)
    build_index([tmp_path / "dd"], index_dir)
    facets = query_json(index_dir, "mouettes")["facets"]
    assert facets == {"source": {"d/note.txt": 1, "dd/note.txt": 1}}


def test_a_single_file_can_be_indexed_refreshed_and_dropped(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text("# Carnet\n\nUne note sur les salamandres.\n")
    index_dir = tmp_path / "index"
    done = run("--index", str(index_dir), "index", str(note))
    assert done.returncode == 0, done.stderr
    data = query_json(index_dir, "salamandres")
    assert data["facets"] == {"source": {"note.md": 1}}
    note.write_text("# Carnet\n\nUne note sur les tritons.\n")
    assert run("--index", str(index_dir), "index").returncode == 0
    assert query_json(index_dir, "tritons")["total"] == 1
    assert query_json(index_dir, "salamandres")["total"] == 0
    # Its folder indexed too: the folder owns the file, no duplicate.
    assert run("--index", str(index_dir), "index", str(tmp_path)).returncode == 0
    hits = query_json(index_dir, "tritons")["hits"]
    assert isinstance(hits, list) and len(hits) == 1 and hits[0]["also_in"] == []
    note.unlink()
    done = run("--index", str(index_dir), "index")
    assert done.returncode == 0 and "no longer exists" in done.stderr
    assert query_json(index_dir, "tritons")["total"] == 0
    done = run("--index", str(index_dir), "index", str(tmp_path / "missing.txt"))
    assert done.returncode == 2 and "no such folder" in done.stderr
