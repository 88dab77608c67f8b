"""The index folder: trusting, opening, updating, locking and cleaning it.

A searchdesk index folder holds Whoosh files of one live *generation*
(``_g3_7.toc``, ``g3_*.seg``), the docmap of the live commit, the
``searchdesk.lock`` write lock and the ``searchdesk.json`` marker. The marker
is the only switch: it names the live generation and Whoosh TOC, lists the
live files (size, mtime, inode) and is signed with this user's key
(:mod:`searchdesk.trust`). Readers open exactly what the marker names, so a
writer's commit, a ``--rebuild`` or a failed run is invisible until the
marker is replaced, atomically, at the very end.

:func:`begin_update` owns a writer's whole lifecycle: folder checks before
anything is written, the lock, a marker written *first* (``building``) for a
new index so an interrupted first build is recognised and completed by the
next run, and the sweep that removes whatever a failed or killed run left.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import mmap
import os
import pickle
import re
import shutil
import stat
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.index import FileIndex

from . import docmap, trust
from .errors import (
    IndexBuilding,
    IndexDamaged,
    IndexIncompatible,
    IndexLocked,
    IndexNotFound,
    IndexWriteError,
    NotAnIndex,
    SearchdeskError,
    UsageError,
)
from .paths import display_path
from .schema import SCHEMA_VERSION, make_schema

MARKER = "searchdesk.json"
LOCK = "searchdesk.lock"
FORMAT = "searchdesk-index"
READY, BUILDING = "ready", "building"
#: Files a fresh index folder may already hold (the repository's index/README.md).
HARMLESS = {"README.md", ".gitignore", ".gitkeep"}
#: Names searchdesk (and Whoosh, for it) writes in an index folder.
_OURS = re.compile(
    r"_g\d+_\d+\.toc(\.[\d.]+)?|g\d+_\w+(\.[\w.]+)?|g\d+\.tmp|docmap-[\w-]+\.(bin|tmp)"
    r"|searchdesk\.json(\.tmp)?|searchdesk\.lock|\w+\.tmp"
)
_GENERATION = re.compile(r"g([1-9]\d{0,8})")
#: How long a reader retries when a writer switches generations under it.
OPEN_RETRIES = 5

FileEntry = tuple[str, int, int, int]
"""(name, size, mtime_ns, inode) of a live index file."""


def _rebuild_hint(index_dir: Path) -> str:
    return f"run `searchdesk --index {display_path(str(index_dir))} index --rebuild DIR`"


@dataclass(frozen=True, slots=True)
class Marker:
    """The contents of ``searchdesk.json``, minus its signature."""

    schema_version: int
    generation: str
    created: float
    last_update: float | None = None
    state: str = READY
    toc: int = -1
    """Whoosh TOC generation that is live (-1 while the first build runs)."""
    files: tuple[FileEntry, ...] = ()
    roots: tuple[tuple[str, str], ...] = ()
    """Indexed folders: (real path, label that prefixes its sources)."""

    @property
    def number(self) -> int:
        return int(self.generation[1:])

    def payload(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "schema_version": self.schema_version,
            "generation": self.generation,
            "state": self.state,
            "toc": self.toc,
            "created": self.created,
            "last_update": self.last_update,
            "files": [list(f) for f in self.files],
            "roots": [list(r) for r in self.roots],
        }


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("ascii")


def _parse_marker(data: Any) -> tuple[Marker, str]:
    """Validate every field's type; raise ValueError on anything unexpected."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a searchdesk marker")
    generation = data["generation"]
    if not isinstance(generation, str) or not _GENERATION.fullmatch(generation):
        raise ValueError("generation")
    state = data["state"]
    if state not in (READY, BUILDING):
        raise ValueError("state")
    files = tuple(
        (str(name), int(size), int(mtime), int(ino))
        for name, size, mtime, ino in data["files"]
        if isinstance(name, str) and "/" not in name
    )
    roots = tuple((str(path), str(label)) for path, label in data["roots"])
    last = data["last_update"]
    marker = Marker(
        schema_version=_int(data["schema_version"]),
        generation=generation,
        created=float(data["created"]),
        last_update=None if last is None else float(last),
        state=state,
        toc=_int(data["toc"]),
        files=files,
        roots=roots,
    )
    mac = data["mac"]
    if not isinstance(mac, str):
        raise ValueError("mac")
    return marker, mac


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not an integer")
    return value


