"""Errors the engine raises; each front end turns them into one line and an exit code."""

from __future__ import annotations


class SearchdeskError(Exception):
    """Base class: a user-facing failure with a one-line message."""

    exit_code = 2


class IndexNotFound(SearchdeskError):
    """No index at the resolved location."""


class IndexIncompatible(SearchdeskError):
    """The index was written by an incompatible schema version."""


class IndexDamaged(SearchdeskError):
    """The index cannot be read (truncated or missing files)."""


class NotAnIndex(SearchdeskError):
    """The folder was not created by searchdesk, or is unsafe to open."""


class IndexWriteError(SearchdeskError):
    """The index cannot be written (read-only folder, disk full…)."""


class IndexBuilding(SearchdeskError):
    """The index's first build is under way, or was interrupted."""


class IndexCancelled(SearchdeskError):
    """The caller asked an indexing run to stop; nothing was committed."""


class IndexLocked(SearchdeskError):
    """Another process is updating the index."""


class QuerySyntaxError(SearchdeskError):
    """The query cannot be parsed."""


class UnknownSource(SearchdeskError):
    """A --source or source: names nothing in the index."""


class UsageError(SearchdeskError):
    """Bad arguments (missing folder, unknown source…)."""
