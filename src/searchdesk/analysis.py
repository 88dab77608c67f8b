"""French text analysis: the analyzers used to index documents and parse queries.

Two index fields come from one tokenisation (see ``shared/FRENCH.md`` for the
measurements behind the order, and ``schema.FrenchText``):

* ``body``: words reduced to their *inflection* stem, accents kept while
  stemming (``guérir`` → ``guér``, ``guère`` → ``guèr``, ``guerre`` →
  ``guerr``), then folded (``guer``). An accented word indexes both its
  accented stem and the folded one, at the same position, so a query typed
  with accents meets the same accents only, and one typed without meets all.
* ``exact``: the words as written, lowercased and folded, stop words kept
  (``"sur"``, ``"jusqu'à"`` can be searched when quoted): quoted words and
  phrases, prefixes and fuzzy words are matched here.

The chain:

1. ``RegexTokenizer`` keeping decimals (``9,2``), inner apostrophes, dotted
   and slashed names (``lilo.conf``, ``etc/passwd``), ``C++``, ``C#``, ``.NET``;
2. :class:`ElisionFilter` drops elided articles (``l’``, ``qu’``, ``jusqu’``…)
   and moves ``startchar`` past them so highlights stay on the word;
3. :class:`PartsFilter` (indexing only) adds the parts of a dotted or slashed
   name at its position (``lilo.conf`` → ``lilo``, ``conf``);
4. lowercase;
5. a French-only stop list applied *before* folding (``sûr`` ≠ ``sur``) with
   ``minsize=1`` so the ``5`` of ``article 5`` survives (``body`` only);
6. :class:`FrenchStemFilter`: :func:`light_stem` (inflection only: plural,
   feminine, a verb's finite endings; never derivation, never a word of three
   letters or less), then folding; :class:`LatinFoldFilter` for ``exact``.

Folding and stemming change only ``token.text``; offsets always point at the
original characters. The schema pickles these analyzers into the index, so
every filter is a module-level class holding only plain attributes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from unidecode import unidecode
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter, Token
from whoosh.analysis.analyzers import CompositeAnalyzer

#: Decimal numbers (``9,2``, ``3.141``) stay whole; ``C++``, ``C#``, ``F#``
#: and dot-names (``.NET``, ``.bashrc``) are words; words keep inner
#: apostrophes (elision is decided later), inner dots and slashes
#: (``U.S.A``, ``lilo.conf``, ``etc/passwd``: whole, and by parts).
TOKEN_PATTERN = (
    r"\d+(?:[.,]\d+)+(?![\w.])"
    r"|\w+(?:\+\+|#)(?![\w+#])"
    r"|(?<![\w.])\.\w+(?:\.\w+)*"
    r"|\w+(?:['’‘ʼ]\w+)*(?:[./]\w+)*"
)

APOSTROPHES = "'’‘ʼ"
#: What splits a dotted or slashed name into its parts.
_PART = re.compile(r"[^./]+")
_SLASHED = re.compile(r"[^/]+")

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


@lru_cache(maxsize=200_000)
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


#: Accented letters the stemmer's rules read as their base letter (one for one).
_SIMPLE = str.maketrans("àâäáãåçèéêëìíîïñòóôöõùúûüýÿ", "aaaaaaceeeeiiiinooooouuuuyy")

#: Verb endings stripped by :func:`light_stem` (longest first): future and
#: conditional, imperfect, ``-ir`` verbs' ``-iss-`` forms, third person plural,
#: present participle, second person plural, infinitives. Participles
#: (``-é``, ``-i``, ``-u``) are kept: they are also nouns and adjectives
#: (``marché``, ``données``, ``portée``, ``péché``).
_VERB_ENDINGS = (
    "issaient",
    "eraient",
    "issions",
    "issait",
    "issant",
    "issent",
    "erions",
    "isson",
    "issez",
    "eriez",
    "erons",
    "eront",
    "erait",
    "erai",
    "erez",
    "aient",
    "era",
    "ait",
    "ant",
    "ent",
    "ai",
    "ez",
    "er",
    "ir",
)
#: Shortest stem a verb ending may leave (``caméra``, ``enfant``, ``moment`` stay).
_MIN_VERB_STEM = 4


@lru_cache(maxsize=200_000)
def light_stem(word: str) -> str:
    """Inflection stem of a lowercase word, accents kept (fold it afterwards).

    Inflection only: plural (``s``, ``x``, ``aux`` → ``al``), feminine
    (``e``, ``ée`` → ``é``, ``ive`` → ``if``, ``trice`` → ``teur``,
    ``elle``/``enne``/``onne``/``ette`` undoubled), and the finite endings of
    verbs (``utilise``, ``utilisent``, ``utilisez``, ``utilisera``,
    ``utiliser`` → ``utilis``). Derivation is left alone: ``utilisateur``,
    ``utilisation`` and ``utiliser`` stay three words; so are participles
    (``utilisé``), which are also nouns and adjectives. Rules read accented
    letters as their base letter except the participle ``é``, so folding
    commutes with stemming for every word not ending in ``é``. Words of
    three letters or less, and words with digits or symbols, are kept.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    w = word
    s = w.translate(_SIMPLE)
    # Plural.
    if s.endswith("eaux") and len(s) > 5:
        w, s = w[:-1], s[:-1]
    elif s.endswith("aux") and len(s) > 4:
        w, s = w[:-3] + "al", s[:-3] + "al"
    elif (s.endswith(("eux", "oux")) and len(s) > 4) or (
        s.endswith("s") and not s.endswith(("ss", "us", "ais", "ois")) and len(s) > 4
    ):
        w, s = w[:-1], s[:-1]
    # Participles: kept (feminine ``ée`` → ``é``).
    if w.endswith("ée"):
        return w[:-1]
    if w.endswith("é"):
        return w
    # Feminine.
    if s.endswith("trice") and len(s) > 8:
        w, s = w[:-5] + "teur", s[:-5] + "teur"
    elif s.endswith("euse") and len(s) > 5:
        w, s = w[:-2], s[:-2]
    elif s.endswith("ive") and len(s) > 5:
        w, s = w[:-2] + "f", s[:-2] + "f"
    elif s.endswith("iere") and len(s) > 5:
        w, s = w[:-4] + "ier", s[:-4] + "ier"
    elif s.endswith(("ie", "ue")) and len(s) > 4:
        return w[:-1]
    elif s.endswith("e") and len(s) > 4 and not s.endswith("raite"):
        # ``retraite`` is not the feminine of ``retrait``.
        w, s = w[:-1], s[:-1]
        if s.endswith(("ell", "enn", "onn", "ett")):
            w, s = w[:-1], s[:-1]
    # Verbs.
    for ending in _VERB_ENDINGS:
        if s.endswith(ending):
            keep = len(s) - len(ending)
            shortest = 3 if ending in ("er", "ir") or ending[:3] == "iss" else _MIN_VERB_STEM
            if keep >= shortest and not _not_a_verb_ending(s, ending):
                return w[:keep]
            break
    return w


