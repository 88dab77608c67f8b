"""The paragraph chunker on each layout found in real data, with line numbers."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from searchdesk.chunking import MAX_CHUNK_CHARS, digest, iter_chunks

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
    assert result[4] == (9, None, "-a, --all")
    assert result[5] == (10, "-a, --all", "inclure les entrées débutant par « . »")


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
    allopt = by_text["-a, --all"]
    assert by_text["inclure les entrées débutant par « . »"].heading == allopt.text
    lines = text.splitlines()
    for c in result:
        first_word = c.text.split()[0]
        assert first_word in lines[c.line - 1], (c.line, c.text[:40])
