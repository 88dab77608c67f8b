"""HTML and EPUB extraction on real files (fixtures in tests/fixtures/formats/web)."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from searchdesk.extract import Block, ExtractionError, Extractor, for_path
from searchdesk.extract.epub import EPUB
from searchdesk.extract.html import HTML, blocks_from_html, decode_html

WEB = Path(__file__).resolve().parent.parent / "fixtures" / "formats" / "web"


def read(name: str) -> bytes:
    return (WEB / name).read_bytes()


def shape(blocks: list[Block] | tuple[Block, ...]) -> list[tuple[str, int, str]]:
    return [(b.kind[0], b.level, b.text) for b in blocks]


def texts(blocks: list[Block] | tuple[Block, ...]) -> str:
    return "\n".join(b.text for b in blocks)


def page(body: str, head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


def rezip(src: bytes, *, drop: set[str] = frozenset(), add: dict[str, bytes] | None = None,
          edit: dict[str, bytes] | None = None) -> bytes:  # fmt: skip
    """A copy of an EPUB with members dropped, added or replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            if info.filename not in drop:
                data = (edit or {}).get(info.filename, zin.read(info.filename))
                zout.writestr(info.filename, data, zipfile.ZIP_DEFLATED)
        for name, data in (add or {}).items():
            zout.writestr(name, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


# --- The seam ---------------------------------------------------------------------------


def test_extractors_follow_the_protocol() -> None:
    assert isinstance(HTML, Extractor) and isinstance(EPUB, Extractor)
    assert (HTML.name, HTML.suffixes, HTML.paged) == ("HTML", (".html", ".htm", ".xhtml"), False)
    assert (EPUB.name, EPUB.suffixes, EPUB.paged) == ("EPUB", (".epub",), False)
    assert for_path("a/Page.HTM") is HTML
    assert for_path("livre.epub") is EPUB


def test_importing_the_modules_loads_neither_trafilatura_nor_lxml() -> None:
    code = (
        "import sys, searchdesk.extract.html, searchdesk.extract.epub\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    assert not [m for m in out if m.split(".")[0] in ("trafilatura", "lxml")]


# --- A saved news page ------------------------------------------------------------------

ARTICLE = [
    ("h", 1, "Sécheresse : dans la Drôme, les agriculteurs s’organisent pour partager l’eau"),
    ("p", 0, "Face aux arrêtés de restriction qui se succèdent depuis juin, une vingtaine "
     "d’exploitants de la vallée de la Drôme ont décidé de mettre leurs retenues en commun. "
     "Une première dans le département, où l’eau reste un sujet de discorde."),
    ("p", 0, "Il est 6 heures du matin et Jean-Michel Faure vérifie déjà le niveau de sa "
     "réserve collinaire. « L’an dernier, à cette date, elle était pleine aux deux tiers. "
     "Aujourd’hui, on est à peine au quart », constate cet éleveur de 54 ans, installé à "
     "Aouste-sur-Sye depuis trente ans. Autour de lui, les champs de maïs ont jauni avant "
     "l’heure."),
    ("p", 0, "Depuis le 12 juin, la préfecture a placé le bassin versant en « crise », le "
     "niveau le plus élevé : les prélèvements agricoles sont interdits de 8 heures à 20 "
     "heures, et les volumes hebdomadaires réduits de moitié. Pour les maraîchers, dont les "
     "cultures ne supportent pas une semaine sans arrosage, le couperet est tombé au pire "
     "moment."),
    ("h", 2, "Un « pot commun » de 400 000 mètres cubes"),
    ("p", 0, "L’idée est venue d’une réunion houleuse, au printemps, dans la salle des fêtes "
     "de Saillans. Plutôt que de se disputer chaque mètre cube, les exploitants ont proposé "
     "de mutualiser leurs réserves : chacun déclare son stock, et une commission de cinq "
     "membres répartit l’eau selon les besoins des cultures, semaine après semaine."),
    ("p", 0, "« Ce n’est pas de la charité, c’est du bon sens », résume Élodie Marchand, "
     "maraîchère bio et trésorière de l’association créée pour l’occasion. Les volumes mis "
     "en commun atteignent 400 000 mètres cubes, de quoi sécuriser l’arrosage des légumes et "
     "des semences jusqu’à la fin août."),
    ("p", 0, "Le dispositif a un coût : il a fallu poser près de trois kilomètres de "
     "canalisations entre les retenues les plus éloignées. L’Agence de l’eau "
     "Rhône-Méditerranée-Corse en a financé 70 %, le reste étant pris en charge par les "
     "adhérents, au prorata de leur surface irriguée."),
    ("h", 2, "Des cultures moins gourmandes"),
    ("p", 0, "Au-delà du partage, la sécheresse pousse à revoir les assolements. Sur ses 80 "
     "hectares, Jean-Michel Faure a remplacé une partie de son maïs par du sorgho, qui "
     "consomme près de deux fois moins d’eau. D’autres misent sur le pois chiche ou le "
     "sainfoin, une légumineuse fourragère oubliée qui refait surface dans les Baronnies."),
    ("p", 0, "Ces choix ont un prix : les rendements baissent, et les filières de "
     "commercialisation restent à construire. « Le sorgho, personne n’en voulait il y a cinq "
     "ans. Maintenant, la coopérative commence à le prendre, mais à un prix qui ne couvre pas "
     "toujours nos frais », reconnaît l’éleveur."),
    ("p", 0, "« On ne reviendra pas en arrière. Le climat d’ici ressemble déjà à celui de "
     "l’Andalousie il y a vingt ans. »"),
    ("p", 0, "La chambre d’agriculture suit l’expérience de près. Si le bilan de l’été est "
     "concluant, le modèle pourrait être étendu aux vallées voisines du Roubion et de "
     "l’Eygues dès l’an prochain, à condition que l’État assouplisse les règles encadrant le "
     "transfert d’eau entre exploitations."),
    ("p", 0, "Claire Vaudrey"),
]  # fmt: skip


def test_article_keeps_the_article_with_its_subheadings() -> None:
    extracted = HTML.extract(read("article.html"))
    assert extracted.title == (
        "Sécheresse : dans la Drôme, les agriculteurs s’organisent pour partager l’eau"
    )
    assert shape(extracted.blocks) == ARTICLE
    assert extracted.warnings == ()


@pytest.mark.parametrize(
    "furniture",
    [
        "Faits divers",  # menu
        "Fil d’Ariane",
        "Accueil",
        "Nous utilisons des cookies",  # cookie banner
        "Tout accepter",
        "S’abonner",  # site header
        "L’information de la vallée",
        "Partager sur Facebook",
        "Lire aussi",  # teasers, in the article and after it
        "Les nappes phréatiques",
        "Méga-bassines",
        "Sur le même sujet",
        "Canicule : la vigilance orange",
        "Feux de forêt",
        "commentaires",  # comment section
        "Répondre",
        "Gérard26",
        "piscine",
        "Votre commentaire",
        "Les plus lus",  # sidebar
        "Je m’inscris",
        "abonnez-vous",  # paywall teaser
        "Mentions légales",  # footer
        "Tous droits réservés",
        "gtag",  # scripts and styles
        "cookie-banner",
    ],
)
def test_article_drops_page_furniture(furniture: str) -> None:
    assert furniture.casefold() not in texts(HTML.extract(read("article.html")).blocks).casefold()


# --- Document-like pages ----------------------------------------------------------------


def test_document_page_is_read_whole_with_its_structure() -> None:
    # trafilatura would drop the table's header row: the page has no furniture,
    # so it is read block by block.
    extracted = HTML.extract(read("rapport.html"))
    assert extracted.title == "Rapport annuel 2023 du service des eaux"
    assert shape(extracted.blocks) == [
        ("h", 1, "Synthèse"),
        ("p", 0, "L’année 2023 a été marquée par une sécheresse prolongée et une hausse de "
         "12 % des interventions sur le réseau."),
        ("p", 0, "Le rendement du réseau de distribution atteint 81,4 %, contre 79,9 % en 2022."),
        ("h", 2, "Chiffres clés"),
        ("p", 0, "Indicateur | 2022 | 2023"),
        ("p", 0, "Volume produit (m³) | 4 210 000 | 4 385 000"),
        ("p", 0, "Abonnés | 28 412 | 28 907"),
        ("h", 2, "Travaux réalisés"),
        ("p", 0, "Renouvellement de 6,2 km de canalisations en fonte."),
        ("p", 0, "Mise en service du réservoir des Crêtes."),
        ("p", 0, "Pose de 1 200 compteurs à relève à distance."),
        ("h", 1, "Perspectives"),
        ("p", 0, "Le programme pluriannuel prévoit le remplacement des branchements en plomb "
         "d’ici à 2026."),
    ]  # fmt: skip


def test_windows_1252_page_keeps_its_accents() -> None:
    data = read("latin1.html")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    extracted = HTML.extract(data)
    assert extracted.title == "Compte rendu du conseil municipal"
    assert shape(extracted.blocks) == [
        ("h", 1, "Compte rendu du conseil municipal du 3 février"),
        ("p", 0, "Le conseil a approuvé à l’unanimité le budget primitif de l’exercice, "
         "présenté par M. Lefèvre, adjoint aux finances."),
        ("p", 0, "Les travaux de l’église Saint-Étienne débuteront en avril ; le chœur restera "
         "fermé au public jusqu’à l’été."),
        ("h", 2, "Questions diverses"),
        ("p", 0, "Fête du village : le comité des fêtes sollicite une subvention de 1 500 €."),
        ("p", 0, "Cantine : les repas passent à 3,20 € « dès la rentrée »."),
    ]  # fmt: skip


def test_short_page_falls_back_to_the_structural_walk() -> None:
    data = page(
        "<nav><a href='/'>Accueil</a></nav>"
        "<h1>Note</h1><p>Réunion <b>mardi</b> à 14&nbsp;h.</p>"
        "<script>var x = 1;</script><footer>© Mairie</footer>",
        "<style>p { color: red }</style>",
    )
    extracted = HTML.extract(data)
    assert extracted.title == "Note"
    assert shape(extracted.blocks) == [("h", 1, "Note"), ("p", 0, "Réunion mardi à 14 h.")]


def test_structural_walk_reads_every_kind_of_block() -> None:
    data = page(
        "<h3>Liste</h3><ul><li>un<ul><li>un bis</li></ul></li><li>deux</li></ul>"
        "<dl><dt>Terme</dt><dd>Définition</dd></dl>"
        "<blockquote>Citation <em>célèbre</em></blockquote>"
        "<pre>ligne 1\n    ligne 2</pre>"
        "<div>Texte nu<br>après un saut<div>dans un bloc</div>suite</div>"
        "<table><tr><th>A</th><td></td><td>B</td></tr></table>"
        "<form><label>Nom</label><button>Envoyer</button></form>"
        "<aside>Note en marge</aside>"
    )
    assert shape(blocks_from_html(data, main_text=False)) == [
        ("h", 3, "Liste"),
        ("p", 0, "un"),
        ("p", 0, "un bis"),
        ("p", 0, "deux"),
        ("p", 0, "Terme"),
        ("p", 0, "Définition"),
        ("p", 0, "Citation célèbre"),
        ("p", 0, "ligne 1 ligne 2"),
        ("p", 0, "Texte nu après un saut"),
        ("p", 0, "dans un bloc"),
        ("p", 0, "suite"),
        ("p", 0, "A | B"),
        ("p", 0, "Nom"),  # a form's text is kept in a document (its controls are not)
        ("p", 0, "Note en marge"),  # an aside of a book is content
    ]


def test_text_is_nfc_without_soft_hyphens_and_with_single_spaces() -> None:
    data = page(
        "<p>Le cha\u0302teau   d\u2019e\u0301te\u0301,\n\t "
        "cons\u00adti\u00adtu\u00adtion\u200b.</p>"
    )
    (block,) = blocks_from_html(data, main_text=False)
    assert block.text == "Le château d’été, constitution."


def test_header_of_an_article_is_kept_a_site_header_is_not() -> None:
    data = page(
        "<header><p>Le Journal</p></header>"
        "<article><header><h1>Titre</h1><p>Par Anne</p></header><p>Corps.</p></article>"
    )
    assert shape(blocks_from_html(data, main_text=False)) == [
        ("p", 0, "Le Journal"),
        ("h", 1, "Titre"),
        ("p", 0, "Par Anne"),
        ("p", 0, "Corps."),
    ]
    assert shape(HTML.extract(data).blocks) == [
        ("h", 1, "Titre"),
        ("p", 0, "Par Anne"),
        ("p", 0, "Corps."),
    ]


# --- Titles -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "body", "title"),
    [
        ('<title>Budget 2024 : les arbitrages - Le Monde</title>'
         '<meta property="og:site_name" content="Le Monde">', "", "Budget 2024 : les arbitrages"),
        ("<title>Libération | Un été à Marseille</title>",
         "<h1>Un été à Marseille</h1>", "Un été à Marseille"),
        ("<title>Un été à Marseille | Libération</title>",
         "<h1>Un été à Marseille</h1>", "Un été à Marseille"),
        ('<meta property="og:title" content="La crue de la Seine">'
         "<title>La crue de la Seine – Ouest-France</title>", "", "La crue de la Seine"),
        # nothing names the site: nothing is cut
        ("<title>Paris - Brest : la course</title>", "<h1>Autre</h1>", "Paris - Brest : la course"),
        ("", "<h1>Seulement un h1</h1>", "Seulement un h1"),
        ("", "<p>Sans titre.</p>", None),
    ],
)  # fmt: skip
def test_title(head: str, body: str, title: str | None) -> None:
    assert HTML.extract(page(body, head)).title == title


# --- Encodings --------------------------------------------------------------------------


def test_iso_8859_1_label_is_read_as_windows_1252() -> None:
    text = "<meta charset=iso-8859-1><p>L’œuvre coûte 5 €</p>"
    assert decode_html(text.encode("cp1252")) == text


def test_valid_utf8_wins_over_a_wrong_declaration() -> None:
    text = '<meta charset="windows-1252"><p>Déjà l’été</p>'
    assert decode_html(text.encode("utf-8")) == text


def test_byte_order_marks() -> None:
    text = "<p>Ça marche</p>"
    assert decode_html(text.encode("utf-16")) == text
    assert decode_html(b"\xef\xbb\xbf" + text.encode()) == text
    assert shape(HTML.extract(text.encode("utf-16")).blocks) == [("p", 0, "Ça marche")]


# --- Hostile pages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 64, b"\x00" * 100, b"\x7fELF\x02\x01\x01" + b"\x00" * 50],
)
def test_binary_garbage_is_refused(data: bytes) -> None:
    with pytest.raises(ExtractionError, match=r"^not an HTML file \(binary data\)$"):
        HTML.extract(data)


