"""Known-item evaluation: find a man page again from its one-line description.

Run by hand (never in the tests)::

    searchdesk index /tmp/nu/man --index /tmp/ix
    python bench/known_items.py --index /tmp/ix --corpus /tmp/nu/man
    python bench/known_items.py --index /tmp/ix --corpus /tmp/nu/man --n 300 --json

Each page's NAME/NOM paragraph (``ls - Afficher le contenu de répertoires``)
gives a query, the words after the dash as typed from memory, and the page is
the known item. Engines, on the same paragraphs (chunked by searchdesk):
searchdesk (its index, ``--index``); plain Whoosh with searchdesk's French
analyzer, default AND and an OR variant (most words); SQLite FTS5
(``unicode61 remove_diacritics 2``, ``bm25``), AND and OR. The pages are
ranked as files in order of first appearance among the hits; a collapsed
searchdesk hit also finds every page in its ``also_in``.

Variants (the first two share the searches):

* ``exact``: the description, word for word;
* ``no-name``: the same results, but the page's NAME paragraph does not count:
  the page must be found through its other paragraphs;
* ``one-wrong``: the first content word replaced by another common verb of
  the man pages (``lister`` for ``afficher``), as when remembering the gist
  but not the exact wording; this is where AND comes back empty.

Reported per engine and variant: success@10 (the page among the first 10
files), MRR@10, and the share of queries with no hit at all. Deterministic:
pages in name order, no randomness.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Headings of the NAME section in man-fr (a few pages are untranslated).
NAME_HEADINGS = frozenset({"NOM", "NAME"})
#: The page name and its description are separated by a dash.
DASH = re.compile(r"\s+(?:\\-|-|–|—)\s+")
#: Words as a user would type them (inner apostrophes, hyphens and dots kept:
#: ``fsck.nfs``, ``v1.0.8`` are one word to searchdesk's analyzer).
WORD = re.compile(r"\w+(?:['’.-]\w+)*")
#: Words the query parsers would read as operators.
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "NEAR"})
#: Replacement for the first content word in ``one-wrong``: common verbs of
#: man-page descriptions, taken in turn (skipping one already in the query).
VERBS = (
    "lister",
    "obtenir",
    "modifier",
    "renvoyer",
    "afficher",
    "gérer",
    "lire",
    "créer",
    "changer",
    "configurer",
)
RANK_CUTOFF = 10
VARIANTS = ("exact", "no-name", "one-wrong")
ENGINES = ("searchdesk", "whoosh-and", "whoosh-or", "fts5-and", "fts5-or")


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the corpus ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Para:
    """One paragraph as searchdesk cuts it."""

    page: str
    """The page's path relative to the corpus folder (``man/ls.1.txt``)."""
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Item:
    """A known item: one page and the queries that should find it."""

    page: str
    name_line: int
    name_text: str
    description: str
    words: tuple[str, ...]
    wrong: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked paragraph as every engine reports it."""

    page: str
    line: int
    text: str
    also_in: tuple[tuple[str, int], ...] = ()


@dataclass(slots=True)
class Scores:
    """Every query's outcome, for one engine on one variant."""

    ranks: list[int] = field(default_factory=list)
    """1-based rank of the page among the hit files, 0 if not found."""
    empty: list[bool] = field(default_factory=list)
    """No hit at all."""

    def add(self, rank: int, empty: bool) -> None:
        self.ranks.append(rank)
        self.empty.append(empty)

    def summary(self, only: Sequence[int] | None = None) -> dict[str, Any]:
        """success@10, MRR@10 and the share of empty results (of the queries ``only``)."""
        keep = range(len(self.ranks)) if only is None else only
        ranks = [self.ranks[k] for k in keep]
        n = len(ranks) or 1
        return {
            "queries": len(ranks),
            "success_at_10": sum(0 < r <= RANK_CUTOFF for r in ranks) / n,
            "mrr_at_10": sum(1.0 / r for r in ranks if 0 < r <= RANK_CUTOFF) / n,
            "zero_results": sum(self.empty[k] for k in keep) / n,
        }


def read_corpus(corpus: Path) -> list[Para]:
    """Every paragraph of every document, as searchdesk chunks them, in walk order."""
    from searchdesk.chunking import iter_chunks
    from searchdesk.documents import decode, walk

    paras: list[Para] = []
    for f in sorted(walk(corpus).files, key=lambda f: f.path):
        page = Path(f.path).resolve().relative_to(corpus.resolve()).as_posix()
        text = decode(Path(f.path).read_bytes()).text
        paras.extend(Para(page, c.line, c.text) for c in iter_chunks(text, f.source, f.path))
    return paras


def content_words(words: Iterable[str]) -> list[int]:
    """Indexes of the words that survive searchdesk's analyzer (not stop words)."""
    from searchdesk.analysis import french_analyzer

    analyzer = french_analyzer()
    return [i for i, w in enumerate(words) if any(True for _ in analyzer(w))]


