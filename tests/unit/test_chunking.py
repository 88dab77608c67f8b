"""The paragraph chunker on each layout found in real data, with line numbers;
the streaming chunker against the whole-text one it replaced; linear time."""

from __future__ import annotations

import itertools
import random
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchdesk.chunking import (
    MAX_CHUNK_CHARS,
    WRAP_MAX_WIDTH,
    _byline,
    _closes_fence,
    _heading_like,
    _hyphen_join,
    _markdown_heading,
    _opens_fence,
    _table_row,
    digest,
    is_boilerplate,
    iter_chunks,
    iter_line_chunks,
    wrap_width,
)
from searchdesk.models import Chunk

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
MAN_FR = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "man-fr.tar.xz"


def chunks(text: str, markdown: bool = False) -> list[tuple[int, str | None, str]]:
    return [(c.line, c.heading, c.text) for c in iter_chunks(text, "s", "/p", markdown)]


def test_blank_line_blocks_with_heading() -> None:
    text = (
        "Une offre américaine\n"
        "\n"
        "Les États-Unis ont avancé l’idée d’une protection militaire.\n"
        "\n"
        "Une autre phrase, plus longue, qui fait un paragraphe.\n"
    )
    assert chunks(text) == [
        (1, None, "Une offre américaine"),
        (3, "Une offre américaine", "Les États-Unis ont avancé l’idée d’une protection militaire."),
        (5, "Une offre américaine", "Une autre phrase, plus longue, qui fait un paragraphe."),
    ]


def test_one_paragraph_per_line() -> None:
    long = "mot " * 40
    text = f"Premier paragraphe {long}.\nDeuxième paragraphe {long}.\nTroisième {long}.\n"
    result = chunks(text)
    assert [line for line, _h, _t in result] == [1, 2, 3]
    assert result[1][2].startswith("Deuxième paragraphe")


def test_hard_wrapped_lines_are_joined() -> None:
    text = (
        "NOM\n"
        "       ls - Afficher le contenu de répertoires\n"
        "\n"
        "DESCRIPTION\n"
        "       Afficher  les  informations  des  FICHIERs  (du répertoire courant par défaut). Les\n"  # noqa: E501
        "       entrées sont triées alphabétiquement si aucune  des  options  -cftuvSUX  ou  --sort\n"  # noqa: E501
        "       n'est indiquée.\n"
        "\n"
        "       -a, --all\n"
        "              inclure les entrées débutant par « . »\n"
    )
    result = chunks(text)
    assert result[0] == (1, None, "NOM")
    assert result[1] == (2, "NOM", "ls - Afficher le contenu de répertoires")
    assert result[2] == (4, None, "DESCRIPTION")
    line, heading, body = result[3]
    assert (line, heading) == (5, "DESCRIPTION")
    assert body.startswith("Afficher les informations des FICHIERs")
    assert body.endswith("--sort n'est indiquée.")
    assert "  " not in body
    # An entry: the option and its more-indented description are one paragraph.
    assert result[4] == (9, "DESCRIPTION", "-a, --all inclure les entrées débutant par « . »")
    assert len(result) == 5


def test_markdown_headings() -> None:
    text = "# Titre\n\nUn paragraphe.\n\n## Section deux ##\n\nAutre paragraphe.\n"
    assert chunks(text, markdown=True) == [
        (1, None, "Titre"),
        (3, "Titre", "Un paragraphe."),
        (5, None, "Section deux"),
        (7, "Section deux", "Autre paragraphe."),
    ]


def test_chunks_without_letters_or_digits_are_dropped() -> None:
    assert chunks("|\n\n---\n\nTexte réel.\n") == [(5, None, "Texte réel.")]