def _not_a_verb_ending(s: str, ending: str) -> bool:
    """Endings that look like a verb's but end nouns and adjectives.

    ``-ment`` (``document``, ``comment``), ``-rait`` (``retrait``,
    ``extrait``), ``-ir`` after a vowel (``sécuritaire``, ``histoire``,
    ``pouvoir``).
    """
    before = s[-len(ending) - 1 : -len(ending)]
    if ending == "ent":
        return s.endswith("ment")
    if ending in ("ait", "aient", "ai"):
        return before == "r"
    if ending == "ir":
        return before in "aeiouy"
    return False


@lru_cache(maxsize=200_000)
def stem_terms(word: str) -> tuple[str, ...]:
    """The ``body`` terms of one lowercase word: its folded stem, and its
    accented stem when that differs (``guérir`` → ``guer``, ``guér``)."""
    accented = light_stem(word)
    folded = fold(accented)
    return (folded,) if folded == accented else (folded, accented)


def query_stem(word: str) -> str:
    """The one ``body`` term a query word means: accented stem if typed with accents."""
    return light_stem(word.lower())


def stem(word: str) -> str:
    """The folded stem of a word (what an unaccented query word means)."""
    return fold(light_stem(word.lower()))


def readings(word: str) -> tuple[str, ...]:
    """``body`` terms an unaccented query word can mean.

    Typed without accents, a final ``e`` may be a participle's ``é``
    (``deploye`` = « déployé », ``utilisees`` = « utilisées »): both readings
    are searched. A word typed with accents means its accented stem only.
    """
    word = word.lower()
    if not word.isascii() or not word.isalpha() or len(word) <= 3:
        return (query_stem(word),)
    found = [stem(word)]
    for tail, accented in (("ees", "ées"), ("ee", "ée"), ("es", "és"), ("e", "é")):
        if word.endswith(tail):
            other = fold(light_stem(word[: -len(tail)] + accented))
            if other not in found:
                found.append(other)
            break
    return tuple(found)


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


