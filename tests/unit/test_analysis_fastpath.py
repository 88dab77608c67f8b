"""The indexing fast path gives the postings the analyzer chain gives, byte for byte.

``schema.FrenchText``/``ExactText`` index from :func:`searchdesk.analysis.index_terms`
(one loop, a cache per word) and :func:`searchdesk.schema.encode_positions`
instead of running the Whoosh filter chain with Token objects. The reference
here is the chain itself (:func:`french_analyzer`, stop words kept, read as the
schema read it before the fast path), and, for ``body``, Whoosh's own
``Positions.word_values`` over the same analyzer (what a plain ``TEXT`` field
indexes). Both fields are compared as lists of postings: term bytes,
frequency, weight and encoded positions, in order.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from whoosh.fields import TEXT
from whoosh.formats import Positions

from searchdesk import analysis, schema
from searchdesk.analysis import french_analyzer, index_terms, word_terms
from searchdesk.chunking import iter_chunks
from searchdesk.schema import encode_positions, make_schema

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
TEXT_FILES = sorted(
    [
        *(ROOT / "seeds").glob("*.txt"),
        *(FIXTURES / "man").glob("*.txt"),
        *(FIXTURES / "man-words").glob("*.txt"),
    ]
)

Postings = list[tuple[bytes, int, float, bytes]]


def chain_positions(value: str) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Both fields' term positions read from one pass of the ``body`` analyzer chain."""
    body: dict[str, list[int]] = defaultdict(list)
    exact: dict[str, list[int]] = defaultdict(list)
    last: tuple[int, str] | None = None
    for t in french_analyzer()(value, positions=True, mode="index", removestops=False):
        if not t.stopped:
            body[t.text].append(t.pos)
        key = (t.place, t.exact)
        if key != last:  # an accented twin repeats its token's exact form
            exact[t.exact].append(t.place)
            last = key
    return body, exact


def chain_postings(field: Any, positions: dict[str, list[int]]) -> Postings:
    boost = field.format.field_boost
    return [
        (term.encode("utf-8"), len(poses), len(poses) * boost, field.format.encode(poses))
        for term, poses in positions.items()
    ]


SCHEMA = make_schema()
#: A plain Whoosh field with the ``body`` analyzer.
PLAIN = TEXT(analyzer=french_analyzer(), phrase=True)


def assert_same_postings(value: str) -> None:
    body_field, exact_field = SCHEMA["body"], SCHEMA["exact"]
    body, exact = chain_positions(value)
    expected_body = chain_postings(body_field, body)
    expected_exact = chain_postings(exact_field, exact)
    # Positions and their order first (clearer failures), then the postings.
    assert index_terms(value) == (dict(body), dict(exact))
    schema._MEMO.clear()
    for _ in range(2):  # analysed, then from the memo
        assert list(body_field.index(value)) == expected_body
        assert list(exact_field.index(value)) == expected_exact
    # What plain Whoosh would index for ``body`` with the same analyzer.
    assert sorted(PLAIN.index(value)) == sorted(expected_body)


def paragraphs() -> list[str]:
    found: list[str] = []
    for path in TEXT_FILES:
        text = path.read_text(encoding="utf-8")
        found.extend(c.text for c in iter_chunks(text, path.stem, str(path)))
    return found


def test_fixtures_present() -> None:
    names = {p.parent.name for p in TEXT_FILES}
    assert {"seeds", "man", "man-words"} <= names
    assert len(paragraphs()) > 500


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_paragraphs(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for chunk in iter_chunks(text, path.stem, str(path)):
        assert_same_postings(chunk.text)
    # A whole file: long position lists, positions past one byte.
    assert_same_postings(text)
    assert_same_postings(unicodedata.normalize("NFD", text))


def test_word_cache_state_does_not_matter() -> None:
    text = (FIXTURES / "man-words" / "keytab-lilo.8.txt").read_text(encoding="utf-8")
    analysis._WORDS.clear()
    cold = index_terms(text)
    warm = index_terms(text)
    assert cold == warm
    old = analysis.WORDS_SIZE
    try:
        analysis.WORDS_SIZE = 3  # cleared again and again
        analysis._WORDS.clear()
        assert index_terms(text) == cold
    finally:
        analysis.WORDS_SIZE = old
        analysis._WORDS.clear()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Les", ((), ("les",))),
        ("l’Utilisateur", (("utilisateur",), ("utilisateur",))),
        ("guérir", (("guer", "guér"), ("guerir",))),
        ("lilo.conf", (("lilo.conf", "lilo", "conf"), ("lilo.conf", "lilo", "conf"))),
        ("a.a", (("a.a",), ("a.a", "a"))),  # parts stopped; one exact word each
        ("x.y.x", (("x.y.x", "x", "x"), ("x.y.x", "x", "y", "x"))),  # « y » is a stop word
        ("9,2", (("9,2",), ("9,2",))),
    ],
)
def test_word_terms(raw: str, expected: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
    assert word_terms(raw) == expected


# -- generated French-ish text ----------------------------------------------------

PIECES = [
    "l’article",
    "L'OTAN",
    "d‘Ukraine",
    "lʼUkraine",
    "ʼ",
    "qu'",
    "jusqu’à",
    "aujourd’hui",
    "Jusqu'au",
    "États-Unis",
    "cessez-le-feu",
    "C++",
    "c#",
    "F#",
    ".NET",
    ".bashrc",
    "lilo.conf",
    "etc/lilo.conf",
    "/etc/passwd",
    "U.S.A.",
    "a.a",
    "x.y.x",
    "le.la/les",
    "9,2",
    "3.141",
    "12/05/2024",
    "1.2.3a",
    "article 5",
    "sûr",
    "sur",
    "À",
    "a",
    "même",
    "meme",
    "Été",
    "été",
    "guérir",
    "guère",
    "guerre",
    "utilisées",
    "utilisateurs",
    "utiliseraient",
    "finissaient",
    "retraite",
    "chevaux",
    "œuvre",
    "Œuvres",
    "ﬁchier",
    "Kyïv",
    "Київ",
    "Bùi Đức",
    "déployé",
    "marché",
    "ls",
    "NFD",
    "_x_",
    "e\u0301te\u0301",
    "ÉLÈVE",
    "ß",
    "İstanbul",
]
SEPARATORS = [
    " ",
    "  ",
    "\n",
    ", ",
    ". ",
    " - ",
    "-",
    "'",
    "’",
    "/",
    ".",
    "(",
    ") ",
    "« ",
    " »",
    "+",
]
LETTERS = "abcdeéèêëàâäçîïôöùûüÿœæAÉÈÇŒ'’‘ʼ.-/+#,0123456789_ \u0301"

word = st.one_of(
    st.sampled_from(PIECES),
    st.text(alphabet=LETTERS, min_size=1, max_size=12),
)
french_ish = st.lists(
    st.tuples(word, st.sampled_from(SEPARATORS)).map("".join), min_size=0, max_size=40
).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(french_ish, st.booleans())
@example("l’article 5 de l’OTAN, lilo.conf et C++ (9,2 %)", False)
@example("ʼ ʼʼ lʼ l'' a.a x.y.x le.la/les", False)
def test_generated_text(text: str, nfd: bool) -> None:
    assert_same_postings(unicodedata.normalize("NFD", text) if nfd else text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text(text: str) -> None:
    assert_same_postings(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**40), min_size=1, max_size=50))
def test_encode_positions(poses: list[int]) -> None:
    poses.sort()
    assert encode_positions(poses) == Positions().encode(poses)
    assert encode_positions(poses) == Positions().encode(poses)  # cached
