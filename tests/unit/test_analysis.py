"""The French analyzer: token lists, offsets, and every example of FRENCH.md on a real index."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from searchdesk.analysis import french_analyzer, normalize, terms
from searchdesk.indexer import build_index
from searchdesk.searcher import SearchIndex


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("l’article 5 de l’OTAN", ["articl", "5", "otan"]),
        ("l'article 5", ["articl", "5"]),
        ("Les négociations de paix", ["negociation", "paix"]),
        ("negociations", ["negociation"]),
        ("Les États-Unis", ["etat", "unis"]),
        ("Etats Unis", ["etat", "unis"]),
        ("jusqu’à lorsqu’il puisqu’elle quoiqu’on", []),
        ("aujourd’hui", ["aujourdhui"]),
        ("aujourd'hui", ["aujourdhui"]),
        ("lʼUkraine d‘Ukraine", ["ukrain", "ukrain"]),
        ("un budget de 9,2 milliards", ["budget", "9,2", "milliard"]),
        ("la mise en œuvre", ["mise", "oeuvr"]),
        ("Bùi Đức", ["bui", "duc"]),
        ("Kyïv Kyiv", ["kyiv", "kyiv"]),
        ("utilisée utilisées utilisé", ["utilise"] * 3),  # participles kept
        ("utilise utilisent utiliser utilisez", ["utilis"] * 4),  # a verb's endings
        ("utilisateur utilisation", ["utilisateur", "utilisation"]),  # no derivation
        ("appelle appeler", ["appel", "appel"]),
        ("sûr sur", ["sur"]),  # stop before fold: « sur » is a stop word, « sûr » is not
        ("dès des", ["des"]),
        ("des avions un an", ["avion", "an"]),  # not whoosh's fr list, not English stops
        ("le la les à a", []),
        ("Київ", ["київ"]),  # Cyrillic is not transliterated
        ("10000 1000", ["10000", "1000"]),  # numbers are not stemmed
    ],
)
def test_terms(text: str, expected: list[str]) -> None:
    assert terms(text) == expected


def test_nfd_text_is_normalised() -> None:
    nfd = "e\u0301lection"
    assert terms(nfd) == terms("élection") == ["election"]


def test_offsets_mark_original_characters() -> None:
    text = "Selon l’article 5, les États-Unis et l'Œuvre"
    tokens = [
        (t.text, text[t.startchar : t.endchar])
        for t in french_analyzer()(text, chars=True, mode="index")
        if t.text.isascii()  # leave out the accented twins
    ]
    assert tokens == [
        ("selon", "Selon"),
        ("articl", "article"),
        ("5", "5"),
        ("etat", "États"),
        ("unis", "Unis"),
        ("oeuvr", "Œuvre"),
    ]


def test_query_and_index_share_the_analyzer_and_it_pickles() -> None:
    analyzer = french_analyzer()
    clone = pickle.loads(pickle.dumps(analyzer))
    text = "Les négociations reprennent à Kyïv"
    assert [t.text for t in clone(text)] == [t.text for t in analyzer(text)]


def test_normalize_is_nfc() -> None:
    assert normalize("e\u0301") == "é"


# FRENCH.md section 6: query | document | expect | why
FRENCH_EXAMPLES = [
    ("negociations", "Les négociations de paix reprennent.", True),
    ("securite", "Une garantie de sécurité pour Kyiv.", True),
    ("etats-unis", "Washington : les États-Unis se retirent.", True),
    ("Etats Unis", "Les États-Unis ont voté.", True),
    ("l'Ukraine", "Le soutien à l’Ukraine faiblit.", True),
    ("Ukraine", "Il revient d’Ukraine.", True),
    ("article 5", "calquée sur l’article 5 de l’OTAN", True),
    ("article 5", "selon l’article 6 du traité", False),
    ("oeuvre", "la mise en œuvre de l’accord", True),
    ("Kyiv", "Le président est rentré à Kyïv.", True),
    ("Bui Duc", "Par Bùi Đức, correspondant", True),
    ("garantie", "Des garanties sécuritaires ont été promises.", True),
    ("élevée", "Le niveau d’alerte est élevé.", True),
    ("deploye", "Des troupes déployées à la frontière.", True),
    ("9,2 milliards", "un budget de 9,2 milliards d’euros", True),
    ("9,2 milliards", "un budget de 2 milliards d’euros", False),
    ("an", "un an après l’invasion", True),
    ("avions", "des avions de combat F-16", True),
    ("cessez-le-feu", "pour négocier un cessez-le-feu durable", True),
    ("cessez-le-feu", "Cessez de jouer avec le feu.", False),
    ("sûr", "Il reste sur le terrain.", False),
    ("retraite", "le retrait des troupes américaines", False),
    # Our own, beyond FRENCH.md.
    ("utilisee", "La méthode utilisée par le groupe.", True),
    ("appelee", "Une trêve appelée « pause ».", True),
    ("appelee", "On appelle cela une trêve.", False),  # participle ≠ verb form
    ("negocier", "La négociation a échoué.", False),  # no derivation across parts of speech
    ("negocier", "Ils veulent négocier.", True),
    ("ete", "Un été de négociations.", True),
    ("reelection", "en cas de réélection de Donald Trump", True),
    ("aujourd'hui", "Aujourd’hui encore, rien n’est décidé.", True),
    ("NÉGOCIATIONS", "les negociations", True),
    ("dès", "des troupes", False),
    ('"paix durable"', "une paix juste et durable", False),
    ('"paix durable"', "une paix durable", True),
]


@pytest.fixture(scope="module")
def examples_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("examples")
    for i, (_query, document, _expect) in enumerate(FRENCH_EXAMPLES):
        (folder / f"case{i:02d}.txt").write_text(document + "\n", encoding="utf-8")
    index_dir = folder.parent / (folder.name + "-index")
    build_index([folder], index_dir)
    return index_dir


@pytest.mark.parametrize(
    ("number", "query", "document", "expect"),
    [(i, q, d, e) for i, (q, d, e) in enumerate(FRENCH_EXAMPLES)],
    ids=[f"{i:02d}-{q}" for i, (q, _d, _e) in enumerate(FRENCH_EXAMPLES)],
)
def test_french_examples(
    examples_index: Path, number: int, query: str, document: str, expect: bool
) -> None:
    with SearchIndex(examples_index) as ix:
        folder = examples_index.name.removesuffix("-index")  # sources are labelled by folder
        result = ix.search(query, sources=[f"{folder}/case{number:02d}.txt"], suggest=False)
    assert (result.total == 1) is expect, f"{query!r} vs {document!r}"
    if expect:
        hit = result.hits[0]
        assert hit.highlights, "a match must highlight something"
