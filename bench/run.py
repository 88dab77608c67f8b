"""Benchmark searchdesk against its peers on one corpus, in one run.

Run by hand (never in the tests)::

    python bench/run.py                      # man-fr from ../shared/corpora
    python bench/run.py --files 300          # a quick run on 300 pages
    python bench/run.py --corpus DIR --json out.json
    python bench/make_formats.py /tmp/formats && python bench/run.py --formats /tmp/formats

Measures, on the same paragraphs: searchdesk (CLI and engine), plain
single-process Whoosh with the same French analyzer (the engine's floor),
SQLite FTS5 (``unicode61 remove_diacritics 2``) and ripgrep (no index).
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
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MAN_FR = ROOT.parent / "shared" / "corpora" / "man-fr.tar.xz"

#: (searchdesk query, source filter, FTS5 query, ripgrep pattern)
QUERIES: list[tuple[str, str | None, str, str]] = [
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
    if args.corpus:
        source = Path(args.corpus)
    else:
        if not MAN_FR.exists():
            raise SystemExit(f"no corpus: pass --corpus DIR or provide {MAN_FR}")
        with tarfile.open(MAN_FR) as tar:
            tar.extractall(work / "extract", filter="data")
        source = work / "extract" / "man"
    files = sorted(p for p in source.rglob("*") if p.is_file())
    if args.files:
        files = files[: args.files]
    corpus = work / "corpus"
    for f in files:
        dest = corpus / f.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, dest)
    return corpus


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

PLAIN_QUERY = """
import sys
from whoosh import index
from whoosh.qparser import QueryParser
ix = index.open_dir({out!r})
with ix.searcher() as s:
    q = QueryParser("body", ix.schema).parse(sys.argv[1])
    for hit in s.search(q, limit=10):
        print(hit["source"], hit.highlights("body")[:80])
