"""Running extractors in worker processes, each file under a time limit and a memory cap.

A parser fed a hostile document can loop, recurse or allocate without end
(a PDF whose page tree points back at itself, a DOCX that inflates to
gigabytes). Such a file must cost one warning, never the run nor the machine,
and nothing of it may be half-indexed. So every extraction runs in a worker
process that:

* reads the file itself, refusing anything but a regular file, up to
  :data:`MAX_DOCUMENT_BYTES`, and hashes exactly the bytes it extracts;
* lives under ``RLIMIT_AS`` (:data:`MEMORY_MB`), so a runaway allocation is a
  ``MemoryError`` in the worker (or its death), never the machine swapping;
* gets ``RLIMIT_CPU`` raised by :data:`EXTRACT_SECONDS` before each file, so
  the kernel stops a parser that loops even while the parent is busy; the
  parent also kills a worker past its wall-clock deadline (a parser that
  sleeps or blocks), then starts a fresh one;
* ignores ``SIGINT``: ctrl+c reaches the whole process group, and the parent,
  which decides what a stop means, kills its workers.

A worker answers each file with one :class:`Outcome`: the extracted blocks
whole, or one line saying why not. Workers start from a ``forkserver`` (not
forked from the indexer, which may hold threads and open index files), one
per core, only when a run has such files to read.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from . import Extracted, ExtractionError, for_path

#: Wall-clock seconds (and CPU seconds) one file may take to extract.
EXTRACT_SECONDS = 60.0
#: Address space of a worker process, in MiB.
MEMORY_MB = 2048
#: Files larger than this are not read.
MAX_DOCUMENT_BYTES = 256 << 20
#: How often a waiting parent polls ``should_stop`` (seconds).
POLL_SECONDS = 0.2

_READ_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Outcome:
    """What extracting one file gave: blocks, or why not (one line)."""

    path: str
    digest: str | None
    """blake2b (16 bytes, hex) of the bytes extracted; None if not read."""
    extracted: Extracted | None
    error: str | None = None
    kind: str = "?"
    """The extractor's name (``"PDF"``), recorded as the document's format."""


def limits_from_env() -> tuple[float, int]:
    """Time and memory limits, overridable by ``SEARCHDESK_EXTRACT_SECONDS``/``_MEMORY_MB``."""
    seconds, memory = EXTRACT_SECONDS, MEMORY_MB
    with contextlib.suppress(ValueError):
        seconds = float(os.environ.get("SEARCHDESK_EXTRACT_SECONDS", seconds))
    with contextlib.suppress(ValueError):
        memory = int(os.environ.get("SEARCHDESK_EXTRACT_MEMORY_MB", memory))
    return max(seconds, 0.1), max(memory, 256)


def extract_file(path: str) -> Outcome:
    """Read and extract one file in this process (what a worker does for each file)."""
    from ..documents import open_regular

    try:
        extractor = for_path(path)
    except Exception as exc:  # a plug-in or a library that fails to import
        return Outcome(path, None, None, _one_line(f"its extractor cannot be loaded ({exc})"))
    if extractor is None:
        return Outcome(path, None, None, "no extractor for this kind of file")
    kind = extractor.name
    try:
        with open_regular(path) as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_DOCUMENT_BYTES:
                return Outcome(
                    path,
                    None,
                    None,
                    f"too large ({size >> 20} MB; at most {MAX_DOCUMENT_BYTES >> 20} MB are read)",
                )
            data = bytearray()
            while block := fh.read(_READ_BLOCK):
                data += block
                if len(data) > MAX_DOCUMENT_BYTES:
                    return Outcome(path, None, None, "grew while being read; skipped")
    except OSError as exc:
        return Outcome(path, None, None, str(exc.strerror or exc))
    raw = bytes(data)
    del data
    digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
    try:
        return Outcome(path, digest, extractor.extract(raw), kind=kind)
    except ExtractionError as exc:
        why = str(exc)
    except MemoryError:
        why = "needs more memory than extraction may use; skipped"
    except RecursionError:
        why = f"damaged {kind} file (nested too deeply)"
    except Exception as exc:  # a library's own error on a damaged file
        why = f"damaged {kind} file ({exc or type(exc).__name__})"
    return Outcome(path, digest, None, _one_line(why), kind)


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _serve(conn: Connection, seconds: float, memory_mb: int) -> None:
    """A worker's loop: a path in, an Outcome out, until told to stop (None)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cap = memory_mb << 20
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        if path is None:
            return
        used = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(used.ru_utime + used.ru_stime + seconds) + 1
        if cpu_hard == resource.RLIM_INFINITY or soft < cpu_hard:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_CPU, (soft, cpu_hard))
        try:
            outcome = extract_file(path)
        except BaseException as exc:  # never die silently: say why, in one line
            outcome = Outcome(path, None, None, _one_line(f"could not be read ({exc!r})"))
        conn.send(outcome)


