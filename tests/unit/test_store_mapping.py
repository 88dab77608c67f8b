"""The writer maps the segments of the commit it starts from, as readers do.

Whoosh's ``FileStorage`` reads a compound segment file whole into memory
when it opens it: an update of a big index held every old segment in RAM
(1.5 GB at a million paragraphs), and so did the docmap built after the
commit. Both now map the files; files the marker does not list (the
run's own) are still opened as Whoosh opens them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from searchdesk import store
from searchdesk.indexer import build_index

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def segment_names(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.endswith(".seg"))


def test_an_update_maps_the_live_segments(tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    build_index([SEEDS], index_dir)
    live = segment_names(index_dir)
    assert live
    with store.begin_update(index_dir) as update:
        storage = update.ix.storage
        assert isinstance(storage, store._WriterStorage)
        for name in live:
            f = storage.open_file(name)
            try:
                assert isinstance(f, store._MappedFile)
            finally:
                f.close()
        # The run's own records and paragraphs are read through it too.
        with update.ix.searcher() as s:
            assert s.doc_count() > 0


def test_a_writer_opens_unlisted_segments_as_whoosh_does(tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    build_index([SEEDS], index_dir)
    (name,) = segment_names(index_dir)[:1]
    marker = store.read_marker(index_dir)
    writer = store._WriterStorage(str(index_dir), {})
    f = writer.open_file(name)
    try:
        assert not isinstance(f, store._MappedFile)
    finally:
        f.close()
    reader = store._MappedStorage(str(index_dir), {})
    with pytest.raises(OSError, match="not a file of the live commit"):
        reader.open_file(name)
    assert marker.files


def test_an_update_then_a_query_give_the_same_paragraphs(tmp_path: Path) -> None:
    """A second run on the mapped segments (nothing changed, then a new file)."""
    index_dir = tmp_path / "idx"
    docs = tmp_path / "docs"
    docs.mkdir()
    for seed in sorted(SEEDS.iterdir())[:2]:
        (docs / seed.name).write_bytes(seed.read_bytes())
    first = build_index([docs], index_dir)
    again = build_index([docs], index_dir)
    assert again.unchanged == 2 and again.added == 0
    (docs / "nouveau.txt").write_text("Un paragraphe nouveau.\n\nUn autre.\n", "utf-8")
    third = build_index([docs], index_dir)
    assert third.added == 1
    assert third.total_paragraphs == first.total_paragraphs + 2
    ix, _marker = store.open_index(index_dir)
    with ix.searcher() as s:
        assert s.doc_count() == third.total_paragraphs + 3  # and one record per file
