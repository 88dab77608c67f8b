"""The Whoosh schema of a searchdesk index.

Two kinds of documents share it: *chunks* (fields without prefix: one per
paragraph) and *file records* (``file_*`` fields: one per indexed document,
used for incremental updates). A query on ``body`` or ``source`` can only
match chunks, since file records have neither field.
"""

from __future__ import annotations

from whoosh.fields import ID, STORED, TEXT, Schema

from .analysis import french_analyzer

#: Bump when the schema or the analysis changes; older indexes must be rebuilt.
SCHEMA_VERSION = 1


def make_schema() -> Schema:
    return Schema(
        body=TEXT(
            analyzer=french_analyzer(),
            stored=True,
            phrase=True,
            multitoken_query="phrase",
            spelling=True,
        ),
        source=ID(stored=True, sortable=True),
        path=ID(stored=True, sortable=True),
        digest=ID(stored=True, sortable=True),
        line=STORED(),
        ordinal=STORED(),
        heading=STORED(),
        is_heading=STORED(),
        file_path=ID(stored=True, unique=True),
        file_root=ID(stored=True),
        file_meta=STORED(),
    )
