"""The array path (numpy, :mod:`searchdesk.ranking`) answers exactly as Whoosh's matchers.

Both rankers run on one real index of several segments with deleted
documents (a second, incremental commit), on fixed queries and on queries
drawn at random from the index's own words and paragraphs: same totals,
facets, hits in the same order, the same highlights and "why", and scores
equal to float precision.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from searchdesk import searcher as searcher_mod
from searchdesk.indexer import build_index
from searchdesk.models import SearchResult
from searchdesk.searcher import SearchIndex

ROOT = Path(__file__).resolve().parents[2]
FIXED = [
    "article 5",
    "negociations",
    "négociations",
    "Ukraine",
    '"garantie sécuritaire"',
    '"cessez le feu"',
    "cessez-le-feu",
    "négoc*",
    "fich*",
    "Trump OR Poutine",
    "Russie NOT Trump",
    "Zelenski~",
    "fichier",
    "répertoire courant",
    '"valeur de retour"',
    "processus OR thread",
    "erreur mémoire",
    "fichier zorglub",
    "source:ls.1.txt fichier",
    "ls.1",
    "etc/passwd",
    "l'utilisateur",
    "Ukraine^3 paix",
    '"accord paix"~3',
    '"négociations Ukraine"~4',
    '"valeur retour"~2',
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeds, man pages and the test corpus; then one file removed, one changed, one added."""
    base = tmp_path_factory.mktemp("arrays")
    docs = base / "docs"
    shutil.copytree(ROOT / "seeds", docs / "seeds")
    shutil.copytree(ROOT / "tests" / "fixtures" / "man", docs / "man")
    shutil.copytree(ROOT / "tests" / "fixtures" / "corpus", docs / "corpus")
    index_dir = base / "index"
    build_index([docs], index_dir)
    seeds = sorted((docs / "seeds").iterdir())
    seeds[0].unlink()
    with open(seeds[1], "a", encoding="utf-8") as fh:
        fh.write("\n\nUn paragraphe ajouté : les négociations reprennent sur l'article 5.\n")
    (docs / "ajout.txt").write_text(
        "Le fichier de configuration est lu au démarrage.\n\n"
        "Les négociations sur le fichier reprennent.\n",
        encoding="utf-8",
    )
    build_index([docs], index_dir)
    return index_dir


def key(r: SearchResult) -> tuple[object, ...]:
    hits = [
        (h.source, h.path, h.line, h.ordinal, h.page, h.text, h.highlights, h.why, h.also_in)
        for h in r.hits
    ]
    return (r.total, r.facets, r.suggestion, r.matched_words, r.of_words, hits)


def assert_same(a: SearchResult, w: SearchResult, query: str) -> None:
    assert key(a) == key(w), query
    for ha, hw in zip(a.hits, w.hits, strict=True):
        assert ha.score == pytest.approx(hw.score, rel=1e-12, abs=1e-12), query


def random_queries(ix: SearchIndex, count: int, seed: int) -> list[tuple[str, tuple[str, ...]]]:
    """Words, pairs, phrases, prefixes, ORs and NOTs from the index's own paragraphs."""
    rng = random.Random(seed)
    texts: list[str] = []
    sources = [info.source for info in ix.sources()]
    for info in ix.sources():
        texts.extend(c.text for c in ix.document(info.path))
    words = sorted({w for t in texts for w in re.findall(r"\w{3,}", t)})
    out: list[tuple[str, tuple[str, ...]]] = []
    for _ in range(count):
        kind = rng.randrange(8)
        w1, w2 = rng.choice(words), rng.choice(words)
        if kind == 0:
            q = w1
        elif kind == 1:
            q = f"{w1} {w2}"
        elif kind == 2:
            text = rng.choice(texts).split()
            start = rng.randrange(max(1, len(text) - 3))
            q = '"' + " ".join(text[start : start + rng.randint(2, 3)]).replace('"', "") + '"'
        elif kind == 3:
            q = w1[: rng.randint(3, 5)] + "*"
        elif kind == 4:
            q = f"{w1} OR {w2}"
        elif kind == 5:
            q = f"{w1} NOT {w2}"
        elif kind == 6:
            text = rng.choice(texts).split()
            q = " ".join(text[: rng.randint(2, 4)])
        else:
            q = f"{w1} zorglubique"
        picked = (rng.choice(sources),) if rng.random() < 0.2 and sources else ()
        out.append((q, picked))
    return out


def test_index_has_segments_and_deletions(index: Path) -> None:
    with SearchIndex(index) as ix, ix._pooled_searcher() as (s, _marker):
        subs = s.subsearchers or []
        assert len(subs) > 1
        assert any(sub.reader().has_deletions() for sub, _offset in subs)


@pytest.mark.parametrize("limit", [1, 3, 10, 100])
def test_fixed_queries(index: Path, limit: int) -> None:
    with SearchIndex(index, ranker="arrays") as a, SearchIndex(index, ranker="whoosh") as w:
        for q in FIXED:
            assert_same(a.search(q, limit=limit), w.search(q, limit=limit), q)


def test_random_queries(index: Path) -> None:
    with SearchIndex(index, ranker="arrays") as a, SearchIndex(index, ranker="whoosh") as w:
        queries = random_queries(w, 400, seed=13)
        for q, sources in queries:
            for limit in (5, 50):
                ra = a.search(q, limit=limit, sources=sources)
                rw = w.search(q, limit=limit, sources=sources)
                assert_same(ra, rw, f"{q} {sources} {limit}")


