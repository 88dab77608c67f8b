"""The Whoosh schema of a searchdesk index.

Two kinds of documents share it: *chunks* (fields without prefix: one per
paragraph, its text indexed twice: ``body`` for stems, ``exact`` for the
words as written) and *file records* (``file_*`` fields: one per indexed document,
used for incremental updates). A query on ``body`` or ``source`` can only
match chunks, since file records have neither field.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pickle import dumps
from typing import Any

from whoosh.columns import FixedBytesColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.system import pack_uint

from .analysis import exact_analyzer, french_analyzer, index_terms
from .models import Chunk

#: Distinct paragraph texts whose analysis is remembered while indexing.
MEMO_SIZE = 20_000

Posting = tuple[bytes, int, float, bytes]


#: Field names.
BODY = "body"
EXACT = "exact"
#: The stems of the heading a paragraph is under (not of heading chunks):
#: searched, with a small weight, to lift the paragraphs of a section whose
#: heading holds the query's words (:data:`searchdesk.searcher.HEADING_LIFT`).
HEADING = "heading"

#: Weight of a heading chunk's words (``body``, ``exact``) relative to a
#: paragraph's: a bare heading or title ranks below the paragraphs that
#: discuss its words (the ranking bonus of exact forms is not weighted).
HEADING_CHUNK_WEIGHT = 0.5

#: paragraph text → (body positions, exact positions), shared by both fields
#: of one process: the paragraph is tokenised once for the two.
_MEMO: dict[str, tuple[dict[str, list[int]], dict[str, list[int]]]] = {}
#: A position list of one position (most terms of a paragraph) → its encoding.
_ONE_POSITION = [pack_uint(1) + dumps([pos], 2) for pos in range(4096)]


def _analyse(value: str) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Both fields' term positions from one pass over the paragraph.

    :func:`searchdesk.analysis.index_terms` gives what one pass of the
    ``body`` analyzer gives, stop words kept for ``exact`` (the equivalence
    is tested in ``tests/unit/test_analysis_fastpath.py``). The accented twin
    of a stem and the parts of a dotted name share their word's position,
    and are one word of ``exact`` each.
    """
    entry = _MEMO.get(value)
    if entry is not None:
        return entry
    entry = index_terms(value)
    if len(_MEMO) >= MEMO_SIZE:
        _MEMO.clear()
    _MEMO[value] = entry
    return entry


def encode_positions(poses: list[int]) -> bytes:
    """What ``whoosh.formats.Positions.encode`` gives: a count, then the
    pickled (protocol 2) list of deltas."""
    if len(poses) == 1 and poses[0] < len(_ONE_POSITION):
        return _ONE_POSITION[poses[0]]
    deltas = [poses[0]]
    deltas.extend([b - a for a, b in pairwise(poses)])
    return pack_uint(len(deltas)) + dumps(deltas, 2)


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
        if type(self.format) is not Positions:
            encode = self.format.encode
            return iter(
                [
                    (term.encode("utf-8"), len(poses), len(poses) * boost, encode(poses))
                    for term, poses in positions.items()
                ]
            )
        # Most terms are once in a paragraph: their encoding is looked up.
        one = _ONE_POSITION
        many = len(one)
        return iter(
            [
                (term.encode("utf-8"), 1, boost, one[poses[0]])
                if len(poses) == 1 and poses[0] < many
                else (term.encode("utf-8"), len(poses), len(poses) * boost, encode_positions(poses))
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


class Identifier(ID):
    """Whoosh's ``ID`` (the whole value is one term, not lowercased), indexed
    without its token machinery: the same posting, without an analyzer
    pass, a token object and a set per value (8% of an index run)."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[Posting]:
        if type(value) is str:
            return iter([(value.encode("utf-8"), 1, self.format.field_boost, b"")])
        return super().index(value, **kwargs)


class HeadingText(FrenchText):
    """``heading``: the stems of a paragraph's heading, frequencies only (no positions)."""

    which = 0

    def index(self, value: Any, **kwargs: Any) -> Iterator[Posting]:
        positions = _analyse(value)[0]
        boost = self.format.field_boost
        return iter(
            [
                (term.encode("utf-8"), len(poses), len(poses) * boost, pack_uint(len(poses)))
                for term, poses in positions.items()
            ]
        )


#: Bump when the schema or the analysis changes; older indexes must be rebuilt.
SCHEMA_VERSION = 8


def chunk_fields(chunk: Chunk) -> dict[str, Any]:
    """The Whoosh fields of one chunk.

    Whoosh pickles each document's stored fields as a dict, keys included:
    only the text and one small tuple (``pos``: line, ordinal, heading,
    is_heading, page) are stored. Source, path and
    digest are indexed or in a column, and read back from the docmap.

    A paragraph's heading is indexed in ``heading``; a heading chunk's words
    weigh :data:`HEADING_CHUNK_WEIGHT` (Whoosh's document boost).
    """
    fields: dict[str, Any] = {
        "body": chunk.text,
        "exact": chunk.text,
        "source": chunk.source,
        "path": chunk.path,
        "digest": bytes.fromhex(chunk.digest),
        "pos": (chunk.line, chunk.ordinal, chunk.heading, chunk.is_heading, chunk.page),
    }
    if chunk.is_heading:
        fields["_boost"] = HEADING_CHUNK_WEIGHT
    elif chunk.heading:
        fields[HEADING] = chunk.heading
    return fields


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
        heading=HeadingText(analyzer=french_analyzer(), phrase=False),
        source=Identifier(),
        path=Identifier(),
        digest=COLUMN(FixedBytesColumn(8, default=bytes(8))),
        pos=STORED(),
        file_path=Identifier(stored=True, unique=True),
        file_root=Identifier(stored=True),
        file_meta=STORED(),
    )
