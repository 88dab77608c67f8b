"""Interrupted, concurrent and failing runs, with real subprocesses and signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchdesk import store
from searchdesk.errors import IndexWriteError
from searchdesk.indexer import build_index

from ..cli.test_cli import SEEDS, run
from .conftest import UNIQUE

#: A query on the seeds only (the big corpus reuses the seeds' words).
SEEDS_QUERY = "source:seeds/004_58e2441d30baac30.txt article 5"


def start(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "SEARCHDESK_INDEX"}
    return subprocess.Popen(
        [sys.executable, "-m", "searchdesk", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def seeded_index(tmp_path: Path) -> Path:
    index_dir = tmp_path / "index"
    assert run("--index", str(index_dir), "index", str(SEEDS)).returncode == 0
    return index_dir


def hits(index_dir: Path, query: str) -> int:
    done = run("--index", str(index_dir), "query", query, "--json")
    assert done.returncode in (0, 1), done.stderr
    return int(json.loads(done.stdout)["total"])


@pytest.mark.parametrize(
    ("signum", "code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_signal_mid_run_keeps_the_last_complete_state(
    tmp_path: Path, big_corpus: Path, signum: int, code: int, word: str
) -> None:
    index_dir = seeded_index(tmp_path)
    before = hits(index_dir, SEEDS_QUERY)
    proc = start("--index", str(index_dir), "index", str(big_corpus))
    time.sleep(1.5)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    sent = time.monotonic()
    proc.send_signal(signum)
    _out, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 10, "must exit promptly"
    assert proc.returncode == code
    assert err.strip().splitlines()[-1] == f"searchdesk: {word}"
    assert "Traceback" not in err
    # The index answers from its last complete state...
    assert hits(index_dir, SEEDS_QUERY) == before
    assert hits(index_dir, UNIQUE) == 0
    # ...and the next run completes the work.
    again = run("--index", str(index_dir), "index", str(big_corpus))
    assert again.returncode == 0, again.stderr
    assert "160 added" in again.stdout
    assert hits(index_dir, UNIQUE) == 1
    assert hits(index_dir, SEEDS_QUERY) == before


def test_interrupted_rebuild_keeps_the_old_index(tmp_path: Path, big_corpus: Path) -> None:
    index_dir = seeded_index(tmp_path)
    before = hits(index_dir, SEEDS_QUERY)
    generation = store.read_marker(index_dir).generation
    for _ in range(2):  # and a second interrupted rebuild over the leftovers
        proc = start("--index", str(index_dir), "index", "--rebuild", str(big_corpus))
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        assert proc.returncode == 143
        assert store.read_marker(index_dir).generation == generation
        assert hits(index_dir, SEEDS_QUERY) == before
    done = run("--index", str(index_dir), "index", "--rebuild", str(SEEDS))
    assert done.returncode == 0
    assert hits(index_dir, SEEDS_QUERY) == before
    assert not [p for p in index_dir.iterdir() if p.name.startswith(f"{generation}_")]


def test_killed_run_leaves_no_stale_lock(tmp_path: Path, big_corpus: Path) -> None:
    index_dir = seeded_index(tmp_path)
    proc = start("--index", str(index_dir), "index", str(big_corpus))
    time.sleep(1.5)
    proc.kill()
    proc.wait(timeout=10)
    # Writer processes die with their parent and do not keep the lock, an
    # flock released by the kernel with the last process holding it.
    again = run("--index", str(index_dir), "index", str(SEEDS))
    assert again.returncode == 0, again.stderr
    assert hits(index_dir, "article 5") > 0


def test_second_run_names_the_lock_holder_or_waits(tmp_path: Path) -> None:
    index_dir = seeded_index(tmp_path)
    with store.writer_lock(index_dir):
        refused = run("--index", str(index_dir), "index", str(SEEDS))
        assert refused.returncode == 2
        assert f"another process (pid {os.getpid()}) is updating the index" in refused.stderr
        assert refused.stderr.count("\n") == 1
        waiting = start("--index", str(index_dir), "index", "--wait", str(SEEDS))
        time.sleep(1.0)
        assert waiting.poll() is None, "--wait must wait for the lock"
    out, err = waiting.communicate(timeout=30)
    assert waiting.returncode == 0, err
    assert "5 unchanged" in out


def test_queries_answer_while_an_index_run_is_under_way(tmp_path: Path, big_corpus: Path) -> None:
    index_dir = seeded_index(tmp_path)
    proc = start("--index", str(index_dir), "index", str(big_corpus))
    try:
        time.sleep(1.0)
        assert proc.poll() is None
        during = run("--index", str(index_dir), "query", "article 5")
        assert during.returncode == 0
        assert "004_58e2441d30baac30.txt" in during.stdout
        assert proc.poll() is None, "the query was answered while the run went on"
    finally:
        proc.wait(timeout=120)
    assert proc.returncode == 0


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "tiny"
    mount.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
            capture_output=True,
            check=False,
        )
    except OSError:
        pytest.skip("mount is not available")
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root?); see the injected test")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_on_a_tiny_file_system(tiny_fs: Path, big_corpus: Path) -> None:
    index_dir = tiny_fs / "index"
    assert run("--index", str(index_dir), "index", str(SEEDS)).returncode == 0
    before = hits(index_dir, "article 5")
    full = run("--index", str(index_dir), "index", str(big_corpus))
    assert full.returncode == 2
    assert "No space left on device" in full.stderr
    assert full.stderr.count("\n") == 1 and "Traceback" not in full.stderr
    assert hits(index_dir, "article 5") == before


def test_unwritable_index_error_is_one_line_and_keeps_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir)
    from whoosh.filedb.filestore import FileStorage

    def refuse(self: object, name: str, **kwargs: object) -> None:
        raise OSError(30, "Read-only file system", name)

    monkeypatch.setattr(FileStorage, "create_file", refuse)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "new.txt").write_text("Un nouveau texte.\n", encoding="utf-8")
    with pytest.raises(IndexWriteError, match="Read-only file system"):
        build_index([docs], index_dir)
    monkeypatch.undo()
    assert hits(index_dir, "article 5") == 3


@pytest.mark.parametrize("damage", ["truncate", "delete"])
def test_damaged_index_gives_one_line_and_suggests_rebuild(tmp_path: Path, damage: str) -> None:
    index_dir = seeded_index(tmp_path)
    segment = next(index_dir.glob("*.seg"))
    if damage == "truncate":
        with open(segment, "r+b") as fh:
            fh.truncate(segment.stat().st_size // 3)
    else:
        segment.unlink()
    for args in (["query", "Ukraine"], ["stats"]):
        done = run("--index", str(index_dir), *args)
        assert done.returncode == 2, done.stdout
        assert "--rebuild" in done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    fixed = run("--index", str(index_dir), "index", "--rebuild", str(SEEDS))
    assert fixed.returncode == 0, fixed.stderr
    assert hits(index_dir, "article 5") == 3


def test_index_of_another_program_is_refused(tmp_path: Path) -> None:
    from whoosh import index
    from whoosh.fields import TEXT, Schema

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    index.create_in(str(foreign), Schema(body=TEXT))
    for args in (["query", "paix"], ["index", str(SEEDS)]):
        done = run("--index", str(foreign), *args)
        assert done.returncode == 2
        assert "did not create" in done.stderr or "holds other files" in done.stderr


def test_index_writable_by_others_is_refused(tmp_path: Path) -> None:
    index_dir = seeded_index(tmp_path)
    index_dir.chmod(0o777)
    done = run("--index", str(index_dir), "query", "paix")
    assert done.returncode == 2
    assert "other users can write to it" in done.stderr
    index_dir.chmod(0o755)
    assert run("--index", str(index_dir), "query", "paix").returncode == 0


def test_index_folder_without_marker_is_refused(tmp_path: Path) -> None:
    index_dir = seeded_index(tmp_path)
    (index_dir / store.MARKER).unlink()
    done = run("--index", str(index_dir), "query", "paix")
    assert done.returncode == 2
    assert "without a searchdesk marker" in done.stderr


def test_a_failing_worker_process_fails_the_run_instead_of_losing_paragraphs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchdesk import indexer
    from searchdesk.segwriter import FastSegmentWriter

    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir)
    parent = os.getpid()
    real_add = FastSegmentWriter.add_document

    def add_in_parent_only(self: FastSegmentWriter, **fields: object) -> None:
        if os.getpid() != parent:  # a forked worker: the disk is full
            raise OSError(28, "No space left on device")
        real_add(self, **fields)

    # Workers write with searchdesk's writer (Whoosh's SegmentWriter, faster).
    monkeypatch.setattr(FastSegmentWriter, "add_document", add_in_parent_only)
    monkeypatch.setattr(indexer, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(5):
        (docs / f"n{i}.txt").write_text(f"Un nouveau texte numéro {i}.\n" * 50, encoding="utf-8")
    with pytest.raises(IndexWriteError, match="No space left on device"):
        build_index([docs], index_dir)
    monkeypatch.undo()
    assert hits(index_dir, "nouveau") == 0
    assert hits(index_dir, "article 5") == 3
