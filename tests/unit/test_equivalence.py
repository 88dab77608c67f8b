"""Optimised paths give the same answers as a plain, fresh, single-process build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from searchdesk import indexer
from searchdesk.indexer import build_index
from searchdesk.models import SearchResult
from searchdesk.searcher import SearchIndex

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
QUERIES = [
    "article 5",
    "etats-unis",
    "negociations",
    "Ukraine",
    "Witkoff",
    '"garantie sécuritaire"',
    "négoc*",
    "Trump OR Poutine",
    "Russie NOT Trump",
    "Zelenski~",
]


def answers(index_dir: Path) -> list[tuple[object, ...]]:
    def key(r: SearchResult) -> tuple[object, ...]:
        # Which copy of a repeated paragraph represents it may differ (equal
        # scores, other document order): compare every location of each hit.
        hits = sorted(
            (
                h.text,
                h.highlights,
                sorted([(h.source, h.line), *((loc.source, loc.line) for loc in h.also_in)]),
            )
            for h in r.hits
        )
        return (r.total, r.facets, r.suggestion, hits)

    with SearchIndex(index_dir) as ix:
        return [key(ix.search(q, limit=100)) for q in QUERIES]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[object, ...]]:
    index_dir = tmp_path_factory.mktemp("reference") / "index"
    build_index([SEEDS], index_dir)
    return answers(index_dir)


def test_parallel_build_matches_single_process(
    reference: list[tuple[object, ...]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexer, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(indexer, "MAX_PROCS", 2)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir)
    assert len(list(index_dir.glob("*.seg"))) >= 1
    assert answers(index_dir) == reference


def test_incremental_build_matches_fresh_build(
    reference: list[tuple[object, ...]], tmp_path: Path
) -> None:
    docs = tmp_path / "seeds"  # same label as the reference: seeds/…
    docs.mkdir()
    files = sorted(SEEDS.iterdir())
    index_dir = tmp_path / "index"
    # Half the files, then a wrong version of one, then all of them right.
    for f in files[:2]:
        shutil.copy(f, docs / f.name)
    build_index([docs], index_dir)
    (docs / files[0].name).write_text("Un texte provisoire sur la paix.\n", encoding="utf-8")
    (docs / "temporaire.txt").write_text("Un fichier bientôt supprimé.\n", encoding="utf-8")
    build_index([docs], index_dir)
    for f in files:
        shutil.copy(f, docs / f.name)
    (docs / "temporaire.txt").unlink()
    report = build_index([docs], index_dir)
    assert (report.added, report.updated, report.removed) == (3, 1, 1)
    assert answers(index_dir) == reference
