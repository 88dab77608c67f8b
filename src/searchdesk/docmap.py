"""A compact map from Whoosh document numbers to (source, paragraph digest).

Facet counts and collapsing need the source and digest of *every* matching
paragraph. Reading them from Whoosh columns costs microseconds per document,
which adds up to tens of milliseconds for a common word. The indexer writes
this map once per commit (``docmap-<generation>.bin``, two flat arrays); a
query loads it in about a millisecond, or rebuilds it from the columns when
the file is missing or belongs to another commit.
"""

from __future__ import annotations

import contextlib
import json
import os
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Source index of documents that are not chunks (file records, deleted docs).
NO_SOURCE = 0xFFFFFFFF
PREFIX = "docmap-"


@dataclass(frozen=True, slots=True)
class DocMap:
    """``sources[source_ids[n]]`` and ``digests[n]`` of document number ``n``."""

    key: str
    """Which commit this map describes: ``<index generation>-<whoosh TOC generation>``."""
    sources: list[str]
    source_ids: array[int]
    digests: array[int]


def commit_key(index_generation: str, reader: Any) -> str:
    return f"{index_generation}-{reader.generation() or 0}"


def build(key: str, reader: Any) -> DocMap:
    """Read the map from the index's columns (slow path: one pass over all docs)."""
    total = reader.doc_count_all()
    src_col = reader.column_reader("source")
    dig_col = reader.column_reader("digest")
    names: dict[str, int] = {}
    source_ids = array("I", [NO_SOURCE]) * total
    digests = array("Q", [0]) * total
    for n in range(total):
        if reader.is_deleted(n):
            continue
        try:
            src = _text(src_col[n])
        except IndexError:
            # Whoosh writes a column only up to the last document that has
            # the field: a segment ending in file records is shorter.
            continue
        if not src:
            continue
        source_ids[n] = names.setdefault(src, len(names))
        digests[n] = int(_text(dig_col[n]), 16)
    return DocMap(key, list(names), source_ids, digests)


def save(index_dir: Path, docmap: DocMap) -> None:
    """Write the map for one commit and remove maps of older commits."""
    path = index_dir / f"{PREFIX}{docmap.key}.bin"
    tmp = path.with_suffix(".tmp")
    header = json.dumps({"sources": docmap.sources, "count": len(docmap.digests)}).encode()
    with open(tmp, "wb") as fh:
        fh.write(len(header).to_bytes(8, "little"))
        fh.write(header)
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
            source_ids = array("I")
            source_ids.fromfile(fh, count)
            digests = array("Q")
            digests.fromfile(fh, count)
    except (OSError, ValueError, KeyError, EOFError):
        return None
    return DocMap(key, list(header["sources"]), source_ids, digests)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value) if value else ""
