"""The real `searchdesk` command, run as a subprocess on the shipped seeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
S004 = "seeds/004_58e2441d30baac30.txt"


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m searchdesk ARGS` with a clean environment."""
    full_env = {k: v for k, v in os.environ.items() if k != "SEARCHDESK_INDEX"}
    full_env.update({"NO_COLOR": "1", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "searchdesk", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where `searchdesk index seeds` was run (index in ./index)."""
    wd = tmp_path_factory.mktemp("cli")
    done = run("index", str(SEEDS), cwd=wd)
    assert done.returncode == 0, done.stderr
    assert "5 added" in done.stdout
    return wd


def test_index_summary_then_incremental(workdir: Path) -> None:
    again = run("index", str(SEEDS), cwd=workdir)
    assert again.returncode == 0
    assert "0 added, 0 updated, 0 removed, 5 unchanged" in again.stdout
    assert "paragraphs: 156" in again.stdout
    assert again.stderr == ""


def test_query_human_output(workdir: Path) -> None:
    done = run("query", "article 5", cwd=workdir)
    assert done.returncode == 0, done.stderr
    first_block = done.stdout.split("\n\n")[0]
    assert first_block.startswith(f"{S004}:")
    assert "**article** **5**" in first_block
    assert "\x1b[" not in done.stdout  # not a terminal: no colour
    assert f"sources: {S004} 3" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("3 hits")


def test_query_color_always(workdir: Path) -> None:
    done = run("query", "article 5", "--color", "always", cwd=workdir)
    assert "\x1b[1;31marticle\x1b[0m" in done.stdout


def test_query_json_shape(workdir: Path) -> None:
    done = run("query", "etats-unis", "--json", "--limit", "3", cwd=workdir)
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert set(data) == {"query", "total", "hits", "facets", "suggestion", "partial"}
    assert data["query"] == "etats-unis"
    assert data["total"] >= len(data["hits"]) == 3
    assert data["suggestion"] is None
    assert sum(data["facets"]["source"].values()) >= data["total"]
    for hit in data["hits"]:
        assert set(hit) == {
            "source",
            "path",
            "line",
            "page",
            "heading",
            "text",
            "score",
            "highlights",
            "also_in",
            "why",
        }
        assert isinstance(hit["line"], int) and isinstance(hit["score"], float)
        assert hit["page"] is None  # text files have lines, not pages
        assert Path(hit["path"]).is_absolute()
        words = [hit["text"][a:b] for a, b in hit["highlights"]]
        assert "États-Unis" in words  # a hyphenated word is one span
        for loc in hit["also_in"]:
            assert set(loc) == {"source", "path", "line", "page"}


def test_collapsed_repeats_in_json(workdir: Path) -> None:
    data = json.loads(run("query", "Witkoff", "--json", "--limit", "50", cwd=workdir).stdout)
    texts = [h["text"] for h in data["hits"]]
    assert len(texts) == len(set(texts)) == data["total"]
    assert any(h["also_in"] for h in data["hits"])


def test_source_filter(workdir: Path) -> None:
    done = run("query", "Ukraine", "--source", S004, "--json", cwd=workdir)
    data = json.loads(done.stdout)
    assert {h["source"] for h in data["hits"]} == {S004}
    assert data["total"] == data["facets"]["source"][S004]
    assert len(data["facets"]["source"]) > 1


def test_no_hits_exit_1_with_suggestion(workdir: Path) -> None:
    done = run("query", "negociatoins", cwd=workdir)
    assert done.returncode == 1
    assert "did you mean: négociations" in done.stderr
    data = json.loads(run("query", "negociatoins", "--json", cwd=workdir).stdout)
    assert data["suggestion"] == "négociations" and data["total"] == 0


def test_errors_exit_2_one_line(tmp_path: Path) -> None:
    missing = run("query", "paix", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "searchdesk index" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = run("query", "paix", "--limit", "x", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    nodir = run("index", str(tmp_path / "nope"), cwd=tmp_path)
    assert nodir.returncode == 2 and "no such folder" in nodir.stderr
    unknown = run("frobnicate", cwd=tmp_path)
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr


def test_index_location_env_and_flag(tmp_path: Path) -> None:
    env_ix = tmp_path / "env-index"
    assert (
        run("index", str(SEEDS), cwd=tmp_path, env={"SEARCHDESK_INDEX": str(env_ix)}).returncode
        == 0
    )
    assert (env_ix / "searchdesk.json").exists()
    assert not (tmp_path / "index").exists()
    flag = run("--index", str(env_ix), "query", "article 5", cwd=tmp_path)
    assert flag.returncode == 0
    sub = run("query", "article 5", "--index", str(env_ix), cwd=tmp_path)
    assert sub.returncode == 0


def test_stats(workdir: Path) -> None:
    done = run("stats", "--json", cwd=workdir)
    data = json.loads(done.stdout)
    assert data["files"] == 5 and data["paragraphs"] == 156
    assert 0 < data["distinct_paragraphs"] < 156
    human = run("stats", cwd=workdir).stdout
    assert "distinct paragraphs" in human


def _commands() -> list[list[str]]:
    """Every command of the parser (so a new one cannot go untested)."""
    from searchdesk.cli import build_parser
    from searchdesk.completion import describe

    return [[], *([c.name] for c in describe(build_parser())[1])]


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c) or "searchdesk")
def test_every_command_has_help(command: list[str]) -> None:
    done = run(*command, "--help")
    assert done.returncode == 0
    assert "usage: searchdesk" in done.stdout
    if command != ["completion"]:  # the one command that opens no index
        assert "--index" in done.stdout
