"""explain's fused tokenizer gives exactly what the analyzer gives (the plain path)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from searchdesk.explain import _analyzer_tokens, _tokens

ROOT = Path(__file__).resolve().parents[2]
TRICKY = [
    "l’article 5 de l'accord, jusqu’à aujourd'hui",
    "etc/lilo.conf, /usr/bin/ls.1, .bashrc, a.b.c, 3.141 et 12/05/2024",
    "C++ C# qu’il s’est l' d’ jusqu' ʼʼ",
    "Élysée ÉTATS-UNIS cessez-le-feu Œuvre cœur",
    "",
    "   \n\n  ",
]


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