@pytest.mark.parametrize("data", [b"", b"  \n ", b"<html></html>", b"<!-- rien -->"])
def test_empty_pages_have_no_blocks(data: bytes) -> None:
    assert HTML.extract(data) == HTML.extract(b"")
    assert list(HTML.extract(data).blocks) == []


def test_ten_thousand_nested_divs_lose_no_text() -> None:
    depth = 10_000
    data = page("<div>" * depth + "<p>Au fond.</p>" + "</div>" * depth + "<p>Après.</p>")
    expected = [("p", 0, "Au fond."), ("p", 0, "Après.")]
    assert shape(HTML.extract(data).blocks) == expected
    assert shape(blocks_from_html(data, main_text=False, xhtml=True)) == expected
    unclosed = page("<div><span>" * depth + "Sans fin")
    assert shape(HTML.extract(unclosed).blocks) == [("p", 0, "Sans fin")]


def test_twenty_megabytes_page_finishes() -> None:
    paragraph = "<p>Paragraphe {} : l’eau de la Drôme, un bien commun à partager.</p>\n"
    body = "".join(paragraph.format(i) for i in range(300_000))
    data = page(body).replace(b"<body>", b"<body><nav>Menu</nav>")
    assert len(data) > 20_000_000
    start = time.perf_counter()
    extracted = HTML.extract(data)
    assert time.perf_counter() - start < 60  # about 4 s on 2 cores
    assert len(extracted.blocks) == 300_000
    assert extracted.blocks[-1].text.startswith("Paragraphe 299999 :")


