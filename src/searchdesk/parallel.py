"""Indexing on every core: Whoosh's multiprocessing writer, made safe to stop and to fail.

Whoosh's ``MpWriter`` forks worker processes that analyse batches of
paragraphs and write one segment each. As shipped it has three failure modes
this module closes:

* a worker that fails (disk full) is ignored: the commit goes on without its
  segment, silently losing paragraphs — here the commit fails instead, with
  the worker's errno;
* a parent waiting to hand out work to dead workers blocks forever — here it
  notices;
* ``cancel()`` only flags the parent's copies of the workers, which go on
  writing into a folder it deletes — here workers are terminated first.

Workers ignore SIGINT (ctrl+c reaches the whole process group; the parent
decides), die quietly on SIGTERM, and die with their parent (Linux).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import queue
import signal
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask

PR_SET_PDEATHSIG = 1


class _Worker(SubWriterTask):
    def run(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        try:
            super().run()
        except OSError as exc:
            os._exit(exc.errno if exc.errno and 0 < exc.errno < 256 else 1)
        except BaseException:
            os._exit(1)


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

    def __init__(self, ix: Any, procs: int, **kwargs: Any) -> None:
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)
        self._real_jobs: Any = self.jobqueue
        self.jobqueue: Any = _GuardedQueue(self._real_jobs, self)

    def _new_task(self) -> _Worker:
        task = _Worker(
            self.storage,
            self.indexname,
            self._real_jobs,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task

    def check_workers(self) -> None:
        """Raise if a worker ended with an error (its exit code is an errno)."""
        for task in self.tasks:
            code = task.exitcode
            if code not in (None, 0) and code > 0:
                if code in errno.errorcode:
                    raise OSError(code, os.strerror(code))
                raise RuntimeError(f"an indexing process failed (exit code {code})")

    def _commit(self, mergetype: Any, optimize: Any, merge: Any) -> None:
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self.jobqueue.put(None)
        for task in self.tasks:
            task.join()
        self.check_workers()
        # Whoosh's own commit now only collects the finished segments.
        super()._commit(mergetype, optimize, merge)

    def cancel(self) -> None:
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
        for task in self.tasks:
            task.join(timeout=5)
        with contextlib.suppress(OSError):
            super().cancel()
