"""The Whoosh schema of a searchdesk index.

Two kinds of documents share it: *chunks* (fields without prefix: one per
paragraph) and *file records* (``file_*`` fields: one per indexed document,
used for incremental updates). A query on ``body`` or ``source`` can only
match chunks, since file records have neither field.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from whoosh.columns import FixedBytesColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema

from .analysis import french_analyzer
from .models import Chunk

#: Distinct paragraph texts whose analysis is remembered while indexing.
MEMO_SIZE = 20_000

Posting = tuple[bytes, int, float, bytes]


class FrenchText(TEXT):
    """``TEXT`` that analyses each paragraph once, and each repeated one never again.

    Whoosh's ``TEXT(spelling=True)`` runs the analyzer twice per value (once
    for postings, once unstemmed for the spelling words); this field gets both
    from one pass, and remembers the result for paragraphs that repeat
    (translator notes, licences, copied articles).
    """

    def index(self, value: Any, **kwargs: Any) -> Iterator[Posting]:
        memo: dict[str, tuple[list[Posting], list[str]]] = self.__dict__.setdefault("_memo", {})
        entry = memo.get(value)
        if entry is None:
            entry = self._analyse(value)
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            memo[value] = entry
        self.__dict__["_last"] = (value, entry[1])
        return iter(entry[0])

    def spellable_words(self, value: Any) -> Iterator[str]:
        """Words of ``value`` not yet given to this writer's spelling field.

        Whoosh adds one spelling posting per word *per document*, all for
        document 0: as many postings as the body has. A word needs to be in
        a segment's word list once. Whoosh unpickles a fresh schema for
        every writer, so this field object, and what it has seen, lives as
        long as one writer.
        """
        last = self.__dict__.get("_last")
        words = last[1] if last is not None and last[0] is value else super().spellable_words(value)
        seen: set[str] = self.__dict__.setdefault("_spelled", set())
        fresh = [w for w in words if w not in seen]
        seen.update(fresh)
        return iter(fresh)

    def _analyse(self, value: str) -> tuple[list[Posting], list[str]]:
        positions: dict[str, list[int]] = defaultdict(list)
        words: set[str] = set()
        for t in self.analyzer(value, positions=True, mode="index"):
            positions[t.text].append(t.pos)
            words.add(getattr(t, "unstemmed", t.text))
        boost = self.format.field_boost
        postings = [
            (term.encode("utf-8"), len(poses), len(poses) * boost, self.format.encode(poses))
            for term, poses in positions.items()
        ]
        return postings, sorted(words)

    def __getstate__(self) -> dict[str, Any]:
        # The schema is pickled into the index: leave the memo out.
        state = dict(self.__dict__)
        state.pop("_memo", None)
        state.pop("_last", None)
        state.pop("_spelled", None)
        return state


#: Bump when the schema or the analysis changes; older indexes must be rebuilt.
SCHEMA_VERSION = 6


def chunk_fields(chunk: Chunk) -> dict[str, Any]:
    """The Whoosh fields of one chunk.

    Whoosh pickles each document's stored fields as a dict, keys included:
    only the text and one small tuple (``pos``: line, ordinal, heading,
    is_heading, page) are stored. Source, path and
    digest are indexed or in a column, and read back from the docmap.
    """
    return {
        "body": chunk.text,
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
