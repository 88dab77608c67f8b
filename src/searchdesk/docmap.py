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

import contextlib
import json
import os
from array import array
from collections import Counter
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
    _copies: dict[int, list[int]] = field(default_factory=dict, compare=False)

    def copies(self, digest: int) -> list[int]:
        """Document numbers of every paragraph with this digest (repeats)."""
        if not self._copies and len(self.digests):
            self._index_copies()
        return self._copies.get(digest, [])

    def _index_copies(self) -> None:
        counts = Counter(self.digests)
        repeated = {d for d, c in counts.items() if c > 1 and d}
        for n, d in enumerate(self.digests):
            if d in repeated and self.source_ids[n] != NO_SOURCE:
                self._copies.setdefault(d, []).append(n)
        self._copies.setdefault(0, [])  # built, even with no repeats


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
    digests = array("Q", [0]) * total
    column = reader.column_reader("digest")
    for n in range(total):
        if source_ids[n] != NO_SOURCE:
            digests[n] = int.from_bytes(column[n], "big")
    return DocMap(key, files, file_ids, list(names), source_ids, digests)


def save(index_dir: Path, docmap: DocMap) -> None:
    """Write the map for one commit and remove maps of older commits."""
    path = index_dir / f"{PREFIX}{docmap.key}.bin"
    tmp = path.with_suffix(".tmp")
    header = json.dumps(
        {"files": docmap.files, "sources": docmap.sources, "count": len(docmap.digests)}
    ).encode()
    with open(tmp, "wb") as fh:
        fh.write(len(header).to_bytes(8, "little"))
        fh.write(header)
        docmap.file_ids.tofile(fh)
        docmap.source_ids.tofile(fh)
        docmap.digests.tofile(fh)
    os.replace(tmp, path)
    for old in index_dir.glob(f"{PREFIX}*.bin"):
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()


def load(index_dir: Path, key: str) -> DocMap | None:
    """The saved map of this commit, or None if there is none (or it is damaged)."""
    path = index_dir / f"{PREFIX}{key}.bin"
    try:
        with open(path, "rb") as fh:
            size = int.from_bytes(fh.read(8), "little")
            header = json.loads(fh.read(size))
            count = int(header["count"])
            file_ids = array("I")
            file_ids.fromfile(fh, count)
            source_ids = array("I")
            source_ids.fromfile(fh, count)
            digests = array("Q")
            digests.fromfile(fh, count)
        files = [(str(source), str(path)) for source, path in header["files"]]
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None
    return DocMap(key, files, file_ids, list(header["sources"]), source_ids, digests)
