"""What a one-shot `searchdesk query` pays before and after its search.

A cold query is mostly start-up: imports, the parser, opening the index. These
tests pin the costs that were cut, without timing anything.
"""

from __future__ import annotations

import argparse
import gettext
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from searchdesk import store
from searchdesk.cli import build_parser

from .test_cli import run


def test_parser_translates_argparse_strings_once_and_restores_gettext() -> None:
    # argparse calls gettext for its own strings; building the parser looks each
    # up once (gettext searches the disk at every call when no catalogue exists).
    before = vars(argparse)["_"]
    help_text = build_parser().format_help()
    assert vars(argparse)["_"] is before is gettext.gettext
    assert gettext.gettext("show this help message and exit") in help_text
    assert "COMMAND" in help_text and "query" in help_text


def _modules_after_query(
    index: Path, setup: str = "", query: str = "paix", as_json: bool = True
) -> set[str]:
    """The modules a `searchdesk query` process has loaded when it is done."""
    args = [str(index), query] + (["--json"] if as_json else [])
    code = (
        "import contextlib, io, sys\n"
        f"{setup}"
        "from searchdesk.cli import main\n"
        f"index, query, *rest = {args!r}\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--index', index, 'query', query, *rest]) == 0\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return set(out.split())


def test_query_loads_no_writer_module(seeds_index: Path) -> None:
    """The write lock's multiprocessing hook (and subprocess, socket with it) is the
    writer's: a query does not import it."""
    loaded = {name.split(".")[0] for name in _modules_after_query(seeds_index, as_json=False)}
    assert {"whoosh", "searchdesk"} <= loaded
    assert not loaded & {"multiprocessing", "subprocess", "socket", "shlex", "textual", "rich"}


def test_query_maps_segments_and_answers_as_before(
    seeds_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine reads the segments in place; every answer is the one it gives
    over Whoosh's own storage (which copies each part into memory)."""
    from searchdesk.render import render_json
    from searchdesk.searcher import SearchIndex

    queries = ["négociations", '"article 5"', "otan*", "paix OR guerre", "source:seeds/*"]

    def answers() -> list[str]:
        with SearchIndex(seeds_index) as ix:
            assert isinstance(ix.marker, store.Marker)
            return [render_json(ix.search(q, limit=50)) for q in queries]

    mapped = answers()
    ix, _ = store.open_index(seeds_index)
    assert isinstance(ix.storage, store._MappedStorage)

    real, opened = store.open_index, []

    def whole_files(index_dir: Path) -> tuple[store.SafeIndex, store.Marker]:
        _, marker = real(index_dir)
        opened.append(store.SafeIndex(index_dir, marker.generation, marker.toc))
        return opened[-1], marker

    monkeypatch.setattr(store, "open_index", whole_files)
    assert answers() == mapped
    assert opened and not isinstance(opened[0].storage, store._MappedStorage)
    assert json.loads(mapped[0])["total"] > 0
    done = run("--index", str(seeds_index), "query", queries[0], "--json", "--limit", "50")
    assert done.returncode == 0 and done.stdout.strip() == mapped[0]


def test_a_one_shot_query_answers_long_lists_without_numpy(seeds_index: Path) -> None:
    """Above ARRAY_POSTINGS a long-lived index imports numpy; `searchdesk query`
    evaluates the same in plain Python (searchdesk.ranking_py) and never loads it."""
    forced = "import searchdesk.searcher as s; s.ARRAY_POSTINGS = 1\n"
    loaded = _modules_after_query(seeds_index, forced, "paix négociations")
    assert "searchdesk.ranking_py" in loaded
    assert "numpy" not in loaded and "searchdesk.ranking" not in loaded
    assert not {m for m in loaded if m.startswith(("searchdesk.indexer", "searchdesk.extract."))}


def test_the_array_path_does_not_load_numpy_ma(seeds_index: Path) -> None:
    """np.unique asks whether its input is masked, which imports numpy.ma (10-30 ms)."""
    forced = (
        "import searchdesk.searcher as s; s.ARRAY_POSTINGS = 1; s.PY_POSTINGS = 0\n"
        "import searchdesk.ranking\n"
    )
    for query in ("paix", "paix OR guerre", "négoc*", "paix guerre", "paix zorglub"):
        loaded = _modules_after_query(seeds_index, forced, query)
        assert "searchdesk.ranking" in loaded and "numpy" in loaded
        assert "numpy.ma" not in loaded, query


def test_a_query_leaves_the_collector_and_environment_as_it_found_them(
    seeds_index: Path,
) -> None:
    """Collections are off while the command runs, frozen at exit, and OpenBLAS
    gets one thread; a caller of main() gets all of it back."""
    code = (
        "import atexit, contextlib, gc, io, os\n"
        "from searchdesk import cli\n"
        "seen = []\n"
        "real = cli.cmd_query\n"
        "def spy(*a):\n"
        "    seen.append((gc.isenabled(), os.environ.get('OPENBLAS_NUM_THREADS')))\n"
        "    return real(*a)\n"
        "cli.cmd_query = spy\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert cli.main(['--index', {str(seeds_index)!r}, 'query', 'paix']) == 0\n"
        f"    assert cli.main(['--index', {str(seeds_index)!r}, 'query', 'guerre']) == 0\n"
        "assert seen == [(False, '1'), (False, '1')], seen\n"
        "assert gc.isenabled() and 'OPENBLAS_NUM_THREADS' not in os.environ\n"
        "assert cli._freeze_at_exit == [True]\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
