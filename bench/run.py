"""Benchmark searchdesk against its peers on one corpus, in one run.

Run by hand (never in the tests)::

    bench/make_man_fr.sh                     # once: bench/corpora/man-fr.tar.xz
    pip install -e '.[bench]'                # tantivy (its column is skipped without it)
    python bench/run.py                      # the whole man-fr corpus
    python bench/run.py --files 300          # a quick run on 300 pages
    python bench/run.py --corpus DIR --json out.json
    python bench/run.py --scale 100k,300k,1m # the growth curve (see below)
    python bench/make_formats.py /tmp/formats && python bench/run.py --formats /tmp/formats

Measures, on the same paragraphs: searchdesk (CLI and engine), plain
single-process Whoosh with the same French analyzer (the engine's floor),
SQLite FTS5 (``unicode61 remove_diacritics 2``), tantivy (when installed: one
writer thread; lowercase, French stop words, ASCII folding then Snowball's
French stemmer; phrases and prefixes, as regex ``word.*``, on an unstemmed
folded field; facets by a terms aggregation on a fast ``source`` field) and
ripgrep (no index; when ``rg`` is installed). Every warm query gives the top
10 with highlights and counts the hits by source (FTS5 and tantivy also
without the counts); the table gives searchdesk's figures over each peer's.

``--corpus`` takes a folder or a tarball; the default is the man-fr tarball
that ``bench/make_man_fr.sh`` builds from Debian's ``manpages-fr``.

``--scale 100k,300k,1m`` (k and m suffixes) replaces the corpus run: for each
size it writes that many distinct paragraphs, recombined from the corpus's
sentences by ``bench/scale.py`` (seeded by ``--seed``), as text files, then
prints searchdesk's index time, peak memory, size and no-op re-index time,
and the warm query p50/p95 of searchdesk, FTS5 and tantivy, each index
built in a process of its own from the same files.

With ``--formats`` (a folder made by ``bench/make_formats.py``), also what
reading documents costs: ``searchdesk index`` on the folder and on its PDFs
alone, pdftotext on the same PDFs, and each extractor alone, in-process.
Machines are noisy: read ratios and medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from scale import SentencePool, parse_sizes, write_corpus

ROOT = Path(__file__).resolve().parents[1]
#: The default corpus, built by bench/make_man_fr.sh (gitignored).
MAN_FR = ROOT / "bench" / "corpora" / "man-fr.tar.xz"

#: (searchdesk query, source filter, FTS5 query, ripgrep pattern)
Query = tuple[str, str | None, str, str]

QUERIES: list[Query] = [
    ("fichier", None, "fichier", "fichier"),
    ("répertoire", None, "répertoire", "répertoire"),
    ("utilisateur", None, "utilisateur", "utilisateur"),
    ("processus", None, "processus", "processus"),
    ("signal", None, "signal", "signal"),
    ("mémoire", None, "mémoire", "mémoire"),
    ("erreur", None, "erreur", "erreur"),
    ("permission", None, "permission", "permission"),
    ("terminal", None, "terminal", "terminal"),
    ("réseau", None, "réseau", "réseau"),
    ("repertoire", None, "repertoire", "r.pertoire"),
    ("memoire", None, "memoire", "m.moire"),
    ("peripherique", None, "peripherique", "p.riph.rique"),
    ("caracteres", None, "caracteres", "caract.res"),
    ("securite", None, "securite", "s.curit."),
    ("systeme", None, "systeme", "syst.me"),
    ('"mode non bloquant"', None, '"mode non bloquant"', "mode non bloquant"),
    ('"répertoire courant"', None, '"répertoire courant"', "répertoire courant"),
    ('"valeur de retour"', None, '"valeur de retour"', "valeur de retour"),
    ('"descripteur de fichier"', None, '"descripteur de fichier"', "descripteur de fichier"),
    ('"sortie standard"', None, '"sortie standard"', "sortie standard"),
    ("config*", None, "config*", "config"),
    ("périph*", None, "périph*", "périph"),
    ("processus OR thread", None, "processus OR thread", "processus|thread"),
    ("socket OR tube", None, "socket OR tube", "socket|tube"),
    ("erreur mémoire", None, "erreur mémoire", "erreur"),
    ("fichier temporaire", None, "fichier temporaire", "fichier"),
    ("droits accès", None, "droits accès", "droits"),
    ("horloge système", None, "horloge système", "horloge"),
    ("fichier", "ls.1.txt", "fichier", "fichier"),
    ("variable", "bash.1.txt", "variable", "variable"),
    ("négociations", None, "négociations", "négociations"),
]


# -- helpers -----------------------------------------------------------------


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def run_measured(cmd: list[str], cwd: Path | None = None) -> tuple[float, int, str]:
    """Run a command; return (seconds, peak RSS of its process tree, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.strip()[-500:]}")
    return seconds, peak, out


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def prepare_corpus(args: argparse.Namespace, work: Path) -> Path:
    """A copy of the corpus (a folder, or a tarball such as man-fr's) to index, in ``work``."""
    source = Path(args.corpus) if args.corpus else MAN_FR
    if not source.exists():
        if args.corpus:
            raise SystemExit(f"no corpus: {source} does not exist")
        raise SystemExit(
            f"no corpus: {MAN_FR.relative_to(ROOT)} is missing;"
            " run bench/make_man_fr.sh, or pass --corpus DIR"
        )
    if source.is_file():
        with tarfile.open(source) as tar:
            tar.extractall(work / "extract", filter="data")
        tops = list((work / "extract").iterdir())
        source = tops[0] if len(tops) == 1 and tops[0].is_dir() else work / "extract"
    files = sorted(p for p in source.rglob("*") if p.is_file())
    if args.files:
        files = files[: args.files]
    corpus = work / "corpus"
    for f in files:
        dest = corpus / f.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, dest)
    return corpus


