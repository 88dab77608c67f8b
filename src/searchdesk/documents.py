"""Finding documents in folders and reading them as streams of decoded lines.

Walking is iterative (any depth), in a fixed order (names sorted, depth
first), skips hidden entries, and follows symlinked folders once (a loop is
reported). Only regular files are kept: FIFOs, sockets and devices, named
like a document directly or through a symlink, are counted as skipped and
never opened.

A file is read in two streaming passes of :data:`BLOCK_SIZE` bytes, so memory
stays bounded whatever its size. :func:`scan` hashes the bytes, settles the
encoding and learns the wrap width the chunker needs before the first line
(a legacy file is read once more for that); :func:`read_lines` then yields
its decoded, NFC-normalised lines. Both open the file without blocking and
refuse anything but a regular file, since the walk's verdict can be stale; a
file that changes between the passes is reported (:class:`FileChanged`), never
chunked from a mix of two versions.

Decoding never replaces characters of legacy text: UTF-8 (with or without
BOM) and UTF-16 with a BOM are read as such; other files are legacy 8-bit
text, read as cp1252 (a superset of latin-1 for printable French) or, when a
byte is undefined in cp1252, as latin-1, with a warning. NUL characters make a
file binary. UTF-16 that is not valid (a lone surrogate, an odd final byte)
is read all the same, the bad code units replaced by U+FFFD, with a warning:
a whole file is never dropped for one bad character.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from . import extract
from .analysis import normalize
from .chunking import NumberedLine, WrapWidth
from .paths import display_path

#: Bytes looked at to tell binary files (NUL bytes) from text in :func:`decode`.
SNIFF_BYTES = 8192

#: Bytes read at a time by :func:`scan` and :func:`read_lines`.
BLOCK_SIZE = 1 << 20

#: A line longer than this many characters is handed on in pieces of at most
#: this length (sharing its line number), so that no line is held whole.
MAX_LINE_CHARS = 1 << 20

#: Open flags for reading a document: never block (a FIFO with no writer), never
#: take a terminal as controlling terminal, never leak into a child process.
OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY

LATIN1_WARNING = "encoding not recognised, read as latin-1"

# Bytes that cp1252 leaves undefined (Python's codec refuses them).
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# What str.splitlines() splits on.
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A document found under an indexed folder, with the stat seen by the walk."""

    root: str
    """The indexed folder, absolute (undecodable bytes shown as ``\\xNN``)."""
    path: str
    """Absolute path of the file, as the OS gives it (may hold surrogate escapes)."""
    source: str
    """Path relative to ``root``, with ``/`` separators (undecodable bytes as ``\\xNN``)."""
    size: int
    mtime_ns: int
    real: str
    """The file's real path (symlinks resolved, surrogate escapes kept): its identity."""
    ino: int
    dev: int
    ctime_ns: int
    """Changes on every write, even one whose size and mtime were restored."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """A document's text and how it was decoded."""

    text: str
    encoding: str
    warning: str | None = None
    """A problem to report (latin-1 guessed, invalid UTF-16 replaced), or None."""

    @property
    def legacy(self) -> bool:
        """True when the file was not Unicode (UTF-8/UTF-16)."""
        return self.encoding not in ("utf-8", "utf-8-sig", "utf-16")


@dataclass(frozen=True, slots=True)
class Scanned:
    """What one pass over a file's bytes learnt, before its lines are read."""

    digest: str
    """blake2b (16 bytes) of the file's bytes, in hex."""
    size: int
    """Bytes read."""
    encoding: str
    """``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252`` or ``latin-1``."""
    width: int | None
    """The wrap width of the decoded lines (:class:`~searchdesk.chunking.WrapWidth`)."""
    warning: str | None = None
    """A problem to report (latin-1 guessed, invalid UTF-16 replaced), or None."""

    @property
    def legacy(self) -> bool:
        """True when the file was not Unicode (UTF-8/UTF-16)."""
        return self.encoding not in ("utf-8", "utf-8-sig", "utf-16")


class BinaryFile(ValueError):
    """The file holds NUL characters: it is not text."""


class NotRegularFile(OSError):
    """Not a regular file (a FIFO, socket, device or folder): never read.

    An :class:`OSError` whose ``strerror`` reads well in a problem line.
    """

    def __init__(self, path: str, kind: str) -> None:
        super().__init__(None, f"not a regular file ({kind})", path)


class FileChanged(OSError):
    """The file changed while it was read: what was read from it must be dropped."""

    def __init__(self, path: str) -> None:
        super().__init__(None, "changed while being read", path)


