"""Reading files as a careless user or an attacker lays them out: FIFOs, sockets and
devices named ``*.txt``, very deep folders, huge files, invalid UTF-16, files that
change while read. And the streaming reader against whole-file decoding."""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchdesk import documents
from searchdesk.analysis import normalize
from searchdesk.chunking import iter_line_chunks, wrap_width
from searchdesk.documents import (
    LATIN1_WARNING,
    BinaryFile,
    FileChanged,
    NotRegularFile,
    Scanned,
    decode,
    read_lines,
    scan,
    walk,
)

from ..unit.test_chunking import reference_chunks

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
CORPUS = ROOT / "tests" / "fixtures" / "corpus"


def within(seconds: float, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in a daemon thread; fail (instead of hanging) if it blocks."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked"
    if "error" in box:
        raise box["error"]
    return box.get("result")


def streamed(path: Path, markdown: bool = False) -> list[Any]:
    """A file's chunks as the indexer reads them: scan, then lines, then chunks."""
    scanned = scan(str(path))
    lines = read_lines(str(path), scanned)
    return list(iter_line_chunks(lines, "s", str(path), width=scanned.width, markdown=markdown))


def whole(data: bytes) -> tuple[str, list[str]]:
    """Encoding and lines of whole-file decoding."""
    decoded = decode(data)
    return decoded.encoding, decoded.text.splitlines()


# --- Only regular files, never blocking ---------------------------------------------


@pytest.fixture
def special(tmp_path: Path) -> Iterator[Path]:
    """A folder whose documents are a FIFO, a socket and devices, and one real file."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "real.txt").write_text("Un vrai texte.\n", encoding="utf-8")
    os.mkfifo(docs / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(docs / "sock.txt"))
    (docs / "zero.txt").symlink_to("/dev/zero")
    (docs / "null.md").symlink_to("/dev/null")
    os.mkfifo(tmp_path / "elsewhere")
    (docs / "linked-pipe.txt").symlink_to(tmp_path / "elsewhere")
    yield docs
    sock.close()


def test_walk_skips_fifos_sockets_and_devices(special: Path) -> None:
    found = within(30, lambda: walk(special))
    assert [f.source for f in found.files] == ["real.txt"]
    assert (found.skipped, found.problems) == (5, [])


@pytest.mark.parametrize("name", ["pipe.txt", "linked-pipe.txt", "zero.txt", "null.md"])
def test_reading_refuses_what_is_not_a_regular_file(special: Path, name: str) -> None:
    """The walk's verdict may be stale: the read itself refuses, without blocking."""
    path = str(special / name)
    with pytest.raises(NotRegularFile) as caught:
        within(30, lambda: scan(path))
    assert isinstance(caught.value, OSError)
    assert caught.value.strerror is not None
    assert caught.value.strerror.startswith("not a regular file (")
    fake = Scanned("0" * 32, 0, "utf-8", None)
    with pytest.raises(NotRegularFile):
        within(30, lambda: list(read_lines(path, fake)))


def test_a_file_swapped_for_a_fifo_after_the_walk_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Un texte.\n", encoding="utf-8")
    [f] = walk(tmp_path).files
    os.unlink(f.path)
    os.mkfifo(f.path)
    with pytest.raises(NotRegularFile, match="FIFO"):
        within(30, lambda: scan(f.path))
    with pytest.raises(NotRegularFile, match="folder"):
        scan(str(tmp_path))


# --- An iterative walk, in the same order as before ---------------------------------


def test_walk_reaches_1200_nested_folders(tmp_path: Path) -> None:
    deep = str(tmp_path)
    try:
        for _ in range(1200):  # not mkdir(parents=True): it recurses too
            deep += "/d"
            os.mkdir(deep)
        Path(deep, "fond.txt").write_text("Tout au fond.\n", encoding="utf-8")
        found = walk(tmp_path)
        assert [f.source for f in found.files] == ["d/" * 1200 + "fond.txt"]
        assert found.problems == []
    finally:
        # Clean up from the bottom: pytest's rmtree recurses, and would fail on it.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(Path(deep, "fond.txt"))
        while deep != str(tmp_path):
            with contextlib.suppress(FileNotFoundError):
                os.rmdir(deep)
            deep = os.path.dirname(deep)


def test_walk_order_hidden_entries_and_symlinked_folders(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for rel in ["b/z.txt", "b/a.md", "a.txt", "c/x.txt", ".hidden/h.txt", "b/.h.txt", "B.TXT"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n", encoding="utf-8")
    (root / "b" / "image.png").write_bytes(b"png")
    (root / "ab").symlink_to(root / "c")  # the same folder twice: the second is skipped
    (root / "c" / "up").symlink_to(root)  # a loop
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.txt").write_text("x\n", encoding="utf-8")
    (root / "d").symlink_to(outside)
    found = walk(root)
    assert [f.source for f in found.files] == [
        "B.TXT",
        "a.txt",
        "ab/x.txt",
        "b/a.md",
        "b/z.txt",
        "d/o.txt",
    ]
    assert found.skipped == 1
    assert found.problems == [
        f"{root}/ab/up: symlink loop, skipped",
        f"{root}/c: symlink loop, skipped",
    ]


def test_source_files_carry_their_identity(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "note.txt").write_text("Une note.\n", encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "alias.txt").symlink_to(real / "note.txt")
    (docs / "folder").symlink_to(real)
    found = walk(docs)
    assert [f.source for f in found.files] == ["alias.txt", "folder/note.txt"]
    st_ = os.stat(real / "note.txt")
    for f in found.files:
        assert f.real == os.path.realpath(real / "note.txt")
        assert (f.ino, f.dev, f.ctime_ns, f.size, f.mtime_ns) == (
            st_.st_ino,
            st_.st_dev,
            st_.st_ctime_ns,
            st_.st_size,
            st_.st_mtime_ns,
        )
    assert [f.path for f in found.files] == [str(docs / "alias.txt"), str(docs / "folder/note.txt")]


# --- Streaming reads: the same text as whole-file decoding --------------------------


CASES: dict[str, bytes] = {
    "utf-8": "Un été à Genève.\r\nDeuxième\rligne\u2028trois\x85quatre\n".encode(),
    "utf-8-nfd": "Un e\u0301te\u0301\ne\u0301\n\u0301x".encode(),
    "utf-8-sig": codecs.BOM_UTF8 + "Une crise à Genève.\n𝄞 fin".encode(),
    "utf-16-le": "Un sommet à Genève.\r\n𝄞 et \u00e9\n".encode("utf-16"),
    "utf-16-be": codecs.BOM_UTF16_BE + "Un sommet à Genève.\r\n𝄞\n".encode("utf-16-be"),
    "cp1252": "L’œuvre « complète » coûte 5 €.\r\n".encode("cp1252"),
    "latin-1": b"Caf\xe9 \x81 cr\xe8me br\xfbl\xe9e.\x85suite\n",
    "bom-then-cp1252": codecs.BOM_UTF8 + "Un été.\n".encode("cp1252"),
    "utf-8-cut": "Un été".encode()[:-1],
    "empty": b"",
    "bom-only": codecs.BOM_UTF8,
    "no-final-newline": b"a\nb\r",
}
EXPECTED_ENCODING = {
    "utf-8": "utf-8",
    "utf-8-nfd": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf-16-le": "utf-16",
    "utf-16-be": "utf-16",
    "cp1252": "cp1252",
    "latin-1": "latin-1",
    "bom-then-cp1252": "cp1252",
    "utf-8-cut": "cp1252",
    "empty": "utf-8",
    "bom-only": "utf-8-sig",
    "no-final-newline": "utf-8",
}


@pytest.mark.parametrize("block", [1, 2, 3, 5, 64, documents.BLOCK_SIZE])
@pytest.mark.parametrize("case", sorted(CASES))
def test_streaming_reads_like_whole_decoding(tmp_path: Path, case: str, block: int) -> None:
    data = CASES[case]
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    with mock.patch.object(documents, "BLOCK_SIZE", block):
        scanned = scan(str(path))
        lines = list(read_lines(str(path), scanned))
    encoding, expected = whole(data)
    assert scanned.encoding == encoding == EXPECTED_ENCODING[case]
    assert scanned.digest == hashlib.blake2b(data, digest_size=16).hexdigest()
    assert scanned.size == len(data)
    assert [line for _n, line in lines] == expected
    assert [n for n, _line in lines] == list(range(1, len(expected) + 1))
    assert scanned.width == wrap_width(expected)
    assert scanned.warning == (LATIN1_WARNING if case == "latin-1" else None)
    assert "\ufffd" not in "".join(expected)


class TmpFile:
    """A named temporary file holding ``data`` (hypothesis runs many examples)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __enter__(self) -> str:
        fd, self.path = tempfile.mkstemp(suffix=".txt")
        with os.fdopen(fd, "wb") as fh:
            fh.write(self.data)
        return self.path

    def __exit__(self, *exc: object) -> None:
        os.unlink(self.path)


_ALPHABET = [
    "a", "é", "e\u0301", "\u0301", "𝄞", " ", "\t", "\u00a0", "\n", "\r", "\r\n", "\u2028",
    "\x85", "\x0c", "\x1c", "œ", "€", "#", "- ", "Mot ", "une phrase. ", "\ufeff",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_ALPHABET), max_size=80).map("".join),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp1252", "latin-1"]),
    st.sampled_from([1, 2, 3, 4, 7, 64]),
    st.integers(2, 12),
)
def test_streaming_reads_random_text_like_whole_decoding(
    text: str, encoding: str, block: int, max_line: int
) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    with TmpFile(data) as path:
        with mock.patch.object(documents, "BLOCK_SIZE", block):
            scanned = scan(path)
            lines = list(read_lines(path, scanned))
        assert (scanned.encoding, [line for _n, line in lines]) == whole(data)
        assert scanned.width == wrap_width(line for _n, line in lines)
        # Over-long lines come in pieces sharing their number, nothing lost or
        # added (each piece is normalised alone: a cut inside a run of combining
        # marks longer than a quarter of a line leaves them uncomposed).
        with mock.patch.object(documents, "MAX_LINE_CHARS", max_line):
            pieces = list(read_lines(path, scanned))
        joined: dict[int, str] = {}
        for n, piece in pieces:
            joined[n] = joined.get(n, "") + piece
        assert [normalize(line) for line in joined.values()] == [line for _n, line in lines]


@pytest.mark.parametrize(
    "data",
    [
        b"\x00abc",
        b"abc" * 10_000 + b"\x00" + b"abc" * 10_000,
        b"abc\x00",
        codecs.BOM_UTF8 + b"a\x00b",
        "a\x00b".encode("utf-16"),
    ],
)
def test_nul_characters_make_a_file_binary(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bin.txt"
    path.write_bytes(data)
    with pytest.raises(BinaryFile):
        decode(data)
    with pytest.raises(BinaryFile):
        scan(str(path))


# --- UTF-16 that is not valid is read, with a warning -------------------------------


def test_utf16_lone_surrogate_is_replaced_and_reported(tmp_path: Path) -> None:
    good = "Un sommet à Genève.\n𝄞 fin.\n"
    body = good.encode("utf-16-le")
    # A lone high surrogate, then a lone low one, in the middle of the text.
    data = codecs.BOM_UTF16_LE + body[:10] + b"\x00\xd8" + body[10:20] + b"\x00\xdc" + body[20:]
    path = tmp_path / "u16.txt"
    path.write_bytes(data)
    for block in (1, 3, documents.BLOCK_SIZE):
        with mock.patch.object(documents, "BLOCK_SIZE", block):
            scanned = scan(str(path))
            text = "\n".join(line for _n, line in read_lines(str(path), scanned))
        assert scanned.encoding == "utf-16"
        assert scanned.warning == "invalid UTF-16 (lone surrogate), replaced"
        assert text.count("\ufffd") == 2
        assert text.replace("\ufffd", "") == good.rstrip("\n")
    decoded = decode(data)
    assert decoded.warning == scanned.warning
    assert decoded.text.splitlines() == text.splitlines()
    chunks = streamed(path)
    assert "Genève" in chunks[0].text


def test_utf16_with_an_odd_byte_count_is_read(tmp_path: Path) -> None:
    data = "Un sommet à Genève.\n".encode("utf-16") + b"\x41"
    path = tmp_path / "odd.txt"
    path.write_bytes(data)
    scanned = scan(str(path))
    assert scanned.warning == "invalid UTF-16 (odd byte count), replaced"
    assert [line for _n, line in read_lines(str(path), scanned)] == [
        "Un sommet à Genève.",
        "\ufffd",
    ]


# --- A file that changes between the two passes -------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"Un texte.\n", "Un texte modifié.\n".encode()),
        ("Un été.\n".encode("cp1252"), "Un été à \x81.\n".encode("latin-1")),
        (b"Un texte.\n", b"Un textE.\n"),
    ],
)
def test_a_file_changed_between_scan_and_read_is_reported(
    tmp_path: Path, before: bytes, after: bytes
) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(before)
    scanned = scan(str(path))
    path.write_bytes(after)
    with pytest.raises(FileChanged) as caught:
        list(read_lines(str(path), scanned))
    assert isinstance(caught.value, OSError)
    assert caught.value.strerror == "changed while being read"


# --- Same chunks as before for real files -------------------------------------------


def _real_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt")) + sorted(
        p for p in CORPUS.rglob("*") if p.suffix in (".txt", ".md")
    )


@pytest.mark.parametrize("path", _real_files(), ids=lambda p: p.name)
def test_streamed_chunks_equal_the_whole_file_chunker(path: Path) -> None:
    markdown = path.suffix == ".md"
    decoded = decode(path.read_bytes())
    expected = reference_chunks(decoded.text, "s", str(path), markdown)
    assert streamed(path, markdown) == expected
    assert len(expected) > 3
    with mock.patch.object(documents, "BLOCK_SIZE", 97):
        assert streamed(path, markdown) == expected


# --- Bounded memory and time --------------------------------------------------------


def test_pathological_markdown_files_chunk_without_hanging(tmp_path: Path) -> None:
    """The old heading expression took ~80 s and hours on these (the timeout
    only guards against a hang; no timing is asserted)."""
    (tmp_path / "tabs.md").write_text("# a" + "\t" * 4000 + "x\n", encoding="utf-8")
    (tmp_path / "spaces.md").write_text("# a" + " " * 12000 + "x\n", encoding="utf-8")
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from searchdesk.chunking import iter_line_chunks
        from searchdesk.documents import read_lines, scan
        for name in ("tabs.md", "spaces.md"):
            p = str(Path({str(tmp_path)!r}) / name)
            s = scan(p)
            chunks = list(iter_line_chunks(read_lines(p, s), name, p, width=s.width, markdown=True))
            print(name, len(chunks), chunks[0].is_heading, repr(chunks[0].text))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    # Titles longer than a chunk are body text (spaces made one, as in any paragraph).
    assert done.stdout.split("\n")[:2] == ["tabs.md 1 False '# a x'", "spaces.md 1 False '# a x'"]


def test_a_big_file_is_read_and_chunked_in_bounded_memory(tmp_path: Path) -> None:
    """30 MB of hard-wrapped text with no blank line (one paragraph that never
    ends), then a 6 MB line: chunked as a stream, the peak RSS stays far below
    the file's size (whole-file reading took ~10 times the file)."""
    path = tmp_path / "big.txt"
    line = "Une ligne de texte coupée à la largeur du fichier, sans ligne vide. Fin.\n"
    with path.open("w", encoding="utf-8") as fh:
        block = line * 10_000
        for _ in range(30_000_000 // len(block.encode())):
            fh.write(block)
        fh.write("Une phrase sur une seule ligne. " * 200_000 + "\n")
    code = textwrap.dedent(
        f"""
        from searchdesk.chunking import MAX_CHUNK_CHARS, iter_line_chunks
        from searchdesk.documents import read_lines, scan
        p = {str(path)!r}
        s = scan(p)
        n = 0
        for chunk in iter_line_chunks(read_lines(p, s), "big.txt", p, width=s.width):
            assert len(chunk.text) <= MAX_CHUNK_CHARS
            n += 1
        # VmHWM, not ru_maxrss: ru_maxrss survives exec, so a child forked from a
        # big pytest process would report the parent's size.
        hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
        print(n, s.width, int(hwm.split()[1]) // 1024)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True
    )
    count, width, rss_mib = done.stdout.split()
    assert int(count) > 36_000_000 // 2000
    assert width == str(len(line) - 1)
    assert int(rss_mib) < 150, f"peak RSS {rss_mib} MiB"
