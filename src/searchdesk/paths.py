"""Where the index lives: ``--index``, then ``$SEARCHDESK_INDEX``, then ``./index``."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .sanitize import escape

ENV_VAR = "SEARCHDESK_INDEX"
DEFAULT_DIR = "index"


def resolve_index(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The index folder to use, absolute."""
    if explicit:
        return Path(explicit).expanduser().absolute()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser().absolute()
    return Path.cwd() / DEFAULT_DIR


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
