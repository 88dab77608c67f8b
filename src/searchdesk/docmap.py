"""A compact map from Whoosh document numbers to (file, source, paragraph digest).

Facet counts and collapsing need the source and digest of *every* matching
paragraph. Reading them from Whoosh columns or stored fields costs
microseconds per document, which adds up to tens of milliseconds for a
common word; storing them with every paragraph made the index a third
larger. The indexer writes this map once per commit
(``docmap-<generation>.bin``, flat arrays); a query loads it in about a
millisecond, or rebuilds it from the index when the file is missing or
belongs to another commit.
"""

from __future__ import annotations

import json
import os
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Source index of documents that are not chunks (file records, deleted docs).
NO_SOURCE = 0xFFFFFFFF
PREFIX = "docmap-"


@dataclass(frozen=True, slots=True)
class DocMap:
    """What the engine needs to know of every document number ``n``.

    ``files[file_ids[n]]`` is its (source, path), ``sources[source_ids[n]]``
    its source (the facet), ``digests[n]`` its paragraph digest. File records
    and deleted documents have ``NO_SOURCE``.
    """

    key: str
    """Which commit this map describes: ``<index generation>-<whoosh TOC generation>``."""
    files: list[tuple[str, str]]
    file_ids: array[int]
    sources: list[str]
    source_ids: array[int]
    digests: array[int]
    copy_digests: array[int]
    """Digests of repeated paragraphs, sorted."""
    copy_offsets: array[int]
    """``copy_docnums[copy_offsets[i]:copy_offsets[i + 1]]`` repeat ``copy_digests[i]``."""
    copy_docnums: array[int]
    source_index: dict[str, int] = field(init=False, repr=False, compare=False)
    """Source name → its id (made once: a query looks up its facets by name)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "source_index", {n: i for i, n in enumerate(self.sources)})

    def copies(self, digest: int) -> array[int]:
        """Document numbers of every paragraph with this digest, if it repeats."""
        i = bisect_left(self.copy_digests, digest)
        if i == len(self.copy_digests) or self.copy_digests[i] != digest:
            return array("I")
        return self.copy_docnums[self.copy_offsets[i] : self.copy_offsets[i + 1]]


def commit_key(index_generation: str, reader: Any) -> str:
    return f"{index_generation}-{reader.generation() or 0}"


def build(key: str, reader: Any) -> DocMap:
    """Read the map from the index: path postings, file records, digest column."""
    total = reader.doc_count_all()
    source_of: dict[str, str] = {}
    for root in reader.lexicon("file_root"):
        for n in reader.postings("file_root", root).all_ids():
            if not reader.is_deleted(n):
                fields = reader.stored_fields(n)
                source_of[fields["file_path"]] = fields["file_meta"]["source"]
    files: list[tuple[str, str]] = []
    names: dict[str, int] = {}
    file_ids = array("I", [NO_SOURCE]) * total
    source_ids = array("I", [NO_SOURCE]) * total
    for term in reader.lexicon("path"):
        path = term.decode("utf-8")
        source = source_of.get(path)
        if source is None:
            continue
        fid = len(files)
        files.append((source, path))
        sid = names.setdefault(source, len(names))
        for n in reader.postings("path", term).all_ids():
            if not reader.is_deleted(n):
                file_ids[n] = fid
                source_ids[n] = sid
    digests = _digests(reader, total, source_ids)
    copy_digests, copy_offsets, copy_docnums = _copies(digests, source_ids)
    return DocMap(
        key,
        files,
        file_ids,
        list(names),
        source_ids,
        digests,
        copy_digests,
        copy_offsets,
        copy_docnums,
    )


def _digests(reader: Any, total: int, source_ids: array[int]) -> array[int]:
    """Every paragraph's digest (0 for file records and deleted documents), by segment.

    The column is read whole per segment (8 big-endian bytes a document)
    rather than a document at a time: a million documents took tens of
    seconds through the column reader.
    """
    import numpy as np
    from whoosh.columns import FixedBytesColumn

    out = np.zeros(total, dtype=np.uint64)
    for leaf, offset in reader.leaf_readers():
        count = leaf.doc_count_all()
        try:
            column = leaf.column_reader("digest", translate=False)
        except NotImplementedError:  # no digest column at all (an index without paragraphs)
            continue
        if type(column) is FixedBytesColumn.Reader and column._fixedlen == 8:
            stored = min(column._count, count)
            raw = column._dbfile.get(column._basepos, stored * 8)
            out[offset : offset + stored] = np.frombuffer(raw, dtype=">u8")
        else:
            for n in range(count):
                out[offset + n] = int.from_bytes(column[n], "big")
    if total:
        out[np.frombuffer(source_ids, dtype=np.uint32) == NO_SOURCE] = 0
    return array("Q", out.tobytes())


def _copies(digests: array[int], source_ids: array[int]) -> tuple[array[int], ...]:
    """The repeated digests (sorted), their offsets, and their documents in order."""
    import numpy as np

    ids = np.frombuffer(source_ids, dtype=np.uint32) if len(source_ids) else np.zeros(0, np.uint32)
    values = np.frombuffer(digests, dtype=np.uint64) if len(digests) else np.zeros(0, np.uint64)
    docnums = np.flatnonzero(ids != NO_SOURCE)
    found = values[docnums]
    order = np.lexsort((docnums, found))
    found, docnums = found[order], docnums[order]
    if len(found):
        starts = np.flatnonzero(np.concatenate(([True], found[1:] != found[:-1])))
        sizes = np.diff(np.concatenate((starts, [len(found)])))
    else:
        starts = sizes = np.zeros(0, dtype=np.int64)
    repeated = sizes > 1
    copy_digests = array("Q", found[starts[repeated]].tobytes())
    keep = np.repeat(repeated, sizes)
    copy_docnums = array("I", docnums[keep].astype(np.uint32).tobytes())
    offsets = np.concatenate(([0], np.cumsum(sizes[repeated]))).astype(np.uint32)
    return copy_digests, array("I", offsets.tobytes()), copy_docnums


def save(index_dir: Path, docmap: DocMap) -> None:
    """Write the map for one commit (the store sweeps maps of older commits once
    the marker no longer names them: a reader may still be using one)."""
    path = index_dir / f"{PREFIX}{docmap.key}.bin"
    tmp = path.with_suffix(".tmp")
    header = json.dumps(
        {
            "files": docmap.files,
            "sources": docmap.sources,
            "count": len(docmap.digests),
            "copies": [len(docmap.copy_digests), len(docmap.copy_docnums)],
        }
    ).encode()
    with open(tmp, "wb") as fh:
        fh.write(len(header).to_bytes(8, "little"))
        fh.write(header)
        for values in _arrays(docmap):
            values.tofile(fh)
    os.replace(tmp, path)


def load(index_dir: Path, key: str) -> DocMap | None:
    """The saved map of this commit, or None if there is none (or it is damaged)."""
    path = index_dir / f"{PREFIX}{key}.bin"
    try:
        with open(path, "rb") as fh:
            size = int.from_bytes(fh.read(8), "little")
            header = json.loads(fh.read(size))
            count = int(header["count"])
            n_copies, n_docnums = (int(x) for x in header["copies"])
            arrays = []
            for typecode, length in (
                ("I", count),
                ("I", count),
                ("Q", count),
                ("Q", n_copies),
                ("I", n_copies + 1),
                ("I", n_docnums),
            ):
                values = array(typecode)
                values.fromfile(fh, length)
                arrays.append(values)
        files = [(str(source), str(path)) for source, path in header["files"]]
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None
    file_ids, source_ids, digests, copy_digests, copy_offsets, copy_docnums = arrays
    return DocMap(
        key,
        files,
        file_ids,
        list(header["sources"]),
        source_ids,
        digests,
        copy_digests,
        copy_offsets,
        copy_docnums,
    )


def _arrays(docmap: DocMap) -> tuple[array[int], ...]:
    """The arrays of a map, in file order (see :func:`load`)."""
    return (
        docmap.file_ids,
        docmap.source_ids,
        docmap.digests,
        docmap.copy_digests,
        docmap.copy_offsets,
        docmap.copy_docnums,
    )
