"""Where the index lives, and how names are shown.

The index is, in order: ``--index``, ``$SEARCHDESK_INDEX``, the nearest
``index/`` folder holding a ``searchdesk.json`` marker (owned by this user)
in the current folder or one of its parents (as git finds ``.git``), else
``./index`` (where a first ``searchdesk index`` creates it).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from .sanitize import escape

ENV_VAR = "SEARCHDESK_INDEX"
DEFAULT_DIR = "index"
MARKER_NAME = "searchdesk.json"
"""The marker file name (``store.MARKER``; repeated here so paths imports no engine)."""


@dataclass(frozen=True, slots=True)
class IndexChoice:
    """The index folder to use and why."""

    path: Path
    """Absolute path of the index folder."""
    reason: str
    """How it was chosen: ``--index``, ``$SEARCHDESK_INDEX``, ``found`` or ``default``."""


def choose_index(
    explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None
) -> IndexChoice:
    """The index folder to use (absolute), and how it was chosen."""
    if explicit:
        return IndexChoice(Path(explicit).expanduser().absolute(), "--index")
    env = os.environ.get(ENV_VAR)
    if env:
        return IndexChoice(Path(env).expanduser().absolute(), "$" + ENV_VAR)
    start = (cwd or Path.cwd()).absolute()
    found = find_index(start)
    if found is not None:
        return IndexChoice(found, "found")
    return IndexChoice(start / DEFAULT_DIR, "default")


def find_index(start: Path) -> Path | None:
    """The nearest ``index/`` holding a marker of this user in ``start`` or its parents."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    for folder in (start, *start.parents):
        marker = folder / DEFAULT_DIR / MARKER_NAME
        try:
            st = marker.lstat()
        except OSError:
            continue
        # Another user's index is not ours to open (the store would refuse it):
        # keep looking, as if it were not there.
        if uid is None or st.st_uid == uid:
            return folder / DEFAULT_DIR
    return None


def resolve_index(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The index folder to use, absolute (see :func:`choose_index`)."""
    return choose_index(explicit).path


def display_path(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    r"""A path or file name safe to print on one line, for people, never a key.

    Undecodable bytes are shown as ``\xNN`` (bytes that form UTF-8 after all,
    as under an ASCII locale, are shown as their characters); newlines, tabs,
    ESC, other controls and bidi overrides as ``\n``, ``\t``, ``\x1b``,
    ``\u202e`` (see :func:`searchdesk.sanitize.escape`). Two names may share a
    display form: identify files by their real path, not by this.
    """
    text = os.fsdecode(path)
    # A surrogate not from surrogateescape cannot go back to bytes: escape() shows it.
    with contextlib.suppress(UnicodeEncodeError):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return escape(text)
