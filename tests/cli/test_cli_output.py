"""The query output options, sources, index discovery and README examples,
run through the real `searchdesk` command as a subprocess."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest

from tests.cli.test_cli import ROOT, SEEDS, run

S002 = "seeds/002_69bb2a699ee90d40.txt"
S004 = "seeds/004_58e2441d30baac30.txt"
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def seeds_ix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the shipped seeds, outside the repository."""
    index_dir = tmp_path_factory.mktemp("seeds-ix") / "index"
    done = run("--index", str(index_dir), "index", str(SEEDS))
    assert done.returncode == 0, done.stderr
    return index_dir


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of 30 small files; file k holds k+1 paragraphs with « commun »,
    so the sources ranked by hits are f29, f28, … f00. Indexed in ./index."""
    wd = tmp_path_factory.mktemp("many")
    docs = wd / "docs"
    docs.mkdir()
    for k in range(30):
        paragraphs = [f"Paragraphe commun numéro {k} et {i} de plus." for i in range(k + 1)]
        (docs / f"f{k:02d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    done = run("index", "docs", cwd=wd)
    assert done.returncode == 0, done.stderr
    return wd


def _footer(stdout: str) -> str | None:
    lines = [line for line in stdout.splitlines() if line.startswith("sources: ")]
    assert len(lines) <= 1
    return lines[0] if lines else None


def test_facet_footer_top_10_by_count(many: Path) -> None:
    done = run("query", "commun", "--limit", "1", cwd=many)
    assert done.returncode == 0, done.stderr
    expected = "  ".join(f"docs/f{k:02d}.txt {k + 1}" for k in range(29, 19, -1))
    assert _footer(done.stdout) == f"sources: {expected}  … and 20 more sources"
    assert done.stdout.rstrip().splitlines()[-1].startswith("465 hits, 1 shown")


def test_facet_footer_sizes(many: Path) -> None:
    three = run("query", "commun", "--limit", "1", "--facets", "3", cwd=many)
    assert _footer(three.stdout) == (
        "sources: docs/f29.txt 30  docs/f28.txt 29  docs/f27.txt 28  … and 27 more sources"
    )
    one_left = run("query", "commun", "--limit", "1", "--facets", "29", cwd=many)
    assert (_footer(one_left.stdout) or "").endswith("docs/f01.txt 2  … and 1 more source")
    every = run("query", "commun", "--limit", "1", "--facets", "100", cwd=many)
    footer = _footer(every.stdout) or ""
    assert "more" not in footer and footer.endswith("docs/f00.txt 1")
    hidden = run("query", "commun", "--limit", "1", "--facets", "0", cwd=many)
    assert hidden.returncode == 0 and _footer(hidden.stdout) is None
    assert "465 hits" in hidden.stdout


def test_facet_ties_sorted_by_name(many: Path) -> None:
    # « numéro 5 » is in every paragraph of f05 only; « 3 » … ties are by name.
    done = run("query", "Paragraphe", "--limit", "0", "--facets", "2", cwd=many)
    assert (
        _footer(done.stdout) == "sources: docs/f29.txt 30  docs/f28.txt 29  … and 28 more sources"
    )


def test_empty_query_is_a_usage_error(seeds_ix: Path) -> None:
    for query in ("", "   "):
        done = run("--index", str(seeds_ix), "query", query)
        assert done.returncode == 2
        assert done.stdout == ""
        assert done.stderr == "searchdesk: the query is empty (see `searchdesk query --help`)\n"


@pytest.mark.parametrize("command", [[], ["tui"], ["tui", "paix"]])
def test_app_without_terminal_says_so(seeds_ix: Path, command: list[str]) -> None:
    done = run("--index", str(seeds_ix), *command)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("searchdesk: the app needs a terminal on stdout")


def _sources_of(done_stdout: str) -> set[str]:
    return {h["source"] for h in json.loads(done_stdout)["hits"]}


def test_source_as_label_relative_or_absolute_path(seeds_ix: Path) -> None:
    ix = ["--index", str(seeds_ix)]
    label = run(*ix, "query", "Ukraine", "--source", S004, "--json", cwd=ROOT)
    assert label.returncode == 0 and _sources_of(label.stdout) == {S004}
    total = json.loads(label.stdout)["total"]
    rel = run(
        *ix, "query", "Ukraine", "--source", "./004_58e2441d30baac30.txt", "--count", cwd=SEEDS
    )
    assert (rel.returncode, rel.stdout) == (0, f"{total}\n")
    up = run(
        *ix,
        "query",
        "Ukraine",
        "--source",
        "../seeds/004_58e2441d30baac30.txt",
        "--count",
        cwd=SEEDS,
    )
    assert up.stdout == f"{total}\n"
    absolute = run(*ix, "query", "Ukraine", "--source", str(ROOT / S004), "--count", cwd=Path("/"))
    assert absolute.stdout == f"{total}\n"
    two = run(*ix, "query", "Ukraine", "--source", S004, "--source", str(ROOT / S002), "--json")
    assert _sources_of(two.stdout) == {S004, S002}


def test_source_in_query_takes_paths_too(seeds_ix: Path) -> None:
    ix = ["--index", str(seeds_ix)]
    rel = run(*ix, "query", "Ukraine source:004_58e2441d30baac30.txt", "--json", cwd=SEEDS)
    assert rel.returncode == 0, rel.stderr
    data = json.loads(rel.stdout)
    assert {h["source"] for h in data["hits"]} == {S004}
    assert data["query"] == "Ukraine source:004_58e2441d30baac30.txt"  # as typed
    either = f'Ukraine (source:"{ROOT / S004}" OR source:{S002})'
    both = run(*ix, "query", either, "--json", "--limit", "50")
    assert _sources_of(both.stdout) == {S004, S002}


def test_unknown_source_is_an_error_naming_the_closest(seeds_ix: Path) -> None:
    ix = ["--index", str(seeds_ix)]
    typo = run(*ix, "query", "Ukraine", "--source", "seeds/002_69bb2a699ee90d4.txt")
    assert typo.returncode == 2 and typo.stdout == ""
    assert typo.stderr == (
        f"searchdesk: unknown source 'seeds/002_69bb2a699ee90d4.txt'; closest: {S002}\n"
    )
    far = run(*ix, "query", "Ukraine source:nothing-like-it", cwd=SEEDS)
    assert far.returncode == 2
    assert far.stderr == (
        "searchdesk: unknown source 'nothing-like-it'; see `searchdesk sources`\n"
    )
    # A real file outside every indexed folder is unknown too.
    outside = run(*ix, "query", "Ukraine", "--source", str(README))
    assert outside.returncode == 2 and "unknown source" in outside.stderr


def test_jsonl_one_hit_per_line(seeds_ix: Path) -> None:
    ix = ["--index", str(seeds_ix)]
    full = json.loads(run(*ix, "query", "Ukraine", "--json", "--limit", "4").stdout)
    done = run(*ix, "query", "Ukraine", "--jsonl", "--limit", "4")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert [json.loads(line) for line in lines] == full["hits"]
    none = run(*ix, "query", "zzzzqqq", "--jsonl")
    assert none.returncode == 1 and none.stdout == ""


def test_count(seeds_ix: Path) -> None:
    ix = ["--index", str(seeds_ix)]
    total = json.loads(run(*ix, "query", "Ukraine", "--json").stdout)["total"]
    done = run(*ix, "query", "Ukraine", "--count", "--limit", "1")
    assert (done.returncode, done.stdout) == (0, f"{total}\n")
    none = run(*ix, "query", "zzzzqqq", "--count")
    assert (none.returncode, none.stdout) == (1, "0\n")


def test_files_with_matches(seeds_ix: Path) -> None:
    ix = ["--index", str(seeds_ix)]
    facets = json.loads(run(*ix, "query", "Ukraine", "--json").stdout)["facets"]["source"]
    inside = run(*ix, "query", "Ukraine", "-l", "--limit", "1", cwd=ROOT)
    assert inside.returncode == 0
    assert inside.stdout.splitlines() == sorted(facets)  # relative: seeds/…
    outside = run(*ix, "query", "Ukraine", "--files-with-matches", cwd=seeds_ix.parent)
    assert outside.stdout.splitlines() == [str(ROOT / name) for name in sorted(facets)]
    one = run(*ix, "query", "Ukraine", "-l", "--source", S004, cwd=ROOT)
    assert one.stdout == f"{S004}\n"


def test_vimgrep_points_at_the_first_match(seeds_ix: Path) -> None:
    ix = ["--index", str(seeds_ix)]
    hits = json.loads(run(*ix, "query", "Ukraine", "--json", "--limit", "5").stdout)["hits"]
    done = run(*ix, "query", "Ukraine", "--vimgrep", "--limit", "5", cwd=ROOT)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert len(lines) == len(hits) == 5
    for line, hit in zip(lines, hits, strict=True):
        m = re.fullmatch(r"(seeds/[^:]+):(\d+):(\d+):(.*)", line)
        assert m, line
        assert m.group(1) == hit["source"]
        number, column = int(m.group(2)), int(m.group(3))
        assert number >= hit["line"]
        raw = (ROOT / m.group(1)).read_bytes().splitlines()[number - 1]
        a, b = hit["highlights"][0]
        word = hit["text"][a:b].encode()
        assert raw[column - 1 : column - 1 + len(word)] == word
        assert m.group(4) == " ".join(hit["text"].split())


def test_output_options_are_exclusive(seeds_ix: Path) -> None:
    done = run("--index", str(seeds_ix), "query", "Ukraine", "--json", "--count")
    assert done.returncode == 2 and "not allowed with" in done.stderr


def test_sources_command(seeds_ix: Path) -> None:
    done = run("--index", str(seeds_ix), "sources")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "indexed folders:"
    assert lines[1] == f"  seeds  {SEEDS}"
    assert lines[2] == "sources (5, paragraphs each):"
    counts = [re.fullmatch(r"\s+(\d+)  (seeds/\S+)", line) for line in lines[3:]]
    assert all(counts) and len(counts) == 5
    assert sum(int(m.group(1)) for m in counts if m) == 156
    data = json.loads(run("--index", str(seeds_ix), "sources", "--json").stdout)
    assert data["folders"] == [{"label": "seeds", "path": str(SEEDS)}]
    assert sum(s["paragraphs"] for s in data["sources"]) == 156
    assert {s["source"] for s in data["sources"]} == {m.group(2) for m in counts if m}


def test_index_found_from_a_subfolder(many: Path) -> None:
    deeper = many / "docs" / "a" / "b"
    deeper.mkdir(parents=True, exist_ok=True)
    done = run("query", "commun", "--count", cwd=deeper)
    assert (done.returncode, done.stdout) == (0, "465\n")
    stats = run("stats", cwd=deeper)
    assert stats.stdout.splitlines()[0] == f"index:                {many / 'index'}"
    data = json.loads(run("stats", "--json", cwd=deeper).stdout)
    assert data["index"] == str(many / "index")
    assert data["index_from"] == "nearest index/ in the current folder or its parents"
    # $SEARCHDESK_INDEX and --index come first.
    env = run("stats", cwd=deeper, env={"SEARCHDESK_INDEX": str(many / "nope")})
    assert env.returncode == 2 and str(many / "nope") in env.stderr
    flag = run("--index", str(many / "index"), "stats", "--json", cwd=Path("/"))
    assert json.loads(flag.stdout)["index_from"] == "--index"
    env_json = run("stats", "--json", cwd=Path("/"), env={"SEARCHDESK_INDEX": str(many / "index")})
    assert json.loads(env_json.stdout)["index_from"] == "$SEARCHDESK_INDEX"


def test_first_index_goes_to_dot_index(tmp_path: Path) -> None:
    missing = run("stats", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == (
        f"searchdesk: no index at {tmp_path / 'index'}; create one with `searchdesk index DIR`\n"
    )
    done = run("index", str(SEEDS), cwd=tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "index" / "searchdesk.json").exists()
    assert run("stats", cwd=tmp_path).stdout.splitlines()[0] == (
        f"index:                {tmp_path / 'index'}"
    )


def _readme_querying() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("### Querying") : text.index("### JSON output")]


def _readme_queries() -> list[list[str]]:
    """The `searchdesk query` lines of the code block and the syntax table's examples."""
    section = _readme_querying()
    block = section[section.index("```sh") + 5 : section.index("```", section.index("```sh") + 5)]
    commands = [shlex.split(line)[1:] for line in block.strip().splitlines()]
    table = section[section.index("| syntax | meaning |") :]
    for row in table.splitlines()[2:]:
        if not row.startswith("| "):
            break
        first = row.split(" | ")[0]
        commands += [["query", q] for q in re.findall(r"`([^`]+)`", first)]
    return commands