class _Worker:
    def __init__(self, ctx: Any, seconds: float, memory_mb: int) -> None:
        parent, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_serve, args=(child, seconds, memory_mb), name="searchdesk-extract", daemon=True
        )
        self.process.start()
        child.close()
        self.conn: Connection = parent
        self.path: str | None = None
        self.deadline = 0.0

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()


class ExtractorPool:
    """Extract files in worker processes; outcomes come back as they finish.

    Use as a context manager: leaving it (normally, or by an exception such
    as a stop) kills every worker.
    """

    def __init__(
        self,
        paths: Iterable[str],
        *,
        procs: int | None = None,
        seconds: float | None = None,
        memory_mb: int | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        env_seconds, env_memory = limits_from_env()
        self.seconds = seconds if seconds is not None else env_seconds
        self.memory_mb = memory_mb if memory_mb is not None else env_memory
        self._todo: deque[str] = deque(paths)
        self._pending = len(self._todo)
        self._stop = should_stop
        self._ctx = multiprocessing.get_context("forkserver")
        # The server imports this module, never the program's ``__main__``.
        self._ctx.set_forkserver_preload([__name__])
        count = max(1, min(procs or os.cpu_count() or 1, len(self._todo)))
        self._workers: list[_Worker] = []
        if self._todo:
            self._workers = [self._spawn() for _ in range(count)]
            for worker in self._workers:
                self._dispatch(worker)

    def __enter__(self) -> ExtractorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pending(self) -> int:
        """Files whose outcome has not been handed out yet."""
        return self._pending

    def ready(self) -> list[Outcome]:
        """Outcomes finished by now, without waiting."""
        return self._collect(0.0)

    def results(self) -> Iterator[Outcome]:
        """Every outcome not handed out yet, as they finish (blocking)."""
        while self._pending:
            if self._stop is not None and self._stop():
                return
            yield from self._collect(POLL_SECONDS)

    def close(self) -> None:
        for worker in self._workers:
            if worker.path is None:
                with contextlib.suppress(Exception):
                    worker.conn.send(None)
            worker.kill()
        self._workers = []

    def _spawn(self) -> _Worker:
        return _Worker(self._ctx, self.seconds, self.memory_mb)

    def _dispatch(self, worker: _Worker) -> None:
        if not self._todo:
            worker.path = None
            return
        worker.path = self._todo.popleft()
        worker.deadline = time.monotonic() + self.seconds
        worker.conn.send(worker.path)

    def _collect(self, timeout: float) -> list[Outcome]:
        busy = [w for w in self._workers if w.path is not None]
        if not busy:
            return []
        by_handle: dict[Any, _Worker] = {}
        for w in busy:
            by_handle[w.conn] = w
            by_handle[w.process.sentinel] = w
        now = time.monotonic()
        soonest = min(w.deadline for w in busy)
        ready = wait(list(by_handle), timeout=max(0.0, min(timeout, soonest - now)))
        out: list[Outcome] = []
        done: set[int] = set()
        for handle in ready:
            worker = by_handle[handle]
            if id(worker) in done:
                continue
            done.add(id(worker))
            out.append(self._receive(worker))
        now = time.monotonic()
        for worker in busy:
            if id(worker) not in done and worker.path is not None and now > worker.deadline:
                out.append(self._replace(worker, f"took longer than {self.seconds:g} s; skipped"))
        self._pending -= len(out)
        return out

    def _receive(self, worker: _Worker) -> Outcome:
        path = worker.path
        assert path is not None
        try:
            if worker.conn.poll():
                outcome: Outcome = worker.conn.recv()
                self._dispatch(worker)
                return outcome
        except (EOFError, OSError):
            pass
        # The worker died without answering: the kernel's CPU limit, the
        # memory cap, or a crash in a parser's native code.
        worker.process.join(1)
        code = worker.process.exitcode
        if code == -signal.SIGXCPU:
            why = f"took longer than {self.seconds:g} s; skipped"
        elif code in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):
            why = "the extractor crashed or ran out of memory on it; skipped"
        else:
            why = f"the extractor stopped on it (exit status {code}); skipped"
        return self._replace(worker, why)

    def _replace(self, worker: _Worker, why: str) -> Outcome:
        path = worker.path
        assert path is not None
        worker.kill()
        fresh = self._spawn()
        self._workers[self._workers.index(worker)] = fresh
        self._dispatch(fresh)
        return Outcome(path, None, None, why)