def check_folder(index_dir: Path) -> None:
    """Refuse an index folder owned by someone else or writable by others."""
    try:
        st = index_dir.stat()
    except FileNotFoundError:
        raise IndexNotFound(
            f"no index at {display_path(str(index_dir))}; create one with `searchdesk index DIR`"
        ) from None
    if not stat.S_ISDIR(st.st_mode):
        raise IndexNotFound(f"no index at {display_path(str(index_dir))}: not a folder")
    trust.check_owned(index_dir, st, "the index folder")


def read_marker(index_dir: Path, check_version: bool = True) -> Marker:
    """Read, type-check and verify the signature of the marker; one-line errors."""
    check_folder(index_dir)
    path = index_dir / MARKER
    try:
        trust.check_regular_owned(path, "the index marker")
    except FileNotFoundError:
        foreign = _foreign_files(index_dir)
        if foreign:
            raise NotAnIndex(
                f"refusing to open {display_path(str(index_dir))}: searchdesk did not create it"
                f" (it holds {display_path(foreign[0])}…)"
            ) from None
        if any(_OURS.fullmatch(p.name) for p in index_dir.iterdir() if p.name != LOCK):
            raise NotAnIndex(
                f"{display_path(str(index_dir))} holds index files without a searchdesk marker"
                f" (another program's, or an interrupted build of an older version);"
                f" {_rebuild_hint(index_dir)}"
            ) from None
        raise IndexNotFound(
            f"no index at {display_path(str(index_dir))}; create one with `searchdesk index DIR`"
        ) from None
    try:
        with open(path, "rb") as fh:
            data = json.loads(fh.read(1 << 20))
        ours = isinstance(data, dict) and data.get("format") == FORMAT
        version = data.get("schema_version") if ours else None
        if check_version and ours and version != SCHEMA_VERSION:
            # An older searchdesk's index: say so (nothing of it is opened).
            raise IndexIncompatible(
                f"the index at {display_path(str(index_dir))} was written by an incompatible"
                f" version of searchdesk (schema {version}, expected {SCHEMA_VERSION});"
                f" {_rebuild_hint(index_dir)}"
            )
        marker, mac = _parse_marker(data)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise IndexDamaged(
            f"the index marker {display_path(str(path))} is damaged; {_rebuild_hint(index_dir)}"
        ) from exc
    key = trust.load_key(create=False)
    if key is None or not trust.verify(key, _canonical(marker.payload()), mac):
        raise NotAnIndex(
            f"refusing to open {display_path(str(index_dir))}: it was not built by searchdesk"
            f" for this user (its signature does not match: copied or downloaded from"
            f" elsewhere, or your key {trust.key_path()} changed); {_rebuild_hint(index_dir)}"
        )
    return marker


