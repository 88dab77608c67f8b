"""Queries that expand or run without bound, searches cancelled mid-match, and
readers that keep answering while another process rebuilds the index."""

from __future__ import annotations

import inspect
import itertools
import json
import random
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import whoosh.searching

from searchdesk import searcher
from searchdesk.errors import QuerySyntaxError
from searchdesk.indexer import build_index
from searchdesk.searcher import QueryTooBroad, SearchCancelled, SearchIndex

from ..cli.test_cli import SEEDS, run

#: Where Whoosh's Searcher runs a query (matching, collecting).
MATCHING = str(Path(whoosh.searching.__file__))
RANKING = str(Path(searcher.__file__).with_name("ranking.py"))
#: 300 distinct words, one per paragraph, in three files: zqaat, zqabt, … zqlnt.
ZQ_WORDS = [
    "zq" + a + b + "t" for a, b in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=2)
][:300]


def within(seconds: float, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in a daemon thread: fail (instead of hanging) if it never returns."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box.get("value")


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 paragraphs that all end with « bien commun », plus 300 with one zq… word each."""
    folder = tmp_path_factory.mktemp("bounds") / "docs"
    folder.mkdir()
    words = " ".join(p.read_text(encoding="utf-8") for p in SEEDS.iterdir()).split()
    rng = random.Random(11)
    for i in range(30):
        paras = [f"{' '.join(rng.choices(words, k=30))} bien commun." for _ in range(100)]
        (folder / f"texte{i:02d}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    for n in range(3):
        paras = [f"Le mot {w} paraît ici." for w in ZQ_WORDS[n * 100 : (n + 1) * 100]]
        (folder / f"zq{n}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def index_dir(docs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("bounds-index") / "index"
    build_index([docs], index_dir)
    return index_dir


@pytest.fixture
def ix(index_dir: Path) -> Iterator[SearchIndex]:
    with SearchIndex(index_dir) as ix:
        yield ix


# -- exact prefixes -------------------------------------------------------------


def test_prefix_totals_and_facets_are_exact_beyond_128_words(ix: SearchIndex) -> None:
    result = ix.search("zq*")
    assert result.total == 300
    assert sorted(result.facets.values()) == [100, 100, 100]
    assert ix.search("zq", prefix_last=True).total == 300
    assert ix.search("zqa*").total == 26
    assert ix.search("zq* zqab*").total == 1


def test_a_prefix_beyond_the_cap_is_refused_not_truncated(
    ix: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searcher, "MAX_EXPANSION", 100)
    with pytest.raises(QueryTooBroad, match=r"`zq\*` matches more than 100 words") as caught:
        ix.search("zq*")
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, QuerySyntaxError)  # the CLI's one line, exit 2
    assert ix.search("zqa*").total == 26


def test_all_patterns_of_a_query_share_one_cap(
    ix: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searcher, "MAX_EXPANSION_TOTAL", 250)
    assert ix.search("zqa* OR zqb*").total == 52
    with pytest.raises(QueryTooBroad, match="in all"):
        ix.search(" OR ".join(f"zq{a}*" for a in "abcdefghijk"))


# -- pathological queries ---------------------------------------------------------

CHAIN = " ".join(f"*{a}{b}*" for a, b in itertools.product("abcdefghijklmnopqrs", repeat=2))
PATHOLOGICAL = [
    "*",
    "?*",
    "*:*",
    "source:*",
    "[a TO z]",
    "*e*",
    "*x*",
    " ".join(["*x*"] * 450),
    CHAIN[:1800],
    " OR ".join(f"mot{i}~2" for i in range(150)),
    " ".join(f"mot{i}~2" for i in range(150)),
    "a~99",
]


@pytest.mark.parametrize("query", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
def test_pathological_queries_answer_or_refuse_in_one_line(ix: SearchIndex, query: str) -> None:
    try:
        result = within(60, lambda: ix.search(query))
    except QuerySyntaxError as exc:
        assert "\n" not in str(exc)
        return
    assert result.total >= len(result.hits)


@pytest.mark.parametrize("query", ["*", "?*", "[a TO z]", "*e*", "*:*"])
def test_patterns_matching_most_words_are_too_broad(
    ix: SearchIndex, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    monkeypatch.setattr(searcher, "MAX_EXPANSION", 50)
    with pytest.raises(QueryTooBroad, match=r"^query too broad: .* be more specific$"):
        ix.search(query)
    with pytest.raises(QueryTooBroad):
        ix.matches_in("x", query)


def test_a_search_out_of_time_says_so(ix: SearchIndex) -> None:
    fuzzy = " OR ".join(f"mot{i}~2" for i in range(150))
    with pytest.raises(QueryTooBroad, match=r"^query too slow: stopped after 0\.01 s of work"):
        ix.search(fuzzy, time_budget=0.01)
    assert ix.search("zqa*", time_budget=30).total == 26


# -- cancelling -----------------------------------------------------------------------


@pytest.mark.parametrize("ranker", ["whoosh", "arrays"])
@pytest.mark.parametrize("query", ["commun", "comm*", '"bien commun"', "commun OR zqa*"])
def test_should_stop_stops_a_running_match(index_dir: Path, query: str, ranker: str) -> None:
    """The second poll of ``should_stop`` comes from inside the matching: Whoosh's
    collector, or the array path between posting lists."""
    stacks: list[list[str]] = []

    def should_stop() -> bool:
        stacks.append([frame.filename for frame in inspect.stack()])
        return len(stacks) > 1

    with SearchIndex(index_dir, ranker=ranker) as ix:
        assert ix.search(query, limit=1).total > 0
        with pytest.raises(SearchCancelled):
            ix.search(query, should_stop=should_stop)
    assert len(stacks) == 2
    inside = MATCHING if ranker == "whoosh" else RANKING
    assert inside not in stacks[0]  # the first poll: before any work
    assert inside in stacks[1]


def test_should_stop_stops_an_expansion(ix: SearchIndex) -> None:
    polls: list[bool] = []

    def should_stop() -> bool:
        polls.append(len(polls) > 0)
        return polls[-1]

    with pytest.raises(SearchCancelled):
        ix.search(" ".join(f"mot{i}~2" for i in range(150)), should_stop=should_stop)
    assert polls == [False, True]


def test_a_search_cancelled_from_another_thread_stops(ix: SearchIndex) -> None:
    stop = threading.Event()
    started = threading.Event()

    def should_stop() -> bool:
        started.set()
        return stop.is_set()

    outcome: list[object] = []

    def search() -> None:
        try:
            outcome.append(
                ix.search(" ".join(f"mot{i}~2" for i in range(150)), should_stop=should_stop)
            )
        except SearchCancelled as exc:
            outcome.append(exc)

    thread = threading.Thread(target=search, daemon=True)
    thread.start()
    assert started.wait(30)
    stop.set()
    thread.join(30)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], SearchCancelled)
    assert ix.search("zqa*").total == 26  # the index is still usable


# -- readers during a writer's rebuild ------------------------------------------


def test_refresh_reports_a_change_made_by_another_run(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Le premier texte.\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    with SearchIndex(index_dir) as ix:
        assert ix.refresh() is False
        before = ix.marker
        (docs / "b.txt").write_text("Un second texte.\n", encoding="utf-8")
        build_index([docs], index_dir)  # an update, same generation
        assert ix.refresh() is True
        assert ix.marker != before
        assert ix.refresh() is False
        assert ix.search("second").total == 1
        build_index([docs], index_dir, rebuild=True)
        assert ix.refresh() is True
        assert ix.search("texte").total == 2


REBUILDS = 5
WRITER_SCRIPT = """
import subprocess, sys
command = [sys.executable, "-m", "searchdesk", "--index", sys.argv[1], "index", "--rebuild"]
for _ in range({n}):
    done = subprocess.run([*command, "--wait", sys.argv[2]], capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr)
"""


def test_readers_answer_from_one_generation_or_the_next_during_rebuilds(tmp_path: Path) -> None:
    """An open index and the command line, queried while another process rebuilds."""
    index_dir = tmp_path / "index"
    assert run("--index", str(index_dir), "index", str(SEEDS)).returncode == 0
    with SearchIndex(index_dir) as ix:
        first = ix.marker
        expected = ix.search("Ukraine").to_dict()
        hit = ix.search("Ukraine").hits[0]
        chunks = ix.document(hit.path)
        neighbours = ix.neighbours(hit.path, hit.ordinal)
        sources = ix.sources()
        stats = ix.stats()
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER_SCRIPT.format(n=REBUILDS), str(index_dir), str(SEEDS)],
            stderr=subprocess.PIPE,
            text=True,
        )
        cli_answers: list[subprocess.CompletedProcess[str]] = []

        def query_the_cli() -> None:
            while writer.poll() is None:
                cli_answers.append(run("--index", str(index_dir), "query", "Ukraine", "--json"))

        cli = threading.Thread(target=query_the_cli, daemon=True)
        cli.start()
        rounds = 0
        try:
            while writer.poll() is None:
                rounds += 1
                result = ix.search("Ukraine").to_dict()
                assert (result["total"], result["facets"]) == (
                    expected["total"],
                    expected["facets"],
                )
                assert ix.document(hit.path) == chunks
                assert ix.neighbours(hit.path, hit.ordinal) == neighbours
                assert ix.matches_in(hit.path, "Ukraine")
                assert ix.sources() == sources
                assert ix.file_path(hit.path) is not None
                assert ix.stats().paragraphs == stats.paragraphs
        finally:
            _, err = writer.communicate(timeout=120)
            cli.join(120)
        assert writer.returncode == 0, err
        assert ix.marker != first  # it followed the rebuilds
        assert rounds > REBUILDS
    assert cli_answers
    for done in cli_answers:
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert json.loads(done.stdout)["total"] == expected["total"]


def test_refresh_skips_an_unchanged_marker_and_sees_any_rewrite(tmp_path: Path) -> None:
    """The stamp shortcut answers like reading the marker: unchanged → no reopen;
    a rewrite in place (same inode) or by rename → read again."""
    from searchdesk import store as store_module
    from searchdesk.indexer import build_index as build

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Un goéland.\n")
    index_dir = tmp_path / "index"
    build([docs], index_dir)
    with SearchIndex(index_dir) as ix:
        assert ix.refresh() is False
        (docs / "b.txt").write_text("Un autre goéland.\n")
        build([docs], index_dir)
        assert ix.refresh() is True
        assert ix.search("goeland").total == 2
        assert ix.refresh() is False
        marker = index_dir / store_module.MARKER
        data = marker.read_bytes()
        marker.write_bytes(b"null" + b" " * (len(data) - 4))  # in place, same size
        assert ix.refresh() is False  # unreadable now: keep answering from what is open
        assert ix.search("goeland").total == 2
        marker.write_bytes(data)
        assert ix.refresh() is False  # the same marker again: nothing to reopen
