"""The same files give the same hits, whatever the build: same order, same scores, and
the same representative (and ``also_in``) for every collapsed paragraph.

Document numbers follow Whoosh's segments, which depend on how the index was
built: one process or several workers (each writes its own segment from the
batches it happens to take), one run or several. Ranking and collapsing
must not depend on them. The corpus repeats paragraphs a lot (boilerplate in
every file, more copies than ``also_in`` lists) and holds many distinct
paragraphs of equal score, so that both the representative and the
tie-breaking show.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from searchdesk import indexer
from searchdesk.cli import main
from searchdesk.indexer import build_index

from ..conftest import SEEDS

FILES = 80
PARAGRAPHS = 25
QUERIES = [
    "accord",
    "clause accord",
    "paix",
    "négociation reprend",
    "rédaction relu",
    "Ukraine",
    '"document de travail"',
    "négoc*",
    "Trump OR Poutine",
    "Russie NOT Trump",
    "source:docs/doc007.txt Ukraine",
]


@pytest.fixture(scope="module")
def repeats_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 2,000 paragraphs of the seeds' words; two in five are boilerplate.

    Twelve boilerplate clauses recur across the files, some ten times, some
    over a hundred (more than ``also_in`` lists); a signature ends every
    file; short notes of equal length and score differ only by a number.
    """
    folder = tmp_path_factory.mktemp("repeats") / "docs"
    folder.mkdir()
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())).split()
    rng = random.Random(11)
    boilerplate = [
        f"Clause {k} de l'accord : " + " ".join(rng.choices(words, k=10)) + "." for k in range(12)
    ]
    for i in range(FILES):
        paras = []
        for k in range(PARAGRAPHS):
            if rng.random() < 0.4:
                paras.append(rng.choices(boilerplate, weights=range(1, 13))[0])
            elif k % 7 == 3:
                paras.append(f"Note {i * PARAGRAPHS + k} : la négociation reprend.")
            else:
                paras.append(" ".join(rng.choices(words, k=60)) + ".")
        paras.append("Document de travail, rédaction relu par le service.")
        (folder / f"doc{i:03d}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    return folder


def answers(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """``searchdesk query --json`` of every query; scores to 4 decimals, paths left out
    (the incremental build indexes a copy of the folder elsewhere: same sources)."""
    out = []
    for q in QUERIES:
        code = main(["--index", str(index_dir), "query", q, "--json", "--limit", "15"])
        assert code == 0, q
        result = json.loads(capsys.readouterr().out)
        for hit in result["hits"]:
            del hit["path"]
            hit["score"] = round(hit["score"], 4)
            for loc in hit["also_in"]:
                del loc["path"]
        out.append(result)
    return out


@pytest.fixture(scope="module")
def reference(
    repeats_corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[Path]]:
    """A single-process build in one run, and the corpus files in name order."""
    index_dir = tmp_path_factory.mktemp("one") / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(indexer, "MAX_PROCS", 1)
        build_index([repeats_corpus], index_dir)
    return index_dir, sorted(repeats_corpus.iterdir())


def test_the_corpus_collapses_and_ties(
    reference: tuple[Path, list[Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    results = answers(reference[0], capsys)
    also_in = [len(h["also_in"]) for r in results for h in r["hits"]]
    assert max(also_in) == 50  # more copies than listed
    assert sum(1 for n in also_in if 0 < n < 50) >= 3
    assert sum(1 for n in also_in if n) >= 15
    notes = [h["score"] for h in results[QUERIES.index("négociation reprend")]["hits"]]
    assert len(notes) == 15 and len(set(notes)) < 5  # many distinct paragraphs tie


def test_parallel_build_gives_the_same_hits(
    reference: tuple[Path, list[Path]],
    repeats_corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(indexer, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(indexer, "MAX_PROCS", 2)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    index_dir = tmp_path / "index"
    build_index([repeats_corpus], index_dir)
    assert len(list(index_dir.glob("*.seg"))) >= 2  # one segment per worker
    assert answers(index_dir, capsys) == answers(reference[0], capsys)


def test_two_runs_in_the_other_order_give_the_same_hits(
    reference: tuple[Path, list[Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The second half of the files first, then the first half: document numbers
    (and segments) come in the other order."""
    monkeypatch.setattr(indexer, "MAX_PROCS", 1)
    files = reference[1]
    docs = tmp_path / "docs"  # same folder name: same sources (docs/doc000.txt…)
    docs.mkdir()
    index_dir = tmp_path / "index"
    for part in (files[FILES // 2 :], files[: FILES // 2]):
        for f in part:
            shutil.copy(f, docs / f.name)
        build_index([docs], index_dir)
    assert answers(index_dir, capsys) == answers(reference[0], capsys)
