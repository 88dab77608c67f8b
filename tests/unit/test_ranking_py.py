"""The plain-Python path (:mod:`searchdesk.ranking_py`) answers exactly as the arrays.

A one-shot process (``searchdesk query``) evaluates queries in plain Python
rather than import numpy. On the same multi-segment index with deletions as
``test_ranking_arrays.py``, fixed and random queries give the same matches
with bit-identical scores, and the same results (hits, order, facets, totals,
highlights, why) as the arrays; what it does not evaluate falls back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from searchdesk import ranking, ranking_py
from searchdesk import searcher as searcher_mod
from searchdesk.errors import QuerySyntaxError
from searchdesk.searcher import SearchIndex

from .test_ranking_arrays import FIXED, index, key, random_queries

__all__ = ["index"]  # the fixture, shared

#: Shapes the plain-Python path must evaluate itself (no fallback).
EVALUATED = [
    "fichier",
    "négociations",
    "répertoire courant",
    "Trump OR Poutine",
    "processus OR thread",
    '"garantie sécuritaire"',
    '"cessez le feu"',
    "erreur mémoire",
    "fichier zorglub",
    "Ukraine^3 paix",
    "l'utilisateur",
]


@pytest.fixture
def forced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every query the plain-Python path can take goes there (numpy is loaded in
    the test process); returns the queries it answered."""
    monkeypatch.setattr(searcher_mod, "_numpy_imported", lambda: False)
    monkeypatch.setattr(searcher_mod, "ARRAY_POSTINGS", 0)
    monkeypatch.setattr(searcher_mod, "PY_POSTINGS", 10**9)
    answered: list[str] = []
    original = ranking_py.evaluate

    def spy(q: object, *args: object) -> object:
        result = original(q, *args)  # type: ignore[arg-type]
        answered.append(repr(q))
        return result

    monkeypatch.setattr(ranking_py, "evaluate", spy)
    return answered


def evaluations(ix: SearchIndex, text: str) -> tuple[object, object] | None:
    """(arrays, plain Python) matches of one compiled query; None if unsupported."""
    with ix._pooled_searcher() as (s, marker):
        q = ix._compile(text, False, s.reader(), searcher_mod._Budget(5), marker)
        arrays = ranking.ArrayRanker().evaluate(q, s, s.weighting, lambda: None)
        try:
            plain = ranking_py.evaluate(q, s, s.weighting, lambda: None)
        except ranking_py.Unsupported:
            return None
    return list(zip(arrays.docnums.tolist(), arrays.scores.tolist(), strict=True)), plain


def test_matches_and_scores_are_bit_identical(index: Path) -> None:
    with SearchIndex(index) as ix:
        texts = [*FIXED, *(q for q, _s in random_queries(ix, 300, seed=29))]
        evaluated = 0
        for text in texts:
            try:
                both = evaluations(ix, text)
            except QuerySyntaxError:
                continue
            if both is None:
                continue
            evaluated += 1
            assert both[0] == both[1], text  # floats compared with ==: the same doubles
        assert evaluated > len(texts) * 0.6
        for text in EVALUATED:
            assert evaluations(ix, text) is not None, text


@pytest.mark.parametrize("limit", [1, 3, 10, 100])
def test_fixed_queries(index: Path, forced: list[str], limit: int) -> None:
    with SearchIndex(index, one_shot=True) as p, SearchIndex(index, ranker="arrays") as a:
        for q in FIXED:
            rp, ra = p.search(q, limit=limit), a.search(q, limit=limit)
            assert key(rp) == key(ra), q
            assert [h.score for h in rp.hits] == [h.score for h in ra.hits], q
    assert len(forced) >= len(EVALUATED)


def test_random_queries(index: Path, forced: list[str]) -> None:
    with SearchIndex(index, one_shot=True) as p, SearchIndex(index, ranker="arrays") as a:
        queries = random_queries(a, 400, seed=17)
        for q, sources in queries:
            for limit in (5, 50):
                try:
                    ra = a.search(q, limit=limit, sources=sources)
                except QuerySyntaxError:  # a pattern too short, say: refused by both
                    with pytest.raises(QuerySyntaxError):
                        p.search(q, limit=limit, sources=sources)
                    continue
                rp = p.search(q, limit=limit, sources=sources)
                assert key(rp) == key(ra), (q, sources, limit)
                assert [h.score for h in rp.hits] == [h.score for h in ra.hits], q
    assert len(forced) > 200  # most of them did take the plain-Python path


def test_only_a_one_shot_process_without_numpy_takes_it(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[object] = []
    monkeypatch.setattr(ranking_py, "evaluate", lambda *a: taken.append(a) or [])
    monkeypatch.setattr(searcher_mod, "ARRAY_POSTINGS", 0)
    with SearchIndex(index) as ix:  # a long-lived index: numpy repays itself
        ix.search("fichier")
    assert not taken
    with SearchIndex(index, one_shot=True) as ix:  # numpy is loaded in this process
        ix.search("fichier")
    assert not taken
    monkeypatch.setattr(searcher_mod, "_numpy_imported", lambda: False)
    with SearchIndex(index, one_shot=True) as ix:
        ix.search("fichier")
        assert taken and ix._arrays is None
        monkeypatch.setattr(searcher_mod, "PY_POSTINGS", 1)  # too long: numpy's arrays
        taken.clear()
        ix.search("fichier")
        assert not taken and ix._arrays is not None


def test_unsupported_queries_fall_back(index: Path, forced: list[str]) -> None:
    with SearchIndex(index, one_shot=True) as p, SearchIndex(index, ranker="arrays") as a:
        for q in ["fich*", "Russie NOT Trump", "Zelenski~", '"accord paix"~3']:
            assert key(p.search(q)) == key(a.search(q)), q
    assert not forced