def test_long_paragraph_is_cut_at_sentences() -> None:
    sentence = "Une phrase assez longue pour remplir le paragraphe de mots. "
    text = sentence * 200
    result = chunks(text)
    assert len(result) > 1
    assert all(len(t) <= MAX_CHUNK_CHARS for _l, _h, t in result)
    assert all(t.endswith(".") for _l, _h, t in result)
    assert "".join(t + " " for _l, _h, t in result).split() == text.split()


def test_long_wrapped_paragraph_pieces_keep_their_line() -> None:
    line = "mot " * 18 + "fin."
    text = "\n".join([line] * 200) + "\n"
    result = chunks(text)
    assert len(result) > 1
    assert result[0][0] == 1
    assert result[1][0] > 1


def test_word_longer_than_a_chunk_is_cut() -> None:
    result = chunks("x" * (MAX_CHUNK_CHARS * 2 + 10))
    assert [len(t) for _l, _h, t in result] == [MAX_CHUNK_CHARS, MAX_CHUNK_CHARS, 10]


def test_digest_ignores_case_and_spacing() -> None:
    assert digest("Les  États-Unis\n") == digest("les états-unis")
    assert digest("les états-unis") != digest("les etats-unis")


def test_seeds_layouts() -> None:
    c000 = list(iter_chunks((SEEDS / "000_3c61d84c98e9853d.txt").read_text(), "000", "/p"))
    c001 = list(iter_chunks((SEEDS / "001_0d7a7954c6adc04e.txt").read_text(), "001", "/p"))
    # 001 is one paragraph per line, and a copy of part of 000.
    assert [c.line for c in c001] == list(range(1, len(c001) + 1))
    assert {c.digest for c in c001} <= {c.digest for c in c000}
    c004 = list(iter_chunks((SEEDS / "004_58e2441d30baac30.txt").read_text(), "004", "/p"))
    assert c004[2].text == "Une offre américaine inspirée de l’article 5"
    assert c004[3].heading == c004[2].text
    assert c004[3].line == 7


@pytest.mark.skipif(not MAN_FR.exists(), reason="shared man-fr corpus not present")
def test_man_page_from_the_real_corpus(tmp_path: Path) -> None:
    with tarfile.open(MAN_FR) as tar:
        member = tar.getmember("man/ls.1.txt")
        data = tar.extractfile(member)
        assert data is not None
        text = data.read().decode("utf-8")
    result = list(iter_chunks(text, "ls.1.txt", "/p"))
    by_text = {c.text: c for c in result}
    assert "NOM" in by_text
    assert by_text["ls - Afficher le contenu de répertoires"].heading == "NOM"
    assert by_text["-a, --all inclure les entrées débutant par « . »"].heading == "DESCRIPTION"
    lines = text.splitlines()
    for c in result:
        first_word = c.text.split()[0]
        assert first_word in lines[c.line - 1], (c.line, c.text[:40])


# --- The streaming chunker against a whole-text one ---------------------------------
#
# The whole-text chunker that the streaming one replaced (as of fc215d7:
# `_paragraphs` over all lines, then the pieces), condensed, and since extended
# with the same structural rules (entries, line-end hyphens, Markdown fences
# and tables, headings that introduce something, bylines seen through, page
# furniture): paragraphs are built first, then each short one is decided by
# looking ahead, then the pieces are cut from whole paragraphs. It shares only
# the per-line tests with the module (what a heading-like line, a byline, a
# fence, a table row is; how two lines join). It is the reference: the
# streaming one must give the same chunks. Its heading expression backtracks
# badly on long runs of spaces, so it is only fed short lines.

_REF_BULLET = re.compile(r"\s*(?:[-*+•–]|\d{1,3}[.)])\s+\S")
_REF_MD_HEADING = re.compile(r"\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_REF_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_REF_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+")
_REF_SHORT, _REF_BYLINE, _REF_CHROME, _REF_BODY, _REF_MD = range(5)


@dataclass
class _RefPara:
    text: str
    line: int
    indent: int
    line_offsets: list[tuple[int, int]]
    kind: int

    @property
    def effective(self) -> int:
        return self.kind if len(self.line_offsets) == 1 else _REF_BODY


