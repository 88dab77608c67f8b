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
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.index import FileIndex
from whoosh.writing import SegmentWriter

from . import store
from .chunking import TITLE_CHUNKS, document_title, iter_block_chunks, iter_line_chunks
from .documents import BinaryFile, FileChanged, Scanned, SourceFile, read_lines, scan, walk
from .errors import (
    IndexCancelled,
    UsageError,
)
from .extract import is_text
from .extract.pool import ExtractorPool, Outcome
from .models import Chunk, IndexProgress, IndexReport
from .parallel import ParallelWriter
from .paths import display_path
from .schema import chunk_fields, file_records
from .segwriter import FastSegmentWriter

ProgressCallback = Callable[[IndexProgress], None]

#: Postings the writers pool (in all, by Whoosh's estimate of their size)
#: before spilling runs to disk. The estimate is about 1.4x what a posting
#: takes in the pool (measured: 1.3M postings, ~160 MB): ~370 MB in all. A
#: man-fr index (153k paragraphs, two processes) spills about once.
WRITER_LIMIT_MB = 512
#: Below this many bytes to read, indexing stays in one process.
PARALLEL_MIN_BYTES = 1_000_000
#: At most this many indexing processes.
MAX_PROCS = 4


@dataclass(frozen=True, slots=True)
class FileRecord:
    """What the index remembers of a document, to tell whether it changed."""

    path: str
    """The file's real path, as the OS gives it (may hold surrogate escapes)."""
    root: str
    """The indexed folder the file belongs to (its real path)."""
    source: str
    size: int
    mtime_ns: int
    sha: str
    title: str
    paragraphs: int
    encoding: str
    ino: int = 0
    ctime_ns: int = 0

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
            "root": self.root,
            "ino": self.ino,
            "ctime_ns": self.ctime_ns,
        }

    @classmethod
    def from_stored(cls, fields: dict[str, Any]) -> FileRecord:
        meta = fields["file_meta"]
        return cls(
            path=meta["fspath"],
            root=meta["root"],
            source=meta["source"],
            size=meta["size"],
            mtime_ns=meta["mtime_ns"],
            sha=meta["sha"],
            title=meta["title"],
            paragraphs=meta["paragraphs"],
            encoding=meta["encoding"],
            ino=meta.get("ino", 0),
            ctime_ns=meta.get("ctime_ns", 0),
        )

    def same_stat(self, f: SourceFile) -> bool:
        """Unchanged on disk? Inode and ctime too: an edit restored with the old
        size and mtime (``touch -d``) still changes the ctime (git's racy check)."""
        return (self.size, self.mtime_ns, self.ino, self.ctime_ns) == (
            f.size,
            f.mtime_ns,
            f.ino,
            f.ctime_ns,
        )


def path_key(path: str) -> str:
    """The index's key for a file: its real path's bytes, as injective text.

    Undecodable bytes become ``\\xNN`` and a backslash is doubled, so a file
    literally named ``caf\\xe9.txt`` and ``caf<0xE9>.txt`` never share a key.
    """
    raw = os.fsencode(path).replace(b"\\", b"\\\\")
    return raw.decode("utf-8", "backslashreplace")


