"""Build a corpus of real PDF, DOCX, ODT, HTML and EPUB documents from man-fr.

Run by hand (never in the tests)::

    python bench/make_formats.py /tmp/formats            # ~2 min on 2 cores
    python bench/make_formats.py /tmp/formats-small --docs 20
    python bench/run.py --formats /tmp/formats

Why real producers: an extractor's cost and its paragraphs depend on how the
file was written (pandoc's DOCX/ODT/HTML/EPUB, LibreOffice's PDF), which no
hand-made fixture reproduces. The man pages (plain text) are deduplicated (many
are aliases of one page), turned into Markdown (capitalised lines such as
``DESCRIPTION`` become ``##``, short lines indented by a few spaces ``###``,
blank-line separated blocks paragraphs), and concatenated in name order into
documents of ``--pages/4`` to ``--pages`` pages (man-fr holds enough distinct
text for ``--docs 150`` at 20 pages: about 1,700 PDF pages). Every choice is a
function of the sorted input: no randomness, so two runs give the same
documents (byte identity aside: producers stamp dates).

Output: ``OUT_DIR/{pdf,docx,odt,html,epub}/NNN-first-page.EXT`` and
``OUT_DIR/manifest.json`` (parameters, and per document its man pages, text
size and, for PDFs, page count). A folder whose manifest has the same
parameters is kept as it is (the cache); the build happens in a sibling
folder renamed at the end, so an interrupted run leaves no half corpus.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: bench/make_man_fr.sh writes it here (as bench/run.py expects).
MAN_FR = ROOT / "bench" / "corpora" / "man-fr.tar.xz"

#: Bump when the way documents are made changes (invalidates caches).
VERSION = 2
#: Characters of man text per page once rendered by LibreOffice from pandoc's
#: DOCX (12 pt body, headings, short paragraphs): measured, about 1,900.
CHARS_PER_PAGE = 1_900
#: Documents per format for --docs N: (format, share of N). PDFs are written
#: as DOCX by pandoc then printed to PDF by LibreOffice.
SHARES: tuple[tuple[str, float], ...] = (
    ("pdf", 1.0),
    ("docx", 1.0),
    ("odt", 0.2),
    ("html", 0.2),
    ("epub", 0.1),
)
#: Files per soffice call: it takes seconds to start, then ~0.3 s a document.
SOFFICE_BATCH = 50
#: Pandoc stamps this date (zip entries, metadata) where it honours it.
SOURCE_DATE_EPOCH = "1700000000"

_HEADER = re.compile(r"^\S+\(\w+\)\s{2,}.*\s{2,}\S+\(\w+\)\s*$")
_FOOTER = re.compile(r"^Pages du manuel de .*\S+\(\w+\)\s*$")
_PUNCT = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~^$@:;\"'=&%/,?])")


@dataclass
class Doc:
    """One document to make: its format, name, man pages and Markdown."""

    fmt: str
    name: str
    title: str
    pages: list[str] = field(default_factory=list)
    chars: int = 0
    markdown: list[str] = field(default_factory=list)
    pdf_pages: int | None = None
    bytes: int = 0


def escape(text: str) -> str:
    """Backslash every ASCII punctuation Markdown might read (C code, lists, emphasis)."""
    return _PUNCT.sub(r"\\\1", text)


def man_to_markdown(text: str) -> tuple[str, list[list[str]]]:
    """(title, sections) of one man page rendered as text by groff.

    Each section is its Markdown blocks, the ``##`` heading first; the
    ``# title`` line is left to the caller, which may split a long page.
    """
    lines = text.splitlines()
    title = ""
    if lines and _HEADER.match(lines[0]):
        title = lines[0].split()[0]
        lines = lines[1:]
    while lines and (not lines[-1].strip() or _FOOTER.match(lines[-1])):
        lines.pop()
    sections: list[list[str]] = [[]]
    block: list[str] = []

    def flush() -> None:
        if not block:
            return
        first = block[0]
        indent = len(first) - len(first.lstrip())
        joined = " ".join(" ".join(block).split())  # groff justifies with runs of spaces
        if indent == 0:
            sections.append([f"## {escape(joined)}"])
        elif indent < 7 and len(block) == 1 and len(joined) < 70 and not joined.endswith(":"):
            sections[-1].append(f"### {escape(joined)}")
        else:
            sections[-1].append(escape(joined))
        block.clear()

    for line in lines:
        if not line.strip():
            flush()
        elif line[0] != " ":  # a section heading stands alone even without blank lines
            flush()
            block.append(line)
            flush()
        else:
            block.append(line)
    flush()
    return title, [s for s in sections if s]


@dataclass
class Unit:
    """A man page, or a run of sections of a long one: what documents are cut from."""

    label: str
    markdown: str

    @property
    def chars(self) -> int:
        """Length of the text, escapes aside."""
        return len(self.markdown) - self.markdown.count("\\")


def units(name: str, text: str, limit: int) -> list[Unit]:
    """The page as one unit, or cut into parts of at most ``limit`` characters.

    A part starts at a section when it can, else between paragraphs (the
    ``SHELL BUILTIN COMMANDS`` section of bash(1) alone is 30 pages).
    """
    title, sections = man_to_markdown(text)
    title = title or name.removesuffix(".txt")
    parts: list[list[str]] = [[]]
    size = 0
    for section in sections:
        length = sum(len(b) + 2 for b in section)
        if parts[-1] and size + length > limit:
            parts.append([])
            size = 0
        for block in section:
            if parts[-1] and size + len(block) > limit:
                parts.append([])
                size = 0
            parts[-1].append(block)
            size += len(block) + 2
    out = []
    for i, part in enumerate(parts, start=1):
        label = title if len(parts) == 1 else f"{title} ({i}/{len(parts)})"
        out.append(Unit(label, "\n\n".join([f"# {escape(label)}", *part]) + "\n"))
    return out


def load_pages(archive: Path, work: Path) -> list[tuple[str, str]]:
    """(file name, text) of man-fr's pages, sorted, each distinct text once."""
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    seen: set[str] = set()
    pages = []
    for path in sorted((work / "man").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        digest = hashlib.sha1(text.encode()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            pages.append((path.name, text))
    return pages


def plan(pages: list[tuple[str, str]], docs: int, max_pages: int) -> list[Doc]:
    """Cut the sorted pages into documents, formats interleaved so each gets a like mix."""
    counts = {fmt: max(1, round(docs * share)) for fmt, share in SHARES}
    # A fixed cycle: at each step, the format furthest behind its quota.
    order: list[str] = []
    made = dict.fromkeys(counts, 0)
    for _ in range(sum(counts.values())):
        fmt = min(counts, key=lambda f: (made[f] / counts[f], list(counts).index(f)))
        made[fmt] += 1
        order.append(fmt)
    low = max(1, max_pages // 4)
    span = max_pages - low + 1
    todo = [u for name, text in pages for u in units(name, text, low * CHARS_PER_PAGE)]
    out: list[Doc] = []
    index = 0
    for i, fmt in enumerate(order):
        # Targets cycle through the whole range (7 is prime to most spans).
        target = (low + (i * 7) % span) * CHARS_PER_PAGE
        doc = Doc(fmt, "", "")
        # Fill up to the target, and at least to the smallest size.
        while index < len(todo) and (
            doc.chars < low * CHARS_PER_PAGE or doc.chars + todo[index].chars <= target
        ):
            doc.pages.append(todo[index].label)
            doc.markdown.append(todo[index].markdown)
            doc.chars += todo[index].chars
            index += 1
        if not doc.pages:
            print(f"  man-fr exhausted after {len(out)} documents", file=sys.stderr)
            break
        number = sum(1 for d in out if d.fmt == fmt) + 1
        stem = re.sub(r"[^\w.-]+", "_", doc.pages[0].lower()).strip("_")
        doc.name = f"{number:03d}-{stem}.{fmt}"
        span_ = f"{doc.pages[0]} à {doc.pages[-1]}" if len(doc.pages) > 1 else doc.pages[0]
        doc.title = f"Manuel Linux, recueil {fmt.upper()} {number} : {span_}"
        out.append(doc)
    return out


def run(cmd: Sequence[str], timeout: float = 600) -> None:
    """Run a producer; fail loudly with the end of its stderr."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[-800:]}")


def pandoc(doc: Doc, md_dir: Path, dest: Path) -> None:
    """Markdown → DOCX/ODT/HTML/EPUB (for PDFs: DOCX, printed later)."""
    source = md_dir / (doc.name + ".md")
    source.write_text("\n".join(doc.markdown), encoding="utf-8")
    to = "docx" if doc.fmt == "pdf" else doc.fmt
    cmd = ["pandoc", "-f", "markdown", "-t", to, "-o", str(dest), str(source)]
    cmd += ["--metadata", f"title={doc.title}", "--metadata", "lang=fr-FR"]
    if to == "html":
        cmd += ["--standalone", "--wrap=none"]
    run(cmd)


def soffice_to_pdf(sources: list[Path], out_dir: Path, profile: Path) -> None:
    """DOCX → PDF with LibreOffice, in batches (it is slow to start)."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if not binary:
        raise SystemExit("soffice (LibreOffice) not found: needed for the PDFs")
    for start in range(0, len(sources), SOFFICE_BATCH):
        batch = sources[start : start + SOFFICE_BATCH]
        cmd = [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless"]
        cmd += ["--norestore", "--convert-to", "pdf", "--outdir", str(out_dir)]
        run([*cmd, *map(str, batch)], timeout=60 + 30 * len(batch))
        print(f"  soffice: {start + len(batch)}/{len(sources)} PDFs", file=sys.stderr, flush=True)


def pdf_pages(path: Path) -> int:
    """Page count: pdfinfo (poppler-utils), else pypdfium2 (a searchdesk dependency)."""
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
        if found:
            return int(found.group(1))
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def build(out: Path, archive: Path, docs: int, max_pages: int) -> dict[str, object]:
    """Make the corpus in a sibling folder, then move it to ``out``."""
    params = {"version": VERSION, "docs": docs, "pages": max_pages, "source": archive.name}
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=out.name + ".part-", dir=out.parent))
    work = Path(tempfile.mkdtemp(prefix="searchdesk-formats-"))
    try:
        pages = load_pages(archive, work / "man-fr")
        plan_ = plan(pages, docs, max_pages)
        md_dir, docx_dir = work / "md", work / "pdf-docx"
        md_dir.mkdir()
        docx_dir.mkdir()
        for fmt, _ in SHARES:
            (stage / fmt).mkdir()

        def make(doc: Doc) -> None:
            if doc.fmt == "pdf":
                dest = docx_dir / (Path(doc.name).stem + ".docx")
            else:
                dest = stage / doc.fmt / doc.name
            pandoc(doc, md_dir, dest)

        started = time.perf_counter()
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            list(pool.map(make, plan_))
        took = time.perf_counter() - started
        print(f"  pandoc: {len(plan_)} files, {took:.0f} s", file=sys.stderr, flush=True)

        soffice_to_pdf(sorted(docx_dir.glob("*.docx")), stage / "pdf", work / "lo-profile")
        for doc in plan_:
            path = stage / doc.fmt / doc.name
            if not path.exists():
                raise SystemExit(f"{path} was not produced")
            doc.bytes = path.stat().st_size
            if doc.fmt == "pdf":
                doc.pdf_pages = pdf_pages(path)
        manifest: dict[str, object] = {
            **params,
            "documents": [{k: v for k, v in asdict(d).items() if k != "markdown"} for d in plan_],
        }
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
        if out.exists():
            out.rmdir()  # empty (checked by the caller)
        stage.rename(out)
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(stage, ignore_errors=True)


def summary(manifest: dict[str, object]) -> str:
    """One line per format: files, MB, PDF pages."""
    docs = manifest["documents"]
    assert isinstance(docs, list)
    lines = []
    for fmt, _ in SHARES:
        mine = [d for d in docs if d["fmt"] == fmt]
        if not mine:
            continue
        mb = sum(d["bytes"] for d in mine) / 1e6
        text = sum(d["chars"] for d in mine) / 1e6
        extra = ""
        if fmt == "pdf":
            n = [d["pdf_pages"] for d in mine]
            extra = f", {sum(n)} pages ({min(n)}–{max(n)} a file)"
        lines.append(f"  {fmt:5} {len(mine):4} files, {mb:6.1f} MB, {text:5.1f} M chars{extra}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to create (kept if already built)")
    parser.add_argument(
        "--pages", type=int, default=20, help="largest document, in pages (smallest: a quarter)"
    )
    parser.add_argument(
        "--docs",
        type=int,
        default=150,
        help="PDFs and DOCX files to make (a fifth as many ODT and HTML, a tenth EPUB);"
        " 150 uses most of man-fr's distinct text",
    )
    parser.add_argument("--source", type=Path, default=MAN_FR, help="man-fr.tar.xz")
    args = parser.parse_args(argv)
    if args.pages < 1 or args.docs < 1:
        parser.error("--pages and --docs must be positive")
    if not args.source.exists():
        raise SystemExit(f"no man-fr archive at {args.source} (pass --source)")
    for tool in ("pandoc",):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found")

    started = time.perf_counter()
    out: Path = args.out.resolve()
    manifest_path = out / "manifest.json"
    want = {"version": VERSION, "docs": args.docs, "pages": args.pages, "source": args.source.name}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if {k: manifest.get(k) for k in want} != want:
            raise SystemExit(f"{out} holds another corpus ({manifest_path}): remove it first")
        print(f"{out}: already built, kept ({time.perf_counter() - started:.1f} s)")
        print(summary(manifest))
        return 0
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} exists and is not a format corpus: choose another folder")
    manifest = build(out, args.source, args.docs, args.pages)
    print(f"{out}: built in {time.perf_counter() - started:.0f} s")
    print(summary(manifest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