class PartsFilter(Filter):
    """While indexing, follow a dotted or slashed name by its parts, at its position.

    ``lilo.conf`` is searchable whole and as ``lilo`` or ``conf``;
    ``etc/passwd`` as ``etc`` and ``passwd``. Queries keep the name whole
    (it is a term of the index), so ``lilo.conf`` does not match « lilo ».
    Numbers (``3.141``, ``12/05/2024`` parts aside) are not split.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            t.part = False
            if t.mode != "index" or ("." not in text and "/" not in text) or text[:1].isdigit():
                yield t
                continue
            start = t.startchar if t.chars else 0
            parts = _parts(text)
            if not parts:
                yield t
                continue
            # Copies made first: the filters below change the token yielded.
            copies = []
            for part, offset in parts:
                p = t.copy()
                p.text = part
                p.part = True
                if t.chars:
                    p.startchar = start + offset
                    p.endchar = start + offset + len(part)
                copies.append(p)
            yield t
            yield from copies


class PlaceFilter(Filter):
    """Remember each word's position before the stop list renumbers ``body``'s.

    ``body`` positions skip stop words (``cessez-le-feu`` is the phrase
    ``cessez feu``); ``exact`` keeps them (``"accord de paix"`` is three words).
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        place = -1
        for t in tokens:
            if not t.part:  # the parts of a dotted name take its place
                place += 1
            t.place = place
            yield t


def _parts(text: str) -> list[tuple[str, int]]:
    """Parts of a name with their offsets: each slash component, then its dotted pieces.

    ``etc/lilo.conf`` → ``etc``, ``lilo.conf``, ``lilo``, ``conf``.
    """
    parts: list[tuple[str, int]] = []
    for m in _SLASHED.finditer(text):
        parts.append((m.group(), m.start()))
        pieces = list(_PART.finditer(m.group()))
        if len(pieces) > 1 or m.group().startswith("."):
            parts.extend((p.group(), m.start() + p.start()) for p in pieces)
    unique: list[tuple[str, int]] = []
    for p in parts:
        if p[0] != text and p not in unique:
            unique.append(p)
    return unique