def stems(words: Iterable[str]) -> set[str]:
    from searchdesk.analysis import french_analyzer

    analyzer = french_analyzer()
    return {t.text for w in words for t in analyzer(w)}


def known_items(paras: list[Para], limit: int) -> list[Item]:
    """Pages whose NAME paragraph has a description of two content words or more."""
    items: list[Item] = []
    previous: Para | None = None
    seen: set[str] = set()
    for p in paras:
        is_name = (
            previous is not None
            and previous.page == p.page
            and previous.text.strip() in NAME_HEADINGS
            and p.page not in seen
        )
        previous = p
        if not is_name:
            continue
        seen.add(p.page)
        parts = DASH.split(p.text, maxsplit=1)
        if len(parts) != 2:
            continue
        words = tuple(w for w in WORD.findall(parts[1]) if w not in OPERATORS)
        content = content_words(words)
        if len(content) < 2:
            continue
        wrong = list(words)
        present = stems(words)
        for k in range(len(VERBS)):
            verb = VERBS[(len(items) + k) % len(VERBS)]
            if not stems([verb]) & present:
                wrong[content[0]] = verb
                break
        items.append(Item(p.page, p.line, p.text, parts[1], words, tuple(wrong)))
        if limit and len(items) >= limit:
            break
    return items


# -- ranking -------------------------------------------------------------------


def rank_of(item: Item, hits: Sequence[Hit], skip_name: bool) -> int:
    """1-based rank of the item's page among the hit files (0: not found).

    Files are ranked in order of first appearance as a hit's source; a hit
    also finds the pages in its ``also_in``. With ``skip_name``, the page's
    NAME paragraph finds nothing.
    """
    files: list[str] = []
    for hit in hits:
        if hit.page not in files:
            files.append(hit.page)
        places = [(hit.page, hit.line), *hit.also_in]
        for page, line in places:
            if page != item.page:
                continue
            if skip_name and line == item.name_line:
                continue
            return files.index(hit.page) + 1
    return 0


# -- engines -------------------------------------------------------------------

Engine = Callable[[tuple[str, ...]], list[Hit]]


def page_of(source: str, pages: dict[str, str]) -> str:
    """The corpus page a source label names (labels end with the file's path)."""
    parts = source.split("/")
    for k in range(len(parts)):
        found = pages.get("/".join(parts[k:]))
        if found is not None:
            return found
    return source


def searchdesk_engine(index_dir: Path, pages: dict[str, str], hits: int) -> Engine:
    from searchdesk.errors import SearchdeskError
    from searchdesk.searcher import SearchIndex

    ix = SearchIndex(index_dir)

    def run(words: tuple[str, ...]) -> list[Hit]:
        try:
            result = ix.search(" ".join(words), limit=hits, suggest=False)
        except SearchdeskError as exc:  # a query the engine refuses finds nothing
            step(f"searchdesk: {' '.join(words)!r}: {exc}")
            return []
        return [
            Hit(
                page_of(h.source, pages),
                h.line,
                h.text,
                tuple((page_of(loc.source, pages), loc.line) for loc in h.also_in),
            )
            for h in result.hits
        ]

    return run


def build_whoosh(folder: Path, paras: list[Para]) -> None:
    """A single-process Whoosh index with searchdesk's analyzer (as ``bench/run.py``)."""
    from whoosh import index
    from whoosh.fields import ID, STORED, TEXT, Schema

    from searchdesk.analysis import french_analyzer

    schema = Schema(
        body=TEXT(analyzer=french_analyzer(), stored=True, phrase=True),
        source=ID(stored=True),
        line=STORED(),
    )
    folder.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(folder), schema)
    w = ix.writer(limitmb=256)
    for p in paras:
        w.add_document(body=p.text, source=p.page, line=p.line)
    w.commit()


def whoosh_engine(folder: Path, hits: int, any_word: bool) -> Engine:
    from whoosh import index
    from whoosh.qparser import OrGroup, QueryParser

    ix = index.open_dir(str(folder))
    searcher = ix.searcher()
    parser = (
        QueryParser("body", ix.schema, group=OrGroup)
        if any_word
        else QueryParser("body", ix.schema)
    )

    def run(words: tuple[str, ...]) -> list[Hit]:
        q = parser.parse(" ".join(words))
        return [Hit(r["source"], r["line"], r["body"]) for r in searcher.search(q, limit=hits)]

    return run


def build_fts5(db: Path, paras: list[Para]) -> None:
    """The FTS5 table of ``bench/run.py`` plus each paragraph's line."""
    con = sqlite3.connect(db)
    con.execute(
        "CREATE VIRTUAL TABLE p USING fts5(body, source UNINDEXED, line UNINDEXED,"
        " tokenize='unicode61 remove_diacritics 2')"
    )
    con.executemany(
        "INSERT INTO p(body, source, line) VALUES (?, ?, ?)",
        ((p.text, p.page, p.line) for p in paras),
    )
    con.commit()
    con.close()