def build_index(
    roots: Sequence[str | os.PathLike[str]],
    index_dir: Path,
    *,
    rebuild: bool = False,
    wait: bool = False,
    strict: bool = False,
    forget: Sequence[str | os.PathLike[str]] = (),
    progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> IndexReport:
    """Index (or update) the documents under ``roots`` into ``index_dir``.

    With no ``roots``, every folder indexed before is refreshed (a folder
    that no longer exists leaves the index). ``forget`` drops indexed
    folders. With ``strict``, any unreadable file fails the run and nothing
    is committed (``report.committed`` is False). ``should_stop`` is polled
    after each file and before the commit is made live: when it returns True
    (or raises), nothing of the run becomes visible.
    """
    stop = should_stop or _never
    started = time.perf_counter()
    folders = [_check_root(r) for r in roots]
    forgotten = [str(Path(f).expanduser().absolute().resolve()) for f in forget]
    if not folders and not (index_dir / store.MARKER).exists():
        raise UsageError("no folder to index: run `searchdesk index DIR`")
    report = IndexReport()
    with store.begin_update(
        index_dir,
        rebuild=rebuild,
        wait=wait,
        add_roots=[str(f) for f in folders],
        forget=forgotten,
    ) as update:
        if not folders:
            folders = [Path(r) for r in sorted(update.roots)]
        if not update.roots and not forgotten:
            raise UsageError("no folder to index: run `searchdesk index DIR`")
        changed = _update(update, folders, report, progress, strict or None, stop)
        if changed is None:
            report.committed = False
        else:
            if stop():
                raise IndexCancelled("indexing was stopped; the previous index is unchanged")
            update.finish(changed or bool(forgotten))
            report.total_paragraphs = _count_chunks(index_dir)
    report.seconds = time.perf_counter() - started
    return report


def _check_root(root: str | os.PathLike[str]) -> Path:
    path = Path(root).expanduser()
    if not path.exists():
        raise UsageError(f"no such folder: {display_path(str(root))}")
    if not (path.is_dir() or path.is_file()):
        raise UsageError(f"not a folder or a file: {display_path(str(root))}")
    return path.resolve()


def _count_chunks(index_dir: Path) -> int:
    """Paragraphs in the live index, from the file records (cheap: one per file).

    Read through the live marker, whose segments are mapped: the writer's own
    storage would read the new segments whole (780 MB at a million paragraphs).
    """
    ix, _marker = store.open_index(index_dir)
    try:
        with ix.searcher() as s:
            return sum(fields["file_meta"]["paragraphs"] for fields in file_records(s))
    finally:
        ix.close()


@dataclass(frozen=True, slots=True)
class _Planned:
    """A file found on disk, with its key and the indexed folder it belongs to."""

    file: SourceFile
    key: str
    root: str
    source: str


def _never() -> bool:
    return False


def _inside(path: str, folder: str) -> bool:
    """Is ``path`` strictly inside ``folder``? (``/a/dd`` is not inside ``/a/d``.)"""
    return path.startswith(folder.rstrip("/") + "/")


def _owner(roots: dict[str, str], real: str, walked_from: str) -> str:
    """The outermost indexed folder holding ``real`` (else the folder it was found in).

    Ownership does not depend on which folders a run walks, so indexing
    ``d``, then ``d/sub``, then ``d`` again never indexes a file twice.
    """
    holders = [r for r in roots if _inside(real, r)]
    return min(holders, key=len) if holders else walked_from


def _update(
    update: store.Update,
    folders: list[Path],
    report: IndexReport,
    progress: ProgressCallback | None,
    strict: bool | None,
    stop: Callable[[], bool],
) -> bool | None:
    """Apply every change in one commit; False if there were none, None if
    ``strict`` and a file could not be read (nothing committed)."""
    roots = update.roots
    given = [str(f) for f in folders]
    # `searchdesk index` with no folder: an indexed folder (or file) was deleted.
    gone = {f for f in given if not (os.path.isdir(f) or os.path.isfile(f))}
    for folder in sorted(gone):
        report.vanished.append(display_path(roots.pop(folder, folder)))
    present = [f for f in given if f not in gone]
    # A folder inside another walked folder adds nothing to the walk.
    walked = [w for w in present if not any(_inside(w, o) for o in present)]
    planned: dict[str, _Planned] = {}
    for folder in walked:
        found = walk(Path(folder))
        report.skipped += found.skipped
        report.skipped_files.extend(found.skipped_files)
        report.problems.extend(found.problems)
        for f in found.files:
            real = f.real
            key = path_key(real)
            if key in planned:
                continue  # the same file through another folder or a symlink
            root = _owner(roots, real, folder)
            label = roots.get(root, "")
            if real == root:  # an indexed file: its label is its source
                source = label
            else:
                rel = os.path.relpath(real, root) if _inside(real, root) else f.source
                source = f"{label}/{display_path(rel)}".lstrip("/")
            planned[key] = _Planned(f, key, root, source)

    records: dict[str, FileRecord] = {}
    if not update.fresh:
        with update.ix.searcher() as s:
            for fields in file_records(s):
                record = FileRecord.from_stored(fields)
                records[fields["file_path"]] = record
    stale = [
        key
        for key, record in records.items()
        if key not in planned and (record.root in walked or record.root not in roots)
    ]
    # Documents with a parser are extracted by worker processes meanwhile.
    extracted = {
        key: plan
        for key, plan in planned.items()
        if not is_text(plan.file.path) and _needs_reading(plan, records.get(key))
    }
    writer = _open_writer(update.ix, _bytes_to_read(planned, records))
    try:
        for key in stale:
            _delete_file(writer, key)
            report.removed += 1
        total = len(planned)
        done = 0

        def advance(plan: _Planned) -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(IndexProgress(done, total, plan.source))
            if stop():
                raise IndexCancelled("indexing was stopped; the previous index is unchanged")

        with ExtractorPool(
            [plan.file.path for plan in extracted.values()], should_stop=stop
        ) as pool:
            by_path = {plan.file.path: plan for plan in extracted.values()}
            for plan in planned.values():
                if plan.key not in extracted:
                    _index_file(writer, plan, records.get(plan.key), report)
                    advance(plan)
                for outcome in pool.ready():
                    done_plan = by_path[outcome.path]
                    _index_outcome(writer, done_plan, records.get(done_plan.key), outcome, report)
                    advance(done_plan)
            for outcome in pool.results():
                done_plan = by_path[outcome.path]
                _index_outcome(writer, done_plan, records.get(done_plan.key), outcome, report)
                advance(done_plan)
            if stop():
                raise IndexCancelled("indexing was stopped; the previous index is unchanged")
        if strict and report.problems:
            writer.cancel()
            return None
        changed = report.added + report.updated + report.removed > 0 or report.refreshed > 0
        if changed or update.fresh or gone:
            writer.commit()
            return True
        writer.cancel()
        return False
    except BaseException:
        # A failed commit may already have closed the writer.
        with contextlib.suppress(Exception):
            writer.cancel()
        raise


def _bytes_to_read(planned: dict[str, _Planned], records: dict[str, FileRecord]) -> int:
    """Bytes of the files that differ from their record."""
    total = 0
    for plan in planned.values():
        record = records.get(plan.key)
        if record is None or not record.same_stat(plan.file) or record.source != plan.source:
            total += plan.file.size
    return total


def _open_writer(ix: FileIndex, bytes_to_read: int) -> SegmentWriter:
    """A writer that analyses on every core when there is enough to read.

    Each worker process writes its own segment (no final merge, which would
    cost more than it saves; the merge policy folds small segments into
    bigger ones on later commits). Small updates stay in-process.
    """
    procs = min(MAX_PROCS, os.cpu_count() or 1)
    if procs > 1 and bytes_to_read >= PARALLEL_MIN_BYTES:
        writer = ParallelWriter(ix, procs=procs, limitmb=WRITER_LIMIT_MB // procs, batchsize=200)
    else:
        writer = FastSegmentWriter(ix, limitmb=WRITER_LIMIT_MB)
    return store.keep_old_files(writer)


def _needs_reading(plan: _Planned, record: FileRecord | None) -> bool:
    """Does the file differ from its record (or move to another folder or label)?"""
    if record is None or (record.source, record.root) != (plan.source, plan.root):
        return True
    return not record.same_stat(plan.file)


def _index_outcome(
    writer: SegmentWriter,
    plan: _Planned,
    record: FileRecord | None,
    outcome: Outcome,
    report: IndexReport,
) -> None:
    """Write the paragraphs a worker extracted from one document (all or nothing)."""
    name = display_path(plan.file.path)
    moved = record is not None and (record.source, record.root) != (plan.source, plan.root)
    if outcome.extracted is None:
        # What was indexed of it stays; its record's stat differs, so the
        # next run tries it again.
        report.problems.append(f"{name}: {outcome.error}")
        if record is None:
            report.skipped += 1
            report.skipped_files.append((name, "could not be read (see the warning)"))
        return
    assert outcome.digest is not None
    extracted = outcome.extracted
    fmt = outcome.kind
    if record is not None and not moved and record.sha == outcome.digest:
        _write_record(
            writer, plan.key, _record(plan, outcome.digest, record.title, record.paragraphs, fmt)
        )
        report.unchanged += 1
        report.refreshed += 1
        return
    if record is not None:
        _delete_file(writer, plan.key)
    for warning in extracted.warnings:
        report.problems.append(f"{name}: {warning}")
    count, title = 0, extracted.title or ""
    for chunk in iter_block_chunks(extracted.blocks, plan.source, plan.key):
        if not title:
            title = chunk.text
        _add_chunk(writer, chunk)
        count += 1
    if not count:
        report.skipped += 1
        report.skipped_files.append((name, "no text (empty, or only images)"))
        if record is not None:
            report.removed += 1
        return
    report.paragraphs += count
    _write_record(writer, plan.key, _record(plan, outcome.digest, title[:120], count, fmt))
    if record is None:
        report.added += 1
    else:
        report.updated += 1


def _delete_file(writer: SegmentWriter, key: str) -> None:
    writer.delete_by_term("path", key)
    writer.delete_by_term("file_path", key)


def _index_file(
    writer: SegmentWriter,
    plan: _Planned,
    record: FileRecord | None,
    report: IndexReport,
) -> None:
    """Read one file as a stream (bounded memory, any size) and write its paragraphs."""
    f, key = plan.file, plan.key
    moved = record is not None and (record.source, record.root) != (plan.source, plan.root)
    if record is not None and not moved and record.same_stat(f):
        report.unchanged += 1
        return
    name = display_path(f.path)
    try:
        scanned: Scanned | None = scan(f.path)
    except BinaryFile:
        scanned = None
    except OSError as exc:
        report.problems.append(f"{name}: {exc.strerror or exc}")
        return
    if scanned is not None and record is not None and not moved and record.sha == scanned.digest:
        # Touched but identical: remember the new stat, keep the paragraphs.
        _write_record(
            writer,
            key,
            _record(plan, scanned.digest, record.title, record.paragraphs, record.encoding),
        )
        report.unchanged += 1
        report.refreshed += 1
        return
    if record is not None:
        _delete_file(writer, key)
    count, title = 0, ""
    first: list[Chunk] = []  # the document's title is found among its first chunks
    problems = len(report.problems)
    if scanned is not None:
        lines = read_lines(f.path, scanned)
        markdown = f.path.lower().endswith(".md")
        try:
            for chunk in iter_line_chunks(
                lines, plan.source, key, width=scanned.width, markdown=markdown
            ):
                if count < TITLE_CHUNKS:
                    first.append(chunk)
                _add_chunk(writer, chunk)
                count += 1
        except FileChanged:
            # What was read stays; the record's stat differs, so the next run reads it again.
            report.problems.append(
                f"{name}: changed while being read; run `searchdesk index` again"
            )
        except OSError as exc:
            report.problems.append(f"{name}: {exc.strerror or exc}")
    if first:
        title = (document_title(first) or first[0].text)[:120]
    if not count:
        report.skipped += 1
        if scanned is None:
            report.skipped_files.append((name, "binary"))
        elif len(report.problems) == problems:
            report.skipped_files.append((name, "no text (empty or blank)"))
        else:
            report.skipped_files.append((name, "could not be read (see the warning)"))
        if record is not None:
            report.removed += 1
        return
    assert scanned is not None
    if scanned.legacy:
        report.other_encoding += 1
    if scanned.warning:
        report.problems.append(f"{name}: {scanned.warning}")
    report.paragraphs += count
    _write_record(writer, key, _record(plan, scanned.digest, title, count, scanned.encoding))
    if record is None:
        report.added += 1
    else:
        report.updated += 1


def _add_chunk(writer: SegmentWriter, chunk: Chunk) -> None:
    writer.add_document(**chunk_fields(chunk))


def _record(plan: _Planned, sha: str, title: str, paragraphs: int, encoding: str) -> FileRecord:
    f = plan.file
    return FileRecord(
        f.real,
        plan.root,
        plan.source,
        f.size,
        f.mtime_ns,
        sha,
        title,
        paragraphs,
        encoding,
        f.ino,
        f.ctime_ns,
    )


def _write_record(writer: SegmentWriter, key: str, record: FileRecord) -> None:
    writer.update_document(file_path=key, file_root=path_key(record.root), file_meta=record.meta())
