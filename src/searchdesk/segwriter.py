"""The segment writer: Whoosh's W3 segment, byte for byte, with less Python per posting.

Whoosh's ``SegmentWriter`` handles every posting several times in Python:
it pools each one as a tuple, sorts them all, then ``add_postings`` hands
them one by one to the codec, which reads the document's field length,
type-checks and buffers each posting before a block of 128 is pickled and
compressed. Here:

* the pool keeps postings by term (:class:`_TermPool`), so only terms are
  sorted, its ``add`` is inlined into ``add_document``, and a full pool
  spills and merges a term at a time, not a posting at a time;
* each field's length column is read once (:class:`_Lengths`);
* a term's postings are cut into blocks of 128 as lists, and each term's
  bytes (Whoosh's block header, stats and pickled, compressed data) are
  built in one pass and written with one call (:func:`write_postings`).

The equivalence is tested in ``tests/unit/test_writer_equivalence.py``: both
writers index the same documents, and every file of the two segments is
compared byte for byte. When the pool spills runs to disk, the segment's
content is the same (terms, postings, lengths, stored fields) but not every
byte: a block's pickle refers back to a value object it already wrote, and
values read back from a run are new objects (Whoosh's writer, too, writes
other bytes once it spills).
"""

from __future__ import annotations

import heapq
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import chain, groupby, pairwise
from operator import itemgetter
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import (
    COMPRESSION_MIN_SIZE,
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3FieldWriter,
    W3PerDocWriter,
    W3TermInfo,
    _lenfield,
)
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.text import utf8encode
from whoosh.writing import PostingPool, SegmentWriter

#: A posting as Whoosh's pool holds it: (field, term, docnum, weight, value).
Posting = tuple[str, bytes, int, float, Any]
#: A posting under its field and term: (docnum, weight, value).
Entry = tuple[int, float, Any]
#: A term's postings: (field, term, [(docnum, weight, value), ...]).
TermPostings = tuple[str, bytes, list[Entry]]


class _Lengths:
    """The per-document reader Whoosh's ``FieldWriter.add_postings`` reads
    lengths from, with each field's length column read once, in order.

    Whoosh asks the column for every posting (a seek and a one-byte read
    each: 12% of an in-process index); here each field's column is read
    once into a list. Same values: the column reader's own ``__getitem__``,
    with what ``doc_field_length_reader`` makes of a zero byte (``None``).
    """

    def __init__(self, reader: Any) -> None:
        self._reader = reader

    def doc_field_length_reader(self, fieldname: str, default: int = 0) -> Any:
        column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return lambda docnum, _default=default: _default
        table = [byte_to_length(b) if b else None for b in range(256)]
        lengths = [table[b] for b in column]
        return lengths.__getitem__