def test_array_path_is_taken(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixed queries do run on arrays (a fallback would make the tests above vacuous)."""
    fallbacks: list[str] = []
    original = searcher_mod.SearchIndex._rank_whoosh

    def spy(self: SearchIndex, *args: object, **kwargs: object) -> object:
        fallbacks.append("whoosh")
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(searcher_mod.SearchIndex, "_rank_whoosh", spy)
    with SearchIndex(index, ranker="arrays") as a:
        for q in FIXED:
            a.search(q)
    assert not fallbacks


def test_auto_waits_for_long_postings(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``auto`` keeps Whoosh's matchers for short posting lists, then arrays for good."""
    with SearchIndex(index) as ix:
        monkeypatch.setattr(searcher_mod, "ARRAY_POSTINGS", 10**9)
        ix.search("Ukraine")
        assert ix._arrays is None
        monkeypatch.setattr(searcher_mod, "ARRAY_POSTINGS", 1)
        ix.search("Ukraine")
        assert ix._arrays is not None


@pytest.mark.parametrize("path", ["arrays", "plain Python"])
def test_the_fast_paths_check_their_budget(index: Path, path: str) -> None:
    """The budget's check (time, cancel) is called while posting lists are read,
    by the arrays and by their plain-Python twin (:mod:`searchdesk.ranking_py`)."""
    from searchdesk import ranking, ranking_py

    evaluate = ranking.ArrayRanker().evaluate if path == "arrays" else ranking_py.evaluate

    class Stop(Exception):
        pass

    def check() -> None:
        raise Stop

    with SearchIndex(index) as ix, ix._pooled_searcher() as (s, marker):
        q = ix._compile(
            "fichier OR négociations", False, s.reader(), searcher_mod._Budget(5), marker
        )
        with pytest.raises(Stop):
            evaluate(q, s, s.weighting, check)


def test_unknown_ranker_is_refused(index: Path) -> None:
    with pytest.raises(ValueError):
        SearchIndex(index, ranker="fast")


@pytest.mark.parametrize("seed", range(20))
def test_ranked_head_equals_a_full_sort(seed: int) -> None:
    """The partitioned head gives what sorting every match gives, ties included."""
    import numpy as np

    from searchdesk.ranking import Ranked

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 5000))
    # Few distinct scores (many ties), some a rounding apart.
    scores = rng.integers(0, 40, n).astype(np.float64) / 7.0
    scores[rng.random(n) < 0.1] *= 1 + 1e-12
    docnums = rng.permutation(n * 3)[:n].astype(np.int64)
    order = np.lexsort((docnums, -scores))
    plain = list(zip(docnums[order].tolist(), scores[order].tolist(), strict=True))
    for count in (1, 5, 12, 50, 400):
        head = Ranked(docnums, scores).head(count, searcher_mod.SCORE_TIE)
        assert head == plain[: len(head)]
        assert len(head) >= min(count, n)
        if len(head) < n:  # it stops where the scores stop being tied
            assert not searcher_mod._tied(head[-1][1], plain[len(head)][1])


def test_a_whoosh_without_the_private_block_api_falls_back(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The array path reads W3 blocks through private attributes: if they vanish, Whoosh answers."""
    from searchdesk import ranking

    def gone(*_args: object, **_kwargs: object) -> None:
        raise AttributeError("_read_data")

    with SearchIndex(index, ranker="whoosh") as w:
        expected = key(w.search("fichier OR négociations"))
    monkeypatch.setattr(ranking, "_read_postings", gone)
    with SearchIndex(index, ranker="arrays") as a:
        assert key(a.search("fichier OR négociations")) == expected
        assert a.ranker == "whoosh"


def test_phrases_read_in_part_answer_the_same(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every phrase word after the rarest read only near the candidates: same answers."""
    from searchdesk import ranking

    monkeypatch.setattr(ranking, "PARTIAL_READ", 0)
    with SearchIndex(index, ranker="arrays") as a, SearchIndex(index, ranker="whoosh") as w:
        phrases = [q for q, _s in random_queries(w, 600, seed=5) if q.startswith('"')]
        assert len(phrases) > 40
        for q in [*FIXED, *phrases]:
            assert_same(a.search(q, limit=20), w.search(q, limit=20), q)


def test_a_partial_read_holds_every_wanted_posting(index: Path) -> None:
    import numpy as np

    from searchdesk import ranking

    with SearchIndex(index) as ix, ix._pooled_searcher() as (s, _marker):
        for sub, _offset in s.subsearchers or [(s, 0)]:
            reader = sub.reader()
            for word in (b"de", b"la", b"negociations", b"fichier"):
                if ("exact", word) not in reader:
                    continue
                whole = ranking._read_postings(reader, "exact", word, True)
                rng = np.random.default_rng(len(whole.ids))
                wanted = np.sort(rng.choice(whole.ids, size=min(5, len(whole.ids)), replace=False))
                part = ranking._read_postings(reader, "exact", word, True, wanted)
                assert set(wanted.tolist()) <= set(part.ids.tolist())
                assert len(part.ids) <= len(whole.ids)
                at = np.searchsorted(whole.ids, part.ids)
                assert (whole.ids[at] == part.ids).all()
                assert (whole.weights[at] == part.weights).all()
                assert [whole.values[i] for i in at.tolist()] == list(part.values)  # type: ignore[index]
