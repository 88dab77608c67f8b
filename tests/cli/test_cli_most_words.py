"""`searchdesk query` when no paragraph holds every word: most words, `--all`, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_cli import SEEDS, run

NOTE = "searchdesk: no paragraph holds every word; showing those with the most (2 of 3)\n"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wd = tmp_path_factory.mktemp("cli-most")
    done = run("index", str(SEEDS), cwd=wd)
    assert done.returncode == 0, done.stderr
    return wd


def test_most_words_are_shown_with_one_line_on_stderr(workdir: Path) -> None:
    done = run("query", "accord paix zorglub", cwd=workdir)
    assert done.returncode == 0
    assert done.stderr == NOTE
    assert "**accord** de **paix**" in done.stdout
    assert "1 hit" in done.stdout


def test_all_keeps_strict_and(workdir: Path) -> None:
    done = run("query", "accord paix zorglub", "--all", cwd=workdir)
    assert done.returncode == 1
    assert done.stderr == ""
    assert "0 hits" in done.stdout


def test_json_says_partial(workdir: Path) -> None:
    done = run("query", "accord paix zorglub", "--json", cwd=workdir)
    assert done.returncode == 0 and done.stderr == ""
    data = json.loads(done.stdout)
    assert data["partial"] == {"matched_words": 2, "of_words": 3}
    assert data["total"] == len(data["hits"]) == 1
    full = json.loads(run("query", "accord paix", "--json", cwd=workdir).stdout)
    assert full["partial"] is None


def test_count_counts_what_is_shown(workdir: Path) -> None:
    done = run("query", "ukraine otan zorglub", "--count", cwd=workdir)
    both = run("query", "ukraine otan", "--count", cwd=workdir)
    assert done.returncode == 0 and done.stdout == both.stdout
    assert done.stderr == NOTE


def test_nothing_at_all_still_exits_1(workdir: Path) -> None:
    done = run("query", "zorglub bidulechouette", cwd=workdir)
    assert done.returncode == 1
    assert "no paragraph holds" not in done.stderr