class _TermPool(PostingPool):
    """Whoosh's ``PostingPool`` holding its postings by field and term, not in one list.

    Whoosh sorts every posting tuple (field, term, docnum, weight, value) of
    a segment (a tenth of an in-process index), and when the pool is full it
    spills a sorted run of them to disk, one pickle per posting, to merge
    the runs posting by posting at the end (which doubled the CPU time of a
    segment that spills). Here each term keeps a list of (docnum, weight,
    value) and only fields and terms are sorted; a run holds one pickle per
    term, and the runs are merged term by term: a term's lists are joined
    in the order the runs were written. Documents come in order, so the
    result is in order (checked: a list joined out of order is sorted, as is
    a term whose postings came out of order), exactly ``sorted()``'s.
    """

    runs: list[str]

    #: Runs merged at once at the end (open files); more are merged in groups first.
    MERGE_AT_ONCE = 64

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.terms: dict[str, defaultdict[bytes, list[Entry]]] = {}
        """field → term → its (docnum, weight, value), in the order they came."""
        self.unsorted: set[tuple[str, bytes]] = set()

    def add(self, item: Posting) -> None:
        fieldname, btext, docnum, weight, value = item
        self.fieldnames.add(fieldname)
        self.currentsize += 150 + len(fieldname) + len(btext) * 2 + len(value or "")
        if self.currentsize > self.limit:
            self.save()
        fterms = self.terms.get(fieldname)
        if fterms is None:
            fterms = self.terms[fieldname] = defaultdict(list)
        entry = (docnum, weight, value)
        postings = fterms[btext]
        if postings and postings[-1] >= entry:
            self.unsorted.add((fieldname, btext))
        postings.append(entry)

    def _in_memory(self) -> Iterator[TermPostings]:
        """The pooled terms in sorted order; the pool is left empty."""
        terms, unsorted = self.terms, self.unsorted
        self.terms, self.unsorted = {}, set()
        for fieldname in sorted(terms):
            fterms = terms.pop(fieldname)
            for btext in sorted(fterms):
                postings = fterms[btext]
                if unsorted and (fieldname, btext) in unsorted:
                    postings.sort()
                yield fieldname, btext, postings

    def by_term(self) -> Iterator[TermPostings]:
        """Every term with its postings, in sorted order, from memory and runs."""
        if not self.runs:
            yield from self._in_memory()
            return
        self.save()
        runs, self.runs = self.runs, []
        while len(runs) > self.MERGE_AT_ONCE:
            path, f = self._new_run()
            self._write_run(f, self._merge(runs[: self.MERGE_AT_ONCE]))
            runs[: self.MERGE_AT_ONCE] = [path]
        yield from self._merge(runs)

    def _merge(self, runs: list[str]) -> Iterator[TermPostings]:
        """The runs' terms in sorted order, each term's lists joined in run order."""
        # heapq.merge is stable: a term's lists come in the order of the runs.
        merged = heapq.merge(*[self._read_run(path) for path in runs], key=_term_key)
        for (fieldname, btext), group in groupby(merged, _term_key):
            parts = [item[2] for item in group]
            if len(parts) == 1:
                yield fieldname, btext, parts[0]
                continue
            postings = list(chain.from_iterable(parts))
            if any(a[-1] >= b[0] for a, b in pairwise(parts)):
                postings.sort()
            yield fieldname, btext, postings

    def save(self) -> None:
        if self.terms:
            path, f = self._new_run()
            self._write_run(f, self._in_memory())
            self._add_run(path)
        self.currentsize = 0

    def items(self, maxfiles: int = 128) -> Iterator[Posting]:
        """Whoosh's interface: every posting tuple, in sorted order."""
        for fieldname, btext, postings in self.by_term():
            for docnum, weight, value in postings:
                yield fieldname, btext, docnum, weight, value


_term_key = itemgetter(0, 1)


class _Field:
    """What ``add_document`` asks of a field, asked once per writer."""

    def __init__(self, schema: Any, name: str) -> None:
        field = schema[name]
        self.field = field
        self.indexed: bool = bool(field.indexed)
        self.scorable: bool = bool(field.scorable)
        self.spelling: bool = bool(field.separate_spelling())
        self.vector: Any = field.vector
        self.stored: bool = bool(field.stored)
        self.column: Any = field.column_type
        self.lenfield = _lenfield(name)
        self.base = 150 + len(name)
        """The pool's estimated size of a posting of this field, before its term and value."""


class FastSegmentWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter``, the same segment with less work per posting.

    * ``add_document`` is Whoosh's, with ``PostingPool.add`` and the
      per-document writer's ``add_field`` inlined (same size accounting, so
      runs spill at the same postings; its type asserts left out: every
      field of the schema gives bytes), and what it asks of each field
      asked once;
    * the segment's postings are written a block at a time
      (:func:`write_postings`), given :class:`_Lengths`.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        limitmb = kwargs.get("limitmb", 128)
        self.pool = _TermPool(self._tempstorage, self.newsegment, limitmb=limitmb)
        self._fields: dict[str, _Field] = {}

    def _field(self, name: str) -> _Field:
        plan = self._fields.get(name)
        if plan is None:
            plan = self._fields[name] = _Field(self.schema, name)
        return plan

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        perdocwriter = self.perdocwriter
        w3 = type(perdocwriter) is W3PerDocWriter
        docnum = self.docnum
        pool = self.pool
        limit = pool.limit

        docboost = self._doc_boost(fields)
        fieldnames = [name for name in fields if name[0] != "_"]
        fieldnames.sort()
        # Keyword arguments that start with "_": a boost, a custom stored value.
        special = len(fields) - len(fieldnames) > ("_boost" in fields)
        self._check_fields(self.schema, fieldnames)

        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                plan = self._field(fieldname)
                field = plan.field

                length = 0
                if plan.indexed:
                    fieldboost = (
                        self._field_boost(fields, fieldname, docboost) if special else docboost
                    )
                    # _TermPool.add, per document: the pool's estimated size
                    # of each posting (PostingPool's), then the term's list.
                    # This document's number is above every number in the
                    # pool: in order. Runs spill between documents (where a
                    # run ends changes no byte of the segment).
                    fterms = pool.terms.get(fieldname)
                    if fterms is None:
                        fterms = pool.terms[fieldname] = defaultdict(list)
                    size = 0
                    count = 0
                    for tbytes, freq, weight, vbytes in field.index(value):
                        length += freq
                        size += 2 * len(tbytes) + (len(vbytes) if vbytes else 0)
                        fterms[tbytes].append((docnum, weight * fieldboost, vbytes))
                        count += 1
                    if count:
                        pool.fieldnames.add(fieldname)
                        pool.currentsize += count * plan.base + size
                        if pool.currentsize > limit:
                            pool.save()
                    if not plan.scorable:
                        length = 0

                if plan.spelling:
                    spellfield = field.spelling_fieldname(fieldname)
                    for word in field.spellable_words(value):
                        pool.add((spellfield, utf8encode(word)[0], 0, 1, vbytes))

                if plan.vector:
                    vitems = plan.vector.word_values(value, field.analyzer, mode="index")
                    vitems = sorted((text, weight, vb) for text, _, weight, vb in vitems)
                    perdocwriter.add_vector_items(fieldname, field, vitems)

                customval = fields.get(f"_stored_{fieldname}", value) if special else value
                if not w3:
                    perdocwriter.add_field(
                        fieldname, field, customval if plan.stored else None, length
                    )
                else:  # W3PerDocWriter.add_field
                    if plan.stored:
                        perdocwriter._storedfields[fieldname] = customval
                    if length:
                        perdocwriter.add_column_value(
                            plan.lenfield, LENGTHS_COLUMN, length_to_byte(length)
                        )
                        perdocwriter._fieldlengths[fieldname] += length
                if plan.column and customval is not None:
                    perdocwriter.add_column_value(
                        fieldname, plan.column, field.to_column_value(customval)
                    )
        except ValueError:
            perdocwriter.cancel_doc()
            raise

        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths: Any = pdr
        if hasattr(pdr, "_cached_reader"):  # Whoosh's W3 codec
            lengths = _Lengths(pdr)
        if (
            isinstance(lengths, _Lengths)
            and isinstance(self.pool, _TermPool)
            and type(self.fieldwriter) is W3FieldWriter
            and self.codec._inlinelimit <= 1  # never inlines postings in the term table
        ):
            write_postings(self.fieldwriter, self.schema, lengths, self.pool.by_term())
        else:
            self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if pdr:
            pdr.close()


