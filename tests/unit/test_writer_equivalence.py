"""searchdesk's segment writer writes what Whoosh's own writer writes, byte for byte.

The plain side is Whoosh's ``SegmentWriter`` with Whoosh's own ``ID`` fields
(searchdesk's :class:`~searchdesk.schema.Identifier` indexes them without
Whoosh's token machinery).

:class:`searchdesk.segwriter.FastSegmentWriter` inlines Whoosh's posting pool
into ``add_document`` and reads field lengths once per field when it writes
the postings. Both writers index the same documents here (the sample corpus,
plus paragraphs that exercise headings, boosts, repeats, dotted names and
file records); every file of the two segments must be identical, and Whoosh's
own reader must read the same terms, postings, lengths and stored fields.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from whoosh import index
from whoosh.fields import ID, Schema
from whoosh.index import FileIndex
from whoosh.writing import SegmentWriter

from searchdesk import indexer
from searchdesk.chunking import iter_line_chunks
from searchdesk.documents import read_lines, scan, walk
from searchdesk.indexer import build_index
from searchdesk.models import Chunk
from searchdesk.schema import Identifier, chunk_fields, make_schema
from searchdesk.segwriter import FastSegmentWriter

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

EXTRA = """\
Introduction

L’article 5 du traité de l’OTAN : les États-Unis et l’Union européenne.

Le fichier /etc/lilo.conf et lilo.conf, C++ et .NET, 9,2 % et 3.141.

Introduction

Le fichier /etc/lilo.conf et lilo.conf, C++ et .NET, 9,2 % et 3.141.

Négociations, négociation, négocier : guérir, guère, guerre. Œuvres complètes.
"""


def corpus_chunks(tmp_path: Path) -> list[Chunk]:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "notes.txt").write_text(EXTRA * 3, encoding="utf-8")
    (extra / "titres.md").write_text("# Titre\n\nUn paragraphe sous le titre.\n", "utf-8")
    # Terms in hundreds of paragraphs: postings cut into several blocks of 128.
    many = "\n\n".join(
        f"Paragraphe {i} : un mot commun{', très commun' * (i % 3)}, le numéro {i % 7}"
        f"{' seuil' * (i < 129)}{' double' * (i < 256)}."
        for i in range(700)
    )
    (extra / "blocs.txt").write_text(many, encoding="utf-8")
    chunks: list[Chunk] = []
    for folder in (SEEDS, extra):
        for f in walk(folder).files:
            scanned = scan(f.path)
            lines = read_lines(f.path, scanned)
            markdown = f.path.endswith(".md")
            chunks.extend(
                iter_line_chunks(lines, f.source, f.path, width=scanned.width, markdown=markdown)
            )
    return chunks


def whooshs_schema() -> Schema:
    """searchdesk's schema with Whoosh's own ``ID`` fields in place of ``Identifier``."""
    schema = make_schema()
    for name, field in list(schema.items()):
        if isinstance(field, Identifier):
            schema._fields[name] = ID(stored=field.stored, unique=field.unique)
    return schema


def build(
    folder: Path, cls: type[SegmentWriter], chunks: list[Chunk], pool_limit: int
) -> FileIndex:
    folder.mkdir()
    fast = issubclass(cls, FastSegmentWriter)
    schema = make_schema() if fast else whooshs_schema()
    assert any(isinstance(f, Identifier) for _, f in schema.items()) == fast
    ix = index.create_in(str(folder), schema)
    writer = cls(ix, compound=False)
    writer.pool.limit = pool_limit  # small: the pool spills sorted runs to disk
    for chunk in chunks:
        writer.add_document(**chunk_fields(chunk))
    writer.update_document(file_path="a.txt", file_root="/r", file_meta={"paragraphs": 3})
    writer.update_document(file_path="b.txt", file_root="/r", file_meta={"paragraphs": 4})
    writer.commit()
    return ix


def segment_files(ix: FileIndex) -> dict[str, bytes]:
    (segment,) = ix._read_toc().segments
    segid = segment.segment_id()
    folder = Path(ix.storage.folder)
    return {
        name.replace(segid, "SEG"): (folder / name).read_bytes()
        for name in os.listdir(folder)
        if segid in name
    }


def contents(ix: FileIndex) -> dict[str, Any]:
    """Everything Whoosh's reader gives of the index."""
    with ix.reader() as r:
        postings = {}
        for fieldname, text in r.all_terms():
            info = r.term_info(fieldname, text)
            m = r.postings(fieldname, text)
            items = []
            while m.is_active():
                items.append((m.id(), m.weight(), m.value()))
                m.next()
            stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length())
            postings[(fieldname, text)] = (stats, info.max_weight(), items)
        n = r.doc_count_all()
        lengths = {
            f: [r.doc_field_length(d, f) for d in range(n)] for f in ("body", "exact", "heading")
        }
        return {
            "postings": postings,
            "stored": [r.stored_fields(d) for d in range(n)],
            "lengths": lengths,
            "field_lengths": {f: r.field_length(f) for f in ("body", "exact", "heading")},
            "words": sorted(r.lexicon("exact")),
        }