# --- EPUB -------------------------------------------------------------------------------

LIVRE = [
    ("h", 1, "Les Chemins d'Élise"),  # pandoc's title page
    ("h", 1, "Le départ"),
    ("p", 0, "Au petit matin, Élise referma la porte de la maison de Vézelay. Le brouillard "
     "s’accrochait encore aux haies, et l’on n’entendait que le cri d’un geai."),
    ("p", 0, "« Tu reviendras pour les vendanges ? » lui avait demandé sa sœur la veille. "
     "Elle n’avait pas su répondre."),
    ("h", 2, "La route de Clamecy"),
    ("p", 0, "La route descendait vers la Cure en lacets serrés. Elle marcha longtemps sans "
     "croiser personne, sinon un cœur de village endormi et une charrette abandonnée."),
    ("h", 1, "L’arrivée à Paris"),
    ("p", 0, "Paris lui parut d’abord une suite de façades grises, puis, au détour du quai, la "
     "Seine s’ouvrit comme un livre."),
    ("h", 2, "Rue des Écoles"),
    ("p", 0, "Sa chambre, sous les toits, donnait sur une cour où un œillet poussait dans une "
     "boîte de conserve. Elle y déposa sa valise et s’assit, épuisée mais heureuse."),
]  # fmt: skip


