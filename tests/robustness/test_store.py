"""The index folder as a user (and an attacker) meets it: umask, trust, first builds, faults."""

from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from searchdesk import docmap, store, trust
from searchdesk.errors import IndexWriteError
from searchdesk.indexer import build_index

from ..cli.test_cli import SEEDS, run
from .test_runs import hits, seeded_index, start

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown")


def live_files(index_dir: Path) -> set[str]:
    marker = json.loads((index_dir / store.MARKER).read_text())
    names = {name for name, *_ in marker["files"]}
    names.add(f"docmap-{marker['generation']}-{marker['toc']}.bin")
    return names | {store.MARKER, store.LOCK}


def assert_clean(index_dir: Path) -> None:
    """Only the live commit's files remain (nothing of a failed or killed run)."""
    extra = {p.name for p in index_dir.iterdir()} - live_files(index_dir) - store.HARMLESS
    assert extra == set()


# -- umask and permissions ---------------------------------------------------------


def test_quick_start_under_umask_002_in_a_cloned_index_folder(tmp_path: Path) -> None:
    """The README's quick start in a clone made by a user whose umask is 002."""
    old = os.umask(0o002)
    try:
        clone = tmp_path / "clone"
        (clone / "index").mkdir(parents=True)
        (clone / "index" / "README.md").write_text("default index folder\n")
        assert stat.S_IMODE((clone / "index").stat().st_mode) == 0o775
        if os.geteuid() == 0:
            # root's group is user-private (allowed); a shared group is not.
            os.chown(clone / "index", -1, 65534)
        for args in (["index", str(SEEDS)], ["query", "article 5"], ["stats"], ["index"]):
            done = subprocess.run(
                [sys.executable, "-m", "searchdesk", *args],
                cwd=clone,
                capture_output=True,
                text=True,
                preexec_fn=lambda: os.umask(0o002),
            )
            assert done.returncode == 0, (args, done.stderr)
    finally:
        os.umask(old)
    index_dir = clone / "index"
    if os.geteuid() == 0:
        assert stat.S_IMODE(index_dir.stat().st_mode) == 0o755
    assert not trust.others_can_write(index_dir.stat())
    for p in index_dir.iterdir():
        if p.name != "README.md":
            assert not p.stat().st_mode & 0o022, p.name