def with_sources(queries: list[Query], sources: Sequence[str]) -> tuple[list[Query], list[str]]:
    """The queries with every source filter naming a source of ``sources`` (sorted): a
    filter on a source the corpus lacks (``--files``, ``--scale``) is moved to its first
    source, the next to its middle one. Returns the queries and the filters used."""
    have = set(sources)
    spare = iter([sources[0], sources[len(sources) // 2], *sources[1:]])
    moved: dict[str, str] = {}
    out: list[Query] = []
    for text, source, fts, rg in queries:
        if source is not None and source not in have:
            if source not in moved:
                moved[source] = next(s for s in spare if s not in moved.values())
            source = moved[source]
        out.append((text, source, fts, rg))
    used = sorted({q[1] for q in out if q[1] is not None})
    return out, used


# -- peers -------------------------------------------------------------------


def paragraphs(corpus: Path) -> list[tuple[str, str]]:
    """(source, text) of every chunk, exactly as searchdesk cuts them."""
    from searchdesk.chunking import iter_chunks
    from searchdesk.documents import decode, walk

    out = []
    for f in walk(corpus).files:
        text = decode(Path(f.path).read_bytes()).text
        out.extend((c.source, c.text) for c in iter_chunks(text, f.source, f.path))
    return out


PLAIN_BUILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {bench!r})
from run import paragraphs
from whoosh import index
from whoosh.fields import ID, TEXT, Schema
from searchdesk.analysis import french_analyzer
schema = Schema(body=TEXT(analyzer=french_analyzer(), stored=True, phrase=True),
                source=ID(stored=True))
ix = index.create_in({out!r}, schema)
w = ix.writer(limitmb=256)
for source, text in paragraphs(Path({corpus!r})):
    w.add_document(body=text, source=source)
w.commit()
"""

#: The plain index holds searchdesk's stems, but its analyzer leaves query
#: words whole (searchdesk's query compiler picks their stems): without this,
#: plain Whoosh would search ``fichier`` where the index holds ``fichi`` and
#: find nothing, doing less work than a real search.
STEMMED = """
from searchdesk.analysis import stem as _stem
from whoosh import query as _wq

def stemmed(q):
    if isinstance(q, _wq.Term) and q.fieldname == "body":
        return _wq.Term("body", _stem(q.text), boost=q.boost)
    if isinstance(q, _wq.Phrase) and q.fieldname == "body":
        return _wq.Phrase("body", [_stem(w) for w in q.words], slop=q.slop, boost=q.boost)
    return q.apply(stemmed)
"""
_plain: dict[str, Any] = {}
exec(STEMMED, _plain)
stemmed: Callable[[Any], Any] = _plain["stemmed"]

PLAIN_QUERY = (
    STEMMED
    + """
import sys
from whoosh import index
from whoosh.qparser import QueryParser
ix = index.open_dir({out!r})
with ix.searcher() as s:
    q = stemmed(QueryParser("body", ix.schema).parse(sys.argv[1]))
    for hit in s.search(q, limit=10):
        print(hit["source"], hit.highlights("body")[:80])
"""
)

#: ``--scale``: FTS5 or tantivy built in a process of its own (for its peak memory),
#: reading the generated files a file at a time, as ``searchdesk index`` does.
PEER_BUILD = """
import sys
from pathlib import Path
sys.path.insert(0, {bench!r})
from run import {build}
from scale import read_corpus
{build}(Path({out!r}), read_corpus(Path({corpus!r})))
"""


def plain_whoosh_queries(index_dir: Path, runs: int, queries: list[Query] = QUERIES) -> list[float]:
    from whoosh import index
    from whoosh.qparser import QueryParser
    from whoosh.query import Term

    ix = index.open_dir(str(index_dir))
    times: list[float] = []
    with ix.searcher() as s:
        parser = QueryParser("body", ix.schema)
        for run in range(runs + 1):  # the first is a warm-up
            for text, source, _fts, _rg in queries:
                started = time.perf_counter()
                q = stemmed(parser.parse(text))
                flt = Term("source", source) if source else None
                results = s.search(q, limit=10, filter=flt, groupedby="source")
                for hit in results:
                    hit.highlights("body")
                results.groups("source")
                if run:
                    times.append((time.perf_counter() - started) * 1000)
    return times


def fts5_build(db: Path, paras: Iterable[tuple[str, str]]) -> float:
    started = time.perf_counter()
    con = sqlite3.connect(db)
    con.execute(
        "CREATE VIRTUAL TABLE p USING fts5(body, source UNINDEXED,"
        " tokenize='unicode61 remove_diacritics 2')"
    )
    con.executemany("INSERT INTO p(body, source) VALUES (?, ?)", ((t, s) for s, t in paras))
    con.commit()
    con.close()
    return time.perf_counter() - started


def fts5_queries(
    db: Path, runs: int, queries: list[Query] = QUERIES, facets: bool = True
) -> list[float]:
    """Top 10 with highlights, and (``facets``) the hits counted by source."""
    con = sqlite3.connect(db)
    times: list[float] = []
    for run in range(runs + 1):  # the first is a warm-up
        for _text, source, fts, _rg in queries:
            started = time.perf_counter()
            where = "p MATCH ?" + (" AND source = ?" if source else "")
            params: list[Any] = [fts] + ([source] if source else [])
            con.execute(
                f"SELECT source, highlight(p, 0, '[', ']') FROM p WHERE {where}"
                " ORDER BY bm25(p) LIMIT 10",
                params,
            ).fetchall()
            if facets:
                con.execute(
                    f"SELECT source, count(*) FROM p WHERE {where} GROUP BY source", params
                ).fetchall()
            if run:
                times.append((time.perf_counter() - started) * 1000)
    con.close()
    return times


def rg_queries(corpus: Path, runs: int) -> list[float]:
    if not shutil.which("rg"):
        return []
    times: list[float] = []
    for _ in range(runs):
        for _text, _source, _fts, pattern in QUERIES:
            started = time.perf_counter()
            subprocess.run(["rg", "-i", "-c", pattern, str(corpus)], capture_output=True)
            times.append((time.perf_counter() - started) * 1000)
    return times


# -- tantivy -----------------------------------------------------------------

#: Why the tantivy column is missing, when it is.
TANTIVY_MISSING = "not installed (pip install -e '.[bench]')"
#: The writer's memory budget; one indexing thread.
TANTIVY_HEAP = 128_000_000
TANTIVY_ABOUT = (
    "tantivy: 1 writer thread (128 MB heap); words: \\w+ tokens, lowercase, French stop"
    " words, ASCII folding, then Snowball's French stemmer (folded first, so negociations"
    " finds « négociations »); phrases, and prefixes as regex `word.*`, on an unstemmed"
    " folded field; facets: terms aggregation on a fast source field"
)


def have_tantivy() -> bool:
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


def tantivy_open(path: Path, create: bool = False) -> tuple[Any, Any, Any]:
    """The index at ``path`` (created empty with ``create``) with its analyzers registered,
    and the two analyzers: ``body`` (stemmed) and ``exact`` (folded only).

    tantivy's own ``fr_stem`` stems without folding accents (``negociations`` would
    not find « négociations »), so the chain is built here: stop words are dropped
    before folding (``sûr`` is not ``sur``), and Snowball stems the folded word,
    so both spellings give one stem. Phrases and prefixes go to ``exact``, as
    searchdesk's own phrases and prefixes do.
    """
    from tantivy import Filter, Index, SchemaBuilder, TextAnalyzerBuilder, Tokenizer

    def chain(*filters: Any) -> Any:
        builder = TextAnalyzerBuilder(Tokenizer.regex(r"\w+"))
        for f in (Filter.remove_long(40), Filter.lowercase(), *filters):
            builder = builder.filter(f)
        return builder.build()

    body = chain(Filter.stopword("french"), Filter.ascii_fold(), Filter.stemmer("french"))
    exact = chain(Filter.ascii_fold())
    sb = SchemaBuilder()
    sb.add_text_field("body", stored=True, tokenizer_name="fr_body")
    sb.add_text_field("exact", tokenizer_name="fr_exact")
    sb.add_text_field("source", stored=True, fast=True, tokenizer_name="raw")
    ix = Index(sb.build(), path=str(path), reuse=not create)
    ix.register_tokenizer("fr_body", body)
    ix.register_tokenizer("fr_exact", exact)
    return ix, body, exact


def tantivy_build(path: Path, paras: Iterable[tuple[str, str]]) -> float:
    from tantivy import Document

    started = time.perf_counter()
    path.mkdir(parents=True, exist_ok=True)
    ix, _body, _exact = tantivy_open(path, create=True)
    writer = ix.writer(heap_size=TANTIVY_HEAP, num_threads=1)
    for source, text in paras:
        writer.add_document(Document(body=text, exact=text, source=source))
    writer.commit()
    writer.wait_merging_threads()
    return time.perf_counter() - started


_QUERY_PART = re.compile(r'"([^"]*)"|(\S+)')


def tantivy_query(schema: Any, body: Any, exact: Any, text: str, source: str | None) -> Any:
    """The tantivy query for a searchdesk query of :data:`QUERIES`: words ANDed on the
    stemmed field, ``OR`` between them, quoted phrases on ``exact``, and ``word*`` as
    the regex ``word.*`` on ``exact`` (tantivy's parser reads a bare ``word*`` as
    the word itself); then the source filter."""
    from tantivy import Occur, Query

    def conj(qs: list[Any]) -> Any:
        return qs[0] if len(qs) == 1 else Query.boolean_query([(Occur.Must, q) for q in qs])

    groups: list[list[Any]] = [[]]
    for m in _QUERY_PART.finditer(text):
        phrase, word = m.groups()
        if word == "OR":
            groups.append([])
            continue
        if word is not None and word.endswith("*"):
            words = exact.analyze(word[:-1])
            if words:
                *whole, last = words
                terms = [Query.term_query(schema, "exact", w) for w in whole]
                groups[-1].append(
                    conj([*terms, Query.regex_query(schema, "exact", re.escape(last) + ".*")])
                )
            continue
        if word is not None and len(stems := body.analyze(word)) <= 1:
            if stems:
                groups[-1].append(Query.term_query(schema, "body", stems[0]))
            continue
        words = exact.analyze(phrase if phrase is not None else word)
        if len(words) == 1:
            groups[-1].append(Query.term_query(schema, "exact", words[0]))
        elif words:
            groups[-1].append(Query.phrase_query(schema, "exact", words))
    clauses = [conj(g) for g in groups if g]
    if not clauses:
        return Query.boolean_query([])  # only stop words: matches nothing
    q = (
        clauses[0]
        if len(clauses) == 1
        else Query.boolean_query([(Occur.Should, c) for c in clauses])
    )
    if source:
        q = conj([q, Query.term_query(schema, "source", source)])
    return q


def tantivy_queries(
    path: Path, runs: int, queries: list[Query] = QUERIES, facets: bool = True
) -> list[float]:
    """Top 10 (and the count) with a highlighted snippet each, and (``facets``) a terms
    aggregation by source: what the FTS5 peer does, in tantivy."""
    from tantivy import Document, Query, SnippetGenerator

    ix, body, exact = tantivy_open(path)
    schema = ix.schema
    s = ix.searcher()
    # The aggregation returns every source with a hit, as FTS5's GROUP BY does
    # (cardinality is an estimate: leave room).
    size = int(s.cardinality(Query.all_query(), "source") * 1.2) + 10
    agg = {"sources": {"terms": {"field": "source", "size": size}}}
    times: list[float] = []
    for run in range(runs + 1):  # the first is a warm-up
        for text, source, _fts, _rg in queries:
            started = time.perf_counter()
            q = tantivy_query(schema, body, exact, text, source)
            result = s.search(q, limit=10)
            if result.hits:
                on_body = SnippetGenerator.create(s, q, schema, "body")
                on_exact = SnippetGenerator.create(s, q, schema, "exact")
                for _score, address in result.hits:
                    doc = s.doc(address)
                    if not on_body.snippet_from_doc(doc).highlighted():
                        on_exact.snippet_from_doc(Document(exact=doc["body"][0]))
            if facets:
                s.aggregate(q, agg)
            if run:
                times.append((time.perf_counter() - started) * 1000)
    return times


# -- searchdesk --------------------------------------------------------------


def searchdesk_queries(
    index_dir: Path, runs: int, queries: list[Query] = QUERIES, folder: str = ""
) -> list[float]:
    """Warm searches through the engine; ``folder``: the indexed folder's name, which
    searchdesk's source labels start with (``corpus/ls.1.txt``)."""
    from searchdesk.searcher import QueryTooBroad, SearchIndex

    prefix = f"{folder}/" if folder else ""
    times: list[float] = []
    with SearchIndex(index_dir) as ix:
        for run in range(runs + 1):  # the first is a warm-up
            for text, source, _fts, _rg in queries:
                started = time.perf_counter()
                try:
                    ix.search(text, sources=[prefix + source] if source else [])
                except QueryTooBroad as e:  # the time it took is what a user waits: keep it
                    step(f"searchdesk: {text!r} stopped: {e}")
                if run:
                    times.append((time.perf_counter() - started) * 1000)
    return times


def cold(cmd: Callable[[str], list[str]], runs: int) -> float:
    samples = []
    for _ in range(runs):
        for text in ("fichier", '"répertoire courant"'):
            started = time.perf_counter()
            subprocess.run(cmd(text), capture_output=True, check=False)
            samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def tui_latency(index_dir: Path) -> list[float]:
    """Last keystroke → the frame showing its results, minus the debounce (ms), through Pilot."""
    from searchdesk.tui.app import DEBOUNCE_SECONDS, make_app

    texts = [q for q, source, _f, _r in QUERIES if source is None][:20]
    samples: list[float] = []

    async def drive() -> None:
        app = make_app(index_dir)
        wanted: list[str] = []
        drawn: list[bool] = []
        shown: list[float] = []
        display = app._display

        def frame(screen: Any, update: Any) -> None:
            # Every frame Textual sends to the terminal: the first one made after
            # the results list drew the query's hits is the one that shows them.
            # Stopping when app.result was set (as this did before) stopped
            # before that frame was made in a fifth to a third of the samples.
            display(screen, update)
            if update is not None and drawn and not shown:
                shown.append(time.perf_counter())

        app._display = frame  # type: ignore[method-assign,assignment]
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            results = app.results_list
            render_lines = results.render_lines

            def draw(crop: Any) -> Any:
                lines = render_lines(crop)
                if app.result is not None and [app.result.query] == wanted[:1]:
                    drawn.append(True)
                return lines

            results.render_lines = draw  # type: ignore[method-assign]
            for text in texts:
                app.query_box.value = text[:-1]
                await pilot.pause(0.4)
                wanted[:], drawn[:], shown[:] = [text], [], []
                # The last keystroke (setting the value fires Input.Changed as typing does).
                app.query_box.value = text
                started = time.perf_counter()
                while not shown and time.perf_counter() - started < 5:
                    # Not pilot.pause(): each call sends a callback to every widget
                    # to wait for idle, and at 1 ms that harness work competed with
                    # the search thread for the GIL (4x slower searches measured).
                    await asyncio.sleep(0.001)
                ended = shown[0] if shown else time.perf_counter()
                wanted[:] = []
                samples.append((ended - started - DEBOUNCE_SECONDS) * 1000)

    asyncio.run(drive())
    return samples


# -- format corpus (--formats) ----------------------------------------------

#: Sub-folders of a make_formats.py corpus, in table order.
FORMATS = ("pdf", "docx", "odt", "html", "epub")


def format_files(folder: Path) -> dict[str, list[Path]]:
    """The documents of a make_formats.py folder, by format, in name order."""
    found = {fmt: sorted((folder / fmt).glob(f"*.{fmt}")) for fmt in FORMATS}
    found = {fmt: files for fmt, files in found.items() if files}
    if not found:
        raise SystemExit(f"--formats {folder}: no {'/'.join(FORMATS)} sub-folders with documents")
    return found


def pdf_pages(folder: Path, pdfs: list[Path]) -> int:
    """Pages of the PDFs: from the manifest make_formats.py wrote, else counted with PDFium."""
    manifest = folder / "manifest.json"
    if manifest.exists():
        docs = json.loads(manifest.read_text())["documents"]
        known = {d["name"]: d["pdf_pages"] for d in docs if d.get("pdf_pages")}
        if all(p.name in known for p in pdfs):
            return sum(known[p.name] for p in pdfs)
    import pypdfium2

    total = 0
    for p in pdfs:
        pdf = pypdfium2.PdfDocument(str(p))
        total += len(pdf)
        pdf.close()
    return total


def rates(seconds: float, files: int, mb: float, pages: int = 0, paras: int = 0) -> dict[str, Any]:
    """One table row: the raw figures and what they give per second."""
    row: dict[str, Any] = {"seconds": seconds, "files": files, "mb": mb}
    row["files_per_s"] = files / seconds
    row["mb_per_s"] = mb / seconds
    if pages:
        row["pages"], row["pages_per_s"] = pages, pages / seconds
    if paras:
        row["paragraphs"], row["paragraphs_per_s"] = paras, paras / seconds
    return row


def sd_index_folder(
    target: Path, index_dir: Path, runs: int
) -> tuple[float, float, dict[str, int]]:
    """Median seconds and peak RSS (MB) of a fresh ``searchdesk index --rebuild`` (whole
    process: start-up, walk, extraction workers, indexing), and what ``stats`` counts
    then: files, paragraphs and distinct paragraphs (repeated ones cost less to index)."""
    py = sys.executable
    cmd = [py, "-m", "searchdesk", "--index", str(index_dir)]
    samples, peak = [], 0
    for _ in range(runs):
        shutil.rmtree(index_dir, ignore_errors=True)
        secs, rss, _ = run_measured([*cmd, "index", "--rebuild", str(target)])
        samples.append(secs)
        peak = max(peak, rss)
    stats = json.loads(subprocess.run([*cmd, "stats", "--json"], capture_output=True).stdout)
    counts = {k: stats[k] for k in ("files", "paragraphs", "distinct_paragraphs")}
    return statistics.median(samples), peak / 2**20, counts


def pdftotext_folder(pdfs: list[Path], out: Path, jobs: int, runs: int) -> float:
    """Median seconds of pdftotext over every PDF, one process a file, ``jobs`` at once."""
    out.mkdir(parents=True, exist_ok=True)

    def one(pdf: Path) -> None:
        subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), str(out / (pdf.stem + ".txt"))],
            capture_output=True,
            check=True,
        )

    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(one, pdfs))
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def extract_alone(files: list[Path], runs: int) -> tuple[float, int]:
    """Median seconds of ``for_path(p).extract(data)`` over the files, in this process (bytes
    read beforehand, modules imported by a warm-up), and the paragraphs it gives."""
    from searchdesk.chunking import iter_block_chunks
    from searchdesk.extract import for_path

    data = [(str(p), p.read_bytes()) for p in files]
    extractors = [for_path(path) for path, _ in data]
    if any(e is None for e in extractors):
        raise SystemExit(f"no extractor for {files[0].suffix}")
    paras = 0
    for (path, blob), extractor in zip(data, extractors, strict=True):  # warm-up, counting
        assert extractor is not None
        paras += sum(1 for _ in iter_block_chunks(extractor.extract(blob).blocks, path, path))
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        for (_path, blob), extractor in zip(data, extractors, strict=True):
            assert extractor is not None
            extractor.extract(blob)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), paras


