"""Finding documents in folders and decoding their bytes to text.

Walking follows symlinks without looping and skips hidden entries. Decoding
never replaces characters silently: UTF-8 (with or without BOM) and UTF-16
with a BOM are read as such; other files are legacy 8-bit text, read as
cp1252 (a superset of latin-1 for printable French) or, when a byte is
undefined in cp1252, as latin-1, and reported as "another encoding".
"""

from __future__ import annotations

import codecs
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .analysis import normalize
from .paths import display_path

#: Extensions read as documents (compared case-insensitively).
DOCUMENT_SUFFIXES = (".txt", ".md")

#: Bytes looked at to tell binary files (NUL bytes) from text.
SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A document found under an indexed folder."""

    root: str
    """The indexed folder, absolute (undecodable bytes shown as ``\\xNN``)."""
    path: str
    """Absolute path of the file, as the OS gives it (may hold surrogate escapes)."""
    source: str
    """Path relative to ``root``, with ``/`` separators (undecodable bytes as ``\\xNN``)."""
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class Decoded:
    """A document's text and how it was decoded."""

    text: str
    encoding: str

    @property
    def legacy(self) -> bool:
        """True when the file was not Unicode (UTF-8/UTF-16)."""
        return self.encoding not in ("utf-8", "utf-8-sig", "utf-16")


class BinaryFile(ValueError):
    """The file holds NUL bytes and is not UTF-16 text."""


@dataclass(slots=True)
class WalkResult:
    """Documents found under one folder, and what was passed over."""

    files: list[SourceFile]
    skipped: int
    problems: list[str]


def walk(root: Path) -> WalkResult:
    """Find ``.txt`` and ``.md`` files below ``root``, recursively.

    Hidden files and folders are skipped silently; other files are counted
    as skipped; symlinked folders are followed once (a loop is reported).
    """
    root_str = str(root)
    result = WalkResult([], 0, [])
    seen: set[tuple[int, int]] = set()

    def visit(folder: str) -> Iterator[os.DirEntry[str]]:
        try:
            st = os.stat(folder)
        except OSError as exc:
            result.problems.append(f"{folder}: {exc.strerror}")
            return
        key = (st.st_dev, st.st_ino)
        if key in seen:
            result.problems.append(f"{folder}: symlink loop, skipped")
            return
        seen.add(key)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            result.problems.append(f"{folder}: {exc.strerror}")
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                yield from visit(entry.path)
            else:
                yield entry

    for entry in visit(root_str):
        if not entry.name.lower().endswith(DOCUMENT_SUFFIXES):
            result.skipped += 1
            continue
        try:
            st = entry.stat()
        except OSError as exc:
            result.problems.append(f"{entry.path}: {exc.strerror or exc}")
            continue
        rel = display_path(os.path.relpath(entry.path, root_str).replace(os.sep, "/"))
        result.files.append(
            SourceFile(display_path(root_str), entry.path, rel, st.st_size, st.st_mtime_ns)
        )
    return result


def decode(data: bytes) -> Decoded:
    """Decode a document's bytes (see the module docstring for the rules).

    Raises:
        BinaryFile: the bytes hold NUL characters and no UTF-16 BOM.
    """
    if data.startswith(codecs.BOM_UTF8):
        with contextlib.suppress(UnicodeDecodeError):
            return _decoded(data[3:].decode("utf-8"), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as exc:
            raise BinaryFile("invalid UTF-16") from exc
    if b"\x00" in data[:SNIFF_BYTES] or b"\x00" in data[-SNIFF_BYTES:]:
        raise BinaryFile("NUL bytes")
    try:
        return _decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return _decoded(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return _decoded(data.decode("latin-1"), "latin-1")


def _decoded(text: str, encoding: str) -> Decoded:
    if "\x00" in text:
        raise BinaryFile("NUL characters")
    return Decoded(normalize(text), encoding)