def reference_chunks(text: str, source: str, path: str, markdown: bool = False) -> list[Chunk]:
    """The chunks of ``text`` as a whole-text chunker gives them."""
    lines = [line.rstrip() for line in text.splitlines()]
    lengths = sorted(len(line) for line in lines if line.strip())
    width = None
    if len(lengths) >= 3:
        p95 = lengths[int(0.95 * (len(lengths) - 1))]
        width = p95 if p95 <= WRAP_MAX_WIDTH else None
    paras: list[_RefPara] = []
    current: list[tuple[int, str, int]] = []  # (number, normalised text, join)
    kind = _REF_BODY
    counts: dict[int, int] = {}
    structured = False

    def indent(line: str) -> int:
        return len(line) - len(line.lstrip())

    def norm(line: str) -> str:
        return _REF_SPACES.sub(" ", line.strip())

    def body_indent() -> int | None:
        if not counts:
            return None
        best = max(counts.values())
        return min(k for k, v in counts.items() if v == best)

    def count(n: int) -> None:
        counts[min(n, 64)] = counts.get(min(n, 64), 0) + 1

    def kind_of(text: str) -> int:
        if structured or not _heading_like(text):
            return _REF_BODY
        if not is_boilerplate(text):
            return _REF_SHORT
        return _REF_BYLINE if _byline(text) else _REF_CHROME

    first_indent = 0

    def start(number: int, line: str, k: int) -> None:
        nonlocal kind, first_indent
        kind, first_indent = k, indent(line)
        if k in (_REF_BODY, _REF_CHROME):
            count(first_indent)
        current.append((number, norm(line), 0))

    def add(number: int, text: str, join: int) -> None:
        if len(current) == 1 and kind in (_REF_SHORT, _REF_BYLINE):
            count(first_indent)
        current.append((number, text, join))

    def flush() -> None:
        if not current:
            return
        out = ""
        offsets: list[tuple[int, int]] = []
        for i, (number, piece, join) in enumerate(current):
            if i and join == 0:
                out += " "
            elif i and join == 2:
                out = out[:-1]
            offsets.append((len(out), number))
            out += piece
        paras.append(_RefPara(out, current[0][0], first_indent, offsets, kind))
        current.clear()

    def continues(prev: str, line: str) -> bool:
        if width is None or _REF_BULLET.match(line):
            return False
        if len(prev) < 0.6 * width:
            return False
        if indent(line) != indent(prev):
            return bool(_REF_BULLET.match(prev)) and indent(line) > indent(prev)
        return True

    def entry(line: str) -> bool:
        body = body_indent()
        return (
            width is not None
            and body is not None
            and first_indent >= body
            and indent(line) > first_indent
            and not _REF_BULLET.match(line)
        )

    prev = ""
    fence: tuple[str, int] | None = None
    table = False
    for number, line in enumerate(lines, start=1):
        if markdown:
            if fence is not None:
                if _closes_fence(line, fence):
                    flush()
                    fence = None
                elif line:
                    if current:
                        add(number, norm(line), 0)
                    else:
                        start(number, line, _REF_BODY)
                continue
            fence = _opens_fence(line)
            if fence is not None:
                flush()
                table = False
                continue
            m = _REF_MD_HEADING.match(line)
            if m and len(m.group(2)) <= MAX_CHUNK_CHARS:
                flush()
                table = False
                paras.append(_RefPara(m.group(2), number, 0, [(0, number)], _REF_MD))
                structured = structured or any(ch.isalnum() for ch in m.group(2))
                prev = ""
                continue
            if _table_row(line):
                if table:
                    add(number, norm(line), 0)
                else:
                    flush()
                    start(number, line, _REF_BODY)
                    table = True
                prev = line
                continue
            if table:
                flush()
                table = False
                prev = ""
        if not line.strip():
            flush()
            prev = ""
            continue
        if current and (continues(prev, line) or (len(current) == 1 and entry(line))):
            add(number, norm(line), _hyphen_join(prev, norm(line)))
            prev = line
            continue
        flush()
        start(number, line, kind_of(norm(line)))
        prev = line
    flush()

    def is_heading(i: int) -> bool:
        para = paras[i]
        if para.kind == _REF_MD:
            return True
        if para.effective != _REF_SHORT:
            return False
        j, bylines = i + 1, 0
        while j < len(paras) and paras[j].effective == _REF_BYLINE:
            j, bylines = j + 1, bylines + 1
        if bylines > 4 or j == len(paras):
            return False
        nxt = paras[j]
        if nxt.kind == _REF_MD:
            return not _heading_like(nxt.text)
        if nxt.kind == _REF_CHROME:  # decided at its first line
            return False
        if nxt.effective == _REF_BODY:
            return True
        return nxt.indent > para.indent

    def cut_point(text: str, start: int, end: int) -> int:
        window = text[start:end]
        last = None
        for m in _REF_SENTENCE_SPLIT.finditer(window):
            last = m
        if last is not None and last.start() > MAX_CHUNK_CHARS // 4:
            return start + last.end()
        space = window.rfind(" ")
        if space > MAX_CHUNK_CHARS // 4:
            return start + space + 1
        return end

    def split_long(p: _RefPara) -> Iterator[tuple[str, int]]:
        if len(p.text) <= MAX_CHUNK_CHARS:
            yield p.text, p.line
            return
        start = 0
        while start < len(p.text):
            end = start + MAX_CHUNK_CHARS
            end = len(p.text) if end >= len(p.text) else cut_point(p.text, start, end)
            piece = p.text[start:end].strip()
            if piece:
                line = p.line
                for offset, number in p.line_offsets:
                    if offset > start:
                        break
                    line = number
                yield piece, line
            start = end

    out: list[Chunk] = []
    heading: str | None = None
    for i, para in enumerate(paras):
        if not any(ch.isalnum() for ch in para.text):
            continue
        if is_heading(i):
            out.append(
                Chunk(source, path, para.line, len(out), None, para.text, digest(para.text), True)
            )
            heading = para.text
            continue
        for piece, first in split_long(para):
            out.append(Chunk(source, path, first, len(out), heading, piece, digest(piece)))
    return out