def formats_bench(folder: Path, work: Path, runs: int) -> dict[str, Any]:
    """Everything ``--formats`` measures, as the ``formats`` object of the JSON output."""
    files = format_files(folder)
    mb = {fmt: sum(p.stat().st_size for p in fs) / 1e6 for fmt, fs in files.items()}
    n_all, mb_all = sum(len(fs) for fs in files.values()), sum(mb.values())
    pdfs = files.get("pdf", [])
    pages = pdf_pages(folder, pdfs) if pdfs else 0
    f: dict[str, Any] = {
        "folder": str(folder),
        "runs": runs,
        "by_format": {
            fmt: {"files": len(fs), "mb": mb[fmt], **({"pages": pages} if fmt == "pdf" else {})}
            for fmt, fs in files.items()
        },
    }
    print(
        f"format corpus: {n_all} files, {mb_all:.1f} MB ("
        + ", ".join(
            f"{len(fs)} {fmt.upper()}" + (f" / {pages} pages" if fmt == "pdf" else "")
            for fmt, fs in files.items()
        )
        + ")"
    )

    step(f"formats: searchdesk index, all formats (x{runs})")
    secs, rss, c = sd_index_folder(folder, work / "fmt-index", runs)
    f["sd_index"] = {**rates(secs, c["files"], mb_all, paras=c["paragraphs"]), "rss_mb": rss}
    f["sd_index"]["distinct_paragraphs"] = c["distinct_paragraphs"]
    if pdfs:
        # The PDFs alone, as a folder of their own (no other document in it).
        step(f"formats: searchdesk index, PDFs alone (x{runs})")
        secs, rss, c = sd_index_folder(folder / "pdf", work / "fmt-pdf-index", runs)
        row = rates(secs, c["files"], mb["pdf"], pages, c["paragraphs"])
        f["sd_index_pdf"] = {**row, "rss_mb": rss, "distinct_paragraphs": c["distinct_paragraphs"]}
        if shutil.which("pdftotext"):
            step(f"formats: pdftotext (x{runs})")
            for jobs in (1, 2):
                secs = pdftotext_folder(pdfs, work / "pdftotext", jobs, runs)
                f[f"pdftotext_p{jobs}"] = rates(secs, len(pdfs), mb["pdf"], pages)
        else:
            f["pdftotext_note"] = "pdftotext not found (apt-get install poppler-utils)"
    for fmt, fs in files.items():
        step(f"formats: {fmt.upper()} extraction alone, in-process (x{runs})")
        secs, paras = extract_alone(fs, runs)
        f[f"extract_{fmt}"] = rates(secs, len(fs), mb[fmt], pages if fmt == "pdf" else 0, paras)
    return f