def marker_stamp(index_dir: Path) -> tuple[int, int, int, int] | None:
    """(inode, size, mtime, ctime) of the marker: a reader that verified it can
    skip reading it again (and its signature) while the stamp stays the same;
    the marker is only ever replaced by a rename, which changes the inode."""
    try:
        st = os.lstat(index_dir / MARKER)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def write_marker(index_dir: Path, marker: Marker) -> None:
    """Sign and replace the marker atomically (write, fsync, rename)."""
    key = trust.load_key(create=True)
    assert key is not None
    payload = marker.payload()
    payload["mac"] = trust.sign(key, _canonical(marker.payload()))
    tmp = index_dir / (MARKER + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with open(fd, "w", encoding="ascii") as fh:
        json.dump(payload, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / MARKER)


# -- reading -----------------------------------------------------------------


class _FilesChanged(Exception):
    """A live file differs from the marker (a writer switched, or tampering)."""


def _verify_files(index_dir: Path, marker: Marker) -> None:
    toc = f"_{marker.generation}_{marker.toc}.toc"
    if toc not in {name for name, *_ in marker.files}:
        raise _FilesChanged(toc)
    for name, size, mtime_ns, ino in marker.files:
        try:
            st = trust.check_regular_owned(index_dir / name, "the index file")
        except FileNotFoundError:
            raise _FilesChanged(name) from None
        if (st.st_size, st.st_mtime_ns, st.st_ino) != (size, mtime_ns, ino):
            raise _FilesChanged(name)


class _TocUnpickler(pickle.Unpickler):
    """Unpickles a TOC's segment list: Whoosh's segment classes and builtins only."""

    ALLOWED = {
        ("whoosh.codec.whoosh3", "W3Segment"),
        ("whoosh.codec.whoosh3", "W3Codec"),
        ("collections", "defaultdict"),
        *(("builtins", n) for n in ("int", "float", "str", "bytes", "set", "frozenset")),
        *(("builtins", n) for n in ("dict", "list", "tuple", "bool")),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def _read_toc(storage: Any, indexname: str, gen: int, schema: Any) -> Any:
    """Whoosh's ``TOC.read`` for one generation, with searchdesk's schema.

    The pickled schema is skipped (searchdesk's own is used) and the segment
    list goes through an allow-list unpickler: even a file that passed the
    signature check cannot name arbitrary code.
    """
    from whoosh.index import _CURRENT_TOC_VERSION, _FLOAT_SIZE, _INT_SIZE, _LONG_SIZE, TOC

    stream = storage.open_file(TOC._filename(indexname, gen))
    try:
        sizes = (stream.read_varint(), stream.read_varint(), stream.read_varint())
        if sizes != (_INT_SIZE, _LONG_SIZE, _FLOAT_SIZE) or stream.read_int() != -12345:
            raise ValueError("index written on another architecture")
        version = stream.read_int()
        release = (stream.read_varint(), stream.read_varint(), stream.read_varint())
        if version != _CURRENT_TOC_VERSION:
            raise ValueError(f"unknown TOC version {version}")
        stream.skip_string()
        if stream.read_int() != gen:
            raise ValueError("TOC generation mismatch")
        stream.read_int()
        segments = _TocUnpickler(io.BytesIO(stream.file.read())).load()
    finally:
        stream.close()
    if not isinstance(segments, list):
        raise ValueError("TOC segments")
    return TOC(schema, segments, gen, version=version, release=release)


class _MappedFile(BufferFile):
    """A read-only Whoosh file over a slice of a memory map: nothing is copied at open.

    Whoosh's own mapping (``CompoundStorage`` with ``supports_mmap``) wraps
    every part of a segment it opens (terms, postings, lengths, stored
    fields) in a ``BytesIO``, which copies the part whole: opening a searcher
    read every segment's postings into memory. Here a part is a
    ``memoryview`` of the map; a query reads only the pages it touches, from
    the page cache, shared by every process that has the index open.
    """

    def __init__(
        self, view: memoryview, name: str | None, mapping: mmap.mmap, base: int, whole: bool
    ) -> None:
        self._buf = view
        self._name = name
        self._pos = 0
        self._size = len(view)
        self._mapping = mapping
        self._base = base
        """Offset of this part in the mapped file."""
        self._whole = whole
        """The mapped file itself (closing it unmaps), not one of its parts."""
        self.onclose = None
        self.is_real = False
        self.is_closed = False

    @property
    def file(self) -> _MappedFile:
        # StructFile reads pickles and iterates through ``self.file``: this object
        # is its own file (a property, not an attribute: no reference cycle).
        return self

    def read(self, size: int | None = -1) -> bytes:
        pos = self._pos
        end = self._size if size is None or size < 0 else min(pos + size, self._size)
        if end <= pos:
            return b""
        self._pos = end
        return self._buf[pos:end].tobytes()

    def readline(self, size: int | None = -1) -> bytes:
        if self.is_closed:
            raise ValueError("I/O operation on closed file")
        pos = self._pos
        end = self._size if size is None or size < 0 else min(pos + size, self._size)
        newline = self._mapping.find(b"\n", self._base + pos, self._base + end)
        return self.read((end if newline < 0 else newline - self._base + 1) - pos)

    def seek(self, pos: int, whence: int = 0) -> int:
        if whence == 1:
            pos += self._pos
        elif whence == 2:
            pos += self._size
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def subset(self, position: int, length: int, name: str | None = None) -> _MappedFile:
        """A part of this file (what ``CompoundStorage`` lends), as a view of the same map."""
        if position < 0 or length < 0 or position + length > self._size:
            raise ValueError(f"a part of {self._name} lies outside it: the file is damaged")
        view = self._buf[position : position + length]
        return _MappedFile(
            view, name or self._name, self._mapping, self._base + position, whole=False
        )

    def read_pickle(self) -> Any:
        """Only the segment's directory is a pickle read from the file itself:
        names, offsets and lengths (builtins), never a class."""
        return _DataUnpickler(self).load()

    def close(self) -> None:
        if self.is_closed:
            return
        self.is_closed = True
        # A released view raises ValueError on any later read (a read error).
        with contextlib.suppress(BufferError):
            self._buf.release()
        if self._whole:
            # Unmap now, unless a part is still open: then the map goes with its last view.
            with contextlib.suppress(BufferError):
                self._mapping.close()


class _DataUnpickler(pickle.Unpickler):
    """Unpickles plain data only (dicts, lists, strings, numbers): no class at all."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _map_file(path: str, name: str, expected: tuple[int, int, int] | None) -> _MappedFile:
    """Map ``path`` read-only; ``expected`` is its (size, mtime, inode) in the marker."""
    if expected is None:
        raise OSError(f"{name} is not a file of the live commit")
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if (st.st_size, st.st_mtime_ns, st.st_ino) != expected:
            # Not the file the marker vouched for (a writer switched, or tampering).
            raise OSError(f"{name} changed since the index marker was read")
        trust.check_owned(Path(path), st, "the index file")
        mapping = mmap.mmap(fd, st.st_size, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)
    return _MappedFile(memoryview(mapping), name, mapping, 0, whole=True)


class _MappedStorage(FileStorage):
    """A reader's storage: compound segment files are memory-mapped, their parts
    read in place (:class:`_MappedFile`).

    Safe to map: a segment file is written once, under a fresh random name,
    and never changed in place. A commit or ``--rebuild`` writes new files
    and :func:`sweep` unlinks the old ones (a mapped file stays readable
    after its unlink). Each file is checked when mapped against the size,
    mtime and inode the signed marker lists, so what is mapped is the file
    that was verified. Only a truncation in place *after* mapping (by this
    user, outside searchdesk; others cannot write the files) or a disk error
    could still make a read fault (SIGBUS); Whoosh's own mapping, which read
    stored fields and columns from the map, had the same exposure.
    """

    supports_mmap = False
    """Stop ``CompoundStorage`` mapping (and copying) on its own: it asks our
    file for each part with ``subset()`` instead."""

    def __init__(self, path: str, expected: dict[str, tuple[int, int, int]]) -> None:
        super().__init__(path)
        self._expected = expected

    #: Whether a compound file the marker does not list is refused (a
    #: reader's) or read as Whoosh reads it (a writer's: the segments it
    #: writes; those of the commit it started from are mapped).
    only_listed = True

    def open_file(self, name: str, **kwargs: Any) -> Any:
        if kwargs or not name.endswith(_COMPOUND_EXT):
            return super().open_file(name, **kwargs)
        expected = self._expected.get(name)
        if expected is None and not self.only_listed:
            return super().open_file(name)
        return _map_file(self._fpath(name), name, expected)


class _WriterStorage(_MappedStorage):
    """A writer's storage: the live commit's segments mapped as a reader maps
    them (reading them whole cost the writer their size in memory: 1.5 GB
    at a million paragraphs), any other file opened as Whoosh opens it."""

    only_listed = False


#: Whoosh's compound segment file: one per segment, holding all its parts.
_COMPOUND_EXT = ".seg"


class SafeIndex(FileIndex):
    """A Whoosh ``FileIndex`` pinned to one TOC generation, with searchdesk's schema.

    Whoosh opens the newest TOC it finds; searchdesk opens the one the
    marker names, so a commit is live only once the marker says so. With
    ``toc=None`` (the writer, under the lock) the newest TOC is used.
    ``files`` (from the verified marker) maps segment files instead of
    reading them: a reader's only those (:class:`_MappedStorage`), a
    writer's (``toc=None``) those of the commit it started from
    (:class:`_WriterStorage`).
    """

    def __init__(
        self,
        index_dir: Path,
        generation: str,
        toc: int | None,
        files: Sequence[FileEntry] | None = None,
    ) -> None:
        # FileIndex.__init__ would read (and unpickle) the newest TOC: not that.
        if files is None:
            self.storage = FileStorage(str(index_dir))
        else:
            expected = {name: (size, mtime, ino) for name, size, mtime, ino in files}
            mapped = _MappedStorage if toc is not None else _WriterStorage
            self.storage = mapped(str(index_dir), expected)
        self._schema = make_schema()
        self.indexname = generation
        self.toc = toc

    def latest_generation(self) -> int:
        return self.toc if self.toc is not None else super().latest_generation()

    def _read_toc(self) -> Any:
        return _read_toc(self.storage, self.indexname, self.latest_generation(), self._schema)


def open_index(index_dir: Path) -> tuple[SafeIndex, Marker]:
    """Open the live commit of an index this user's searchdesk built."""
    for attempt in range(OPEN_RETRIES):
        marker = read_marker(index_dir)
        if marker.state == BUILDING:
            raise _building_error(index_dir)
        try:
            _verify_files(index_dir, marker)
            ix = SafeIndex(index_dir, marker.generation, marker.toc, marker.files)
            ix._read_toc()
            return ix, marker
        except _FilesChanged:
            pass  # a writer may have just switched: read the marker again
        except (OSError, EOFError, ValueError, pickle.UnpicklingError) as exc:
            if attempt == OPEN_RETRIES - 1:
                raise IndexDamaged(
                    f"the index at {display_path(str(index_dir))} cannot be read"
                    f" ({type(exc).__name__}); {_rebuild_hint(index_dir)}"
                ) from exc
        time.sleep(0.02 * (attempt + 1))
    raise NotAnIndex(
        f"refusing to open {display_path(str(index_dir))}: its files were changed outside"
        f" searchdesk; {_rebuild_hint(index_dir)}"
    )


def _building_error(index_dir: Path) -> SearchdeskError:
    if is_locked(index_dir):
        return IndexBuilding(
            f"the index at {display_path(str(index_dir))} is being built;"
            " try again when `searchdesk index` ends"
        )
    return IndexBuilding(
        f"the first build of the index at {display_path(str(index_dir))} was interrupted;"
        " run `searchdesk index` to complete it"
    )


def is_locked(index_dir: Path) -> bool:
    """Is a writer running on this index? (A shared, non-blocking probe of the lock.)"""
    try:
        fd = os.open(index_dir / LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


# -- writing -----------------------------------------------------------------


def prepare_folder(index_dir: Path) -> None:
    """Make ``index_dir`` safe to write an index into, before anything is written.

    A folder that searchdesk is about to create an index in (it holds no
    marker, only files such as the repository's README) has its group and
    world write bits removed when this user owns it (a clone made under
    umask 002 is group-writable); a folder of another user, a shared
    sticky folder such as /tmp, or one holding other files is refused.
    """
    real = index_dir.resolve()
    if not real.exists():
        with trust.private_umask():
            try:
                real.mkdir(parents=True, mode=0o755)
            except FileExistsError:
                pass
            except OSError as exc:
                raise IndexWriteError(
                    f"cannot create the index folder {display_path(str(index_dir))}: {exc.strerror}"
                ) from exc
    st = real.stat()
    if not stat.S_ISDIR(st.st_mode):
        raise NotAnIndex(f"{display_path(str(index_dir))} exists and is not a folder")
    where = display_path(str(index_dir))
    if st.st_uid != os.geteuid():
        raise NotAnIndex(
            f"refusing to write an index in {where}: it belongs to another user (uid {st.st_uid})"
        )
    if not trust.others_can_write(st):
        return
    fresh = not (real / MARKER).exists() and all(
        p.name in HARMLESS or p.name == LOCK for p in real.iterdir()
    )
    if st.st_mode & stat.S_ISVTX or not fresh:
        raise NotAnIndex(
            f"refusing to write an index in {where}: other users can write to it"
            f" (mode {stat.S_IMODE(st.st_mode):o}); use a folder of your own"
            f" or run `chmod go-w {where}`"
        )
    os.chmod(real, stat.S_IMODE(st.st_mode) & ~0o022)


def _foreign_files(index_dir: Path) -> list[str]:
    return sorted(
        p.name
        for p in index_dir.iterdir()
        if p.name not in HARMLESS and not _OURS.fullmatch(p.name)
    )


def sweep(index_dir: Path, keep: set[str]) -> None:
    """Remove searchdesk's own files that are not live: leftovers of failed or killed runs."""
    for p in index_dir.iterdir():
        if p.name in keep or p.name in (MARKER, LOCK) or not _OURS.fullmatch(p.name):
            continue
        with contextlib.suppress(OSError):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()


def _live_names(marker: Marker | None) -> set[str]:
    if marker is None or marker.state != READY:
        return set()
    names = {name for name, *_ in marker.files}
    names.add(f"{docmap.PREFIX}{marker.generation}-{marker.toc}.bin")
    return names


@dataclass
class Update:
    """One writer's session on an index folder (see :func:`begin_update`)."""

    index_dir: Path
    ix: SafeIndex
    """Where to write: the live generation, or a new one (first build, ``--rebuild``)."""
    previous: Marker | None
    """The live marker before this run (None for a first build)."""
    generation: str
    created: float
    roots: dict[str, str] = field(default_factory=dict)
    """Indexed folders (real path → label), as the marker will record them."""
    finished: bool = False

    @property
    def fresh(self) -> bool:
        """True when writing a new generation (first build or rebuild)."""
        return self.previous is None or self.previous.generation != self.generation

    def finish(self, changed: bool) -> None:
        """Make this run's commit live: docmap, then the marker, then sweep the rest."""
        toc = self.ix.latest_generation()
        if toc < 0:
            raise IndexDamaged(f"no commit was written in {display_path(str(self.index_dir))}")
        key = f"{self.generation}-{toc}"
        entries = _entries(self.index_dir, self.generation, toc)
        if changed or self.fresh or not (self.index_dir / f"{docmap.PREFIX}{key}.bin").exists():
            pinned = SafeIndex(self.index_dir, self.generation, toc, entries)
            with pinned.reader() as reader:
                docmap.save(self.index_dir, docmap.build(key, reader))
        marker = Marker(
            SCHEMA_VERSION,
            self.generation,
            self.created,
            time.time(),
            READY,
            toc,
            entries,
            tuple(sorted(self.roots.items())),
        )
        write_marker(self.index_dir, marker)
        self.finished = True
        sweep(self.index_dir, _live_names(marker))


def _entries(index_dir: Path, generation: str, toc: int) -> tuple[FileEntry, ...]:
    """The files of one commit: its TOC and the files of the segments it lists."""
    segments = _read_toc(FileStorage(str(index_dir)), generation, toc, make_schema()).segments
    prefixes = tuple(f"{s.segment_id()}." for s in segments)
    names = [f"_{generation}_{toc}.toc"]
    names += [p.name for p in index_dir.iterdir() if p.name.startswith(prefixes)]
    entries = []
    for name in sorted(names):
        st = os.lstat(index_dir / name)
        entries.append((name, st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(entries)


@contextlib.contextmanager
def begin_update(
    index_dir: Path,
    *,
    rebuild: bool = False,
    wait: bool = False,
    add_roots: Sequence[str] = (),
    forget: Sequence[str] = (),
) -> Iterator[Update]:
    """Lock the index and lend an :class:`Update`; nothing is live until ``finish()``.

    On any failure (exception, signal, full disk) the live marker and files
    stay as they were; the run's own files are swept now or, after ``kill
    -9``, by the next run.
    """
    prepare_folder(index_dir)
    with trust.private_umask(), writer_lock(index_dir, wait=wait):
        previous = _writable_marker(index_dir, rebuild)
        sweep(index_dir, _live_names(previous))
        live = previous if previous is not None and previous.state == READY else None
        roots = _roots(previous, add_roots, forget)
        update: Update | None = None
        try:
            if live is not None and not rebuild:
                ix = SafeIndex(index_dir, live.generation, None, live.files)
                update = Update(index_dir, ix, live, live.generation, live.created)
            else:
                number = 1 + (previous.number if previous is not None else 0)
                generation = f"g{number}"
                if live is None:
                    # The marker comes first: an interrupted first build is ours.
                    building = Marker(
                        SCHEMA_VERSION,
                        generation,
                        time.time(),
                        state=BUILDING,
                        roots=tuple(sorted(roots.items())),
                    )
                    write_marker(index_dir, building)
                FileIndex.create(FileStorage(str(index_dir)), make_schema(), generation)
                ix = SafeIndex(index_dir, generation, None)
                update = Update(index_dir, ix, live, generation, time.time())
            update.roots = roots
            yield update
        except OSError as exc:
            raise IndexWriteError(
                f"cannot write the index at {display_path(str(index_dir))}:"
                f" {exc.strerror or exc}; the previous index is unchanged"
            ) from exc
        finally:
            if update is None or not update.finished:
                with contextlib.suppress(OSError, SearchdeskError):
                    sweep(index_dir, _live_names(_current(index_dir)))


def _roots(previous: Marker | None, add: Sequence[str], forget: Sequence[str]) -> dict[str, str]:
    """The indexed folders after this run: the marker's, less ``forget``, plus ``add``."""
    roots = dict(previous.roots) if previous is not None else {}
    for real in forget:
        if real not in roots:
            known = ", ".join(display_path(r) for r in sorted(roots)) or "none"
            raise UsageError(f"not an indexed folder: {display_path(real)} (indexed: {known})")
        del roots[real]
    for real in add:
        if real not in roots:
            roots[real] = label_for(roots, real)
    return roots


def _current(index_dir: Path) -> Marker | None:
    try:
        return read_marker(index_dir, check_version=False)
    except (SearchdeskError, OSError):
        return None


def _writable_marker(index_dir: Path, rebuild: bool) -> Marker | None:
    """The marker a writer builds on; None for a new folder.

    Without ``--rebuild`` a marker that is damaged, foreign or of another
    version is an error. With it, any folder holding only searchdesk's own
    files is recovered: nothing in it is opened, it is swept and rebuilt.
    """
    try:
        marker = read_marker(index_dir, check_version=not rebuild)
    except (IndexNotFound, IndexDamaged, NotAnIndex) as exc:
        foreign = _foreign_files(index_dir)
        if foreign:
            raise NotAnIndex(
                f"refusing to write an index in {display_path(str(index_dir))}: the folder"
                f" holds other files ({foreign[0]}…); choose an empty folder with --index"
            ) from exc
        if isinstance(exc, IndexNotFound):
            return None
        if (index_dir / MARKER).exists() and not rebuild:
            raise
        # Leftovers of an older version's interrupted build, or --rebuild: start over.
        sweep(index_dir, set())
        return None
    foreign = _foreign_files(index_dir)
    if foreign:
        raise NotAnIndex(
            f"refusing to update {display_path(str(index_dir))}: the folder holds files"
            f" searchdesk did not write ({foreign[0]}…)"
        )
    if marker.state == READY:
        try:
            _verify_files(index_dir, marker)
        except _FilesChanged:
            if not rebuild:
                raise NotAnIndex(
                    f"refusing to update {display_path(str(index_dir))}: its files were"
                    f" changed outside searchdesk; {_rebuild_hint(index_dir)}"
                ) from None
            sweep(index_dir, set())
            return None
    return marker


@contextlib.contextmanager
def writer_lock(index_dir: Path, wait: bool = False) -> Iterator[None]:
    """Hold the index's write lock; say who holds it when it is taken.

    The lock is an ``flock`` on ``searchdesk.lock``: the kernel releases it
    when its process dies, so a lock left by a killed run is never stale.
    """
    path = index_dir / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise IndexWriteError(
            f"cannot write the index at {display_path(str(index_dir))}: {exc.strerror}"
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise IndexLocked(
                f"another process (pid {holder}) is updating the index at"
                f" {display_path(str(index_dir))}; try again later or pass --wait"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        # Forked writer processes must not keep the lock alive after we die.
        import multiprocessing.util  # (the writer's alone: readers need not load it)

        handle = _LockHandle(fd)
        multiprocessing.util.register_after_fork(handle, _in_forked_child)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
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
    """Bytes of one generation's files (``g1`` is not ``g10``) and its docmaps."""
    own = re.compile(
        rf"(_{generation}_\d+\.toc|{generation}_\w+\.\w+|docmap-{generation}-\d+\.bin)"
    )
    total = 0
    for p in index_dir.iterdir():
        if own.fullmatch(p.name):
            with contextlib.suppress(OSError):
                total += p.stat().st_size
    return total


def label_for(roots: dict[str, str], real: str) -> str:
    """A label for a new indexed folder, unique among ``roots``: its name, or more
    of its path when another folder has the same name (``c1/notes``, ``c2/notes``)."""
    parts = [p for p in real.split("/") if p] or ["/"]
    taken = set(roots.values())
    for n in range(1, len(parts) + 1):
        label = "/".join(parts[-n:])
        if label not in taken:
            return label
    return real


def keep_old_files(writer: Any) -> Any:
    """Stop Whoosh from deleting the previous commit's files when ``writer`` commits.

    Whoosh removes files its new TOC no longer lists right after writing it;
    readers pinned to the live marker still need them until the marker
    switches, after which :func:`sweep` removes them.
    """
    from whoosh.index import TOC

    def commit_toc(segments: Sequence[Any]) -> None:
        TOC(writer.schema, segments, writer.generation).write(writer.storage, writer.indexname)

    writer._commit_toc = commit_toc
    return writer