"""


def plain_whoosh_queries(index_dir: Path, runs: int) -> list[float]:
    from whoosh import index
    from whoosh.qparser import QueryParser
    from whoosh.query import Term

    ix = index.open_dir(str(index_dir))
    times: list[float] = []
    with ix.searcher() as s:
        parser = QueryParser("body", ix.schema)
        for _ in range(runs):
            for text, source, _fts, _rg in QUERIES:
                started = time.perf_counter()
                q = parser.parse(text)
                flt = Term("source", source) if source else None
                results = s.search(q, limit=10, filter=flt, groupedby="source")
                for hit in results:
                    hit.highlights("body")
                results.groups("source")
                times.append((time.perf_counter() - started) * 1000)
    return times


def fts5_build(db: Path, paras: list[tuple[str, str]]) -> float:
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


def fts5_queries(db: Path, runs: int) -> list[float]:
    con = sqlite3.connect(db)
    times: list[float] = []
    for _ in range(runs):
        for _text, source, fts, _rg in QUERIES:
            started = time.perf_counter()
            where = "p MATCH ?" + (" AND source = ?" if source else "")
            params: list[Any] = [fts] + ([source] if source else [])
            con.execute(
                f"SELECT source, highlight(p, 0, '[', ']') FROM p WHERE {where}"
                " ORDER BY bm25(p) LIMIT 10",
                params,
            ).fetchall()
            con.execute(
                f"SELECT source, count(*) FROM p WHERE {where} GROUP BY source", params
            ).fetchall()
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


# -- searchdesk --------------------------------------------------------------


def searchdesk_queries(index_dir: Path, runs: int) -> list[float]:
    from searchdesk.searcher import SearchIndex

    times: list[float] = []
    with SearchIndex(index_dir) as ix:
        for text, source, _fts, _rg in QUERIES:  # warm-up
            ix.search(text, sources=[source] if source else [])
        for _ in range(runs):
            for text, source, _fts, _rg in QUERIES:
                started = time.perf_counter()
                ix.search(text, sources=[source] if source else [])
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
    """Last keystroke → results shown, minus the debounce (ms), through Pilot."""
    from searchdesk.tui.app import DEBOUNCE_SECONDS, make_app

    texts = [q for q, source, _f, _r in QUERIES if source is None][:20]
    samples: list[float] = []

    async def drive() -> None:
        app = make_app(index_dir)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            for text in texts:
                app.query_box.value = text[:-1]
                await pilot.pause(0.4)
                # The last keystroke (setting the value fires Input.Changed as typing does).
                app.query_box.value = text
                started = time.perf_counter()
                while (app.result is None or app.result.query != text) and (
                    time.perf_counter() - started < 5
                ):
                    # Not pilot.pause(): each call sends a callback to every widget
                    # to wait for idle, and at 1 ms that harness work competed with
                    # the search thread for the GIL (4x slower searches measured).
                    await asyncio.sleep(0.001)
                samples.append((time.perf_counter() - started - DEBOUNCE_SECONDS) * 1000)

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
    parser.add_argument("--corpus", help="folder of documents (default: man-fr)")
    parser.add_argument("--files", type=int, default=0, help="use only the first N files")
    parser.add_argument("--runs", type=int, default=5, help="repetitions of the query list")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--no-tui", action="store_true", help="skip the TUI measurement")
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
    formats = Path(args.formats).resolve() if args.formats else None
    if formats:
        format_files(formats)  # fail now, not after the text corpus

    work = Path(tempfile.mkdtemp(prefix="searchdesk-bench-"))
    try:
        r: dict[str, Any] = {} if args.formats_only else text_bench(args, work)
        if formats:
            r["formats"] = formats_bench(formats, work, args.format_runs)
            print_formats_table(r["formats"])
        if args.json:
            meta = {"date": time.strftime("%Y-%m-%d"), "machine": machine()}
            Path(args.json).write_text(json.dumps({**meta, **r}, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def text_bench(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The text corpus: index, queries and TUI for every peer; prints its table."""
    corpus = prepare_corpus(args, work)
    text_bytes = dir_size(corpus)
    paras = paragraphs(corpus)
    n_files = sum(1 for p in corpus.rglob("*") if p.is_file())
    print(f"corpus: {n_files} files, {text_bytes / 1e6:.1f} MB, {len(paras)} paragraphs")
    py = sys.executable
    sd_index = work / "sd-index"
    r: dict[str, Any] = {
        "files": n_files,
        "text_mb": text_bytes / 1e6,
        "paragraphs": len(paras),
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

    step("warm queries")
    sd_q = searchdesk_queries(sd_index, args.runs)
    plain_q = plain_whoosh_queries(plain, args.runs)
    fts_q = fts5_queries(db, args.runs)
    rg_q = rg_queries(corpus, 1)
    for name, values in (("sd", sd_q), ("plain", plain_q), ("fts", fts_q), ("rg", rg_q)):
        if values:
            r[f"{name}_q_p50"], r[f"{name}_q_p95"] = pct(values, 0.5), pct(values, 0.95)

    step("cold queries")
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


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def print_table(r: dict[str, Any]) -> None:
    def f(key: str, fmt: str = "{:.2f}") -> str:
        return fmt.format(r[key]) if key in r else "—"

    def ratio(a: str, b: str) -> str:
        return f"{r[a] / r[b]:.2f}×" if a in r and b in r and r[b] else "—"

    rows = [
        (
            "full index (s)",
            f("sd_index_s"),
            f("plain_index_s"),
            f("fts_index_s"),
            "—",
            ratio("sd_index_s", "plain_index_s"),
        ),
        (
            "paragraphs/s",
            f"{r['paragraphs'] / r['sd_index_s']:.0f}",
            f"{r['paragraphs'] / r['plain_index_s']:.0f}",
            f"{r['paragraphs'] / r['fts_index_s']:.0f}",
            "—",
            "",
        ),
        (
            "MB/s",
            f"{r['text_mb'] / r['sd_index_s']:.2f}",
            f"{r['text_mb'] / r['plain_index_s']:.2f}",
            f"{r['text_mb'] / r['fts_index_s']:.2f}",
            "—",
            "",
        ),
        (
            "peak memory (MB)",
            f("sd_index_rss_mb", "{:.0f}"),
            f("plain_index_rss_mb", "{:.0f}"),
            "—",
            "—",
            "",
        ),
        (
            "index size / text",
            f("sd_size_ratio"),
            f("plain_size_ratio"),
            f("fts_size_ratio"),
            "—",
            "",
        ),
        ("re-index, nothing changed (s)", f("sd_reindex_s"), "—", "—", "—", ""),
        ("re-index, one file touched (s)", f("sd_touch_s"), "—", "—", "—", ""),
        (
            "warm query p50 (ms)",
            f("sd_q_p50", "{:.1f}"),
            f("plain_q_p50", "{:.1f}"),
            f("fts_q_p50", "{:.1f}"),
            f("rg_q_p50", "{:.0f}"),
            ratio("sd_q_p50", "plain_q_p50"),
        ),
        (
            "warm query p95 (ms)",
            f("sd_q_p95", "{:.1f}"),
            f("plain_q_p95", "{:.1f}"),
            f("fts_q_p95", "{:.1f}"),
            f("rg_q_p95", "{:.0f}"),
            ratio("sd_q_p95", "plain_q_p95"),
        ),
        (
            "cold query, whole process (ms)",
            f("sd_cold_ms", "{:.0f}"),
            f("plain_cold_ms", "{:.0f}"),
            "—",
            "—",
            ratio("sd_cold_ms", "plain_cold_ms"),
        ),
        ("TUI keystroke → results p50 (ms)", f("tui_p50", "{:.1f}"), "—", "—", "—", ""),
        ("TUI keystroke → results p95 (ms)", f("tui_p95", "{:.1f}"), "—", "—", "—", ""),
    ]
    header = ("", "searchdesk", "plain Whoosh", "SQLite FTS5", "ripgrep", "sd / Whoosh")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


if __name__ == "__main__":
    sys.exit(main())
