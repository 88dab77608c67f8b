"""Most words when not all: the fallback when no paragraph holds every word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchdesk.render import render_json
from searchdesk.searcher import SearchIndex

S002 = "seeds/002_69bb2a699ee90d40.txt"


@pytest.fixture(scope="module")
def ix(seeds_index: Path) -> SearchIndex:
    return SearchIndex(seeds_index)


def words_of(hit: object) -> set[str]:
    return {m.query for m in hit.why}  # type: ignore[attr-defined]


def test_all_words_hits_are_shown_alone(ix: SearchIndex) -> None:
    r = ix.search("accord paix", limit=50)
    assert r.total and not r.partial
    assert r.matched_words is None and r.of_words is None
    assert all(words_of(h) == {"accord", "paix"} for h in r.hits)
    assert r.to_dict()["partial"] is None


def test_a_missing_word_gives_the_paragraphs_with_the_others(ix: SearchIndex) -> None:
    r = ix.search("accord paix zorglub", limit=50)
    assert r.partial and (r.matched_words, r.of_words) == (2, 3)
    assert r.total == len(r.hits) > 0
    assert all(words_of(h) == {"accord", "paix"} for h in r.hits)
    # total and facets describe what is shown
    assert sum(r.facets.values()) >= r.total
    assert json.loads(render_json(r))["partial"] == {"matched_words": 2, "of_words": 3}


def test_only_the_most_words_are_shown(ix: SearchIndex) -> None:
    """The paragraphs with both known words, none with one: as if the unknown one was left out."""
    r = ix.search("ukraine otan zorglub", limit=100)
    assert (r.matched_words, r.of_words) == (2, 3)
    assert all(words_of(h) == {"ukraine", "otan"} for h in r.hits)
    strict_two = ix.search("ukraine otan", limit=100)
    assert r.total == strict_two.total
    assert r.facets == strict_two.facets


def test_all_words_keeps_strict_and(ix: SearchIndex) -> None:
    r = ix.search("accord paix zorglub", all_words=True)
    assert r.total == 0 and not r.hits and not r.partial and r.facets == {}


def test_a_quoted_phrase_stays_mandatory(ix: SearchIndex) -> None:
    r = ix.search('"accord de paix" zorglub ukraine', limit=50)
    assert r.partial and (r.matched_words, r.of_words) == (1, 2)
    assert r.hits and all("accord de paix" in words_of(h) for h in r.hits)
    assert ix.search('"zorglub bidule" ukraine paix').total == 0


def test_not_stays_mandatory(ix: SearchIndex) -> None:
    r = ix.search("paix accord zorglub NOT Moscou", limit=50)
    assert r.partial
    assert r.hits and all("moscou" not in h.text.lower() for h in r.hits)


def test_source_stays_mandatory(ix: SearchIndex) -> None:
    r = ix.search(f"ukraine otan zorglub source:{S002}", limit=50)
    assert r.partial and r.hits
    assert {h.source for h in r.hits} == {S002}
    assert set(r.facets) == {S002}


def test_the_most_words_are_counted_in_the_wanted_sources(ix: SearchIndex) -> None:
    r = ix.search("ukraine otan zorglub", sources=[S002], limit=50)
    assert r.partial and r.hits and {h.source for h in r.hits} == {S002}
    assert r.total == r.facets[S002]


def test_no_word_anywhere_finds_nothing(ix: SearchIndex) -> None:
    r = ix.search("zorglub bidulechouette")
    assert r.total == 0 and not r.partial


def test_one_word_or_a_phrase_alone_is_never_partial(ix: SearchIndex) -> None:
    assert ix.search("zorglub").total == 0
    assert ix.search('"paix zorglub"').total == 0


def test_patterns_count_as_words(ix: SearchIndex) -> None:
    r = ix.search("négoc* zorglub", limit=50)
    assert (r.matched_words, r.of_words) == (1, 2)
    assert r.hits and all(words_of(h) == {"negoc*"} for h in r.hits)


def test_partial_results_are_deterministic(ix: SearchIndex, seeds_index: Path) -> None:
    first = ix.search("ukraine otan lister", limit=20)
    with SearchIndex(seeds_index) as again:
        second = again.search("ukraine otan lister", limit=20)
    assert [(h.source, h.line) for h in first.hits] == [(h.source, h.line) for h in second.hits]


def test_the_document_view_highlights_the_words_present(ix: SearchIndex) -> None:
    hit = ix.search("accord paix zorglub").hits[0]
    found = ix.matches_in(hit.path, "accord paix zorglub")
    assert found.get(hit.ordinal)
    assert ix.matches_in(hit.path, "accord paix zorglub", all_words=True) == {}
