"""The index folder: creating, opening, locking and describing it.

A searchdesk index folder holds Whoosh segment files plus ``searchdesk.json``,
a marker written at creation that records the schema version and which
Whoosh index generation is live. ``--rebuild`` writes a new generation beside
the old one and switches the marker atomically, so an interrupted rebuild
leaves the previous index intact. Whoosh pickles its schema into the index,
so searchdesk refuses folders it did not create or that others can write to.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import multiprocessing.util
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import FileIndex

from .errors import (
    IndexDamaged,
    IndexIncompatible,
    IndexLocked,
    IndexNotFound,
    NotAnIndex,
)
from .schema import SCHEMA_VERSION, make_schema

MARKER = "searchdesk.json"
LOCK = "searchdesk.lock"
FORMAT = "searchdesk-index"
#: Files a fresh index folder may already hold (the repository's index/README.md).
HARMLESS = {"README.md", ".gitignore", ".gitkeep", LOCK}


@dataclass(frozen=True, slots=True)
class Marker:
    """The contents of ``searchdesk.json``."""

    schema_version: int
    generation: str
    created: float
    last_update: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "schema_version": self.schema_version,
            "generation": self.generation,
            "created": self.created,
            "last_update": self.last_update,
        }


def read_marker(index_dir: Path, check_version: bool = True) -> Marker:
    """Read and check the marker; raise a one-line error if it is not ours."""
    path = index_dir / MARKER
    if not index_dir.is_dir():
        raise IndexNotFound(f"no index at {index_dir}; create one with `searchdesk index DIR`")
    if not path.is_file():
        if any(index_dir.glob("*.toc")):
            raise NotAnIndex(
                f"{index_dir} holds an index searchdesk did not create; refusing to open it"
                " (run `searchdesk index --rebuild DIR` with another --index folder)"
            )
        raise IndexNotFound(f"no index at {index_dir}; create one with `searchdesk index DIR`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError("format")
        marker = Marker(
            int(data["schema_version"]),
            str(data["generation"]),
            float(data["created"]),
            data.get("last_update"),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NotAnIndex(f"{path} is not a searchdesk index marker") from exc
    if check_version and marker.schema_version != SCHEMA_VERSION:
        raise IndexIncompatible(
            f"the index at {index_dir} was written by an incompatible version of searchdesk"
            f" (schema {marker.schema_version}, expected {SCHEMA_VERSION});"
            " run `searchdesk index --rebuild DIR`"
        )
    return marker


def write_marker(index_dir: Path, marker: Marker) -> None:
    """Replace the marker atomically (write, fsync, rename)."""
    tmp = index_dir / (MARKER + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(marker.to_json(), fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / MARKER)


def check_safe(index_dir: Path) -> None:
    """Refuse an index folder that other users can write to (pickles run code)."""
    mode = index_dir.stat().st_mode
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise NotAnIndex(
            f"refusing to open {index_dir}: other users can write to it"
            f" (mode {stat.S_IMODE(mode):o}); run `chmod go-w {index_dir}`"
        )


def open_index(index_dir: Path) -> tuple[FileIndex, Marker]:
    """Open the live generation of an existing index, read-only use."""
    marker = read_marker(index_dir)
    check_safe(index_dir)
    try:
        ix = whoosh_index.open_dir(str(index_dir), indexname=marker.generation)
    except Exception as exc:  # whoosh raises many kinds on damaged files
        raise IndexDamaged(
            f"the index at {index_dir} cannot be read ({type(exc).__name__});"
            " run `searchdesk index --rebuild DIR`"
        ) from exc
    return ix, marker


def prepare_folder(index_dir: Path) -> None:
    """Create the index folder, refusing one that holds foreign files."""
    if index_dir.exists() and not index_dir.is_dir():
        raise NotAnIndex(f"{index_dir} exists and is not a folder")
    if index_dir.is_dir() and not (index_dir / MARKER).exists():
        foreign = [p.name for p in index_dir.iterdir() if p.name not in HARMLESS]
        if foreign:
            raise NotAnIndex(
                f"refusing to create an index in {index_dir}: the folder holds other files"
                f" ({foreign[0]}…); choose an empty folder with --index"
            )
    index_dir.mkdir(parents=True, exist_ok=True, mode=0o755)


def create_generation(index_dir: Path, previous: Marker | None) -> tuple[FileIndex, Marker]:
    """Create a new, empty Whoosh index generation (not live until committed)."""
    number = 1
    if previous is not None:
        number = int(previous.generation.lstrip("g") or 0) + 1
    generation = f"g{number}"
    remove_generation(index_dir, generation)  # leftovers of an interrupted rebuild
    try:
        ix = whoosh_index.create_in(str(index_dir), make_schema(), indexname=generation)
    except OSError as exc:
        raise IndexDamaged(f"cannot write the index at {index_dir}: {exc.strerror}") from exc
    marker = Marker(SCHEMA_VERSION, generation, time.time(), None)
    return ix, marker


def remove_generation(index_dir: Path, generation: str) -> None:
    """Delete the files of a generation that is no longer live."""
    for p in index_dir.iterdir():
        if p.name.startswith(f"_{generation}_") or p.name.startswith(f"{generation}_"):
            with contextlib.suppress(OSError):
                p.unlink()


@contextlib.contextmanager
def writer_lock(index_dir: Path, wait: bool = False) -> Iterator[None]:
    """Hold the index's write lock; say who holds it when it is taken.

    The lock is an ``flock`` on ``searchdesk.lock``: the kernel releases it
    when its process dies, so a lock left by a killed run is never stale.
    """
    path = index_dir / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise IndexLocked(
                f"another process (pid {holder}) is updating the index at {index_dir};"
                " try again later or pass --wait"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        # Forked writer processes must not keep the lock alive after we die.
        handle = _LockHandle(fd)
        multiprocessing.util.register_after_fork(handle, _in_forked_child)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)


class _LockHandle:
    """The lock's file descriptor, as an object multiprocessing can refer to."""

    def __init__(self, fd: int) -> None:
        self.fd = fd


def _in_forked_child(handle: _LockHandle) -> None:
    """In a writer process forked while the lock is held: drop the lock's fd."""
    with contextlib.suppress(OSError):
        os.close(handle.fd)


def size_on_disk(index_dir: Path, generation: str) -> int:
    return sum(
        p.stat().st_size
        for p in index_dir.iterdir()
        if p.is_file() and (p.name.startswith(f"_{generation}_") or p.name.startswith(generation))
    )
