"""searchdesk: offline full-text search for folders of French documents.

The engine (this package minus ``cli``, ``render`` and ``tui``) imports no
Textual, Rich or CLI code. Library use::

    from pathlib import Path
    from searchdesk import build_index, search

    build_index(["seeds"], Path("index"))
    result = search(Path("index"), "article 5")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["SearchIndex", "__version__", "build_index", "search"]

if TYPE_CHECKING:
    from .indexer import build_index
    from .searcher import SearchIndex, search


def __getattr__(name: str) -> Any:
    # Lazy re-exports: `import searchdesk` stays cheap for the CLI.
    if name == "build_index":
        from .indexer import build_index

        return build_index
    if name in ("search", "SearchIndex"):
        from . import searcher

        return getattr(searcher, name)
    raise AttributeError(name)