@dataclass(slots=True)
class WalkResult:
    """Documents found under one folder, and what was passed over."""

    files: list[SourceFile]
    skipped: int
    """Entries that are not documents: other extensions, FIFOs, sockets, devices."""
    problems: list[str]
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    """The skipped entries: (path as shown, why)."""


def walk(root: Path) -> WalkResult:
    """Find the regular files of a format some extractor reads below ``root``, at any depth.

    Hidden files and folders are skipped silently; other files and entries
    that are not regular files are counted as skipped; symlinked folders are
    followed once (a loop is reported). Folders are visited depth first in
    name order, with an explicit stack: the depth is not limited by recursion.
    """
    root_str = str(root)
    shown_root = display_path(root_str)
    suffixes = extract.suffixes()
    result = WalkResult([], 0, [])
    if not os.path.isdir(root_str):
        _one_file(root_str, result)  # `searchdesk index FILE`
        return result
    seen: set[tuple[int, int]] = set()
    # One frame per open folder: its real path and the entries left to visit.
    stack: list[tuple[str, Iterator[os.DirEntry[str]]]] = []

    def enter(folder: str, real: str, entry: os.DirEntry[str] | None) -> None:
        try:
            st = entry.stat() if entry is not None else os.stat(folder)
        except OSError as exc:
            result.problems.append(f"{display_path(folder)}: {exc.strerror or exc}")
            return
        key = (st.st_dev, st.st_ino)
        if key in seen:
            result.problems.append(f"{display_path(folder)}: symlink loop, skipped")
            return
        seen.add(key)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            result.problems.append(f"{display_path(folder)}: {exc.strerror or exc}")
            return
        stack.append((real, iter(entries)))

    enter(root_str, os.path.realpath(root_str), None)
    while stack:
        real_folder, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            enter(entry.path, _real_path(entry, real_folder), entry)
            continue
        if not entry.name.lower().endswith(suffixes):
            result.skipped += 1
            result.skipped_files.append((display_path(entry.path), _unsupported(entry.name)))
            continue
        try:
            st = entry.stat()
        except OSError as exc:
            result.problems.append(f"{display_path(entry.path)}: {exc.strerror or exc}")
            continue
        if not stat.S_ISREG(st.st_mode):
            result.skipped += 1
            result.skipped_files.append(
                (display_path(entry.path), f"not a regular file ({_kind(st.st_mode)})")
            )
            continue
        rel = display_path(os.path.relpath(entry.path, root_str).replace(os.sep, "/"))
        result.files.append(
            SourceFile(
                shown_root,
                entry.path,
                rel,
                st.st_size,
                st.st_mtime_ns,
                _real_path(entry, real_folder),
                st.st_ino,
                st.st_dev,
                st.st_ctime_ns,
            )
        )
    return result


def _one_file(path: str, result: WalkResult) -> None:
    """A single file given as a root: a document if it would be one in a folder."""
    shown = display_path(path)
    if not os.path.basename(path).lower().endswith(extract.suffixes()):
        result.skipped += 1
        result.skipped_files.append((shown, _unsupported(os.path.basename(path))))
        return
    try:
        st = os.stat(path)
    except OSError as exc:
        result.problems.append(f"{shown}: {exc.strerror or exc}")
        return
    if not stat.S_ISREG(st.st_mode):
        result.skipped += 1
        result.skipped_files.append((shown, f"not a regular file ({_kind(st.st_mode)})"))
        return
    name = display_path(os.path.basename(path))
    real = os.path.realpath(path)
    result.files.append(
        SourceFile(
            shown,
            path,
            name,
            st.st_size,
            st.st_mtime_ns,
            real,
            st.st_ino,
            st.st_dev,
            st.st_ctime_ns,
        )
    )


def _unsupported(name: str) -> str:
    suffix = extract.suffix_of(name)
    return f"not a format searchdesk reads ({display_path(suffix) if suffix else 'no suffix'})"


def _real_path(entry: os.DirEntry[str], real_folder: str) -> str:
    """The entry's real path; only a symlink needs resolving."""
    try:
        link = entry.is_symlink()
    except OSError:
        link = True
    return os.path.realpath(entry.path) if link else os.path.join(real_folder, entry.name)