def print_formats_table(f: dict[str, Any]) -> None:
    """Rows: what was run; columns: seconds and rates (medians of ``runs``)."""

    def row(label: str, key: str) -> tuple[str, ...] | None:
        if key not in f:
            return None
        m = f[key]

        def g(name: str, fmt: str) -> str:
            return fmt.format(m[name]) if name in m else "—"

        return (
            label,
            str(m["files"]),
            g("seconds", "{:.2f}"),
            g("files_per_s", "{:.1f}"),
            g("pages_per_s", "{:.0f}"),
            g("paragraphs_per_s", "{:.0f}"),
            g("mb_per_s", "{:.2f}"),
            g("rss_mb", "{:.0f}"),
        )

    wanted = [
        ("searchdesk index, whole folder", "sd_index"),
        ("searchdesk index, PDFs alone", "sd_index_pdf"),
        ("pdftotext, PDFs, 1 at a time", "pdftotext_p1"),
        ("pdftotext, PDFs, 2 in parallel", "pdftotext_p2"),
        *((f"{fmt.upper()} extraction alone (1 process)", f"extract_{fmt}") for fmt in FORMATS),
    ]
    rows = [r for label, key in wanted if (r := row(label, key))]
    header = ("", "files", "s", "files/s", "pages/s", "paragraphs/s", "MB/s", "peak MB")
    print(f"formats (medians of {f['runs']} runs; pages: PDF only; MB: file sizes)")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    for key, what in (("sd_index", "whole folder"), ("sd_index_pdf", "PDFs")):
        if key in f:
            m = f[key]
            print(
                f"searchdesk index, {what}: {m['paragraphs']} paragraphs,"
                f" {m['distinct_paragraphs']} distinct"
            )
    if "pdftotext_note" in f:
        print(f"pdftotext: skipped, {f['pdftotext_note']}")
    if "sd_index_pdf" in f and "pdftotext_p2" in f:
        ratio = f["sd_index_pdf"]["seconds"] / f["pdftotext_p2"]["seconds"]
        print(f"searchdesk index of the PDFs / pdftotext 2 in parallel: {ratio:.1f}×")


