"""The Whoosh schema of a searchdesk index.

Two kinds of documents share it: *chunks* (fields without prefix: one per
paragraph, its text indexed twice: ``body`` for stems, ``exact`` for the
words as written) and *file records* (``file_*`` fields: one per indexed document,
used for incremental updates). A query on ``body`` or ``source`` can only
match chunks, since file records have neither field.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from whoosh.columns import FixedBytesColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema

from .analysis import exact_analyzer, french_analyzer
from .models import Chunk

#: Distinct paragraph texts whose analysis is remembered while indexing.
MEMO_SIZE = 20_000

Posting = tuple[bytes, int, float, bytes]


#: Field names.
BODY = "body"
EXACT = "exact"

#: paragraph text → (body positions, exact positions), shared by both fields
#: of one process: the paragraph is tokenised once for the two.
_ANALYZER = french_analyzer()
_MEMO: dict[str, tuple[dict[str, list[int]], dict[str, list[int]]]] = {}


def _analyse(value: str) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Both fields' term positions from one pass of the ``body`` analyzer.

    Stop words are kept (marked ``stopped``) for ``exact``; each token
    carries its folded, unstemmed form in ``exact``. The accented twin of a
    stem and the parts of a dotted name share their token's position, and
    are one word of ``exact`` each.
    """
    entry = _MEMO.get(value)
    if entry is not None:
        return entry
    body: dict[str, list[int]] = defaultdict(list)
    exact: dict[str, list[int]] = defaultdict(list)
    last: tuple[int, str] | None = None
    for t in _ANALYZER(value, positions=True, mode="index", removestops=False):
        if not t.stopped:
            body[t.text].append(t.pos)
        key = (t.place, t.exact)
        if key != last:  # an accented twin repeats its token's exact form
            exact[t.exact].append(t.place)
            last = key
    if len(_MEMO) >= MEMO_SIZE:
        _MEMO.clear()
    entry = _MEMO[value] = (body, exact)
    return entry


class FrenchText(TEXT):
    """``body``: the stems of a paragraph, from the pass that also feeds ``exact``.

    Each paragraph is analysed once for both fields (:func:`_analyse`), and
    repeated paragraphs (translator notes, licences, copied articles) never
    again while the memo holds them.
    """

    which = 0

    def index(self, value: Any, **kwargs: Any) -> Iterator[Posting]:
        positions = _analyse(value)[self.which]
        boost = self.format.field_boost
        return iter(
            [
                (term.encode("utf-8"), len(poses), len(poses) * boost, self.format.encode(poses))
                for term, poses in positions.items()
            ]
        )


class ExactText(FrenchText):
    """``exact``: words as written (folded, unstemmed, stop words kept).

    Indexes from the ``body`` analyzer's pass (its analyzer is only used to
    parse quoted queries and to highlight). ``spelling=True`` gives it a
    word graph, for "did you mean" and fuzzy words, without extra postings.
    """

    which = 1


#: Bump when the schema or the analysis changes; older indexes must be rebuilt.
SCHEMA_VERSION = 7


def chunk_fields(chunk: Chunk) -> dict[str, Any]:
    """The Whoosh fields of one chunk.

    Whoosh pickles each document's stored fields as a dict, keys included:
    only the text and one small tuple (``pos``: line, ordinal, heading,
    is_heading, page) are stored. Source, path and
    digest are indexed or in a column, and read back from the docmap.
    """
    return {
        "body": chunk.text,
        "exact": chunk.text,
        "source": chunk.source,
        "path": chunk.path,
        "digest": bytes.fromhex(chunk.digest),
        "pos": (chunk.line, chunk.ordinal, chunk.heading, chunk.is_heading, chunk.page),
    }


def stored_chunk(fields: dict[str, Any], source: str, path: str, digest: int) -> Chunk:
    """Rebuild a chunk from its stored fields and what the docmap knows of it."""
    line, ordinal, heading, is_heading, page = fields["pos"]
    return Chunk(
        source, path, line, ordinal, heading, fields["body"], f"{digest:016x}", is_heading, page
    )


def file_records(searcher: Any) -> Iterator[dict[str, Any]]:
    """The stored fields of every file record (one per indexed document)."""
    for root in searcher.reader().lexicon("file_root"):
        yield from searcher.documents(file_root=root.decode("utf-8"))


def make_schema() -> Schema:
    return Schema(
        body=FrenchText(
            analyzer=french_analyzer(),
            stored=True,
            phrase=True,
            multitoken_query="phrase",
        ),
        exact=ExactText(
            analyzer=exact_analyzer(),
            phrase=True,
            multitoken_query="phrase",
            spelling=True,
        ),
        source=ID(),
        path=ID(),
        digest=COLUMN(FixedBytesColumn(8, default=bytes(8))),
        pos=STORED(),
        file_path=ID(stored=True, unique=True),
        file_root=ID(stored=True),
        file_meta=STORED(),
    )