def open_regular(path: str) -> BinaryIO:
    """Open a file for reading, refusing (without blocking) all but a regular file.

    The file is opened non-blocking, so a FIFO without a writer cannot hang
    the caller, then checked with ``fstat`` on the open descriptor: what the
    walk saw may have been replaced since.

    Raises:
        NotRegularFile: a FIFO, socket, device or folder.
        OSError: the file cannot be opened.
    """
    fd = os.open(path, OPEN_FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, _kind(mode))
        os.set_blocking(fd, True)
        return io.FileIO(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISDIR(mode):
        return "folder"
    return "special file"


def _blocks(fh: BinaryIO) -> Iterator[bytes]:
    """The file's bytes in blocks of BLOCK_SIZE (the last may be shorter)."""
    while True:
        block = fh.read(BLOCK_SIZE)
        if not block:
            return
        while len(block) < BLOCK_SIZE:
            more = fh.read(BLOCK_SIZE - len(block))
            if not more:
                break
            block += more
        yield block


def scan(path: str) -> Scanned:
    """Read a file once: its digest, its encoding and its wrap width.

    Encoding rules: see the module docstring. A UTF-8 file is read once; a
    legacy one twice (its lines, hence its wrap width, depend on the
    encoding, known only at the end).

    Raises:
        BinaryFile: NUL characters.
        NotRegularFile: not a regular file (any more).
        FileChanged: a legacy file changed while it was read.
        OSError: the file cannot be read.
    """
    hasher = hashlib.blake2b(digest_size=16)
    size = 0
    width = WrapWidth()
    lines = _LineSplitter()
    with open_regular(path) as fh:
        blocks = _blocks(fh)
        first = next(blocks, b"")
        while 0 < len(first) < len(codecs.BOM_UTF8):  # tiny blocks (tests): see the whole BOM
            more = next(blocks, b"")
            if not more:
                break
            first += more
        utf16 = first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        decoder: _TextDecoder | None
        if utf16:
            decoder = _Utf16Decoder()
        elif first.startswith(codecs.BOM_UTF8):
            decoder = codecs.getincrementaldecoder("utf-8-sig")()
        else:
            decoder = codecs.getincrementaldecoder("utf-8")()
        undefined_cp1252 = False
        block = first
        while block:
            hasher.update(block)
            size += len(block)
            if not utf16:
                if b"\x00" in block:
                    raise BinaryFile("NUL bytes")
                if not undefined_cp1252:
                    undefined_cp1252 = _CP1252_UNDEFINED.search(block) is not None
            if decoder is not None:
                try:
                    text = decoder.decode(block)
                except UnicodeDecodeError as exc:
                    if utf16:
                        raise BinaryFile("invalid UTF-16") from exc
                    decoder = None  # not UTF-8: legacy
                else:
                    if utf16 and "\x00" in text:
                        raise BinaryFile("NUL characters")
                    width.update(line for _number, line in lines.feed(text))
            block = next(blocks, b"")
    digest = hasher.hexdigest()
    if decoder is not None:
        try:
            text = decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:  # UTF-8 cut in the middle of a character
            if utf16:
                raise BinaryFile("invalid UTF-16") from exc
            decoder = None
        else:
            if "\x00" in text:
                raise BinaryFile("NUL characters")
            width.update(line for _number, line in [*lines.feed(text), *lines.end()])
    if isinstance(decoder, _Utf16Decoder):
        return Scanned(digest, size, "utf-16", width.width, decoder.warning)
    if decoder is not None:
        encoding = "utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-8"
        return Scanned(digest, size, encoding, width.width)
    encoding = "latin-1" if undefined_cp1252 else "cp1252"
    warning = LATIN1_WARNING if undefined_cp1252 else None
    scanned = Scanned(digest, size, encoding, None, warning)
    width = WrapWidth()
    width.update(line for _number, line in read_lines(path, scanned))
    return Scanned(digest, size, encoding, width.width, warning)


def read_lines(path: str, scanned: Scanned) -> Iterator[NumberedLine]:
    """Yield a scanned file's lines, decoded and NFC-normalised, with their numbers.

    The lines are those of ``str.splitlines()`` on the whole decoded,
    normalised text (normalising line by line gives the same text: line
    breaks never combine with their neighbours). A line longer than
    :data:`MAX_LINE_CHARS` comes in pieces that share its number.

    Raises:
        FileChanged: at the end (or on a decoding error), when the bytes are
            not the scanned ones: drop every line received.
        NotRegularFile: not a regular file (any more).
        OSError: the file cannot be read.
    """
    hasher = hashlib.blake2b(digest_size=16)
    size = 0
    decoder = _decoder(scanned.encoding)
    lines = _LineSplitter()
    with open_regular(path) as fh:
        for block in _blocks(fh):
            hasher.update(block)
            size += len(block)
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise FileChanged(path) from exc
            yield from lines.feed(text)
        try:
            text = decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise FileChanged(path) from exc
        yield from lines.feed(text)
        yield from lines.end()
    if size != scanned.size or hasher.hexdigest() != scanned.digest:
        raise FileChanged(path)


class _TextDecoder(Protocol):
    def decode(self, input: bytes, final: bool = False) -> str: ...


def _decoder(encoding: str) -> _TextDecoder:
    if encoding == "utf-16":
        return _Utf16Decoder()
    return codecs.getincrementaldecoder(encoding)()


class _Utf16Decoder:
    """UTF-16 (with its BOM) that replaces lone surrogates and an odd final byte.

    Lone surrogates pass the codec (``surrogatepass``), then become U+FFFD;
    :attr:`warning` names what was replaced.
    """

    def __init__(self) -> None:
        self._codec = codecs.getincrementaldecoder("utf-16")("surrogatepass")
        self._odd = b""
        self.surrogates = False
        self.odd = False

    def decode(self, input: bytes, final: bool = False) -> str:
        data = self._odd + input if self._odd else input
        if len(data) % 2:
            data, self._odd = data[:-1], data[-1:]
        else:
            self._odd = b""
        text = self._codec.decode(data, final)
        if _SURROGATE.search(text):
            self.surrogates = True
            text = _SURROGATE.sub("\ufffd", text)
        if final and self._odd:
            self.odd = True
            self._odd = b""
            text += "\ufffd"
        return text

    @property
    def warning(self) -> str | None:
        """The problem to report, or None if the UTF-16 was valid."""
        problems = [
            name
            for name, seen in (("lone surrogate", self.surrogates), ("odd byte count", self.odd))
            if seen
        ]
        return f"invalid UTF-16 ({', '.join(problems)}), replaced" if problems else None


class _LineSplitter:
    """Decoded text in, in blocks; numbered NFC lines out, as ``str.splitlines()``.

    A block is cut after its last line break (a final ``\\r`` waits: a ``\\n``
    may follow), the part before is normalised at once and split; the rest
    waits for the next block. Normalising at line breaks gives the whole
    text's normal form, as no line break composes with anything.
    """

    __slots__ = ("_carry", "_number")

    def __init__(self) -> None:
        self._carry = ""
        self._number = 0

    def feed(self, text: str) -> list[NumberedLine]:
        buf = self._carry + text if self._carry else text
        end = len(buf) - 1 if buf.endswith("\r") else len(buf)
        cut = _last_break(buf, end) + 1
        out = self._split(buf[:cut]) if cut else []
        rest = buf[cut:]
        while len(rest) > MAX_LINE_CHARS:
            at = _piece_end(rest)
            out.append((self._number + 1, normalize(rest[:at])))
            rest = rest[at:]
        self._carry = rest
        return out

    def end(self) -> list[NumberedLine]:
        rest, self._carry = self._carry, ""
        return self._split(rest)

    def _split(self, text: str) -> list[NumberedLine]:
        first = self._number + 1
        lines = (text if text.isascii() else normalize(text)).splitlines()
        self._number += len(lines)
        return list(enumerate(lines, start=first))


def _last_break(text: str, end: int) -> int:
    """Index of the last line break in ``text[:end]``, or -1."""
    for start in (max(0, end - 4096), 0):
        found = max(text.rfind(ch, start, end) for ch in _LINE_BREAKS)
        if found >= 0 or start == 0:
            return found
    return -1  # pragma: no cover - the loop ends with start == 0


def _piece_end(line: str) -> int:
    """Where to end the first piece of an over-long line: before a space if one is
    near, never inside a combining sequence."""
    low = MAX_LINE_CHARS * 3 // 4
    at = max(line.rfind(" ", low, MAX_LINE_CHARS), line.rfind("\t", low, MAX_LINE_CHARS))
    if at > 0:
        return at
    at = MAX_LINE_CHARS
    while at > low and unicodedata.combining(line[at]):
        at -= 1
    return at


def decode(data: bytes) -> Decoded:
    """Decode a whole document's bytes (the rules of the module docstring).

    For tests and small inputs: files are read with :func:`scan` and
    :func:`read_lines`, which follow the same rules in bounded memory.

    Raises:
        BinaryFile: the bytes hold NUL characters.
    """
    if data.startswith(codecs.BOM_UTF8):
        with contextlib.suppress(UnicodeDecodeError):
            return _decoded(data[3:].decode("utf-8"), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        decoder = _Utf16Decoder()
        return _decoded(decoder.decode(data, final=True), "utf-16", decoder.warning)
    if b"\x00" in data[:SNIFF_BYTES] or b"\x00" in data[-SNIFF_BYTES:]:
        raise BinaryFile("NUL bytes")
    try:
        return _decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return _decoded(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return _decoded(data.decode("latin-1"), "latin-1", LATIN1_WARNING)


def _decoded(text: str, encoding: str, warning: str | None = None) -> Decoded:
    if "\x00" in text:
        raise BinaryFile("NUL characters")
    return Decoded(normalize(text), encoding, warning)