# -- main --------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        help="folder of documents, or a tarball of one"
        f" (default: {MAN_FR.relative_to(ROOT)}, made by bench/make_man_fr.sh)",
    )
    parser.add_argument("--files", type=int, default=0, help="use only the first N files")
    parser.add_argument("--runs", type=int, default=5, help="repetitions of the query list")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--no-tui", action="store_true", help="skip the TUI measurement")
    parser.add_argument(
        "--scale",
        metavar="SIZES",
        help="instead of the corpus itself, generated corpora of these many distinct"
        " paragraphs drawn from its sentences, e.g. 100k,300k,1m",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="with --scale: the paragraph generator's seed"
    )
    parser.add_argument(
        "--formats", metavar="DIR", help="also measure a format corpus (bench/make_formats.py)"
    )
    parser.add_argument(
        "--formats-only", action="store_true", help="with --formats: skip the text corpus"
    )
    parser.add_argument(
        "--format-runs", type=int, default=3, help="repetitions of each format measurement"
    )
    args = parser.parse_args(argv)
    if args.formats_only and not args.formats:
        parser.error("--formats-only needs --formats DIR")
    if args.formats_only and args.scale:
        parser.error("--formats-only and --scale: choose one")
    try:
        sizes = parse_sizes(args.scale) if args.scale else []
    except ValueError as e:
        parser.error(f"--scale: {e}")
    formats = Path(args.formats).resolve() if args.formats else None
    if formats:
        format_files(formats)  # fail now, not after the text corpus

    work = Path(tempfile.mkdtemp(prefix="searchdesk-bench-"))
    try:
        r: dict[str, Any] = {}
        if sizes:
            r["scale"] = scale_bench(args, sizes, work)
        elif not args.formats_only:
            r = text_bench(args, work)
        if formats:
            r["formats"] = formats_bench(formats, work, args.format_runs)
            print_formats_table(r["formats"])
        if args.json:
            meta = {"date": time.strftime("%Y-%m-%d"), "machine": machine()}
            Path(args.json).write_text(json.dumps({**meta, **r}, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def percentiles(r: dict[str, Any], name: str, values: list[float]) -> None:
    """``{name}_p50`` and ``{name}_p95`` of the samples, when there are any."""
    if values:
        r[f"{name}_p50"], r[f"{name}_p95"] = pct(values, 0.5), pct(values, 0.95)


def ratios(r: dict[str, Any], keys: Sequence[str]) -> None:
    """``sd_over_fts_K`` and ``sd_over_tantivy_K``: searchdesk's figure over the peer's."""
    for peer in ("fts", "tantivy"):
        for key in keys:
            a, b = r.get(f"sd_{key}"), r.get(f"{peer}_{key}")
            if a is not None and b:
                r[f"sd_over_{peer}_{key}"] = a / b


def text_bench(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The text corpus: index, queries and TUI for every peer; prints its table."""
    corpus = prepare_corpus(args, work)
    text_bytes = dir_size(corpus)
    paras = paragraphs(corpus)
    n_files = sum(1 for p in corpus.rglob("*") if p.is_file())
    print(f"corpus: {n_files} files, {text_bytes / 1e6:.1f} MB, {len(paras)} paragraphs")
    queries, filters = with_sources(QUERIES, sorted({source for source, _ in paras}))
    py = sys.executable
    sd_index = work / "sd-index"
    r: dict[str, Any] = {
        "files": n_files,
        "text_mb": text_bytes / 1e6,
        "paragraphs": len(paras),
        "runs": args.runs,
        "source_filters": filters,
    }

    step("searchdesk index")
    secs, rss, _ = run_measured(
        [py, "-m", "searchdesk", "--index", str(sd_index), "index", str(corpus)]
    )
    r["sd_index_s"], r["sd_index_rss_mb"] = secs, rss / 2**20
    r["sd_size_ratio"] = dir_size(sd_index) / text_bytes
    r["sd_reindex_s"] = run_measured(
        [py, "-m", "searchdesk", "--index", str(sd_index), "index", str(corpus)]
    )[0]
    touched = sorted(p for p in corpus.rglob("*") if p.is_file())[len(paras) % n_files]
    with open(touched, "a", encoding="utf-8") as fh:
        fh.write("\nUne ligne ajoutée pour le banc d'essai.\n")
    r["sd_touch_s"] = run_measured(
        [py, "-m", "searchdesk", "--index", str(sd_index), "index", str(corpus)]
    )[0]

    step("plain Whoosh index")
    plain = work / "plain-index"
    plain.mkdir()
    code = PLAIN_BUILD.format(bench=str(Path(__file__).parent), out=str(plain), corpus=str(corpus))
    secs, rss, _ = run_measured([py, "-c", code])
    r["plain_index_s"], r["plain_index_rss_mb"] = secs, rss / 2**20
    r["plain_size_ratio"] = dir_size(plain) / text_bytes

    step("SQLite FTS5 index")
    db = work / "fts.db"
    r["fts_index_s"] = fts5_build(db, paras)
    r["fts_size_ratio"] = db.stat().st_size / text_bytes

    tv = work / "tantivy"
    if have_tantivy():
        step("tantivy index (1 writer thread)")
        r["tantivy_index_s"] = tantivy_build(tv, paras)
        r["tantivy_size_ratio"] = dir_size(tv) / text_bytes
    else:
        r["tantivy_note"] = TANTIVY_MISSING

    step("warm queries")
    percentiles(r, "sd_q", searchdesk_queries(sd_index, args.runs, queries, corpus.name))
    percentiles(r, "plain_q", plain_whoosh_queries(plain, args.runs, queries))
    percentiles(r, "fts_q", fts5_queries(db, args.runs, queries))
    percentiles(r, "fts_nf_q", fts5_queries(db, args.runs, queries, facets=False))
    if "tantivy_note" not in r:
        percentiles(r, "tantivy_q", tantivy_queries(tv, args.runs, queries))
        percentiles(r, "tantivy_nf_q", tantivy_queries(tv, args.runs, queries, facets=False))
    if shutil.which("rg"):
        percentiles(r, "rg_q", rg_queries(corpus, 1))
    else:
        r["rg_note"] = RG_MISSING
    ratios(r, ("index_s", "q_p50", "q_p95"))

    step("cold queries")
    # Bytecode first: an edited module without its .pyc is compiled at every
    # start (PYTHONDONTWRITEBYTECODE), which is not what a user's start costs.
    subprocess.run([py, "-m", "compileall", "-q", str(ROOT / "src")], check=False)
    r["sd_cold_ms"] = cold(
        lambda q: [py, "-m", "searchdesk", "--index", str(sd_index), "query", q, "--json"],
        args.runs,
    )
    r["plain_cold_ms"] = cold(
        lambda q: [py, "-c", PLAIN_QUERY.format(out=str(plain)), q], args.runs
    )
    if not args.no_tui:
        step("TUI")
        tui = tui_latency(sd_index)
        r["tui_p50"], r["tui_p95"] = pct(tui, 0.5), pct(tui, 0.95)

    print_table(r)
    return r


RG_MISSING = "rg not found (apt-get install ripgrep)"


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def print_rows(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Columns padded to their widest cell: the first left-aligned, the others right."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )


def print_table(r: dict[str, Any]) -> None:
    def f(key: str, fmt: str = "{:.2f}") -> str:
        return fmt.format(r[key]) if key in r else "—"

    def ratio(a: str, b: str) -> str:
        return f"{r[a] / r[b]:.2f}×" if a in r and b in r and r[b] else "—"

    def per_s(total: str, peer: str) -> str:
        return (
            f"{r[total] / r[key]:{'.0f' if total == 'paragraphs' else '.2f'}}"
            if (key := f"{peer}_index_s") in r
            else "—"
        )

    def three(a: str, b: str, c: str, d: str) -> tuple[str, str, str]:
        """searchdesk's figure over plain Whoosh's, FTS5's and tantivy's."""
        return ratio(a, b), ratio(a, c), ratio(a, d)

    peers = ("sd", "plain", "fts", "tantivy")
    rows = [
        (
            "full index (s)",
            *(f(f"{p}_index_s") for p in peers),
            "—",
            *three("sd_index_s", "plain_index_s", "fts_index_s", "tantivy_index_s"),
        ),
        ("paragraphs/s", *(per_s("paragraphs", p) for p in peers), "—", "", "", ""),
        ("MB/s", *(per_s("text_mb", p) for p in peers), "—", "", "", ""),
        (
            "peak memory (MB)",
            f("sd_index_rss_mb", "{:.0f}"),
            f("plain_index_rss_mb", "{:.0f}"),
            "—",
            "—",
            "—",
            "",
            "",
            "",
        ),
        ("index size / text", *(f(f"{p}_size_ratio") for p in peers), "—", "", "", ""),
        ("re-index, nothing changed (s)", f("sd_reindex_s"), "—", "—", "—", "—", "", "", ""),
        ("re-index, one file touched (s)", f("sd_touch_s"), "—", "—", "—", "—", "", "", ""),
        *(
            (
                f"warm query {p} (ms)",
                *(f(f"{e}_q_{p}", "{:.1f}") for e in peers),
                f(f"rg_q_{p}", "{:.0f}"),
                *three(f"sd_q_{p}", f"plain_q_{p}", f"fts_q_{p}", f"tantivy_q_{p}"),
            )
            for p in ("p50", "p95")
        ),
        *(
            (
                f"warm query {p}, no facets (ms)",
                "—",
                "—",
                f(f"fts_nf_q_{p}", "{:.1f}"),
                f(f"tantivy_nf_q_{p}", "{:.1f}"),
                "—",
                "",
                "",
                "",
            )
            for p in ("p50", "p95")
        ),
        (
            "cold query, whole process (ms)",
            f("sd_cold_ms", "{:.0f}"),
            f("plain_cold_ms", "{:.0f}"),
            "—",
            "—",
            "—",
            ratio("sd_cold_ms", "plain_cold_ms"),
            "",
            "",
        ),
        ("TUI keystroke → results p50 (ms)", f("tui_p50", "{:.1f}"), *["—"] * 4, "", "", ""),
        ("TUI keystroke → results p95 (ms)", f("tui_p95", "{:.1f}"), *["—"] * 4, "", "", ""),
    ]
    header = (
        "",
        "searchdesk",
        "plain Whoosh",
        "SQLite FTS5",
        "tantivy",
        "ripgrep",
        "sd / Whoosh",
        "sd / FTS5",
        "sd / tantivy",
    )
    # tantivy and ripgrep are optional: their columns go when they are absent.
    dropped = {4, 8} if "tantivy_note" in r else set()
    dropped |= {5} if "rg_note" in r else set()

    def keep(row: Sequence[str]) -> list[str]:
        return [c for i, c in enumerate(row) if i not in dropped]

    print_rows(keep(header), [keep(row) for row in rows])
    print(
        f"warm queries: the {len(QUERIES)} queries x {r['runs']} runs after a warm-up pass;"
        " each gives the top 10 with highlights and counts the hits by source"
        " (searchdesk always does; 'no facets': FTS5 and tantivy without the counts)"
    )
    print(f"source filters: {', '.join(r['source_filters']) or 'none'}")
    print("SQLite FTS5 (and tantivy) index in this process, from the paragraphs in memory")
    print(f"tantivy: skipped, {r['tantivy_note']}" if "tantivy_note" in r else TANTIVY_ABOUT)
    if "rg_note" in r:
        print(f"ripgrep: skipped, {r['rg_note']}")
    else:
        print("ripgrep: no index, `rg -i -c PATTERN` over the files (1 run)")


# -- scale (--scale) ---------------------------------------------------------


def scale_bench(args: argparse.Namespace, sizes: list[int], work: Path) -> dict[str, Any]:
    """Generated corpora of each size: index, re-index and warm queries for searchdesk,
    FTS5 and tantivy; prints the growth table. The ``scale`` object of the JSON output."""
    corpus = prepare_corpus(args, work)
    step("sentence pool")
    pool = SentencePool.from_paragraphs(text for _source, text in paragraphs(corpus))
    shutil.rmtree(corpus)
    print(
        f"sentence pool: {len(pool.sentences)} distinct sentences"
        f" from {len(pool.counts)} paragraphs"
    )
    tantivy = have_tantivy()
    out: dict[str, Any] = {
        "sentences": len(pool.sentences),
        "seed": args.seed,
        "runs": args.runs,
        "sizes": [scale_size(n, pool, work, args, tantivy) for n in sizes],
    }
    if not tantivy:
        out["tantivy_note"] = TANTIVY_MISSING
    print_scale_table(out)
    return out


def scale_size(
    n: int, pool: SentencePool, work: Path, args: argparse.Namespace, tantivy: bool
) -> dict[str, Any]:
    """One size of ``--scale``: its figures (the generated files and indexes are removed)."""
    base = work / f"scale-{n}"
    folder = base / "paragraphs"
    step(f"{n:,} paragraphs: writing")
    started = time.perf_counter()
    names = write_corpus(folder, pool, n, args.seed)
    r: dict[str, Any] = {
        "paragraphs": n,
        "files": len(names),
        "text_mb": dir_size(folder) / 1e6,
        "generate_s": time.perf_counter() - started,
    }
    queries, r["source_filters"] = with_sources(QUERIES, names)

    py = sys.executable
    sd = base / "sd-index"
    cmd = [py, "-m", "searchdesk", "--index", str(sd), "index", str(folder)]
    step(f"{n:,} paragraphs: searchdesk index")
    secs, rss, _ = run_measured(cmd)
    r["sd_index_s"], r["sd_index_rss_mb"], r["sd_size_mb"] = secs, rss / 2**20, dir_size(sd) / 1e6
    step(f"{n:,} paragraphs: searchdesk re-index, nothing changed")
    r["sd_reindex_s"] = run_measured(cmd)[0]

    db, tv = base / "fts.db", base / "tantivy"
    builds = [("fts", "fts5_build", db)] + ([("tantivy", "tantivy_build", tv)] if tantivy else [])
    for peer, build, dest in builds:
        step(f"{n:,} paragraphs: {peer} index")
        code = PEER_BUILD.format(
            bench=str(Path(__file__).parent), build=build, out=str(dest), corpus=str(folder)
        )
        secs, rss, _ = run_measured([py, "-c", code])
        size = dir_size(dest) if dest.is_dir() else dest.stat().st_size
        r[f"{peer}_index_s"], r[f"{peer}_index_rss_mb"] = secs, rss / 2**20
        r[f"{peer}_size_mb"] = size / 1e6

    step(f"{n:,} paragraphs: warm queries")
    percentiles(r, "sd_q", searchdesk_queries(sd, args.runs, queries, folder.name))
    percentiles(r, "fts_q", fts5_queries(db, args.runs, queries))
    if tantivy:
        percentiles(r, "tantivy_q", tantivy_queries(tv, args.runs, queries))
    ratios(r, ("index_s", "q_p50", "q_p95"))
    shutil.rmtree(base)
    return r


def print_scale_table(out: dict[str, Any]) -> None:
    """One row per size and engine, then searchdesk's ratios at each size."""

    def f(r: dict[str, Any], key: str, fmt: str) -> str:
        return fmt.format(r[key]) if key in r else "—"

    peers = [("sd", "searchdesk"), ("fts", "SQLite FTS5")]
    if "tantivy_note" not in out:
        peers.append(("tantivy", "tantivy"))
    rows = []
    for r in out["sizes"]:
        for peer, label in peers:
            rows.append(
                (
                    f"{r['paragraphs']:,}" if peer == "sd" else "",
                    label,
                    f(r, f"{peer}_index_s", "{:.1f}"),
                    f"{r['paragraphs'] / r[f'{peer}_index_s']:.0f}",
                    f(r, f"{peer}_index_rss_mb", "{:.0f}"),
                    f(r, f"{peer}_size_mb", "{:.1f}"),
                    f(r, f"{peer}_reindex_s", "{:.2f}"),
                    f(r, f"{peer}_q_p50", "{:.1f}"),
                    f(r, f"{peer}_q_p95", "{:.1f}"),
                )
            )
    header = (
        "paragraphs",
        "",
        "index (s)",
        "paragraphs/s",
        "peak RSS (MB)",
        "size (MB)",
        "no-op re-index (s)",
        "warm p50 (ms)",
        "warm p95 (ms)",
    )
    print_rows(header, rows)
    print()
    ratio_keys = [("fts", "FTS5")] + ([("tantivy", "tantivy")] if len(peers) > 2 else [])
    header = (
        "paragraphs",
        "text (MB)",
        *(f"sd / {name} {what}" for peer, name in ratio_keys for what in ("index", "p50", "p95")),
        "p95 ≤ 0.8× FTS5",
    )
    rows = []
    for r in out["sizes"]:
        cells = [f"{r['paragraphs']:,}", f"{r['text_mb']:.1f}"]
        for peer, _name in ratio_keys:
            cells += [f(r, f"sd_over_{peer}_{k}", "{:.2f}×") for k in ("index_s", "q_p50", "q_p95")]
        within = r.get("sd_over_fts_q_p95")
        cells.append("—" if within is None else "yes" if within <= 0.8 else "no")
        rows.append(cells)
    print_rows(header, rows)
    print(
        f"generated: {out['sentences']} distinct sentences of the corpus recombined"
        f" (seed {out['seed']}) into distinct paragraphs, 1,000 a file"
    )
    print(
        "index time and peak RSS: the whole process, reading the same files (searchdesk:"
        " `searchdesk index DIR`; FTS5 and tantivy: a Python process fed a file at a time)"
    )
    print(
        f"warm queries: the {len(QUERIES)} queries x {out['runs']} runs after a warm-up pass,"
        " top 10 with highlights and counts by source; the 2 source-filter queries keep"
        " their filter, moved to generated files: "
        + "; ".join(f"{r['paragraphs']:,}: {', '.join(r['source_filters'])}" for r in out["sizes"])
    )
    print(f"tantivy: skipped, {out['tantivy_note']}" if "tantivy_note" in out else TANTIVY_ABOUT)


if __name__ == "__main__":
    sys.exit(main())