def test_index_through_a_symlink_to_a_shared_folder_is_refused_before_writing(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    (tmp_path / "link").symlink_to(shared)
    done = run("--index", str(tmp_path / "link"), "index", str(SEEDS))
    assert done.returncode == 2
    assert "other users can write to it" in done.stderr
    assert list(shared.iterdir()) == []


def test_folder_writable_by_others_is_refused(tmp_path: Path) -> None:
    index_dir = seeded_index(tmp_path)
    index_dir.chmod(0o777)
    for args in (["query", "paix"], ["index", str(SEEDS)]):
        done = run("--index", str(index_dir), *args)
        assert done.returncode == 2
        assert "other users can write to it" in done.stderr
        assert done.stderr.count("\n") == 1


# -- trust before unpickling -------------------------------------------------------


class _Evil:
    def __init__(self, sentinel: Path) -> None:
        self.sentinel = sentinel

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return os.system, (f"touch {self.sentinel}",)


def plant_pickle(index_dir: Path, sentinel: Path) -> None:
    """Replace the schema pickle of the live TOC with one that runs a command."""
    from whoosh.filedb.structfile import StructFile

    marker = json.loads((index_dir / store.MARKER).read_text())
    toc = index_dir / f"_{marker['generation']}_{marker['toc']}.toc"
    data = toc.read_bytes()
    stream = StructFile(io.BytesIO(data))
    for _ in range(3):
        stream.read_varint()
    stream.read_int()
    stream.read_int()
    for _ in range(3):
        stream.read_varint()
    start_at = stream.tell()
    stream.read_string()
    end_at = stream.tell()
    evil = pickle.dumps(_Evil(sentinel), 2)
    out = io.BytesIO()
    StructFile(out).write_varint(len(evil))
    toc.unlink()
    toc.write_bytes(data[:start_at] + out.getvalue() + evil + data[end_at:])
    # Check the plant: plain Whoosh would run it.
    assert b"system" in toc.read_bytes()


def assert_refused_without_running(index_dir: Path, sentinel: Path, expected: str) -> None:
    for args in (["query", "paix"], ["stats"], ["index", str(SEEDS)]):
        done = run("--index", str(index_dir), *args)
        assert done.returncode == 2, done
        assert expected in done.stderr
        assert "Traceback" not in done.stderr
    assert not sentinel.exists()


@ROOT_ONLY
def test_index_of_another_user_with_a_crafted_pickle_is_refused(tmp_path: Path) -> None:
    index_dir = seeded_index(tmp_path)
    sentinel = tmp_path / "pwned"
    plant_pickle(index_dir, sentinel)
    for p in [index_dir, *index_dir.iterdir()]:
        os.chown(p, 65534, 65534)
    assert_refused_without_running(index_dir, sentinel, "belongs to another user")


def test_copied_index_with_a_crafted_pickle_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index made with another key (someone else's, downloaded) fails its signature."""
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("XDG_DATA_HOME", str(elsewhere))
    index_dir = seeded_index(tmp_path)
    monkeypatch.undo()
    sentinel = tmp_path / "pwned"
    plant_pickle(index_dir, sentinel)
    assert_refused_without_running(index_dir, sentinel, "not built by searchdesk for this user")
    # Even with the marker of the user's own index, swapped files are refused.
    mine = seeded_index(tmp_path / "mine")
    shutil.copy(mine / store.MARKER, index_dir / store.MARKER)
    assert_refused_without_running(index_dir, sentinel, "refusing")
    # --rebuild opens nothing and recovers the folder.
    assert run("--index", str(index_dir), "index", "--rebuild", str(SEEDS)).returncode == 0
    assert hits(index_dir, "paix") > 0
    assert not sentinel.exists()


def test_a_swapped_file_in_a_signed_index_is_refused(tmp_path: Path) -> None:
    index_dir = seeded_index(tmp_path)
    sentinel = tmp_path / "pwned"
    plant_pickle(index_dir, sentinel)
    done = run("--index", str(index_dir), "query", "paix")
    assert done.returncode == 2
    assert "changed outside searchdesk" in done.stderr
    assert not sentinel.exists()


def test_toc_segments_are_unpickled_through_an_allow_list(tmp_path: Path) -> None:
    """Defence in depth: even past the signature, a TOC cannot name arbitrary code."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    from searchdesk.schema import make_schema

    storage = FileStorage(str(tmp_path))
    TOC(make_schema(), [_Evil(tmp_path / "pwned")], 1).write(storage, "g1")
    with pytest.raises(pickle.UnpicklingError, match=r"(posix|os)\.system"):
        store._read_toc(storage, "g1", 1, make_schema())
    assert not (tmp_path / "pwned").exists()


def test_damaged_key_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    index_dir = seeded_index(tmp_path)
    key = tmp_path / "data" / "searchdesk" / "secret"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    key.chmod(0o644)
    done = run("--index", str(index_dir), "query", "paix")
    assert done.returncode == 2
    assert "not private to you" in done.stderr


# -- first build, recovery ---------------------------------------------------------


def wait_for_building(index_dir: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 180  # a loaded CI machine is slow
    while time.monotonic() < deadline:
        marker = index_dir / store.MARKER
        if marker.exists() and '"building"' in marker.read_text() and list(index_dir.glob("*.seg")):
            return
        if proc.poll() is not None:
            pytest.fail(f"indexing ended early: {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.02)
    pytest.fail("the first build never started writing")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_first_build_is_completed_by_the_next_run(
    tmp_path: Path, big_corpus: Path, sig: signal.Signals
) -> None:
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    (index_dir / "README.md").write_text("default index folder\n")
    proc = start("--index", str(index_dir), "index", str(big_corpus))
    wait_for_building(index_dir, proc)
    proc.send_signal(signal.SIGSTOP)  # hold the build here, whatever the machine's speed
    # While the first build runs: queries say so, a second run can wait.
    during = run("--index", str(index_dir), "query", "paix")
    assert during.returncode == 2
    assert "is being built" in during.stderr
    waiter = start("--index", str(index_dir), "index", "--wait", str(SEEDS))
    time.sleep(0.3)
    assert waiter.poll() is None
    proc.send_signal(sig)
    proc.send_signal(signal.SIGCONT)
    proc.wait(timeout=30)
    assert waiter.wait(timeout=120) == 0
    # The waiter finished the build with both folders.
    assert hits(index_dir, "paix") > 0


def test_interrupted_first_build_then_query_then_index(tmp_path: Path, big_corpus: Path) -> None:
    index_dir = tmp_path / "index"
    proc = start("--index", str(index_dir), "index", str(big_corpus))
    wait_for_building(index_dir, proc)
    proc.kill()
    proc.wait(timeout=30)
    done = run("--index", str(index_dir), "query", "paix")
    assert done.returncode == 2
    assert "was interrupted; run `searchdesk index`" in done.stderr
    # `searchdesk index` with no folder completes it: the marker remembers the folders.
    done = run("--index", str(index_dir), "index")
    assert done.returncode == 0, done.stderr
    assert hits(index_dir, "zygomorphe") == 1
    assert_clean(index_dir)


def test_leftovers_of_an_older_version_are_recovered(tmp_path: Path) -> None:
    """An interrupted first build of a version that wrote its marker last."""
    index_dir = seeded_index(tmp_path)
    (index_dir / store.MARKER).unlink()
    (index_dir / "README.md").write_text("repo index folder\n")
    assert run("--index", str(index_dir), "index", str(SEEDS)).returncode == 0
    assert hits(index_dir, "paix") > 0
    assert_clean(index_dir)


def test_empty_input_gives_an_empty_index_that_answers(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "report.pdf").write_bytes(b"%PDF-1.4\n")
    index_dir = tmp_path / "index"
    done = run("--index", str(index_dir), "index", str(docs))
    assert done.returncode == 0, done.stderr
    assert run("--index", str(index_dir), "query", "paix").returncode == 1
    assert run("--index", str(index_dir), "stats").returncode == 0
    # A folder that becomes empty, rebuilt.
    (docs / "a.txt").write_text("La paix.\n")
    assert run("--index", str(index_dir), "index", str(docs)).returncode == 0
    assert hits(index_dir, "paix") == 1
    (docs / "a.txt").unlink()
    assert run("--index", str(index_dir), "index", "--rebuild", str(docs)).returncode == 0
    assert run("--index", str(index_dir), "query", "paix").returncode == 1


@pytest.mark.parametrize(
    "content",
    [
        "null",
        "[]",
        '"searchdesk"',
        "{",
        '{"format": "searchdesk-index", "schema_version": 5, "generation": "gx"}',
        '{"format": "searchdesk-index", "schema_version": "5"}',
    ],
)
def test_damaged_marker_gives_one_line_and_rebuild_recovers(tmp_path: Path, content: str) -> None:
    index_dir = seeded_index(tmp_path)
    (index_dir / store.MARKER).write_text(content)
    for args in (["query", "paix"], ["stats"], ["index", str(SEEDS)]):
        done = run("--index", str(index_dir), *args)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "--rebuild" in done.stderr
    done = run("--index", str(index_dir), "index", "--rebuild", str(SEEDS))
    assert done.returncode == 0, done.stderr
    assert hits(index_dir, "paix") > 0
    assert_clean(index_dir)


# -- faults at every write point ---------------------------------------------------


def _fail(*args: object, **kwargs: object) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("point", ["commit", "docmap", "marker", "entries"])
def test_a_fault_at_any_write_point_keeps_the_previous_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    before = hits(index_dir, "paix")
    (docs / "new.txt").write_text("Un traité de paix durable.\n")
    from whoosh.writing import SegmentWriter

    target = {
        "commit": (SegmentWriter, "_finalize_segment"),
        "docmap": (docmap, "save"),
        "marker": (store, "write_marker"),
        "entries": (store, "_entries"),
    }[point]
    with monkeypatch.context() as m:
        m.setattr(*target, _fail)
        with pytest.raises(IndexWriteError, match="No space left"):
            build_index([docs], index_dir)
    assert hits(index_dir, "paix") == before
    assert_clean(index_dir)
    build_index([docs], index_dir)
    assert hits(index_dir, "paix") == before + 1
    assert_clean(index_dir)


def test_a_fault_during_a_rebuild_keeps_the_old_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir)
    with monkeypatch.context() as m:
        m.setattr(docmap, "save", _fail)
        with pytest.raises(IndexWriteError):
            build_index([SEEDS], index_dir, rebuild=True)
    assert hits(index_dir, "paix") > 0
    assert_clean(index_dir)


def test_killed_rebuild_leftovers_are_swept_by_the_next_run(
    tmp_path: Path, big_corpus: Path
) -> None:
    index_dir = seeded_index(tmp_path)
    proc = start("--index", str(index_dir), "index", "--rebuild", str(big_corpus))
    deadline = time.monotonic() + 30
    while not list(index_dir.glob("g2_*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.kill()
    proc.wait(timeout=30)
    assert hits(index_dir, "paix") > 0
    assert run("--index", str(index_dir), "index", str(SEEDS)).returncode == 0
    assert_clean(index_dir)
    assert not list(index_dir.glob("g2*"))


def test_strict_commits_nothing_when_a_file_cannot_be_read(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    index_dir = tmp_path / "index"
    assert run("--index", str(index_dir), "index", str(docs)).returncode == 0
    (docs / "new.txt").write_text("Un mot rare: zéphyrin.\n")
    (docs / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    done = run("--index", str(index_dir), "index", "--strict", str(docs))
    assert done.returncode == 2
    assert "nothing was written" in done.stderr
    assert run("--index", str(index_dir), "query", "zephyrin").returncode == 1
    assert run("--index", str(index_dir), "index", str(docs)).returncode == 0
    assert hits(index_dir, "zephyrin") == 1


@pytest.mark.parametrize("when", ["after the first file", "before the commit goes live"])
def test_a_stop_request_keeps_the_previous_state(tmp_path: Path, when: str) -> None:
    """``should_stop`` is polled per file and before the commit goes live (the CLI's
    signal handlers answer it, in case Python dropped their exception)."""
    from searchdesk.errors import IndexCancelled

    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    before = hits(index_dir, "paix")
    (docs / "new.txt").write_text("Un traité de paix durable.\n")
    files = len(list(docs.iterdir()))
    after = 1 if when == "after the first file" else files  # one poll per file, then one
    calls = iter(range(1_000_000))
    with pytest.raises(IndexCancelled):
        build_index([docs], index_dir, should_stop=lambda: next(calls) >= after)
    assert hits(index_dir, "paix") == before
    assert_clean(index_dir)


def as_user(uid: int, argv: list[str], home: Path) -> tuple[int, str]:
    """Run the CLI in a child process that has become ``uid`` (a real second user).

    The child forks from this interpreter and drops root with setresuid, so it
    needs no access to the virtual environment's files.
    """
    import tempfile

    from searchdesk.cli import main

    with tempfile.TemporaryFile() as out:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 99
            try:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                os.environ["XDG_DATA_HOME"] = str(home)
                sys.stderr = open(out.fileno(), "w", closefd=False)  # noqa: SIM115
                code = main(argv)
            finally:
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        return os.waitstatus_to_exitcode(status), out.read().decode("utf-8", "replace")


@ROOT_ONLY
def test_a_second_user_can_neither_open_nor_write_my_index(tmp_path: Path) -> None:
    import tempfile

    shared = Path(tempfile.mkdtemp(prefix="searchdesk-two-users-"))
    try:
        shared.chmod(0o755)
        docs = shared / "docs"
        shutil.copytree(SEEDS, docs)
        mine = shared / "mine"
        build_index([docs], mine)
        home = shared / "nobody-home"
        home.mkdir()
        os.chown(home, 65534, 65534)
        for argv in (["query", "paix"], ["stats"], ["index", str(docs)]):
            code, err = as_user(65534, ["--index", str(mine), *argv], home)
            assert code == 2, err
            assert "belongs to another user" in err or "Permission denied" in err, err
        # The other way round: an index the second user built is refused to me.
        theirs = shared / "theirs"
        theirs.mkdir()
        os.chown(theirs, 65534, 65534)
        code, err = as_user(65534, ["--index", str(theirs), "index", str(docs)], home)
        assert code == 0, err
        assert (home / "searchdesk" / "secret").stat().st_uid == 65534
        done = run("--index", str(theirs), "query", "paix")
        assert done.returncode == 2
        assert "belongs to another user" in done.stderr
    finally:
        shutil.rmtree(shared)


# -- segments read in place (memory-mapped) ---------------------------------------


def _segments(index_dir: Path) -> list[Path]:
    marker = json.loads((index_dir / store.MARKER).read_text())
    return [index_dir / name for name, *_ in marker["files"] if name.endswith(".seg")]


def _rewrite_in_place(path: Path, offset: int, data: bytes) -> None:
    """Overwrite bytes of ``path`` keeping its size, inode and mtime: damage the
    marker's checks cannot see (a disk fault, or a deliberate edit)."""
    st = path.stat()
    with open(path, "r+b") as fh:
        fh.seek(offset if offset >= 0 else st.st_size + offset)
        fh.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size


def _results(ix: Any, texts: list[str]) -> list[list[tuple[int, float, str]]]:
    from whoosh.qparser import QueryParser

    out = []
    with ix.searcher() as s:
        for text in texts:
            q = QueryParser("exact", ix.schema).parse(text)
            out.append([(h.docnum, round(h.score, 6), h["body"]) for h in s.search(q, limit=20)])
    return out


def test_mapped_segments_answer_as_whoosh_reading_them_whole(tmp_path: Path) -> None:
    """A reader maps each segment and reads its parts in place, never copying them;
    every answer is the one Whoosh's own storage gives."""
    from whoosh.filedb.structfile import BufferFile

    index_dir = seeded_index(tmp_path)
    mapped, marker = store.open_index(index_dir)
    whole = store.SafeIndex(index_dir, marker.generation, marker.toc)  # Whoosh's FileStorage
    texts = ["paix", "ukraine", '"article 5"', "otan*", "négociations OR sécurité", "zzzq"]
    expected = _results(whole, texts)
    assert any(expected) and _results(mapped, texts) == expected
    with mapped.reader() as reader:
        for sub, _ in reader.leaf_readers():
            postings = sub._terms._postfile
            assert isinstance(postings, store._MappedFile)
            assert isinstance(postings._buf, memoryview)  # a view of the map, not a copy
    with whole.reader() as reader:
        for sub, _ in reader.leaf_readers():
            assert type(sub._terms._postfile) is BufferFile


def test_mapped_file_reads_as_a_buffer_file(tmp_path: Path) -> None:
    """The structured reads Whoosh makes give what its own BufferFile gives."""
    import mmap
    import random

    from whoosh.filedb.structfile import BufferFile, StructFile

    rng = random.Random(3)
    out = io.BytesIO()
    writer = StructFile(out)
    for _ in range(200):
        writer.write_varint(rng.randrange(1 << 40))
        writer.write_int(rng.randrange(-(1 << 31), 1 << 31))
        writer.write(b"line %d\n" % rng.randrange(1000))
    data = b"HEAD" + out.getvalue() + b"tail without newline"
    path = tmp_path / "g1_x.seg"
    path.write_bytes(data)
    st = path.stat()
    top = store._map_file(str(path), path.name, (st.st_size, st.st_mtime_ns, st.st_ino))
    assert isinstance(top._mapping, mmap.mmap)
    part = top.subset(4, len(data) - 4)
    same = BufferFile(memoryview(data)[4:])
    for _ in range(200):
        assert part.read_varint() == same.read_varint()
        assert part.read_int() == same.read_int()
        assert part.readline() == same.readline()
    assert part.tell() == same.tell()
    assert part.readline() == same.readline() == b"tail without newline"
    assert part.read(5) == same.read(5) == b""
    assert part.get(3, 10) == same.get(3, 10)
    assert part.get_array(8, "i", 4) == same.get_array(8, "i", 4)
    assert part.seek(-4, 2) == len(data) - 8 and part.read() == b"line"
    assert part.subset(1, 3).read() == data[5:8]
    with pytest.raises(ValueError):
        part.subset(len(data) - 6, 10)  # past the end: a damaged directory
    part.close()
    part.seek(0)
    with pytest.raises(ValueError):
        part.read(1)  # a closed part reads as a read error, never stale memory
    top.close()
    assert top._mapping.closed


def test_a_segment_directory_cannot_name_code(tmp_path: Path) -> None:
    """Defence in depth, as for the TOC: a segment's directory is plain data."""
    from whoosh.filedb.compound import CompoundStorage

    sentinel = tmp_path / "pwned"
    evil = pickle.dumps(_Evil(sentinel), 2)
    path = tmp_path / "g1_x.seg"
    path.write_bytes((12).to_bytes(8, "big") + len(evil).to_bytes(4, "big") + evil)
    st = path.stat()
    top = store._map_file(str(path), path.name, (st.st_size, st.st_mtime_ns, st.st_ino))
    with pytest.raises(pickle.UnpicklingError, match=r"(posix|os)\.system"):
        CompoundStorage(top, use_mmap=False)
    assert not sentinel.exists()


def test_a_segment_replaced_after_the_marker_was_read_is_not_mapped(tmp_path: Path) -> None:
    """Between verifying the marker and opening a segment, a file can change: what is
    mapped must be the file the marker vouched for (size, mtime, inode), else refused."""
    from searchdesk.errors import NotAnIndex
    from searchdesk.searcher import SearchIndex

    index_dir = seeded_index(tmp_path)
    seg = _segments(index_dir)[0]
    with SearchIndex(index_dir) as ix:  # verified; no segment opened yet
        copy = seg.with_suffix(".tmp")
        shutil.copy2(seg, copy)
        os.replace(copy, seg)  # same bytes, another inode
        with pytest.raises(NotAnIndex, match="changed outside searchdesk"):
            ix.search("paix")
    st = seg.stat()
    with pytest.raises(OSError, match="changed since"):
        store._map_file(str(seg), seg.name, (st.st_size + 1, st.st_mtime_ns, st.st_ino))
    with pytest.raises(OSError, match="not a file of the live commit"):
        store._map_file(str(seg), seg.name, None)


@pytest.mark.parametrize(
    "where",
    [
        "header",  # the directory's offset: points past the end
        "directory",  # the pickled directory of parts, at the end
        "truncated",  # shorter than the marker says
        "emptied",
    ],
)
def test_a_damaged_segment_gives_one_line(tmp_path: Path, where: str) -> None:
    index_dir = seeded_index(tmp_path)
    seg = _segments(index_dir)[0]
    if where == "header":
        _rewrite_in_place(seg, 0, (1 << 40).to_bytes(8, "big"))
    elif where == "directory":
        _rewrite_in_place(seg, -40, b"\xff" * 40)
    elif where == "truncated":
        os.truncate(seg, seg.stat().st_size // 2)
    else:
        os.truncate(seg, 0)
    for args in (["query", "paix"], ["query", "paix", "--json"], ["stats"]):
        done = run("--index", str(index_dir), *args)
        assert done.returncode == 2, done
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert "--rebuild" in done.stderr
    done = run("--index", str(index_dir), "index", "--rebuild", str(SEEDS))
    assert done.returncode == 0, done.stderr
    assert hits(index_dir, "paix") > 0


def test_damage_inside_a_segment_never_gives_a_traceback(tmp_path: Path) -> None:
    """Bytes overwritten in the middle (postings, stored text…): whatever a query
    reads there, the command ends with hits, none, or one line, never a traceback."""
    index_dir = seeded_index(tmp_path)
    seg = _segments(index_dir)[0]
    size = seg.stat().st_size
    for i, offset in enumerate(range(64, size - 64, max(size // 7, 1))):
        _rewrite_in_place(seg, offset, bytes((i * 37 + k) % 256 for k in range(48)))
    for text in ("paix", "ukraine", '"article 5"', "otan*"):
        done = run("--index", str(index_dir), "query", text)
        assert done.returncode in (0, 1, 2), done
        assert "Traceback" not in done.stderr
        assert done.returncode != 2 or done.stderr.count("\n") == 1


def test_reading_and_closing_releases_every_map(tmp_path: Path) -> None:
    from searchdesk.searcher import SearchIndex

    index_dir = seeded_index(tmp_path)

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    def maps() -> int:
        return sum(".seg" in line for line in Path("/proc/self/maps").read_text().splitlines())

    before = (open_fds(), maps())
    for _ in range(5):
        with SearchIndex(index_dir) as ix:
            assert ix.search("paix").total > 0
            assert maps() > before[1]
    assert (open_fds(), maps()) == before