def fts5_engine(db: Path, hits: int, any_word: bool) -> Engine:
    con = sqlite3.connect(db)
    joiner = " OR " if any_word else " "

    def run(words: tuple[str, ...]) -> list[Hit]:
        match = joiner.join('"' + w.replace('"', '""') + '"' for w in words)
        rows = con.execute(
            "SELECT source, line, body FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT ?",
            (match, hits),
        ).fetchall()
        return [Hit(source, int(line), body) for source, line, body in rows]

    return run


# -- main ----------------------------------------------------------------------


def evaluate(items: list[Item], engines: dict[str, Engine]) -> dict[str, dict[str, Scores]]:
    scores = {name: {v: Scores() for v in VARIANTS} for name in engines}
    for n, item in enumerate(items, 1):
        for name, engine in engines.items():
            exact = engine(item.words)
            scores[name]["exact"].add(rank_of(item, exact, False), not exact)
            scores[name]["no-name"].add(rank_of(item, exact, True), not exact)
            wrong = engine(item.wrong)
            scores[name]["one-wrong"].add(rank_of(item, wrong, False), not wrong)
        if n % 200 == 0:
            step(f"{n}/{len(items)} queries")
    return scores


def print_table(scores: dict[str, dict[str, Scores]], only: Sequence[int] | None = None) -> None:
    header = ["engine"] + [f"{v} {m}" for v in VARIANTS for m in ("s@10", "MRR", "zero")]
    rows = [header]
    for name, by_variant in scores.items():
        row = [name]
        for v in VARIANTS:
            s = by_variant[v].summary(only)
            row += [
                f"{s['success_at_10']:.1%}",
                f"{s['mrr_at_10']:.3f}",
                f"{s['zero_results']:.1%}",
            ]
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, help="searchdesk index of the corpus")
    parser.add_argument("--corpus", required=True, help="the folder that was indexed")
    parser.add_argument("--n", type=int, default=0, help="first N usable pages (default: all)")
    parser.add_argument("--hits", type=int, default=50, help="paragraphs asked of each engine")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help=f"comma-separated, among {','.join(ENGINES)}"
    )
    parser.add_argument("--work", help="keep the peers' indexes here (reused when present)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--ranks", action="store_true", help="with --json: every query's rank")
    args = parser.parse_args(argv)
    wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    if unknown := sorted(set(wanted) - set(ENGINES)):
        parser.error(f"unknown engines: {', '.join(unknown)}")
    corpus = Path(args.corpus)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="known-items-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        step("reading the corpus")
        paras = read_corpus(corpus)
        items = known_items(paras, args.n)
        pages = {p.page: p.page for p in paras}
        step(f"{len(paras)} paragraphs, {len(items)} known items")
        engines: dict[str, Engine] = {}
        for name in wanted:
            if name == "searchdesk":
                engines[name] = searchdesk_engine(Path(args.index), pages, args.hits)
            elif name.startswith("whoosh"):
                folder = work / "whoosh"
                if not (folder / "done").exists():
                    step("building the plain Whoosh index")
                    shutil.rmtree(folder, ignore_errors=True)
                    build_whoosh(folder, paras)
                    (folder / "done").touch()
                engines[name] = whoosh_engine(folder, args.hits, name.endswith("-or"))
            else:
                db = work / "fts5.db"
                if not db.exists():
                    step("building the FTS5 table")
                    build_fts5(work / "fts5.tmp", paras)
                    (work / "fts5.tmp").rename(db)
                engines[name] = fts5_engine(db, args.hits, name.endswith("-or"))
        step("querying")
        scores = evaluate(items, engines)
        firsts: dict[str, int] = {}
        for k, item in enumerate(items):
            firsts.setdefault(item.description, k)
        distinct = sorted(firsts.values())
        if args.json:
            out: dict[str, Any] = {
                "corpus": str(corpus),
                "index": str(args.index),
                "items": len(items),
                "hits_asked": args.hits,
                "distinct_descriptions": len(distinct),
                "results": {
                    name: {v: s.summary() for v, s in by_variant.items()}
                    for name, by_variant in scores.items()
                },
                "results_distinct_descriptions": {
                    name: {v: s.summary(distinct) for v, s in by_variant.items()}
                    for name, by_variant in scores.items()
                },
            }
            if args.ranks:
                out["queries"] = [
                    {
                        "page": item.page,
                        "exact": " ".join(item.words),
                        "one_wrong": " ".join(item.wrong),
                        "ranks": {
                            name: {v: s.ranks[k] for v, s in by_variant.items()}
                            for name, by_variant in scores.items()
                        },
                    }
                    for k, item in enumerate(items)
                ]
            json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
            print()
        else:
            print(
                f"known items: {len(items)} pages of {corpus}; rank among the first "
                f"{RANK_CUTOFF} files of {args.hits} paragraphs"
            )
            print_table(scores)
            print(
                f"\none page per description ({len(distinct)}: aliases such as CMSG_ALIGN, "
                "CMSG_DATA… share theirs, and searchdesk finds them all through also_in)"
            )
            print_table(scores, distinct)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
