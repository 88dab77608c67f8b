"""Paragraphs follow the text (entries, line-end hyphens, Markdown structure,
headings that introduce something), page furniture is not structure, and
documents have titles. The seeds' paragraphs are pinned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchdesk.chunking import (
    FUNCTION_WORDS,
    document_title,
    is_boilerplate,
    iter_chunks,
)
from searchdesk.models import Chunk

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "tests" / "fixtures"
MAN = FIXTURES / "man"


def chunks(text: str, markdown: bool = False) -> list[Chunk]:
    return list(iter_chunks(text, "s", "/p", markdown))


def seed(name: str) -> list[Chunk]:
    path = next(SEEDS.glob(f"{name}_*.txt"))
    return list(iter_chunks(path.read_text(encoding="utf-8"), path.name, "/p"))


def man(name: str) -> list[Chunk]:
    return list(iter_chunks((MAN / name).read_text(encoding="utf-8"), name, "/p"))


def test_seed_paragraphs_are_pinned() -> None:
    """Texts and lines of the seeds' chunks as the chunker gave them before
    entries, hyphens and furniture were handled: only headings may change."""
    pinned = json.loads((FIXTURES / "chunking" / "seeds_paragraphs.json").read_text("utf-8"))
    assert sorted(pinned) == sorted(p.name for p in SEEDS.glob("*.txt"))
    for name, expected in pinned.items():
        got = list(iter_chunks((SEEDS / name).read_text(encoding="utf-8"), name, "/p"))
        assert [[c.line, c.text] for c in got] == expected, name


def test_seed_headings_are_not_furniture() -> None:
    c000, c002, c004 = seed("000"), seed("002"), seed("004")
    for c in c000 + c002 + c004:
        if c.is_heading:
            assert not is_boilerplate(c.text), c.text
        assert c.heading is None or not is_boilerplate(c.heading), (c.line, c.heading)
    title = "La crainte monte en Europe face au signal que les États-Unis pourraient abandonner l'Ukraine"  # noqa: E501
    assert c000[0].is_heading and c000[0].text == title
    byline = next(c for c in c000 if c.line == 3)
    assert (byline.text, byline.is_heading, byline.heading) == ("Bùi Đức |", False, title)
    assert next(c for c in c000 if c.line == 5).heading == title
    published = next(c for c in c002 if c.line == 4)
    assert (published.text, published.is_heading) == ("Veröffentlicht am", False)
    assert next(c for c in c002 if c.line == 6).heading == c002[0].text
    comments = "5 réflexions au sujet de “Trump propose à Zelensky une garantie après sa rencontre avec Poutine”"  # noqa: E501
    for c in c004:
        if c.line >= 21:
            assert not c.is_heading and c.heading == comments, (c.line, c.text)


def test_document_titles() -> None:
    assert document_title(seed("000")) == seed("000")[0].text
    assert document_title(seed("002")) == (
        "Hegseth pourrait sauter une importante réunion de soutien à l'Ukraine"
    )
    assert document_title(seed("004")) == (
        "Trump propose à Zelensky une garantie après sa rencontre avec Poutine"
    )
    assert document_title(seed("001")) is None  # starts with body text
    assert document_title(seed("003")) is None
    assert document_title(man("timer_create.2.txt")) == (
        "timer_create - Créer une minuterie POSIX pour un processus"
    )
    assert document_title(man("ls.1.txt")) == "ls - Afficher le contenu de répertoires"
    md = "# Compte rendu\n\nPremier paragraphe.\n\n## Décisions\n\nRien.\n"
    assert document_title(chunks(md, markdown=True)) == "Compte rendu"
    assert document_title(chunks("Bùi Đức |\n\nVrai titre\n\nUn texte.\n")) == "Vrai titre"
    assert document_title([]) is None
    # Only the first chunks are read: an endless stream is fine.
    endless = iter(lambda: chunks("Un texte, sans titre.")[0], None)
    assert document_title(endless) is None


def test_timer_create_errors_are_entries() -> None:
    result = man("timer_create.2.txt")
    by_line = {c.line: c for c in result}
    eagain = by_line[120]
    assert eagain.text == (
        "EAGAIN Erreur temporaire lors de l'allocation de la structure de la minuterie "
        "par le noyau."
    )
    assert (eagain.is_heading, eagain.heading) == (False, "ERREURS")
    assert by_line[128].text.startswith("ENOTSUP Le noyau ne gère pas")
    headings = [c.text for c in result if c.is_heading]
    assert {"NOM", "ERREURS", "VOIR AUSSI"} <= set(headings)
    assert not [h for h in headings if h.split()[0] in ("EAGAIN", "EINVAL", "ENOTSUP", "EPERM")]


def test_option_entries_are_one_paragraph() -> None:
    by_line = {c.line: c for c in man("mkfs.fat.8.txt")}
    assert by_line[135].text == "-l fichier Lire la liste des blocs défectueux dans fichier."
    assert by_line[135].heading == "OPTIONS"


def test_line_end_hyphens_in_a_man_page() -> None:
    by_line = {c.line: c for c in man("eaccess.3.txt")}
    note = by_line[55].text
    assert "d'un processus sur" in note
    assert "cette information conduit" in note
    assert "les permissions du fichier" in note
    assert "‐" not in note


def test_no_heading_ends_with_a_function_word() -> None:
    for name in ("timer_create.2.txt", "eaccess.3.txt", "mkfs.fat.8.txt", "ls.1.txt"):
        for c in man(name):
            if c.is_heading:
                last = c.text.split()[-1].casefold()
                assert last not in FUNCTION_WORDS and not c.text.endswith(","), c.text
    text = "Une ligne courte coupée par\n\nla suite du texte, qui est longue et se termine.\n"
    assert [c.is_heading for c in chunks(text)] == [False, False]


@pytest.mark.parametrize(
    ("prev", "line", "joined"),
    [
        ("les permissions d'un pro\u2010", "cessus sur", "processus"),
        ("cette infor-", "mation", "information"),
        ("une lon\u00adgue", "ligne", None),  # soft hyphen not at the end: nothing
        ("une lon\u00ad", "gue ligne", "longue"),
        ("le cessez-", "le-feu est", "cessez-le-feu"),
        ("les États-", "Unis ont", "États-Unis"),
        ("c'est-", "à-dire", "c'est-à-dire"),
        ("ci\u2010", "dessous", "ci\u2010dessous"),
        ("le sous\u2010", "jacent", "sous\u2010jacent"),
        ("Jean-", "Pierre", "Jean-Pierre"),
        ("<jean-", "pierre@example.org>", "<jean-pierre@example.org>"),
        ("<simon.pail\u2010", "lard@example.org>", "<simon.paillard@example.org>"),
        ("POSIX.1-", "2008", "POSIX.1-2008"),
        ("sous-ja\u2010", "cent", "sous-jacent"),
        ("FE_OVER\u2010", "FLOW", "FE_OVERFLOW"),
        ("n'au\u2010", "torisant", "n'autorisant"),
        ("dit-", "il", "dit-il"),
        ("options -", "a et -b", None),
        ("un tiret -", "et seul", None),
    ],
)
def test_line_end_hyphens(prev: str, line: str, joined: str | None) -> None:
    width = 60
    first = ("mot " * 20)[: width - len(prev) - 1] + " " + prev
    second = line + " " + "suite " * 20
    text = f"{first}\n{second[:width].rstrip()}\n{'fin ' * 14}fin.\n"
    (para,) = chunks(text)
    assert para.line == 1
    if joined is None:
        assert f"{prev} {line}" in para.text
    else:
        assert joined in para.text
        assert f"{prev} " not in para.text


def test_markdown_structure_wins() -> None:
    text = (
        "# Compte rendu\n"
        "\n"
        "## Décisions\n"
        "\n"
        "Partager sur Twitter\n"
        "\n"
        "La séance est levée\n"
        "\n"
        "Court titre\n"
        "\n"
        "```python\n"
        "def f():\n"
        "\n"
        "    return 1\n"
        "```\n"
        "\n"
        "| Nom | Valeur |\n"
        "|-----|--------|\n"
        "| a   | 1      |\n"
        "Après le tableau.\n"
        "~~~~\n"
        "code\n"
        "~~~\n"
        "~~~~\n"
        "### Annexe\n"
        "\n"
        "Texte.\n"
    )
    result = [(c.line, c.heading, c.text, c.is_heading) for c in chunks(text, markdown=True)]
    assert result == [
        (1, None, "Compte rendu", True),
        (3, None, "Décisions", True),
        (5, "Décisions", "Partager sur Twitter", False),
        (7, "Décisions", "La séance est levée", False),
        (9, "Décisions", "Court titre", False),
        (12, "Décisions", "def f(): return 1", False),
        (17, "Décisions", "| Nom | Valeur | |-----|--------| | a | 1 |", False),
        (20, "Décisions", "Après le tableau.", False),
        (22, "Décisions", "code ~~~", False),
        (25, None, "Annexe", True),
        (27, "Annexe", "Texte.", False),
    ]


def test_unclosed_fence_runs_to_the_end() -> None:
    result = chunks("Intro.\n\n```\n# pas un titre\n\nsuite\n", markdown=True)
    assert [(c.line, c.text) for c in result] == [(1, "Intro."), (4, "# pas un titre suite")]


@pytest.mark.parametrize(
    "line",
    [
        "Bùi Đức |",
        "Châu Anh |",
        "Bùi Đức",
        "Répondre",
        "Laisser un commentaire",
        "Signaler",
        "J'aime",
        "J’aime",
        "Nouvelles connexes",
        "Lire aussi",
        "À lire aussi :",
        "Veröffentlicht am",
        "Transparenz: Redaktionell erstellt und geprüft.",
        "Share",
        "Partager sur Twitter",
        "Partager sur Facebook",
    ],
)
def test_page_furniture(line: str) -> None:
    assert is_boilerplate(line)
    result = chunks(f"{line}\n\nUn paragraphe qui suit, avec une phrase.\n")
    assert [c.is_heading for c in result] == [False, False]
    assert result[0].text == line


@pytest.mark.parametrize(
    "line", ["DESCRIPTION", "VOIR AUSSI", "Retrait des États-Unis du groupe", "Introduction"]
)
def test_not_furniture(line: str) -> None:
    assert not is_boilerplate(line)
    result = chunks(f"{line}\n\nUn paragraphe qui suit, avec une phrase.\n")
    assert result[0].is_heading


def test_a_title_above_a_byline_is_a_heading() -> None:
    text = "Le titre de l'article\n\nJean Roux |\n\nLe texte de l'article, qui commence.\n"
    result = chunks(text)
    assert [(c.text, c.is_heading, c.heading) for c in result] == [
        ("Le titre de l'article", True, None),
        ("Jean Roux |", False, "Le titre de l'article"),
        ("Le texte de l'article, qui commence.", False, "Le titre de l'article"),
    ]
    # Too many bylines: the line above introduces nothing.
    many = "Titre\n\n" + "Jean Roux |\n\n" * 5 + "Le texte.\n"
    assert not chunks(many)[0].is_heading
