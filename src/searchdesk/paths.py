"""Where the index lives: ``--index``, then ``$SEARCHDESK_INDEX``, then ``./index``."""

from __future__ import annotations

import os
from pathlib import Path

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


def display_path(path: str) -> str:
    """A path safe to print: undecodable bytes of a file name shown as ``\\xNN``."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
