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

Each worker writes with :class:`~searchdesk.segwriter.FastSegmentWriter`
(Whoosh's segment, byte for byte, with less Python per posting).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
from multiprocessing.connection import Connection
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask

from .errors import IndexWriteError
from .segwriter import FastSegmentWriter

PR_SET_PDEATHSIG = 1
#: Longest exception message a worker sends (a pipe write this small is atomic).
MAX_MESSAGE = 1000

#: What a failing worker reports: exception type name, message, and for an
#: ``OSError`` its errno, strerror and file name.
_Failure = tuple[str, str, int | None, str | None, str | None]


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