def write_postings(
    fieldwriter: W3FieldWriter,
    schema: Any,
    lengths: _Lengths,
    terms: Iterable[TermPostings],
) -> None:
    """``FieldWriter.add_postings`` a term at a time, with the same bytes.

    What ``W3FieldWriter`` does per posting, per block and per term, done
    here per block and per term: see :func:`_term_bytes`. The term table
    row is the one ``W3FieldWriter.finish_term`` adds.
    """
    lastfield: str | None = None
    postfile: Any = fieldwriter._postfile
    tindex = fieldwriter._tindex
    fieldid = b""
    postwriter: Any = None
    field_length: Any = None
    values_size: int | None = None
    for fieldname, btext, postings in terms:
        if fieldname != lastfield:
            if lastfield is not None:
                fieldwriter.finish_field()
            fieldobj = schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            fieldid = pack_ushort(fieldwriter._fieldid)
            postwriter = fieldwriter._postwriter
            field_length = lengths.doc_field_length_reader(fieldname)
            values_size = fieldobj.format.fixed_value_size()
            lastfield = fieldname
        # add_postings skips docnum -1, its marker for words of the spelling
        # graph; a term's postings are sorted, so any come first.
        if postings[0][0] == -1:
            postings = [p for p in postings if p[0] != -1]
            if not postings:
                continue
        terminfo = W3TermInfo()
        data = _term_bytes(
            terminfo,
            postings,
            field_length,
            values_size,
            postwriter._blocklimit,
            postwriter._compression,
        )
        terminfo.set_extent(postfile.tell(), len(data))
        postfile.write(data)
        tindex.add(fieldid + btext, terminfo.to_bytes())
    if lastfield is not None:
        fieldwriter.finish_field()


def _term_bytes(
    terminfo: W3TermInfo,
    postings: list[Entry],
    field_length: Any,
    values_size: int | None,
    blocklimit: int,
    compression: int,
) -> bytes:
    """A term's postings as ``W3PostingsWriter`` writes them, and their stats in ``terminfo``.

    Per posting, ``add_posting`` buffers the id, the weight (as float32) and
    a non-empty value, and tracks the block's smallest non-zero and largest
    field length and its largest weight (from 0); a block is written when a
    129th posting comes, and the last by ``finish_postings``. Per block,
    ``_write_block`` writes the header (first block only), then the block's
    length (negative for the last), its pickled stats and its pickled ids
    (delta-coded), weights and values, compressed from 80 bytes up; and
    ``W3TermInfo.add_block`` adds the block's stats to the term's.
    """
    out = [WHOOSH3_HEADER_MAGIC]
    count = len(postings)
    for start in range(0, count, blocklimit):
        ids, weights, values = zip(*postings[start : start + blocklimit], strict=True)
        found = [n for n in map(field_length, ids) if n]
        minlength = min(found) if found else None
        maxlength = max(found) if found else 0
        top = max(weights)
        maxweight = top if top > 0 else 0
        floats = array("f", weights)
        # W3TermInfo.add_block
        terminfo._weight += sum(floats)
        terminfo._df += len(ids)
        if terminfo._minlength is None:
            terminfo._minlength = minlength
        else:
            terminfo._minlength = min(terminfo._minlength, minlength)
        terminfo._maxlength = max(terminfo._maxlength, maxlength)
        terminfo._maxweight = max(terminfo._maxweight, maxweight)
        if terminfo._minid is None:
            terminfo._minid = ids[0]
        terminfo._maxid = ids[-1]
        # _write_block, with _mini_ids, _mini_weights and _mini_values
        deltas = [ids[0]]
        deltas.extend([b - a for a, b in pairwise(ids)])
        first = floats[0]
        if all(w == 1.0 for w in floats):
            mini_weights: Any = None
        elif all(w == first for w in floats):
            mini_weights = first
        else:
            mini_weights = tuple(floats)
        kept = [v for v in values if v]
        if values_size is None or values_size < 0:
            mini_values: Any = tuple(kept)
        elif values_size == 0:
            mini_values = None
        else:
            mini_values = b"".join(kept)
        databytes = dumps((tuple(deltas), mini_weights, mini_values), 2)
        comp = compression if len(databytes) >= COMPRESSION_MIN_SIZE else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        infobytes = dumps(
            (
                len(ids),
                ids[-1],
                maxweight,
                comp,
                length_to_byte(minlength),
                length_to_byte(maxlength),
            ),
            2,
        )
        blocklength = len(infobytes) + len(databytes)
        if start + blocklimit >= count:
            blocklength = -blocklength
        out.append(pack_int(blocklength))
        out.append(infobytes)
        out.append(databytes)
    return b"".join(out)
