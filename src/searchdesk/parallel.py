"""Indexing on every core: Whoosh's multiprocessing writer, made safe to stop and to fail.

Whoosh's ``MpWriter`` forks worker processes that analyse batches of
paragraphs and write one segment each. As shipped it has three failure modes
this module closes:

* a worker that fails (disk full, any exception) or is killed is ignored:
  the commit goes on without its segment, silently losing paragraphs — here
  the commit fails instead, with the worker's own error. An exit status
  cannot carry it (status 1 would read as errno 1, EPERM), so a failing
  worker sends its exception's type, message and errno to the parent over a
  pipe of its own before it exits: the parent raises an ``OSError`` with the
  worker's errno, or a :class:`WorkerError` naming the exception (or the
  signal that killed the worker);
* a parent waiting to hand out work to dead workers blocks forever — here it
  notices;
* ``cancel()`` only flags the parent's copies of the workers, which go on
  writing into a folder it deletes — here workers are terminated first.

Workers ignore SIGINT (ctrl+c reaches the whole process group; the parent
decides), die quietly on SIGTERM, and die with their parent (Linux).

Both the in-process writer and each worker are a :class:`FastSegmentWriter`:
Whoosh's ``SegmentWriter`` writing the same segment, byte for byte, with less
Python per posting (postings are pooled by term, so only terms are sorted,
not every posting; the pool's ``add`` is inlined into ``add_document``; the
field lengths the codec reads for every posting are read once per field). The equivalence is
tested in ``tests/unit/test_writer_equivalence.py``.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util.text import utf8encode
from whoosh.writing import PostingPool, SegmentWriter

from .errors import IndexWriteError

PR_SET_PDEATHSIG = 1
#: Longest exception message a worker sends (a pipe write this small is atomic).
MAX_MESSAGE = 1000

#: What a failing worker reports: exception type name, message, and for an
#: ``OSError`` its errno, strerror and file name.
_Failure = tuple[str, str, int | None, str | None, str | None]


class _Lengths:
    """The per-document reader Whoosh's ``FieldWriter.add_postings`` reads
    lengths from, with each field's length column read once, in order.

    Whoosh asks the column for every posting (a seek and a one-byte read
    each: 12% of an in-process index); here each field's column is read
    once into a list. Same values: the column reader's own ``__getitem__``,
    with what ``doc_field_length_reader`` makes of a zero byte (``None``).
    """

    def __init__(self, reader: Any) -> None:
        self._reader = reader

    def doc_field_length_reader(self, fieldname: str, default: int = 0) -> Any:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return lambda docnum, _default=default: _default
        table = [byte_to_length(b) if b else None for b in range(256)]
        lengths = [table[b] for b in column]
        return lengths.__getitem__


class _TermPool(PostingPool):
    """Whoosh's ``PostingPool`` holding its postings by term, not in one list.

    Whoosh sorts every posting tuple (field, term, docnum, weight, value) of
    a segment (a tenth of an in-process index). A writer's document numbers
    only grow, so each term's postings arrive in order: here they are kept
    in one list per (field, term), and only the terms are sorted. A term
    whose postings came out of order (spelling words all have docnum 0) has
    its list sorted, so the order is exactly ``sorted()``'s. Runs spilled to
    disk, and their merge, are Whoosh's.
    """

    runs: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.terms: dict[tuple[str, bytes], list[Any]] = {}
        """(field, term) → its posting tuples, in the order they came."""
        self.unsorted: set[tuple[str, bytes]] = set()

    def add(self, item: Any) -> None:
        self.fieldnames.add(item[0])
        self.currentsize += 150 + len(item[0]) + len(item[1]) * 2 + len(item[4] or "")
        if self.currentsize > self.limit:
            self.save()
        key = (item[0], item[1])
        postings = self.terms.get(key)
        if postings is None:
            self.terms[key] = [item]
        else:
            if postings[-1] >= item:
                self.unsorted.add(key)
            postings.append(item)

    def _sorted(self) -> Iterator[Any]:
        terms, unsorted = self.terms, self.unsorted
        for key in sorted(terms):
            postings = terms[key]
            if key in unsorted:
                postings.sort()
            yield from postings

    def save(self) -> None:
        if self.terms:
            path, f = self._new_run()
            self._write_run(f, self._sorted())
            self._add_run(path)
            self.terms = {}
            self.unsorted = set()
        self.currentsize = 0

    def items(self, maxfiles: int = 128) -> Any:
        runs = self.runs
        if not runs:
            return self._sorted()
        self.save()
        if maxfiles < len(runs):
            self.reduce_to(maxfiles, maxfiles)
        runs = self.runs
        self.runs = []
        return self._merge_runs(runs)


class FastSegmentWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter``, the same segment with less work per posting.

    * ``add_document`` is Whoosh's, with ``PostingPool.add`` inlined (same
      size accounting, so runs spill at the same postings; its type asserts
      left out: every field of the schema gives bytes);
    * the segment's postings are written by Whoosh's own
      ``FieldWriter.add_postings``, given :class:`_Lengths`.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        limitmb = kwargs.get("limitmb", 128)
        self.pool = _TermPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        limit = pool.limit

        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields if not name.startswith("_")])
        self._check_fields(schema, fieldnames)

        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]

                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    scorable = field.scorable
                    # _TermPool.add: the estimated size of the tuple
                    # (PostingPool's), then the term's list. This document's
                    # number is above every number in the pool: in order.
                    base = 150 + len(fieldname)
                    size = pool.currentsize
                    terms = pool.terms
                    added = False
                    for tbytes, freq, weight, vbytes in field.index(value):
                        if scorable:
                            length += freq
                        size += base + 2 * len(tbytes) + (len(vbytes) if vbytes else 0)
                        if size > limit:
                            pool.currentsize = size
                            pool.save()
                            size = 0
                            terms = pool.terms
                        item = (fieldname, tbytes, docnum, weight * fieldboost, vbytes)
                        postings = terms.get((fieldname, tbytes))
                        if postings is None:
                            terms[(fieldname, tbytes)] = [item]
                        else:
                            postings.append(item)
                        added = True
                    pool.currentsize = size
                    if added:
                        pool.fieldnames.add(fieldname)

                if field.separate_spelling():
                    spellfield = field.spelling_fieldname(fieldname)
                    for word in field.spellable_words(value):
                        pool.add((spellfield, utf8encode(word)[0], 0, 1, vbytes))

                if field.vector:
                    vitems = field.vector.word_values(value, field.analyzer, mode="index")
                    vitems = sorted((text, weight, vb) for text, _, weight, vb in vitems)
                    perdocwriter.add_vector_items(fieldname, field, vitems)

                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(
                    fieldname, field, customval if field.stored else None, length
                )
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(
                        fieldname, column, field.to_column_value(customval)
                    )
        except ValueError:
            perdocwriter.cancel_doc()
            raise

        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths: Any = pdr
        if hasattr(pdr, "_cached_reader"):  # Whoosh's W3 codec
            lengths = _Lengths(pdr)
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if pdr:
            pdr.close()


class WorkerError(IndexWriteError):
    """An indexing process failed with an exception other than ``OSError``, or was killed."""


class _Worker(SubWriterTask):
    def __init__(self, *args: Any, report: Connection) -> None:
        super().__init__(*args)
        self.report = report
        """Write end of this worker's pipe to the parent; used once, on failure."""

    def run(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        try:
            self._work()
        except BaseException as exc:
            with contextlib.suppress(BaseException):
                self.report.send(_describe(exc))
            os._exit(1)

    def _work(self) -> None:
        """``SubWriterTask.run`` (multisegment), writing with :class:`FastSegmentWriter`."""
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = FastSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        fieldnames = writer.pool.fieldnames
        segment = writer._finalize_segment()
        self.resultqueue.put((None, fieldnames, segment), timeout=5)


def _describe(exc: BaseException) -> _Failure:
    """Plain data only: an exception itself may not pickle."""
    name, message = type(exc).__name__, str(exc)[:MAX_MESSAGE]
    if isinstance(exc, OSError) and isinstance(exc.errno, int):
        filename = exc.filename if isinstance(exc.filename, str) else None
        return name, message, exc.errno, exc.strerror or None, filename
    return name, message, None, None, None


def _as_error(failure: _Failure) -> Exception:
    name, message, code, strerror, filename = failure
    if code is not None:
        return OSError(code, strerror or os.strerror(code), filename)
    return WorkerError(f"an indexing process failed: {name}" + (f": {message}" if message else ""))


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class _GuardedQueue:
    """The job queue as the parent sees it: a full queue checks the workers."""

    def __init__(self, jobs: Any, writer: ParallelWriter) -> None:
        self._jobs = jobs
        self._writer = writer

    def put(self, item: Any) -> None:
        while True:
            try:
                self._jobs.put(item, timeout=0.5)
                return
            except queue.Full:
                self._writer.check_workers()


class ParallelWriter(MpWriter):
    """``MpWriter`` (multisegment) that fails loudly and stops cleanly."""

    # The segment the parent writes when the merge policy merges segments.
    _flush_segment = FastSegmentWriter._flush_segment

    def __init__(self, ix: Any, procs: int, **kwargs: Any) -> None:
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)
        self._real_jobs: Any = self.jobqueue
        self.jobqueue: Any = _GuardedQueue(self._real_jobs, self)
        self._reports: dict[int, Connection] = {}
        """Read end of each worker's pipe, by ``id`` of its task."""

    def _new_task(self) -> _Worker:
        receive, send = multiprocessing.Pipe(duplex=False)
        task = _Worker(
            self.storage,
            self.indexname,
            self._real_jobs,
            self.resultqueue,
            self.subargs,
            self.multisegment,
            report=send,
        )
        self.tasks.append(task)
        self._reports[id(task)] = receive
        try:
            task.start()
        finally:
            send.close()  # the worker has its copy; later workers must not inherit it
        return task

    def check_workers(self) -> None:
        """Raise the error of a worker that failed, or say how it ended."""
        for task in self.tasks:
            code = task.exitcode
            if code is None or code == 0:
                continue
            failure = self._failure(task)
            if failure is not None:
                raise _as_error(failure)
            if code < 0:
                raise WorkerError(f"an indexing process was killed ({_signal_name(-code)})")
            raise WorkerError(f"an indexing process failed (exit status {code})")

    def _failure(self, task: Any) -> _Failure | None:
        receive = self._reports.get(id(task))
        if receive is None or receive.closed:
            return None
        try:
            if receive.poll():
                failure: _Failure = receive.recv()
                return failure
        except (EOFError, OSError):
            pass  # ended without a word (killed, or died sending)
        return None

    def _close_reports(self) -> None:
        for receive in self._reports.values():
            receive.close()

    def _commit(self, mergetype: Any, optimize: Any, merge: Any) -> None:
        try:
            if self.docbuffer:
                self._enqueue()
            for _ in self.tasks:
                self.jobqueue.put(None)
            for task in self.tasks:
                task.join()
            self.check_workers()
        finally:
            self._close_reports()
        # Whoosh's own commit now only collects the finished segments.
        super()._commit(mergetype, optimize, merge)

    def cancel(self) -> None:
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
        for task in self.tasks:
            task.join(timeout=5)
        self._close_reports()
        with contextlib.suppress(OSError):
            super().cancel()
