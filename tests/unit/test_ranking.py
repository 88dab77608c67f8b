"""Length-fair ranking: bare headings and one-liners do not outrank discussing paragraphs."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchdesk.indexer import build_index
from searchdesk.searcher import SearchIndex

S004 = "seeds/004_58e2441d30baac30.txt"


@pytest.fixture(scope="module")
def ix(seeds_index: Path) -> SearchIndex:
    return SearchIndex(seeds_index)


def test_a_heading_ranks_below_the_paragraph_that_discusses_it(ix: SearchIndex) -> None:
    hits = ix.search("article 5").hits
    heading = "Une offre américaine inspirée de l’article 5"
    places = [h.text for h in hits]
    assert heading in places
    assert places.index(heading) == len(places) - 1
    assert hits[0].source == S004 and len(hits[0].text) > 200


def test_a_short_heading_line_is_not_first(ix: SearchIndex) -> None:
    hits = ix.search("etats-unis").hits
    assert hits[0].text != "Retrait des États-Unis du groupe"
    assert "Retrait des États-Unis du groupe" in [
        h.text for h in ix.search("etats-unis", limit=50).hits
    ]


def test_a_heading_lifts_the_paragraphs_under_it(tmp_path: Path) -> None:
    """Two paragraphs hold the words alike; the one under a heading naming them ranks first."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(
        "# Généralités\n\nLe serveur lit la configuration du réseau au démarrage.\n",
        encoding="utf-8",
    )
    (docs / "b.md").write_text(
        "# Configuration du réseau\n\nLe serveur lit la configuration du réseau au démarrage.\n",
        encoding="utf-8",
    )
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    with SearchIndex(index_dir) as six:
        hits = six.search("configuration réseau").hits
    paragraphs = [h for h in hits if h.text.startswith("Le serveur")]
    assert paragraphs and paragraphs[0].source.endswith("b.md")
    # the heading itself comes after the paragraph under it
    texts = [h.text for h in hits]
    assert texts.index("Configuration du réseau") > texts.index(paragraphs[0].text)