def test_readme_lists_examples() -> None:
    queries = _readme_queries()
    assert ["query", "accord paix"] in queries and ["query", '"accord de paix"'] in queries
    assert len(queries) >= 14


@pytest.mark.parametrize("command", _readme_queries(), ids=lambda c: " ".join(c))
def test_readme_example_finds_something(seeds_ix: Path, command: list[str]) -> None:
    assert command[0] == "query"
    done = run(*command, cwd=ROOT, env={"SEARCHDESK_INDEX": str(seeds_ix)})
    assert done.returncode == 0, (command, done.stdout, done.stderr)


def test_index_verbose_names_skipped_files(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Un paragraphe de texte.\n", encoding="utf-8")
    (docs / "b.odg").write_bytes(b"PK\x03\x04")
    (docs / "c.txt").write_text("\n  \n", encoding="utf-8")
    (docs / "d.md").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    os.mkfifo(docs / "e.txt")
    quiet = run("index", "docs", cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert "(4 skipped)" in quiet.stdout and quiet.stderr == ""
    loud = run("index", "-v", "--rebuild", "docs", cwd=tmp_path)
    assert loud.returncode == 0, loud.stderr
    assert sorted(loud.stderr.splitlines()) == [
        f"searchdesk: skipped {docs / 'b.odg'}: not a format searchdesk reads (.odg)",
        f"searchdesk: skipped {docs / 'c.txt'}: no text (empty or blank)",
        f"searchdesk: skipped {docs / 'd.md'}: binary",
        f"searchdesk: skipped {docs / 'e.txt'}: not a regular file (FIFO)",
    ]
