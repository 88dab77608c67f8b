"""Exact forms beside stems, prefixes on words as written, words kept apart, "why".

Real indexes: a few man-fr pages (tests/fixtures/man-words) and one short
document per word of the pairs that Snowball merged (issue 10).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from searchdesk import searcher
from searchdesk.analysis import exact_terms, light_stem, stem, terms
from searchdesk.indexer import build_index
from searchdesk.query import stop_words_only
from searchdesk.searcher import QueryTooBroad, SearchIndex

MAN = Path(__file__).resolve().parents[1] / "fixtures" / "man-words"

#: word → a sentence holding it (one document each).
WORDS = {
    "guerre": "La guerre a duré deux ans.",
    "guérir": "Il faut guérir les blessés.",
    "guère": "Il ne reste guère de temps.",
    "baiser": "Un baiser sur la joue.",
    "baisser": "Les prix vont baisser demain.",
    "marché": "Le marché ouvre à huit heures.",
    "marcher": "Nous aimons marcher en forêt.",
    "pêche": "La pêche en mer est interdite.",
    "péché": "Un péché véniel, disait-il.",
    "pécher": "Il ne faut pas pécher par orgueil.",
    "portée": "Hors de portée des enfants.",
    "porter": "Il faut porter un casque.",
}


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    folder = tmp_path_factory.mktemp("pairs")
    for word, sentence in WORDS.items():
        (folder / f"{word}.txt").write_text(sentence + "\n", encoding="utf-8")
    build_index([folder], folder.parent / "pairs-index")
    return SearchIndex(folder.parent / "pairs-index")


@pytest.fixture(scope="module")
def man(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    index_dir = tmp_path_factory.mktemp("man") / "index"
    build_index([MAN], index_dir)
    return SearchIndex(index_dir)


def found(ix: SearchIndex, query: str) -> set[str]:
    result = ix.search(query, limit=50, suggest=False)
    return {Path(h.source).stem for h in result.hits}


@pytest.mark.parametrize("word", sorted(WORDS))
def test_different_words_stay_apart_both_ways(pairs: SearchIndex, word: str) -> None:
    # Typed with its accents, each word finds its own document and no other
    # of the list (porter/porte: « porte » is also a form of « porter »).
    assert found(pairs, word) == {word}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("guerir", {"guérir", "guère"}),  # without accents: every reading…
        ("peche", {"pêche", "péché", "pécher"}),
        ("marche", {"marché", "marcher"}),
    ],
)
def test_typing_without_accents_finds_accented_words(
    pairs: SearchIndex, query: str, expected: set[str]
) -> None:
    assert found(pairs, query) == expected


def test_without_accents_the_exact_spelling_ranks_first(pairs: SearchIndex) -> None:
    # …the word written that way first.
    assert Path(pairs.search("guerir").hits[0].source).stem == "guérir"
    assert Path(pairs.search("peche").hits[0].source).stem in {"pêche", "péché"}


def test_short_words_and_symbols_keep_their_letters() -> None:
    assert terms("ls cp mv") == ["ls", "cp", "mv"]
    assert light_stem("ls") == "ls"
    assert terms("C++ C# .NET") == ["c++", "c#", ".net", "net"]
    assert exact_terms("lilo.conf /etc/passwd") == [
        "lilo.conf",
        "lilo",
        "conf",
        "etc/passwd",
        "etc",
        "passwd",
    ]


def test_inflections_meet_derivations_do_not() -> None:
    assert {stem(w) for w in ("utilise", "utilisent", "utiliser", "utilisez", "utilisera")} == {
        "utilis"
    }
    assert len({stem(w) for w in ("utilisateur", "utiliser", "utilisation")}) == 3
    assert stem("utilisateurs") == stem("utilisateur")
    assert stem("utilisatrice") == stem("utilisateur")
    assert stem("indicateur") != stem("indiquer")
    assert stem("administrateur") != stem("administration")
    assert stem("journaux") == stem("journal")
    assert stem("garanties") == stem("garantie")


def test_bare_word_meets_inflections_exact_form_first(man: SearchIndex) -> None:
    result = man.search("utilisateur", limit=100)
    assert result.total > 0
    words = [m.matched.lower() for h in result.hits for m in h.why]
    assert "utilisateurs" in words or "utilisateur" in words
    assert all(m.matched.lower().startswith("utilisat") for h in result.hits for m in h.why)
    # No paragraph matches « utiliser » alone.
    for hit in result.hits:
        assert "utilisat" in hit.text.lower()


def test_quoted_word_matches_the_exact_form_only(man: SearchIndex) -> None:
    quoted = man.search('"utilisateur"', limit=200)
    assert quoted.total > 0
    for hit in quoted.hits:
        assert [m.how for m in hit.why] == ["exact"]
        assert all(m.matched.lower() == "utilisateur" for m in hit.why)
    assert quoted.total <= man.search("utilisateur").total


def test_quoted_phrase_matches_words_as_written(man: SearchIndex) -> None:
    result = man.search('"nom d\'utilisateur"')
    assert result.total > 0
    hit = result.hits[0]
    assert hit.why[0].how == "phrase"
    first = hit.highlights[0]
    assert hit.text[first[0] : first[1]].lower() == "nom d'utilisateur"


def test_prefix_matches_words_as_written_never_stems(man: SearchIndex) -> None:
    result = man.search("utilisateu*", limit=200)
    assert result.total > 0
    for hit in result.hits:
        assert all(m.how == "prefix" for m in hit.why)
        assert all(m.matched.lower().startswith("utilisateu") for m in hit.why)
    assert man.search("utilisateu*").total < man.search("utilis*").total


def test_prefix_caps_apply_to_the_exact_field(
    man: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searcher, "MAX_EXPANSION", 3)
    with pytest.raises(QueryTooBroad, match="matches more than 3 words"):
        man.search("ut*")


def test_dotted_names_whole_and_by_parts(man: SearchIndex) -> None:
    whole = man.search("lilo.conf")
    assert whole.total > 0
    assert man.search("lilo").total >= whole.total
    hit = man.search("lilo.conf").hits[0]
    assert "lilo.conf" in [hit.text[a:b] for a, b in hit.highlights]


def test_symbols_and_short_commands(man: SearchIndex) -> None:
    assert man.search("C++").total > 0
    hit = man.search("ls").hits[0]
    assert "ls" in [hit.text[a:b].lower() for a, b in hit.highlights]


def test_hyphenated_word_is_one_highlight(seeds_index: Path) -> None:
    with SearchIndex(seeds_index) as ix:
        hit = ix.search("cessez-le-feu").hits[0]
    marked = [hit.text[a:b] for a, b in hit.highlights]
    assert "cessez-le-feu" in marked
    assert hit.why[0].query == "cessez-le-feu"


def test_why_and_highlights_agree(seeds_index: Path) -> None:
    with SearchIndex(seeds_index) as ix:
        for query in ("négociations", "négoc*", "Zelenski~", '"garantie sécuritaire"', "paix"):
            for hit in ix.search(query).hits:
                assert hit.why, query
                marked = {hit.text[a:b] for a, b in hit.highlights}
                for m in hit.why:
                    assert any(m.matched in span for span in marked), (query, m)


def test_stop_words_only(seeds_index: Path) -> None:
    for query in ("sur", "jusqu'à", "qu'il", "le la"):
        assert stop_words_only(query)
    assert not stop_words_only("sur la paix")
    assert not stop_words_only('"sur"')
    with SearchIndex(seeds_index) as ix:
        assert ix.search("sur").total == 0
        assert ix.search('"sur"').total > 0


def test_suggestion_leaves_known_and_negated_words(seeds_index: Path) -> None:
    with SearchIndex(seeds_index) as ix:
        assert ix.search("paix NOT trêve").suggestion is None
        assert ix.search("paix NOT trêvz").suggestion is None
        assert ix.search("Ukriane paix").suggestion == "Ukraine paix"
