"""Hostile queries: results or a one-line error (exit 2), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchdesk.errors import QuerySyntaxError
from searchdesk.searcher import SearchIndex

from ..cli.test_cli import run

HOSTILE = [
    '"unbalanced',
    "(paren",
    "paren)",
    "((()))",
    "AND",
    "NOT",
    "OR",
    "AND OR NOT",
    "*",
    "~",
    "*~",
    "a~99",
    "source:",
    "source: x",
    "source:nope.txt",
    "source:nope.txt Ukraine",
    "file_meta:x",
    "nul\x00byte",
    "ctrl\x01\x1b[2Jchars",
    "le la les",
    "!!! ??? ...",
    "'",
    '"',
    "l'",
    "[a TO z]",
    "^2",
    "Ukraine^",
    "*:*",
    ":",
    "\u202eevil",
    "Київ 中国人 🙂",
    "x" * 1999,
]


@pytest.fixture(scope="module")
def ix(seeds_index: Path) -> SearchIndex:
    return SearchIndex(seeds_index)


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_in_the_engine(ix: SearchIndex, query: str) -> None:
    try:
        result = ix.search(query)
    except QuerySyntaxError as exc:
        assert "\n" not in str(exc)
        return
    json.dumps(result.to_dict(), ensure_ascii=False)
    assert result.total >= len(result.hits)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ('"unbalanced', 1),
        ("(paren", 1),
        ("le la les", 1),
        ("source:", 2),
        ("file_meta:x", 2),
        ("mot " * 2500, 2),  # 10,000 characters
        ("nul\x01ctl", 1),
        ("*", 2),  # query too broad: every word
    ],
)
def test_hostile_queries_on_the_command_line(seeds_index: Path, query: str, code: int) -> None:
    done = run("--index", str(seeds_index), "query", query, "--json")
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    if code == 2:
        assert done.stderr.count("\n") == 1 and done.stdout == ""
    else:
        json.loads(done.stdout)


OPERATORS = st.sampled_from(
    ["AND", "OR", "NOT", "(", ")", '"', "*", "~", "^", ":", "source:", "[", "]", "TO", "'", "-"]
)
WORDS = st.sampled_from(["Ukraine", "paix", "négoc", "article", "5", "l'OTAN", "États-Unis"])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(st.one_of(OPERATORS, WORDS, st.text(max_size=5)), max_size=12).map(" ".join),
        st.lists(st.one_of(OPERATORS, WORDS), max_size=12).map("".join),
    ),
    st.booleans(),
)
def test_random_queries_never_crash(seeds_index: Path, query: str, prefix_last: bool) -> None:
    with SearchIndex(seeds_index) as ix:
        try:
            result = ix.search(query, prefix_last=prefix_last)
        except QuerySyntaxError:
            return
        json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
        for hit in result.hits:
            for start, end in hit.highlights:
                assert 0 <= start < end <= len(hit.text)


@pytest.mark.parametrize("query", ["NOT 0", "NOT zzzz", "-paix"])
def test_a_pure_negation_gives_paragraphs_only(ix: SearchIndex, query: str) -> None:
    """Whoosh's NOT matches every document, file records included: never a hit."""
    result = ix.search(query, limit=200)
    assert result.total == len(result.hits) > 0
    assert all(hit.source.startswith("seeds/") and hit.text for hit in result.hits)