def test_epub_chapters_in_spine_order() -> None:
    extracted = EPUB.extract(read("livre.epub"))
    assert extracted.title == "Les Chemins d'Élise"
    assert shape(extracted.blocks) == LIVRE
    assert extracted.warnings == ()


def test_epub_spine_order_is_not_the_archive_order() -> None:
    data = read("livre.epub")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        opf = z.read("EPUB/content.opf")
    swapped = opf.replace(b'idref="ch001_xhtml"', b'idref="TMP"')
    swapped = swapped.replace(b'idref="ch002_xhtml"', b'idref="ch001_xhtml"')
    swapped = swapped.replace(b'idref="TMP"', b'idref="ch002_xhtml"')
    headings = [b.text for b in EPUB.extract(rezip(data, edit={"EPUB/content.opf": swapped})).blocks
                if b.kind == "heading"]  # fmt: skip
    assert headings == [
        "Les Chemins d'Élise",
        "L’arrivée à Paris",
        "Rue des Écoles",
        "Le départ",
        "La route de Clamecy",
    ]


def test_epub_url_encoded_paths_and_a_missing_chapter() -> None:
    extracted = EPUB.extract(read("variantes.epub"))
    assert shape(extracted.blocks) == LIVRE
    assert extracted.warnings == ("chapter EPUB/text/perdu.xhtml is missing: skipped",)