def spills(writer: SegmentWriter) -> list[str]:
    """The runs the writer's pool will spill to disk, as they are written."""
    runs: list[str] = []
    add_run = writer.pool._add_run

    def counted(path: str) -> None:
        runs.append(path)
        add_run(path)

    writer.pool._add_run = counted
    return runs


def test_fast_writer_writes_whooshs_segment_byte_for_byte(tmp_path: Path) -> None:
    chunks = corpus_chunks(tmp_path)
    assert len(chunks) > 100
    plain = build(tmp_path / "plain", SegmentWriter, chunks, 256 * 2**20)
    fast = build(tmp_path / "fast", FastSegmentWriter, chunks, 256 * 2**20)
    plain_files, fast_files = segment_files(plain), segment_files(fast)
    assert sorted(plain_files) == sorted(fast_files)
    for name, data in plain_files.items():
        assert fast_files[name] == data, name
    assert contents(plain) == contents(fast)
    (p,), (f,) = plain._read_toc().segments, fast._read_toc().segments
    assert (p.doc_count_all(), p._fieldlengths) == (f.doc_count_all(), f._fieldlengths)


def test_spilled_runs_give_the_same_segment_content(tmp_path: Path) -> None:
    """A pool that spills runs to disk: the same terms, postings, lengths and
    stored fields as Whoosh's writer spilling, and as in memory.

    Not byte for byte: a posting block is a pickle, which writes a value
    object met twice once (a memo reference), and values read back from a
    run are new objects. Whoosh's own writer gives other bytes once it
    spills, too (its runs hold one pickle per posting, ours one per term).
    """
    chunks = corpus_chunks(tmp_path)
    made: dict[str, list[str]] = {}

    class Counted(FastSegmentWriter):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made["fast"] = spills(self)

    plain = build(tmp_path / "plain", SegmentWriter, chunks, 20_000)
    fast = build(tmp_path / "fast", Counted, chunks, 20_000)
    memory = build(tmp_path / "memory", FastSegmentWriter, chunks, 256 * 2**20)
    assert len(made["fast"]) > 5  # several runs, so terms are joined across runs
    assert contents(fast) == contents(plain) == contents(memory)


def test_the_indexer_writes_what_whooshs_writer_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``build_index`` in one process, through either writer: the same index content."""
    build_index([SEEDS], tmp_path / "fast")
    monkeypatch.setattr(indexer, "FastSegmentWriter", SegmentWriter)
    build_index([SEEDS], tmp_path / "plain")
    from searchdesk.store import open_index

    (fast, _), (plain, _) = open_index(tmp_path / "fast"), open_index(tmp_path / "plain")
    # File records hold each file's stat: equal here (the same files).
    assert contents(plain) == contents(fast)
