"""docmap.build's array reading gives the map a document-at-a-time reading gives."""

from __future__ import annotations

import shutil
from array import array
from pathlib import Path

from searchdesk import docmap
from searchdesk.docmap import NO_SOURCE
from searchdesk.indexer import build_index
from searchdesk.searcher import SearchIndex

ROOT = Path(__file__).resolve().parents[2]


def plain_copies(reader: object, source_ids: array[int]) -> tuple[list[int], ...]:
    """The first implementation: every digest read from the column, one document at a time."""
    total = reader.doc_count_all()  # type: ignore[attr-defined]
    column = reader.column_reader("digest")  # type: ignore[attr-defined]
    digests = [0] * total
    groups: dict[int, list[int]] = {}
    for n in range(total):
        if source_ids[n] != NO_SOURCE:
            digest = int.from_bytes(column[n], "big")
            digests[n] = digest
            groups.setdefault(digest, []).append(n)
    copy_digests = sorted(d for d, docnums in groups.items() if len(docnums) > 1)
    offsets = [0]
    docnums: list[int] = []
    for digest in copy_digests:
        docnums.extend(groups[digest])
        offsets.append(len(docnums))
    return digests, copy_digests, offsets, docnums


def test_build_equals_the_plain_reading(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "seeds", docs / "a")
    shutil.copytree(ROOT / "seeds", docs / "b")  # every paragraph repeated
    shutil.copytree(ROOT / "tests" / "fixtures" / "man", docs / "man")
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    removed = sorted((docs / "a").iterdir())[0]
    removed.unlink()  # deleted documents in a segment
    (docs / "c.txt").write_text("Un paragraphe neuf.\n\nUn autre.\n", encoding="utf-8")
    build_index([docs], index_dir)
    with SearchIndex(index_dir) as ix, ix._pooled_searcher() as (s, marker):
        reader = s.reader()
        assert len(reader.leaf_readers()) > 1 and reader.has_deletions()
        built = docmap.build(docmap.commit_key(marker.generation, reader), reader)
        digests, copy_digests, offsets, docnums = plain_copies(reader, built.source_ids)
    assert list(built.digests) == digests
    assert list(built.copy_digests) == copy_digests
    assert list(built.copy_offsets) == offsets
    assert list(built.copy_docnums) == docnums
    assert len(copy_digests) > 10
