"""Building and updating the index from folders of documents.

``build_index`` is incremental: for each folder it compares what is on disk
with the file records of the index (size and mtime, then a content hash), and
re-reads only new or changed files; records of deleted files and their
paragraphs are removed. Other folders already in the index are untouched.
Everything is written in one Whoosh commit, so an interrupted run leaves the
index as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.index import FileIndex
from whoosh.writing import SegmentWriter

from . import docmap, store
from .chunking import iter_chunks
from .documents import BinaryFile, SourceFile, decode, walk
from .errors import (
    IndexDamaged,
    IndexIncompatible,
    IndexNotFound,
    IndexWriteError,
    UsageError,
)
from .models import Chunk, IndexProgress, IndexReport
from .parallel import ParallelWriter
from .paths import display_path
from .schema import chunk_fields, file_records

ProgressCallback = Callable[[IndexProgress], None]

#: Memory Whoosh's writers may use (in all) before flushing runs to disk.
WRITER_LIMIT_MB = 256
#: Below this many bytes to read, indexing stays in one process.
PARALLEL_MIN_BYTES = 4_000_000
#: At most this many indexing processes.
MAX_PROCS = 4


@dataclass(frozen=True, slots=True)
class FileRecord:
    """What the index remembers of a document, to tell whether it changed."""

    path: str
    root: str
    source: str
    size: int
    mtime_ns: int
    sha: str
    title: str
    paragraphs: int
    encoding: str

    def meta(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "sha": self.sha,
            "title": self.title,
            "paragraphs": self.paragraphs,
            "encoding": self.encoding,
            "fspath": self.path,
        }

    @classmethod
    def from_stored(cls, fields: dict[str, Any]) -> FileRecord:
        meta = fields["file_meta"]
        return cls(
            path=meta["fspath"],
            root=fields["file_root"],
            source=meta["source"],
            size=meta["size"],
            mtime_ns=meta["mtime_ns"],
            sha=meta["sha"],
            title=meta["title"],
            paragraphs=meta["paragraphs"],
            encoding=meta["encoding"],
        )


def build_index(
    roots: Sequence[str | os.PathLike[str]],
    index_dir: Path,
    *,
    rebuild: bool = False,
    wait: bool = False,
    progress: ProgressCallback | None = None,
) -> IndexReport:
    """Index (or update) the documents under ``roots`` into ``index_dir``."""
    started = time.perf_counter()
    folders = [_check_root(r) for r in roots]
    store.prepare_folder(index_dir)
    report = IndexReport()
    with store.writer_lock(index_dir, wait=wait):
        previous: store.Marker | None = None
        try:
            ix, previous = store.open_index(index_dir)
        except IndexNotFound:
            ix = None
        except (IndexIncompatible, IndexDamaged):
            if not rebuild:
                raise
            ix, previous = None, store.read_marker(index_dir, check_version=False)
        if ix is None or rebuild:
            ix, marker = store.create_generation(index_dir, previous)
        else:
            assert previous is not None
            marker = previous
        try:
            changed = _update(ix, folders, report, progress)
        except OSError as exc:
            raise IndexWriteError(
                f"cannot write the index at {display_path(str(index_dir))}:"
                f" {exc.strerror or exc}; the previous index is unchanged"
            ) from exc
        with ix.reader() as reader:
            key = docmap.commit_key(marker.generation, reader)
            if changed or not (index_dir / f"{docmap.PREFIX}{key}.bin").exists():
                docmap.save(index_dir, docmap.build(key, reader))
        report.total_paragraphs = _count_chunks(ix)
        store.write_marker(
            index_dir,
            store.Marker(marker.schema_version, marker.generation, marker.created, time.time()),
        )
        if previous is not None and previous.generation != marker.generation:
            store.remove_generation(index_dir, previous.generation)
    report.seconds = time.perf_counter() - started
    return report


def _check_root(root: str | os.PathLike[str]) -> Path:
    path = Path(root).expanduser()
    if not path.exists():
        raise UsageError(f"no such folder: {display_path(str(root))}")
    if not path.is_dir():
        raise UsageError(f"not a folder: {display_path(str(root))}")
    return path.resolve()


def _count_chunks(ix: FileIndex) -> int:
    """Paragraphs in the index, from the file records (cheap: one per file)."""
    with ix.searcher() as s:
        return sum(fields["file_meta"]["paragraphs"] for fields in file_records(s))


def _update(
    ix: FileIndex,
    folders: Iterable[Path],
    report: IndexReport,
    progress: ProgressCallback | None,
) -> bool:
    """Apply the changes of every folder in one commit; False if there were none."""
    plans: list[tuple[list[SourceFile], dict[str, FileRecord]]] = []
    with ix.searcher() as s:
        for folder in folders:
            found = walk(folder)
            report.skipped += found.skipped
            report.problems.extend(found.problems)
            records = {
                fields["file_path"]: FileRecord.from_stored(fields)
                for fields in s.documents(file_root=display_path(str(folder)))
            }
            plans.append((found.files, records))

    writer = _open_writer(ix, _bytes_to_read(plans))
    try:
        total = sum(len(files) for files, _ in plans)
        done = 0
        for files, records in plans:
            on_disk = {display_path(f.path) for f in files}
            for key in records.keys() - on_disk:
                _delete_file(writer, key)
                report.removed += 1
            for f in files:
                _index_file(writer, f, records.get(display_path(f.path)), report)
                done += 1
                if progress is not None:
                    progress(IndexProgress(done, total, f.source))
        changed = report.added + report.updated + report.removed > 0 or report.refreshed > 0
        if changed:
            writer.commit()
        else:
            writer.cancel()
        return changed
    except BaseException:
        with contextlib.suppress(OSError):
            writer.cancel()
        raise


def _bytes_to_read(plans: list[tuple[list[SourceFile], dict[str, FileRecord]]]) -> int:
    """Bytes of the files whose size or mtime differ from their record."""
    total = 0
    for files, records in plans:
        for f in files:
            record = records.get(display_path(f.path))
            if record is None or (record.size, record.mtime_ns) != (f.size, f.mtime_ns):
                total += f.size
    return total


def _open_writer(ix: FileIndex, bytes_to_read: int) -> SegmentWriter:
    """A writer that analyses on every core when there is enough to read.

    Each worker process writes its own segment (no final merge, which would
    cost more than it saves; the merge policy folds small segments into
    bigger ones on later commits). Small updates stay in-process.
    """
    procs = min(MAX_PROCS, os.cpu_count() or 1)
    if procs > 1 and bytes_to_read >= PARALLEL_MIN_BYTES:
        return ParallelWriter(ix, procs=procs, limitmb=WRITER_LIMIT_MB // procs, batchsize=200)
    return ix.writer(limitmb=WRITER_LIMIT_MB)


def _delete_file(writer: SegmentWriter, key: str) -> None:
    writer.delete_by_term("path", key)
    writer.delete_by_term("file_path", key)


def _index_file(
    writer: SegmentWriter,
    f: SourceFile,
    record: FileRecord | None,
    report: IndexReport,
) -> None:
    key = display_path(f.path)
    if record is not None and record.size == f.size and record.mtime_ns == f.mtime_ns:
        report.unchanged += 1
        return
    try:
        with open(f.path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        report.problems.append(f"{key}: {exc.strerror or exc}")
        return
    sha = hashlib.blake2b(data, digest_size=16).hexdigest()
    if record is not None and record.sha == sha:
        # Touched but identical: remember the new mtime, keep the paragraphs.
        _write_record(
            writer, key, _record(f, sha, record.title, record.paragraphs, record.encoding)
        )
        report.unchanged += 1
        report.refreshed += 1
        return
    try:
        decoded = decode(data)
    except BinaryFile:
        decoded = None
    chunks = (
        list(iter_chunks(decoded.text, f.source, key, markdown=f.path.lower().endswith(".md")))
        if decoded is not None
        else []
    )
    if record is not None:
        _delete_file(writer, key)
    if not chunks:
        report.skipped += 1
        if record is not None:
            report.removed += 1
        return
    assert decoded is not None
    if decoded.legacy:
        report.other_encoding += 1
        if decoded.encoding == "latin-1":
            report.problems.append(f"{key}: encoding not recognised, read as latin-1")
    for chunk in chunks:
        _add_chunk(writer, chunk)
    report.paragraphs += len(chunks)
    title = chunks[0].text[:120]
    _write_record(writer, key, _record(f, sha, title, len(chunks), decoded.encoding))
    if record is None:
        report.added += 1
    else:
        report.updated += 1


def _add_chunk(writer: SegmentWriter, chunk: Chunk) -> None:
    writer.add_document(**chunk_fields(chunk))


def _record(f: SourceFile, sha: str, title: str, paragraphs: int, encoding: str) -> FileRecord:
    return FileRecord(
        f.path, f.root, f.source, f.size, f.mtime_ns, sha, title, paragraphs, encoding
    )


def _write_record(writer: SegmentWriter, key: str, record: FileRecord) -> None:
    writer.update_document(file_path=key, file_root=record.root, file_meta=record.meta())
