"""Output safety: hostile file names and undecodable bytes, under every locale.

A file name can hold a newline, an escape sequence, a bidi override or a
byte that is not UTF-8. Whatever the locale and ``PYTHONIOENCODING``, the
real command prints such a name escaped on one line, writes JSON that is
valid UTF-8, and never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from searchdesk.indexer import build_index
from searchdesk.models import Hit, Location, SearchResult
from searchdesk.paths import display_path
from searchdesk.render import Style, configure_output, render_hit, render_json, render_result
from searchdesk.sanitize import escape, sanitize, sanitize_line

WORD = "zephyrine"
#: File names as bytes, and how they must be shown.
NAMES = {
    b"a\nsearchdesk: warning: x.txt": r"a\nsearchdesk: warning: x.txt",
    b"\x1b[31mred.txt": r"\x1b[31mred.txt",
    "\u202ecod.txt".encode(): r"\u202ecod.txt",
    b"caf\xe9.txt": r"caf\xe9.txt",
    b"tab\there.md": r"tab\there.md",
}
#: Raw bytes that must never reach the terminal: ESC, CSI (C1, in UTF-8), RLO.
RAW = (b"\x1b", b"\xc2\x9b", "\u202e".encode())

UTF8 = {"LC_ALL": "C.UTF-8"}
#: Environment, and the encoding human output is then written in.
LOCALES = {
    "C": ({"LC_ALL": "C"}, "utf-8"),
    "C.UTF-8": (UTF8, "utf-8"),
    "strict": ({"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"}, "utf-8"),
    "ascii": ({"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}, "ascii"),
    "ascii-strict": (
        {
            "LC_ALL": "C",
            "PYTHONUTF8": "0",
            "PYTHONCOERCECLOCALE": "0",
            "PYTHONIOENCODING": "ascii:strict",
        },
        "ascii",
    ),
    "latin-1": ({"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "latin-1"}, "latin-1"),
}
LOCALE_IDS = list(LOCALES)


def run(
    *args: str | bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`python -m searchdesk ARGS` with only the given locale settings; raw bytes out."""
    drop = ("SEARCHDESK_INDEX", "LANG", "LANGUAGE", "PYTHONIOENCODING", "PYTHONUTF8")
    full = {
        k: v
        for k, v in os.environ.items()
        if k not in drop and not k.startswith(("LC_", "PYTHONCOERCE"))
    }
    full.update({"NO_COLOR": "1", **(env or UTF8)})
    return subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"searchdesk", *map(os.fsencode, args)],
        capture_output=True,
        env=full,
        timeout=120,
        check=False,
    )


def lines(data: bytes) -> list[bytes]:
    """Lines as a terminal counts them (only LF moves to a new line)."""
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