class LatinFoldFilter(Filter):
    """Fold accents of Latin letters with unidecode (after the stop list)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if not t.stopped:
                t.text = fold(t.text)
            yield t


class FrenchStemFilter(Filter):
    """Inflection stems (:func:`light_stem`), folded; the accented one beside it.

    Indexing, an accented word gives two terms at one position (folded stem,
    then accented stem; see :func:`stem_terms`); a query word gives one: its
    the word itself, lowercased (the query compiler picks its stems). Every token
    carries ``exact``, its folded unstemmed form, which ``schema.FrenchText``
    indexes in the ``exact`` field from this same pass.
    """

    is_morph = True

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        # ``body`` positions count the words that are not stop words (the
        # parts of a dotted name share its position).
        place, pos = -1, -1
        for t in tokens:
            word = t.text
            t.exact = fold(word)
            if t.positions and not t.stopped:
                if t.place != place:
                    place, pos = t.place, pos + 1
                t.pos = pos
            if t.stopped:
                yield t
                continue
            if t.mode != "index":
                # A query word stays whole: the query compiler
                # (:mod:`searchdesk.query`) decides which stems it means.
                yield t
                continue
            terms = stem_terms(word)
            t.text = terms[0]
            twin = None
            if len(terms) > 1:
                twin = t.copy()
                twin.text = terms[1]
            yield t
            if twin is not None:
                yield twin


#: The tokenizer's expression, for the indexing fast path (what
#: ``RegexTokenizer`` compiles: ``re.UNICODE`` is the default for ``str``).
_TOKEN_RE = re.compile(TOKEN_PATTERN)

#: One word as the tokenizer matched it → what it gives the two fields:
#: ``body`` terms (folded stem, accented twin, then its parts'; none for a
#: stop word) and ``exact`` terms (the word folded, then its parts').
WordTerms = tuple[tuple[str, ...], tuple[str, ...]]
_WORDS: dict[str, WordTerms] = {}
#: Distinct words remembered by :func:`index_terms` (cleared when full).
WORDS_SIZE = 200_000


def word_terms(raw: str) -> WordTerms:
    """What one token of the tokenizer gives ``body`` and ``exact`` when indexing.

    The filter chain of :func:`french_analyzer` for one token, in its order:
    elision, parts, lowercase, stop list, stems and folding. A dotted name's
    parts follow the name; an ``exact`` term equal to the one before it is
    dropped (an accented twin, a repeated part: one word of ``exact`` each).
    """
    text = raw
    cut = -1 if text.isalnum() and "ʼ" not in text else _first_apostrophe(text)
    if cut >= 0:
        if text[:cut].lower() in ELIDED and cut + 1 < len(text):
            text = text[cut + 1 :]
        for a in APOSTROPHES:
            text = text.replace(a, "")
    words = [text]
    if ("." in text or "/" in text) and not text[:1].isdigit():
        words.extend(part for part, _ in _parts(text))
    stems: list[str] = []
    exact: list[str] = []
    for word in words:
        word = word.lower()
        folded = fold(word)
        if not exact or exact[-1] != folded:
            exact.append(folded)
        if word and word not in FRENCH_STOP_WORDS:
            stems.extend(stem_terms(word))
    return tuple(stems), tuple(exact)


def index_terms(value: str) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """``body`` and ``exact`` term positions of a text, as indexed.

    The same terms and positions as one pass of :func:`french_analyzer`
    (``mode="index"``, stop words kept for ``exact``) read by
    ``schema.FrenchText``, without Token objects or a chain of generators:
    each distinct word is analysed once (:func:`word_terms`) and remembered.
    ``body`` positions count the words that are not stop words; ``exact``
    positions count every word; a dotted name's parts share its position.
    """
    body: dict[str, list[int]] = {}
    exact: dict[str, list[int]] = {}
    known = _WORDS
    place = -1
    pos = -1
    for raw in _TOKEN_RE.findall(value):
        found = known.get(raw)
        if found is None:
            found = word_terms(raw)
            if len(known) >= WORDS_SIZE:
                known.clear()
            known[raw] = found
        stems, words = found
        place += 1
        if stems:
            pos += 1
            for term in stems:
                poses = body.get(term)
                if poses is None:
                    body[term] = [pos]
                else:
                    poses.append(pos)
        for term in words:
            poses = exact.get(term)
            if poses is None:
                exact[term] = [place]
            else:
                poses.append(place)
    return body, exact


def _tokens() -> CompositeAnalyzer:
    return RegexTokenizer(TOKEN_PATTERN) | ElisionFilter() | PartsFilter() | LowercaseFilter()


def french_analyzer() -> CompositeAnalyzer:
    """The ``body`` analyzer (stems), bound in the schema and used to parse queries."""
    return (
        _tokens()
        | PlaceFilter()
        | StopFilter(stoplist=FRENCH_STOP_WORDS, minsize=1, maxsize=None, renumber=False)
        | FrenchStemFilter()
    )


def exact_analyzer() -> CompositeAnalyzer:
    """The ``exact`` analyzer: words as written, lowercased and folded, stop words kept."""
    return _tokens() | LatinFoldFilter()


def normalize(text: str) -> str:
    """NFC-normalise text; decomposed accents would otherwise split words."""
    return unicodedata.normalize("NFC", text)


def is_stop_word(word: str) -> bool:
    """Is ``word`` (as typed) a stop word, or made only of elided articles and stop words?"""
    tokens = list(french_analyzer()(normalize(word), removestops=False))
    return bool(tokens) and all(t.stopped for t in tokens)


def terms(text: str, **kwargs: Any) -> list[str]:
    """Index terms of ``text`` in ``body`` (folded stems; accented twins left out)."""
    return [
        t.text
        for t in french_analyzer()(normalize(text), mode="index", **kwargs)
        if t.text == fold(t.text) or not t.text.isalpha() or t.text.isascii()
    ]


def exact_terms(text: str, **kwargs: Any) -> list[str]:
    """Index terms of ``text`` in ``exact`` (whole names, then their parts)."""
    return [t.text for t in exact_analyzer()(normalize(text), mode="index", **kwargs)]
