"""A failing indexing worker: its real error reaches the parent, and nothing is committed.

Workers are forked, so a monkeypatch made before the writer starts its
workers is what they run. Patching ``FastSegmentWriter.add_document`` reaches
only the workers: the parent's ``MpWriter`` has its own ``add_document``.
"""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest
from whoosh import index
from whoosh.fields import TEXT, Schema
from whoosh.index import FileIndex
from whoosh.writing import SegmentWriter

from searchdesk.errors import SearchdeskError
from searchdesk.parallel import ParallelWriter, WorkerError
from searchdesk.segwriter import FastSegmentWriter

DOCS = 1000  # five batches of 200: both workers get work


@pytest.fixture
def ix(tmp_path: Path) -> FileIndex:
    folder = tmp_path / "ix"
    folder.mkdir()
    ix = index.create_in(str(folder), Schema(body=TEXT(stored=True)))
    with ix.writer() as w:
        for i in range(3):
            w.add_document(body=f"déjà là {i}")
    return ix


def fail_in_workers(monkeypatch: pytest.MonkeyPatch, exc: BaseException | None) -> None:
    def add_document(self: SegmentWriter, **fields: object) -> None:
        if exc is None:
            os.kill(os.getpid(), signal.SIGKILL)
        else:
            raise exc

    # Workers write with searchdesk's writer (Whoosh's SegmentWriter, faster).
    monkeypatch.setattr(FastSegmentWriter, "add_document", add_document)


def write_and_commit(ix: FileIndex) -> None:
    """What the indexer does: add, commit, and cancel on any error."""
    writer = ParallelWriter(ix, procs=2, limitmb=32, batchsize=200)
    try:
        for i in range(DOCS):
            writer.add_document(body=f"paragraphe numéro {i}")
        writer.commit()
    except BaseException:
        writer.cancel()
        raise


def assert_nothing_committed(ix: FileIndex) -> None:
    assert ix.doc_count() == 3
    with ix.searcher() as s:
        assert s.doc_count() == 3
    ix.writer().cancel()  # the lock was released


def test_healthy_workers_commit_everything(ix: FileIndex) -> None:
    write_and_commit(ix)
    assert ix.doc_count() == 3 + DOCS


def test_a_worker_exception_is_named_not_read_as_an_errno(
    ix: FileIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_in_workers(monkeypatch, ValueError("boom"))
    with pytest.raises(WorkerError, match="ValueError: boom") as raised:
        write_and_commit(ix)
    # Exit status 1 used to come back as errno 1, "Operation not permitted".
    assert "Operation not permitted" not in str(raised.value)
    monkeypatch.undo()
    assert_nothing_committed(ix)


def test_a_worker_oserror_keeps_its_errno(ix: FileIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_in_workers(monkeypatch, OSError(errno.ENOSPC, "No space left on device", "x.seg"))
    with pytest.raises(OSError) as raised:
        write_and_commit(ix)
    assert raised.value.errno == errno.ENOSPC
    assert raised.value.strerror == "No space left on device"
    assert raised.value.filename == "x.seg"
    monkeypatch.undo()
    assert_nothing_committed(ix)


def test_an_errno_above_255_survives(ix: FileIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    # An exit status holds 8 bits; the pipe holds the errno whole.
    fail_in_workers(monkeypatch, OSError(300, "Strange error"))
    with pytest.raises(OSError) as raised:
        write_and_commit(ix)
    assert raised.value.errno == 300
    monkeypatch.undo()
    assert_nothing_committed(ix)


def test_a_killed_worker_fails_the_commit(ix: FileIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_in_workers(monkeypatch, None)
    with pytest.raises(WorkerError, match=r"killed \(SIGKILL\)"):
        write_and_commit(ix)
    monkeypatch.undo()
    assert_nothing_committed(ix)


def test_a_worker_error_is_a_one_line_searchdesk_error_from_build_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app and the CLI show a SearchdeskError's message: the worker's real error."""
    from searchdesk import indexer
    from searchdesk.indexer import build_index

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(5):
        (docs / f"n{i}.txt").write_text(f"Un nouveau texte numéro {i}.\n" * 50, encoding="utf-8")
    monkeypatch.setattr(indexer, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    fail_in_workers(monkeypatch, ValueError("boom"))
    with pytest.raises(SearchdeskError, match="ValueError: boom") as raised:
        build_index([docs], tmp_path / "index")
    assert "\n" not in str(raised.value)
