"""French text analysis: the one analyzer used to index documents and parse queries.

The chain (see ``shared/FRENCH.md`` for the measurements behind its order):

1. ``RegexTokenizer`` keeping decimals (``9,2``) and inner apostrophes together;
2. :class:`ElisionFilter` drops elided articles (``l’``, ``qu’``, ``jusqu’``…)
   and moves ``startchar`` past them so highlights stay on the word;
3. lowercase;
4. a French-only stop list applied *before* folding (``sûr`` ≠ ``sur``) with
   ``minsize=1`` so the ``5`` of ``article 5`` survives;
5. :class:`LatinFoldFilter` folds Latin letters with unidecode (``États`` →
   ``etats``, ``œuvre`` → ``oeuvre``) and leaves other scripts alone;
6. :class:`FrenchStemFilter`: Snowball French, then a tail normalisation that
   merges participles Snowball keeps apart after folding (``utilisée`` /
   ``utiliser``).

Folding and stemming change only ``token.text``; offsets always point at the
original characters. The schema pickles this analyzer into the index, so every
filter is a module-level class holding only plain attributes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from unidecode import unidecode
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter, Token
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.lang.snowball.french import FrenchStemmer

#: Decimal numbers (``9,2``, ``3.141``) stay whole; words keep inner
#: apostrophes (elision is decided later) and inner dots (``U.S.A``).
TOKEN_PATTERN = r"\d+(?:[.,]\d+)+|\w+(?:['’‘ʼ]\w+)*(?:\.\w+)*"

APOSTROPHES = "'’‘ʼ"

#: Elided articles and conjunctions (Lucene's DEFAULT_ARTICLES).
ELIDED = frozenset("l m t qu n s j d c jusqu quoiqu lorsqu puisqu".split())

#: Lucene's French stop list (Snowball's minus homonyms such as *son*, *est*,
#: *été*, *avions*), plus unaccented forms so ``meme`` and ``A`` (for « À »)
#: are stopped like their accented spellings.
FRENCH_STOP_WORDS = frozenset(
    """
    au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma
    mais me même mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se
    ses sur ta te tes toi ton tu un une vos votre vous c d j l à m n s t y étée
    étées étant étante étants étantes suis es êtes sont serai seras sera serons
    serez seront serais serait serions seriez seraient étais était étions étiez
    étaient fus fut fûmes fûtes furent sois soit soyons soyez soient fusse fusses
    fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai avons
    avez ont aurai aurons aurez auront aurais aurait aurions auriez auraient avais
    avait aviez avaient eut eûmes eûtes eurent aie aies ait ayons ayez aient eusse
    eusses eût eussions eussiez eussent cette sans quel quels quelle quelles a meme
    etant etais etait etions etiez etaient etes
    """.split()
)


def _is_latin(ch: str) -> bool:
    cp = ord(ch)
    return 0x00C0 <= cp <= 0x024F or 0x1E00 <= cp <= 0x1EFF or 0xFB00 <= cp <= 0xFB06


@lru_cache(maxsize=100_000)
def fold(word: str) -> str:
    """Fold Latin accents and ligatures of one lowercase word (``œuvre`` → ``oeuvre``).

    Non-Latin scripts are kept: transliterating Cyrillic or CJK would merge
    unrelated words. A word that folds to nothing is returned unchanged.
    """
    if word.isascii():
        return word
    folded = "".join(unidecode(ch) if _is_latin(ch) else ch for ch in word)
    folded = folded.lower().replace(" ", "")
    return folded or word


_snowball = FrenchStemmer()


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """Snowball French stem of a folded word, then tail normalisation.

    Tail normalisation (words longer than four letters) drops one final ``e``
    and undoubles a final letter, which joins forms such as ``appelee`` /
    ``appelle`` that folding hands to Snowball in different shapes. Words
    with digits or dots are not stemmed (``10000`` must not become ``1000``).
    """
    if not word.isalpha():
        return word
    s = _snowball.stem(word)
    if len(s) > 4 and s.endswith("e"):
        s = s[:-1]
    if len(s) > 4 and s[-1] == s[-2]:
        s = s[:-1]
    return s


class ElisionFilter(Filter):
    """Strip an elided article (``l’``, ``d'``, ``jusqu’``…) and inner apostrophes.

    ``startchar`` moves past the article so that a highlight marks « article »
    in « l’article », not the article. Other apostrophes are deleted, so
    ``aujourd’hui`` and ``aujourd'hui`` give the same term.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            # Fast path: most tokens are plain words (ʼ U+02BC counts as a letter).
            cut = -1 if text.isalnum() and "ʼ" not in text else _first_apostrophe(text)
            if cut >= 0:
                head = text[:cut]
                if head.lower() in ELIDED and cut + 1 < len(text):
                    text = text[cut + 1 :]
                    if t.chars:
                        t.startchar += cut + 1
                for a in APOSTROPHES:
                    text = text.replace(a, "")
                t.text = text
            yield t


def _first_apostrophe(text: str) -> int:
    positions = [i for i in (text.find(a) for a in APOSTROPHES) if i >= 0]
    return min(positions) if positions else -1


class LatinFoldFilter(Filter):
    """Fold accents of Latin letters with unidecode (after the stop list)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if not t.stopped:
                t.text = fold(t.text)
            yield t


class FrenchStemFilter(Filter):
    """Snowball French stemming plus tail normalisation (see :func:`stem`).

    Marked ``is_morph`` so that the spelling field, built with
    ``no_morph=True``, keeps whole (folded) words for suggestions.
    """

    is_morph = True

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if not t.stopped:
                # The folded word before stemming, for the spelling field.
                t.unstemmed = t.text
                t.text = stem(t.text)
            yield t


def french_analyzer() -> CompositeAnalyzer:
    """The analyzer bound in the schema and used by the query parser."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | ElisionFilter()
        | LowercaseFilter()
        | StopFilter(stoplist=FRENCH_STOP_WORDS, minsize=1, maxsize=None)
        | LatinFoldFilter()
        | FrenchStemFilter()
    )


def normalize(text: str) -> str:
    """NFC-normalise text; decomposed accents would otherwise split words."""
    return unicodedata.normalize("NFC", text)


def terms(text: str, **kwargs: Any) -> list[str]:
    """Index terms of ``text``: what a query or a paragraph becomes."""
    return [t.text for t in french_analyzer()(normalize(text), **kwargs)]