def assert_inert(data: bytes) -> None:
    for raw in RAW:
        assert raw not in data
    assert b"Traceback" not in data


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of five files with hostile names, one paragraph each."""
    root = tmp_path_factory.mktemp("out")
    docs = os.path.join(os.fsencode(root), b"docs")
    os.mkdir(docs)
    for i, name in enumerate(NAMES):
        body = f"{WORD} numéro {i}\u202e\x9b31m\n"
        if name.endswith(b".md"):
            body = f"# Titre\x1b[1m gras\n\n{body}"
        with open(os.path.join(docs, name), "wb") as fh:
            fh.write(body.encode("utf-8"))
    build_index([Path(os.fsdecode(docs))], root / "index")
    return root / "index"


@pytest.mark.parametrize("locale", LOCALE_IDS)
def test_human_query_output_shows_names_escaped_on_one_line(hostile: Path, locale: str) -> None:
    env, encoding = LOCALES[locale]
    done = run("--index", str(hostile), "query", WORD, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert_inert(done.stdout)
    done.stdout.decode(encoding)  # written in the stream's encoding, escaped where it lacks
    out = lines(done.stdout)
    # Five hits of two lines, the sources line, the total; blank lines between.
    assert len(out) == 5 * 2 + 2 + 6
    blocks = b"\n".join(out).split(b"\n\n")
    assert len(blocks) == 7
    shown = set()
    for block in blocks[:5]:
        head, body = block.split(b"\n")
        names = [n for n in NAMES.values() if n.encode() + b":" in head]
        assert len(names) == 1, head
        shown.update(names)
        assert body.startswith(b"  ") and WORD.encode() in body
    assert shown == set(NAMES.values())
    assert blocks[5].startswith(b"sources: ")
    for name in NAMES.values():
        assert name.encode() in blocks[5]
    assert blocks[6].startswith(b"5 hits")


@pytest.mark.parametrize("locale", LOCALE_IDS)
def test_json_is_valid_utf8_whatever_the_locale(hostile: Path, locale: str) -> None:
    env, _ = LOCALES[locale]
    done = run("--index", str(hostile), "query", WORD, "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert_inert(done.stdout)
    assert len(lines(done.stdout)) == 1
    data = json.loads(done.stdout.decode("utf-8"))
    assert data["total"] == 5
    sources = {display_path(hit["source"]) for hit in data["hits"]}
    files = {display_path(os.path.basename(hit["path"])) for hit in data["hits"]}
    assert files == set(NAMES.values())
    for name in NAMES.values():
        assert len([s for s in sources if s.endswith(name)]) == 1


@pytest.mark.parametrize("locale", LOCALE_IDS)
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "human"])
def test_an_undecodable_query_argument_is_escaped(
    hostile: Path, locale: str, as_json: bool
) -> None:
    env, encoding = LOCALES[locale]
    args: list[str | bytes] = ["--index", str(hostile), "query", b"caf\xe9\n\x1b[2J"]
    done = run(*args, *(["--json"] if as_json else []), env=env)
    assert done.returncode in (0, 1), done.stderr
    assert_inert(done.stdout + done.stderr)
    if as_json:
        assert len(lines(done.stdout)) == 1
        assert json.loads(done.stdout.decode("utf-8"))["query"] == "caf\\xe9\n\x1b[2J"
    else:
        done.stdout.decode(encoding)
        for line in lines(done.stderr) if done.stderr else []:
            assert line.startswith((b"did you mean: ", b"searchdesk: ")), line


def test_index_warnings_show_names_escaped_on_one_line(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    forged = b"bad\nsearchdesk: warning: forged\x1b[2K.txt"
    # 0x81 is neither UTF-8 nor cp1252: the file is read as latin-1, with a warning.
    with open(os.path.join(os.fsencode(docs), forged), "wb") as fh:
        fh.write(b"zephyrine \x81\n")
    done = run("--index", str(tmp_path / "index"), "index", str(docs))
    assert done.returncode == 0, done.stderr
    assert_inert(done.stderr)
    warnings = lines(done.stderr)
    assert len(warnings) == 1
    assert warnings[0].startswith(b"searchdesk: warning: ")
    assert rb"bad\nsearchdesk: warning: forged\x1b[2K.txt" in warnings[0]
    assert len(lines(done.stdout)) == 1


@pytest.mark.parametrize("locale", ["C.UTF-8", "strict", "ascii-strict"])
def test_errors_show_names_escaped_on_one_line(tmp_path: Path, locale: str) -> None:
    env, _ = LOCALES[locale]
    odd = "no\nsuch\x1b[31m\u202e"
    shown = r"no\nsuch\x1b[31m\u202e"
    cases: list[list[str | bytes]] = [
        ["--index", str(tmp_path / odd), "query", "paix"],
        ["--index", str(tmp_path / "index"), "index", str(tmp_path / odd)],
        ["--index", os.fsencode(tmp_path) + b"/caf\xe9\n", "stats"],
        ["query", "paix", "--bogus", "x\ny\x1b[2J"],
    ]
    for args in cases:
        done = run(*args, env=env)
        assert done.returncode == 2, args
        assert done.stdout == b""
        assert_inert(done.stderr)
        assert len(lines(done.stderr)) == 1, done.stderr
        assert done.stderr.startswith(b"searchdesk: ")
    done = run("--index", str(tmp_path / odd), "query", "paix", env=env)
    assert shown.encode() in done.stderr


@pytest.mark.parametrize("locale", ["C.UTF-8", "ascii-strict"])
def test_stats_shows_the_index_path_escaped(tmp_path: Path, locale: str) -> None:
    env, _ = LOCALES[locale]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("zephyrine\n", encoding="utf-8")
    index_dir = tmp_path / "ix\n\x1b[31m"
    build_index([docs], index_dir)
    human = run("--index", str(index_dir), "stats", env=env)
    assert human.returncode == 0, human.stderr
    assert_inert(human.stdout)
    out = lines(human.stdout)
    assert len(out) == 7
    assert out[0].endswith(rb"/ix\n\x1b[31m")
    as_json = run("--index", str(index_dir), "stats", "--json", env=env)
    assert as_json.returncode == 0, as_json.stderr
    assert len(lines(as_json.stdout)) == 1
    assert json.loads(as_json.stdout.decode("utf-8"))["files"] == 1


# The functions themselves.


def test_display_path_escapes_controls_bidi_and_bad_bytes() -> None:
    for raw, shown in NAMES.items():
        assert display_path(raw) == shown
        assert display_path(os.fsdecode(raw)) == shown
        assert display_path(shown) == shown  # idempotent: a stored label shows as is
    assert display_path("a\rb\x00c\x7fd\x85e\u2028f") == r"a\rb\x00c\x7fd\x85e\u2028f"
    assert display_path("caf\udcc3\udca9") == "café"  # bytes that form UTF-8 after all
    assert display_path("x\ud800y") == r"x\ud800y"  # not from surrogateescape: no crash
    assert display_path("Émile/notes.md") == "Émile/notes.md"


def test_text_keeps_its_layout_but_loses_controls() -> None:
    assert sanitize("a\x1b[31mb\tc\nd\u202e\x9b") == "a[31mb\tc\nd"
    assert sanitize("caf\udce9") == r"caf\xe9"
    assert sanitize_line("titre\n\tsuite\u2028fin") == "titre suite fin"
    assert escape("a\nb") == r"a\nb"


def make_hit(source: str, heading: str | None = None, text: str = "zephyrine ici") -> Hit:
    return Hit(
        source=source,
        path="/d/" + source,
        line=3,
        ordinal=0,
        heading=heading,
        text=text,
        score=1.0,
        highlights=((0, 9),),
        also_in=(Location("b\nc.txt", "/d/b\nc.txt", 7),),
    )


def test_a_hit_header_is_one_line_whatever_its_heading() -> None:
    hit = make_hit("a\nb.txt", heading="Titre\nsearchdesk: forgé\x1b[2J")
    out = render_hit(hit, Style(color=False)).split("\n")
    assert out[0] == r"a\nb.txt:3  Titre searchdesk: forgé[2J"
    assert out[1] == "  **zephyrine** ici"
    assert out[2] == r"  also in 1 other location: b\nc.txt:7"
    colored = render_hit(hit, Style(color=True))
    assert colored.count("\n") == 2


def test_render_json_is_utf8_and_inert() -> None:
    hit = make_hit("caf\udce9\n.txt", text="zephyrine \u202e\x9b\x7f\u2028 é\ud83d")
    result = SearchResult(query="caf\udce9", total=1, hits=(hit,), facets={"caf\udce9\n.txt": 1})
    out = render_json(result)
    raw = out.encode("utf-8")  # would raise on a lone surrogate
    assert "\n" not in out
    for char in "\u202e\x9b\x7f\u2028":
        assert char not in out
    data = json.loads(raw.decode("utf-8"))
    assert data["query"] == r"caf\xe9"
    assert data["hits"][0]["source"] == "caf\\xe9\n.txt"
    assert data["hits"][0]["text"] == "zephyrine \u202e\x9b\x7f\u2028 é\\ud83d"
    assert data["facets"]["source"] == {"caf\\xe9\n.txt": 1}
    human = render_result(result, Style(color=False))
    human.encode("utf-8")
    assert r"caf\xe9\n.txt" in human


def test_configure_output_makes_any_stream_writable(tmp_path: Path) -> None:
    import io

    for json_output, expected in [(False, b"caf\\xe9 \\udce9\n"), (True, b"caf\xc3\xa9 \\udce9\n")]:
        out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
        out = io.TextIOWrapper(out_bytes, encoding="ascii", errors="strict")
        err = io.TextIOWrapper(err_bytes, encoding="ascii", errors="strict")
        configure_output(out, err, json_output=json_output)
        out.write("café \udce9\n")
        err.write("é\n")
        out.flush()
        err.flush()
        assert out_bytes.getvalue() == expected
        assert err_bytes.getvalue() == b"\\xe9\n"
    configure_output(io.StringIO(), io.StringIO())  # not reconfigurable: left alone
