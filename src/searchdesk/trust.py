"""Who may have written a file: ownership and mode checks, and this user's signing key.

Whoosh stores pickles in its index files, and unpickling runs code. searchdesk
therefore opens an index only when (1) the folder and every file it reads are
owned by the current user and writable by nobody else, and (2) the index's
marker carries an HMAC made with a secret key only this user can read. An
index owned by someone else, copied or downloaded from elsewhere, or with
files swapped behind searchdesk's back fails one of these before a byte of it
is unpickled. (Jupyter signs trusted notebooks with a per-user secret the
same way; OpenSSH applies the same ownership policy to ``~/.ssh``.)
"""

from __future__ import annotations

import contextlib
import grp
import hashlib
import hmac
import os
import pwd
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from .errors import NotAnIndex, SearchdeskError

KEY_NAME = "secret"


class KeyUnavailable(SearchdeskError):
    """This user's signing key cannot be read or created."""


def key_path() -> Path:
    """``$XDG_DATA_HOME/searchdesk/secret`` (default ``~/.local/share/searchdesk/secret``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local/share")
    return Path(base) / "searchdesk" / KEY_NAME


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeyUnavailable(f"cannot read searchdesk's key {path}: {exc.strerror}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
            raise KeyUnavailable(
                f"searchdesk's key {path} is not private to you (owner and mode 600 expected);"
                " delete it and rebuild your indexes"
            )
        data = os.read(fd, 256).strip()
    finally:
        os.close(fd)
    return bytes.fromhex(data.decode("ascii", "replace")) if len(data) >= 64 else None


def load_key(create: bool) -> bytes | None:
    """This user's signing key; created (mode 600) when ``create`` and missing."""
    path = key_path()
    key = _read_key(path)
    if key is not None or not create:
        return key
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return _read_key(path)  # another process created it meanwhile
    except OSError as exc:
        raise KeyUnavailable(
            f"cannot create searchdesk's key {path}: {exc.strerror}"
            " (set XDG_DATA_HOME to a folder of yours)"
        ) from exc
    key = secrets.token_bytes(32)
    try:
        os.write(fd, key.hex().encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def sign(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def verify(key: bytes, payload: bytes, mac: str) -> bool:
    return hmac.compare_digest(sign(key, payload), mac)


def _private_group(gid: int, uid: int) -> bool:
    """A user-private group: named after its only user, who is nobody else's.

    Debian and Fedora give each user such a group and a umask of 002; a
    folder writable by it is writable by its owner alone.
    """
    try:
        group = grp.getgrgid(gid)
        user = pwd.getpwuid(uid)
    except KeyError:
        return False
    if group.gr_name != user.pw_name or user.pw_gid != gid:
        return False
    if any(member != user.pw_name for member in group.gr_mem):
        return False
    return not any(p.pw_gid == gid and p.pw_uid != uid for p in pwd.getpwall())


def others_can_write(st: os.stat_result) -> bool:
    """True when someone other than the owner may write (see :func:`_private_group`)."""
    if st.st_mode & stat.S_IWOTH:
        return True
    return bool(st.st_mode & stat.S_IWGRP) and not _private_group(st.st_gid, st.st_uid)


def check_owned(path: Path, st: os.stat_result, what: str) -> None:
    """Refuse ``path`` unless this user owns it and nobody else may write it."""
    if st.st_uid != os.geteuid():
        raise NotAnIndex(
            f"refusing to open {what} {path}: it belongs to another user (uid {st.st_uid});"
            " searchdesk opens only indexes it built for you"
        )
    if others_can_write(st):
        raise NotAnIndex(
            f"refusing to open {what} {path}: other users can write to it"
            f" (mode {stat.S_IMODE(st.st_mode):o}); run `chmod go-w {path}`"
        )


def check_regular_owned(path: Path, what: str) -> os.stat_result:
    """``lstat`` a file that is about to be read: regular, owned, private to write."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise NotAnIndex(f"cannot read {what} {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise NotAnIndex(f"refusing to open {what} {path}: not a regular file")
    check_owned(path, st, what)
    return st


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Write files no one else may change, whatever the user's umask (002 is common)."""
    old = os.umask(0o022)
    os.umask(old | 0o022)
    try:
        yield
    finally:
        os.umask(old)