def test_epub_chapter_that_is_not_well_formed_xml_is_read_as_html() -> None:
    chapter = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        b"<head><title>x</title></head><body><h1>Le&nbsp;d\xc3\xa9part</h1>"
        b"<p>Un <br> saut.</p></body></html>"
    )
    data = rezip(read("livre.epub"), edit={"EPUB/text/ch001.xhtml": chapter})
    assert shape(EPUB.extract(data).blocks)[1:3] == [
        ("h", 1, "Le départ"),
        ("p", 0, "Un saut."),
    ]


def test_epub_self_closed_title_does_not_swallow_the_chapter() -> None:
    chapter = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        b'<head><title/><script src="a.js"/></head><body><p>Visible.</p></body></html>'
    )
    data = rezip(read("livre.epub"), edit={"EPUB/text/ch001.xhtml": chapter})
    assert ("p", 0, "Visible.") in shape(EPUB.extract(data).blocks)


def test_epub_entities_are_not_resolved() -> None:
    data = read("livre.epub")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        opf = z.read("EPUB/content.opf")
    hostile = opf.replace(
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<!DOCTYPE package [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
    ).replace(b"Les Chemins d&#39;\xc3\x89lise</dc:title>", b"&secret;Titre</dc:title>")
    extracted = EPUB.extract(rezip(data, edit={"EPUB/content.opf": hostile}))
    assert extracted.title == "Titre"
    assert "root:" not in texts(extracted.blocks)


def test_epub_obfuscated_fonts_are_not_drm() -> None:
    fonts = b"""<?xml version="1.0"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
            xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
  <enc:EncryptedData>
    <enc:EncryptionMethod Algorithm="http://www.idpf.org/2008/embedding"/>
    <enc:CipherData><enc:CipherReference URI="EPUB/fonts/a.otf"/></enc:CipherData>
  </enc:EncryptedData>
</encryption>"""
    data = rezip(read("livre.epub"), add={"META-INF/encryption.xml": fonts})
    assert shape(EPUB.extract(data).blocks) == LIVRE


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not-a-zip.epub", "not an EPUB file (not a zip archive)"),
        ("drm.epub", "encrypted (DRM)"),
        ("no-opf.epub", "damaged EPUB file (no package document EPUB/content.opf)"),
    ],
)
def test_hostile_epub_fixtures(name: str, message: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        EPUB.extract(read(name))
    assert str(caught.value) == message


def test_epub_without_container() -> None:
    data = rezip(read("livre.epub"), drop={"META-INF/container.xml"})
    with pytest.raises(
        ExtractionError, match=r"^damaged EPUB file \(no META-INF/container\.xml\)$"
    ):
        EPUB.extract(data)


@pytest.mark.parametrize(
    ("member", "content", "message"),
    [
        ("META-INF/container.xml", b"\x00\x01 pas du XML",
         "damaged EPUB file (META-INF/container.xml is not XML)"),
        ("META-INF/container.xml", b"<container/>",
         "damaged EPUB file (no package document named)"),
        ("EPUB/content.opf", b"<package><spine/></package>",
         "damaged EPUB file (its spine is empty)"),
    ],
)  # fmt: skip
def test_damaged_epub_parts(member: str, content: bytes, message: str) -> None:
    data = rezip(read("livre.epub"), edit={member: content})
    with pytest.raises(ExtractionError) as caught:
        EPUB.extract(data)
    assert str(caught.value) == message


def test_epub_zip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real budget is 512 MB; a 1 MB one shows the same refusal in a blink.
    monkeypatch.setattr("searchdesk.extract._zip.MAX_INFLATED", 1 << 20)
    bomb = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>' + (
        b" " * (4 << 20)
    )
    data = rezip(read("livre.epub"), edit={"EPUB/text/ch002.xhtml": bomb})
    assert len(data) < 50_000
    with pytest.raises(ExtractionError, match=r"^refused: inflates past 1 MB \(a zip bomb\?\)$"):
        EPUB.extract(data)
