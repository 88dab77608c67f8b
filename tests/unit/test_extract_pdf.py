"""The PDF extractor on real PDFs made by LibreOffice and qpdf (see the fixtures' make.sh)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import docx
import pytest

from searchdesk.extract import Extracted, ExtractionError, Extractor, for_path
from searchdesk.extract import pdf as pdf_module
from searchdesk.extract.pdf import PDF, _join, clean, is_page_number, meaningful_title

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats" / "pdf"
TITLE = "La transition numérique des services publics"


def data(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def rapport() -> Extracted:
    return PDF.extract(data("rapport.pdf"))


def paragraphs(extracted: Extracted) -> list[str]:
    return [b.text for b in extracted.blocks if b.kind == "paragraph"]


def paragraph(extracted: Extracted, start: str) -> str:
    found = [t for t in paragraphs(extracted) if t.startswith(start)]
    assert len(found) == 1, (start, found)
    return found[0]


def page_of(extracted: Extracted, start: str) -> int | None:
    return next(b.page for b in extracted.blocks if b.text.startswith(start))


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


# --- the seam ----------------------------------------------------------------


def test_is_the_registered_extractor() -> None:
    assert isinstance(PDF, Extractor)
    assert for_path("dossier/Rapport.PDF") is PDF
    assert (PDF.name, PDF.suffixes, PDF.paged) == ("PDF", (".pdf",), True)


def test_pypdfium2_is_imported_lazily() -> None:
    code = "import sys, searchdesk.extract.pdf; print('pypdfium2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- the report ----------------------------------------------------------------


def test_title_from_metadata(rapport: Extracted) -> None:
    assert rapport.title == TITLE
    assert rapport.warnings == ()


def test_headings_with_levels_by_size(rapport: Extracted) -> None:
    headings = [(b.text, b.level, b.page) for b in rapport.blocks if b.kind == "heading"]
    assert headings == [
        (TITLE, 1, 1),  # 22 pt, on two lines
        ("Synthèse", 2, 1),  # 16 pt
        ("Le contexte de la transformation", 2, 1),
        ("Une ambition affichée dès 2017", 3, 1),  # 13 pt
        ("Des moyens dispersés", 3, 1),
        ("Les constats de la Cour", 2, 2),
        ("L’accessibilité des démarches", 3, 2),
        ("La sécurité des systèmes d’information", 3, 2),
        ("Recommandations", 2, 3),
        ("Conclusion", 2, 3),
    ]


def test_paragraphs_rebuilt_from_lines(rapport: Extracted) -> None:
    assert len(paragraphs(rapport)) == 26
    assert paragraph(rapport, "Le programme") == (
        "Le programme « Action publique 2022 », lancé à l’automne 2017, prévoyait une "
        "transformation profonde de l’administration. Il reposait sur trois piliers : "
        "l’amélioration de la qualité des services publics, l’offre aux agents d’un "
        "environnement de travail modernisé et la maîtrise des dépenses publiques. La "
        "numérisation y occupait une place centrale, présentée comme le levier principal "
        "d’une administration plus proche, plus simple et plus efficace."
    )
    # A one-line paragraph between a paragraph and a heading.
    assert "Elle formule sept recommandations." in paragraphs(rapport)
    # Indented paragraphs without spacing: split on the indent and on a short
    # last line ending a sentence.
    assert paragraph(rapport, "Le déploiement").endswith("politique de la ville.")
    assert "Leur financement demeure cependant fragile." in paragraphs(rapport)
    assert paragraph(rapport, "Les conseillers").endswith("dispositif d’accompagnement.")


def test_paragraph_across_a_page_break_is_one_block(rapport: Extracted) -> None:
    text = paragraph(rapport, "Plusieurs projets emblématiques")
    assert "de délais. Le remplacement du logiciel de paie" in text
    assert text.endswith("à l’égard de quelques prestataires.")
    assert page_of(rapport, "Plusieurs projets emblématiques") == 1


def test_pages(rapport: Extracted) -> None:
    assert page_of(rapport, "Depuis une dizaine") == 1
    assert page_of(rapport, "La mutualisation") == 2
    assert page_of(rapport, "Recommandation n° 1") == 3
    assert page_of(rapport, "La Cour suivra") == 3
    assert {b.page for b in rapport.blocks} == {1, 2, 3}


def test_running_header_footer_and_page_numbers_dropped(rapport: Extracted) -> None:
    for block in rapport.blocks:
        assert "Cour des comptes – Rapport public" not in block.text
        assert "Transition numérique – page" not in block.text
        assert not re.search(r"\bpage \d", block.text)


def test_hyphenated_words_joined_and_compounds_kept(rapport: Extracted) -> None:
    text = " ".join(b.text for b in rapport.blocks)
    # Broken at a line end by LibreOffice at a soft hyphen.
    assert "la multiplication des solutions" in text
    assert "années de développement, en constitue" in text
    assert "dispositif d’accompagnement." in text
    assert "d’investissement et de fonctionnement" in text
    # A compound broken after its first hyphen ("c’est-" / "à-dire").
    assert "par an, c’est-à-dire une part" in text
    # Compounds mid-line.
    for compound in ("États-Unis", "porte-parole", "Au-delà", "« dites-le-nous une fois »"):
        assert compound in text
    assert not re.search(r"\w- \w", text)


def test_text_is_clean_nfc(rapport: Extracted) -> None:
    for block in rapport.blocks:
        assert unicodedata.is_normalized("NFC", block.text)
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u00ad\ufffe\uffff]|\s\s", block.text)
        assert block.text == block.text.strip()
    assert "Au cœur de ces difficultés" in paragraph(rapport, "Au cœur")


def test_paragraphs_equal_the_docx_of_the_same_source(rapport: Extracted) -> None:
    document = docx.Document(io.BytesIO(data("rapport.docx")))
    body = [
        norm(p.text)
        for p in document.paragraphs
        if p.text.strip() and not p.style.name.startswith(("Heading", "Title"))
    ]
    assert [norm(t) for t in paragraphs(rapport)] == body


def test_owner_password_only_opens(rapport: Extracted) -> None:
    restricted = PDF.extract(data("restricted.pdf"))
    assert restricted.blocks == rapport.blocks


# --- pages without text, hostile files ------------------------------------------


def test_scanned_pages_give_a_warning_not_an_error() -> None:
    scanned = PDF.extract(data("scanned.pdf"))
    assert scanned.blocks == []
    assert scanned.title is None
    assert scanned.warnings == ("2 pages without text (scanned images?)",)


def test_text_then_a_scanned_page(rapport: Extracted) -> None:
    mixed = PDF.extract(data("mixed.pdf"))
    assert mixed.warnings == ("1 page without text (scanned images?)",)
    assert mixed.blocks == rapport.blocks
    assert mixed.title == TITLE  # no metadata (qpdf --empty): the first heading


def test_encrypted() -> None:
    with pytest.raises(ExtractionError, match=r"^encrypted \(needs a password\)$"):
        PDF.extract(data("encrypted.pdf"))


def test_not_a_pdf() -> None:
    with pytest.raises(ExtractionError, match=r"^not a PDF file"):
        PDF.extract(data("not-a-pdf.pdf"))
    with pytest.raises(ExtractionError, match=r"^not a PDF file"):
        PDF.extract(b"")


def test_truncated() -> None:
    with pytest.raises(ExtractionError, match=r"^damaged PDF \(.+\)$"):
        PDF.extract(data("truncated.pdf"))


@pytest.mark.parametrize("fraction", [0.02, 0.1, 0.3, 0.6, 0.9, 0.99])
def test_any_cut_gives_blocks_or_an_extraction_error(fraction: float) -> None:
    whole = data("rapport.pdf")
    try:
        result = PDF.extract(whole[: int(len(whole) * fraction)])
    except ExtractionError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(result, Extracted)


def test_corrupted_bytes_give_blocks_or_an_extraction_error() -> None:
    whole = bytearray(data("rapport.pdf"))
    for start in range(1000, len(whole), 4000):
        damaged = bytes(whole[:start]) + bytes(200) + bytes(whole[start + 200 :])
        try:
            PDF.extract(damaged)
        except ExtractionError as exc:
            assert "\n" not in str(exc)


def test_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "MAX_PAGES", 2)
    with pytest.raises(ExtractionError, match=r"^too many pages \(3"):
        PDF.extract(data("rapport.pdf"))
    monkeypatch.setattr(pdf_module, "MAX_PAGES", 100)
    monkeypatch.setattr(pdf_module, "MAX_CHARS", 5000)
    with pytest.raises(ExtractionError, match=r"^too much text"):
        PDF.extract(data("rapport.pdf"))


# --- the pieces ------------------------------------------------------------------


def test_clean_spells_ligatures_only() -> None:
    assert clean("efﬁcace, ﬂeur, ﬀ ﬃ ﬄ ﬅ ﬆ") == "efficace, fleur, ff ffi ffl st st"
    assert clean("x² ½ № ™") == "x² ½ № ™"  # NFKC would change these
    assert clean("trans\u00adport\x00\x07 a\t\t b\ufffe") == "transport a b"


def test_join_across_a_line_end() -> None:
    assert _join("les négo", "ciations ont", set()) == "les négociations ont"
    assert _join("c’est", "à-dire", set()) == "c’est-à-dire"  # the next part is a compound
    assert _join("un cessez-le", "feu durable", set()) == "un cessez-le-feu durable"
    assert _join("les États", "Unis.", set()) == "les États-Unis."
    assert _join("le porte", "parole", {("porte", "parole")}) == "le porte-parole"
    assert _join("l’adminis", "tration", set()) == "l’administration"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Rapport annuel 2023", "Rapport annuel 2023"),
        ("  ", None),
        (None, None),
        ("Microsoft Word - rapport final.docx", None),
        ("rapport_v3.pdf", None),
        ("Untitled", None),
        ("C:\\Users\\moi\\rapport", None),
        ("1234", None),
    ],
)
def test_meaningful_title(title: str | None, expected: str | None) -> None:
    assert meaningful_title(title) == expected


@pytest.mark.parametrize("text", ["3", "- 3 -", "– 12 –", "Page 3 sur 10", "3/10", "p. 7", "iv"])
def test_page_numbers(text: str) -> None:
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["3 recommandations", "Chapitre 2", "2017 : une ambition"])
def test_not_page_numbers(text: str) -> None:
    assert not is_page_number(text)
