"""Searching the seeds index: ranking, collapsing, facets, highlights, suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchdesk.errors import QuerySyntaxError
from searchdesk.searcher import SearchIndex

S004 = "seeds/004_58e2441d30baac30.txt"
S000 = "seeds/000_3c61d84c98e9853d.txt"
S001 = "seeds/001_0d7a7954c6adc04e.txt"
S003 = "seeds/003_4bb2eacd3f5803ba.txt"


@pytest.fixture(scope="module")
def ix(seeds_index: Path) -> SearchIndex:
    return SearchIndex(seeds_index)


def marked(hit_text: str, spans: tuple[tuple[int, int], ...]) -> list[str]:
    return [hit_text[a:b] for a, b in spans]


def test_article_5_ranks_the_phrase_first(ix: SearchIndex) -> None:
    result = ix.search("article 5")
    assert result.hits[0].source == S004
    assert all(h.source == S004 for h in result.hits)
    first = result.hits[0]
    assert "l’article 5" in first.text
    assert marked(first.text, first.highlights)[:2] == ["article", "5"]


def test_adjacent_words_outrank_scattered_ones(tmp_path: Path) -> None:
    from searchdesk.indexer import build_index

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(
        "La paix reviendra un jour, dit-on, et la guerre durable cessera.\n"
    )
    (docs / "b.txt").write_text("Une paix durable.\n")
    build_index([docs], tmp_path / "ix")
    with SearchIndex(tmp_path / "ix") as other:
        assert [h.source for h in other.search("paix durable").hits] == ["docs/b.txt", "docs/a.txt"]


def test_repeated_paragraphs_collapse(ix: SearchIndex) -> None:
    result = ix.search("Witkoff", limit=50)
    digests = [h.text for h in result.hits]
    assert len(digests) == len(set(digests)) == result.total
    collapsed = [h for h in result.hits if h.also_in]
    assert collapsed, "001 repeats paragraphs of 000"
    hit = collapsed[0]
    assert {hit.source, *(loc.source for loc in hit.also_in)} >= {S000, S001}


def test_facets_count_collapsed_hits_per_source(ix: SearchIndex) -> None:
    result = ix.search("Witkoff", limit=50)
    for name, count in result.facets.items():
        filtered = ix.search("Witkoff", limit=50, sources=[name])
        assert filtered.total == count
        assert all(
            h.source == name or any(loc.source == name for loc in h.also_in) for h in filtered.hits
        )
        assert filtered.facets == result.facets  # facets ignore the filter


def test_source_filter_and_source_syntax(ix: SearchIndex) -> None:
    a = ix.search("Ukraine", sources=[S003], limit=100)
    b = ix.search(f"Ukraine source:{S003}", limit=100)
    assert a.total == b.total > 0
    assert {h.source for h in b.hits} == {S003}


def test_highlights_are_accent_insensitive(ix: SearchIndex) -> None:
    hit = ix.search("etats-unis").hits[0]
    assert "États-Unis" in marked(hit.text, hit.highlights)  # one span for the compound


def test_query_language(ix: SearchIndex) -> None:
    both = ix.search("Hegseth AND Austin").total
    either = ix.search("Hegseth OR Austin").total
    only = ix.search("Hegseth NOT Austin").total
    assert 0 < both < either
    assert only == ix.search("Hegseth").total - both
    assert ix.search("(Hegseth OR Blinken) Bruxelles").total > 0
    assert ix.search('"garantie sécuritaire"').total > 0
    assert ix.search("négociation*").total == ix.search("negociations").total
    assert ix.search("Zelenski~").total == ix.search("Zelensky").total > 0


def test_prefix_last_while_typing(ix: SearchIndex) -> None:
    assert ix.search("négoc", suggest=False).total == 0
    result = ix.search("négoc", prefix_last=True)
    assert result.total > 0
    assert any("égociation" in t for h in result.hits for t in marked(h.text, h.highlights))


def test_did_you_mean_keeps_accents(ix: SearchIndex) -> None:
    result = ix.search("negociatoins")
    assert result.total == 0
    assert result.suggestion == "négociations"
    assert ix.search("Ukriane garantie").suggestion == "Ukraine garantie"
    assert ix.search("negociations").suggestion is None
    assert ix.search(f"source:{S004} garantie").suggestion is None


def test_stop_words_only_gives_nothing(ix: SearchIndex) -> None:
    result = ix.search("le la les")
    assert (result.total, result.hits) == (0, ())


def test_too_long_query_is_refused(ix: SearchIndex) -> None:
    with pytest.raises(QuerySyntaxError):
        ix.search("mot " * 3000)


def test_document_and_sources(ix: SearchIndex) -> None:
    hit = ix.search("article 5").hits[0]
    chunks = ix.document(hit.path)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert chunks[hit.ordinal].text == hit.text
    infos = {i.source: i for i in ix.sources()}
    seeds = Path(__file__).parents[2] / "seeds"
    assert set(infos) == {f"seeds/{f.name}" for f in seeds.iterdir()}
    assert infos[S004].title.startswith("Trump propose à Zelensky")


def test_stats(ix: SearchIndex) -> None:
    stats = ix.stats()
    assert stats.files == 5
    assert stats.paragraphs > stats.distinct_paragraphs > 0
    assert stats.terms > 100 and stats.size_bytes > 0 and stats.last_update


def test_prefixes_are_whole_word_prefixes(ix: SearchIndex) -> None:
    # The stem of « sécuritaire » is shorter than "sécurita": the prefix is
    # matched against whole words, then mapped to their stems.
    assert ix.search("sécurita*").total == ix.search("sécuritaire").total > 0
    assert ix.search("securitai*").total == ix.search("sécuritaire").total
    # Typing: a partial word is a prefix, a complete word is exact.
    assert ix.search("sécurita", prefix_last=True).total == ix.search("sécuritaire").total
    assert ix.search("Ukraine", prefix_last=True).total == ix.search("Ukraine").total
    # A partial word being typed is not "misspelled"; a finished typo is.
    assert ix.search("négociatio", prefix_last=True).suggestion is None
    assert ix.search("negociatoins", prefix_last=True).suggestion == "négociations"


def test_one_letter_prefix_is_refused(ix: SearchIndex) -> None:
    for query in ("a*", "x*", "Ukraine é*"):
        with pytest.raises(QuerySyntaxError, match="prefix too short"):
            ix.search(query)
