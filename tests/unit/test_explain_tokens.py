"""explain's fused tokenizer gives exactly what the analyzer gives (the plain path)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from searchdesk.analysis import french_analyzer
from searchdesk.explain import _Token, _tokens

ROOT = Path(__file__).resolve().parents[2]
TRICKY = [
    "l’article 5 de l'accord, jusqu’à aujourd'hui",
    "etc/lilo.conf, /usr/bin/ls.1, .bashrc, a.b.c, 3.141 et 12/05/2024",
    "C++ C# qu’il s’est l' d’ jusqu' ʼʼ",
    "Élysée ÉTATS-UNIS cessez-le-feu Œuvre cœur",
    "",
    "   \n\n  ",
]


def _analyzer_tokens(text: str) -> list[_Token]:
    """:func:`_tokens` through the analyzer itself: the reference its tests compare with."""
    # Whoosh reuses one token object: read each as it comes.
    grouped: dict[tuple[int, int, int], tuple[str, list[str]]] = {}
    for t in french_analyzer()(text, positions=True, chars=True, mode="index", removestops=False):
        key = (t.place, t.startchar, t.endchar)
        entry = grouped.setdefault(key, (t.exact, []))
        if not t.stopped:
            entry[1].append(t.text)
    tokens: list[_Token] = []
    widx = -1
    for (pos, start, end), (exact, stems) in grouped.items():
        if stems:
            widx += 1
        tokens.append(_Token(start, end, pos, exact, tuple(stems), widx if stems else -1))
    return tokens


def paragraphs() -> list[str]:
    texts = list(TRICKY)
    for folder in (ROOT / "seeds", ROOT / "tests" / "fixtures" / "man"):
        for path in sorted(folder.iterdir()):
            texts.extend(path.read_text(encoding="utf-8").split("\n\n"))
    return texts


def test_same_tokens_on_real_paragraphs() -> None:
    texts = paragraphs()
    assert len(texts) > 100
    for text in texts:
        assert _tokens(text) == _analyzer_tokens(text), text[:80]


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("aeéèlLdDqu’'ʼ./-+#_ 0123456789çœÉ\n")),
        max_size=60,
    )
)
def test_same_tokens_on_random_text(text: str) -> None:
    assert _tokens(text) == _analyzer_tokens(text)


# -- explain() against the plain path: every token, the analyzer's chain ------

from collections import defaultdict  # noqa: E402

import pytest  # noqa: E402

from searchdesk.explain import _RANK, Explainer, PhraseItem, plan  # noqa: E402
from searchdesk.query import WordPlan, phrase_labels  # noqa: E402
from searchdesk.schema import EXACT  # noqa: E402
from searchdesk.searcher import SearchIndex, _Budget  # noqa: E402


def reference_explain(text: str, items: list) -> tuple:  # type: ignore[type-arg]
    """explain() as first written: every token through the analyzer, runs by list slices."""
    grouped: dict = {}  # type: ignore[type-arg]
    for t in french_analyzer()(text, positions=True, chars=True, mode="index", removestops=False):
        entry = grouped.setdefault((t.place, t.startchar, t.endchar), (t.exact, []))
        if not t.stopped:
            entry[1].append(t.text)
    tokens = [(s, e, p, ex, tuple(st)) for (p, s, e), (ex, st) in grouped.items()]

    def word_how(item: WordPlan, tok: tuple) -> str | None:  # type: ignore[type-arg]
        stems = tok[4]
        if not stems:
            return None
        if item.accented is not None:
            hit = item.accented in stems[1:] or (
                item.folded is not None and len(stems) == 1 and stems[0] == item.folded
            )
        else:
            hit = stems[0] in item.terms
        if not hit:
            return None
        return "exact" if tok[3] == item.exact else "stem"

    def runs(item: PhraseItem) -> list:  # type: ignore[type-arg]
        out = []
        if item.field == EXACT:
            at = defaultdict(list)
            for tok in tokens:
                at[tok[2]].append(tok)
            for tok in tokens:
                if tok[3] != item.seq[0]:
                    continue
                end = tok[1]
                for i, form in enumerate(item.seq[1:], 1):
                    nxt = [t for t in at.get(tok[2] + i, []) if t[3] == form]
                    if not nxt:
                        break
                    end = nxt[0][1]
                else:
                    out.append((tok[0], end, "phrase" if len(item.seq) > 1 else "exact"))
            return out
        words = [t for t in tokens if t[4]]
        n = len(item.seq)
        for i in range(len(words) - n + 1):
            run = words[i : i + n]
            if all(term in tok[4] for term, tok in zip(item.seq, run, strict=True)):
                exact = all(tok[3] == w for tok, w in zip(run, item.words, strict=True))
                out.append((run[0][0], run[-1][1], "exact" if exact else "stem"))
        return out

    spans: list = []  # type: ignore[type-arg]
    why: list = []  # type: ignore[type-arg]
    for item in items:
        found: list = []  # type: ignore[type-arg]
        if isinstance(item, WordPlan):
            for tok in tokens:
                how = word_how(item, tok)
                if how is not None:
                    found.append((tok[0], tok[1], how))
        elif isinstance(item, PhraseItem):
            found.extend(runs(item))
        else:
            found.extend((t[0], t[1], item.how) for t in tokens if t[3] in item.words)
        if not found:
            continue
        spans.extend((a, b) for a, b, _how in found)
        start, end, how = min(found, key=lambda f: (_RANK[f[2]], f[0]))
        why.append((item.label, text[start:end], how))
    merged: list = []  # type: ignore[type-arg]
    for start, end in sorted(set(spans)):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged), tuple(why)


EXPLAIN_QUERIES = [
    "négociations",
    "negociations Ukraine",
    '"garantie sécuritaire"',
    "cessez-le-feu",
    '"cessez le feu"',
    "négoc* Russie",
    "Zelenski~ paix",
    "article 5",
    "l'article",
    "Trump OR Poutine NOT Witkoff",
    '"accord de paix" Europe',
    "fichier temporaire",
    "etc/passwd ls.1",
    "sécurité garanties",
]


@pytest.mark.parametrize("query", EXPLAIN_QUERIES)
def test_explain_equals_the_plain_path(seeds_index: Path, query: str) -> None:
    with SearchIndex(seeds_index) as ix, ix._pooled_searcher() as (s, marker):
        q = ix._compile(query, False, s.reader(), _Budget(5), marker)
        items = plan(q, phrase_labels(query))
        explainer = Explainer(items)
        texts = [c.text for info in ix.sources() for c in ix.document(info.path)]
        texts += paragraphs()
        for text in texts:
            spans, why = explainer(text)
            assert (spans, tuple((m.query, m.matched, m.how) for m in why)) == reference_explain(
                text, items
            ), (query, text[:80])