_LINE_PARTS = [
    "Titre",
    "DESCRIPTION",
    "       ",
    "  ",
    "\t",
    "- ",
    "* ",
    "12. ",
    "# ",
    "## ",
    "####### ",
    " ##",
    "#",
    "mot ",
    "Une phrase courte. ",
    "Une phrase qui continue, ",
    "fin.",
    "é",
    "e\u0301",
    "\u00a0",
    "—",
    "|",
    "---",
    "x" * 60,
    "lorem ipsum dolor sit amet " * 3,
    # Line-end hyphens, entries, function words, furniture, Markdown structure.
    "pro\u2010",
    "cessus ",
    "infor-",
    "Pierre ",
    "c'est-",
    "à-dire ",
    "ci\u2010",
    "soft\u00ad",
    "EAGAIN ",
    "              ",
    " par",
    " de l'",
    "Répondre",
    "Bùi Đức |",
    "Jean Roux",
    "Partager sur Twitter",
    "```",
    "~~~",
    "| a | b |",
    "|---|",
]


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Texts mixing the layouts: blank lines, wrapped lines, bullets, headings."""
    lines = draw(
        st.lists(
            st.lists(st.sampled_from(_LINE_PARTS), max_size=6).map("".join),
            max_size=60,
        )
    )
    if draw(st.booleans()):
        # A long paragraph somewhere, to exercise the pieces.
        at = draw(st.integers(0, len(lines)))
        lines[at:at] = ["Une phrase assez longue, avec des mots. " * 2] * draw(st.integers(0, 120))
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(documents(), st.booleans())
def test_streaming_chunker_equals_the_whole_text_one(text: str, markdown: bool) -> None:
    assert list(iter_chunks(text, "s", "/p", markdown)) == reference_chunks(
        text, "s", "/p", markdown
    )


def test_markdown_heading_equals_the_old_expression() -> None:
    """Every line of up to 6 characters over the characters that matter."""
    alphabet = "# \tx\u00a0."
    for n in range(1, 7):
        for chars in itertools.product(alphabet, repeat=n):
            line = "".join(chars).rstrip()
            if not line:
                continue
            m = _REF_MD_HEADING.match(line)
            assert _markdown_heading(line) == (m.group(2) if m else None), repr(line)


def test_markdown_heading_longer_than_a_chunk_is_body_text() -> None:
    title = "mot " * 600
    result = chunks(f"# {title}\n\nSuite.\n", markdown=True)
    assert all(len(t) <= MAX_CHUNK_CHARS for _l, _h, t in result)
    assert result[0][2].startswith("# mot mot")
    assert result[-1] == (3, None, "Suite.")


def test_wrap_width_is_the_95th_percentile_of_non_blank_lines() -> None:
    rnd = random.Random(5)
    for _ in range(200):
        lines = [
            " " * rnd.randint(0, 3) + "x" * rnd.randint(0, 140) for _ in range(rnd.randint(0, 40))
        ]
        lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
        expected = None
        if len(lengths) >= 3:
            p95 = lengths[int(0.95 * (len(lengths) - 1))]
            expected = p95 if p95 <= WRAP_MAX_WIDTH else None
        assert wrap_width(lines) == expected


def test_a_paragraph_that_never_ends_is_cut_as_it_comes() -> None:
    """Hard-wrapped lines with no blank line, from an endless source: pieces come
    after a bounded number of lines, each with the line it starts on."""
    line = "Une ligne de texte coupée à la largeur du fichier, sans ligne vide."
    bound = 200 * MAX_CHUNK_CHARS // len(line) + 2000

    def endless() -> Iterator[tuple[int, str]]:
        for number in itertools.count(1):
            assert number <= bound, "the paragraph is being held whole"
            yield number, line

    pieces = list(itertools.islice(iter_line_chunks(endless(), "s", "/p", width=len(line)), 200))
    assert [c.ordinal for c in pieces] == list(range(200))
    offset = 0  # where each piece starts in the joined paragraph
    for c in pieces:
        assert len(c.text) <= MAX_CHUNK_CHARS and c.text.endswith(".")
        assert c.line == offset // (len(line) + 1) + 1
        offset += len(c.text) + 1


def test_pieces_of_a_paragraph_without_letters_wait_for_one() -> None:
    rule = "= " * 35
    text = "\n".join([rule] * 200 + ["= = = mot = = ="]) + "\n"
    assert chunks(text) == [(c.line, c.heading, c.text) for c in reference_chunks(text, "s", "/p")]
    assert len(chunks(text)) > 1
    assert chunks("\n".join([rule] * 200)) == []


@pytest.mark.parametrize(
    "line",
    [
        "# a" + "\t" * 4000 + "x",
        "# a" + " " * 12000 + "x",
        "#" + " " * 12000 + "#" * 3000 + " " * 12000 + "x",
        " " * 12000 + "- " + " " * 12000,
        "1" * 12000 + ". " + " " * 12000 + "x",
        "." + " " * 12000 + "x" + ". " * 6000,
    ],
)
def test_adversarial_lines_chunk_in_linear_time(line: str) -> None:
    """A backtracking expression would hang here (minutes to hours), not fail."""
    for markdown in (False, True):
        text = "Titre\n\n" + line + "\n" + line + "\n"
        result = list(iter_chunks(text, "s", "/p", markdown))
        assert all(len(c.text) <= MAX_CHUNK_CHARS for c in result if not c.is_heading)
