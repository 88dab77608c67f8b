"""Distinct French paragraphs at any scale, for ``bench/run.py --scale``.

The paragraphs of a real corpus (man-fr) are split into sentences; each
generated paragraph is a seeded draw of sentences, as many as a real
paragraph of the corpus holds (the count is drawn too), so lengths and
vocabulary stay those of the corpus. No two generated paragraphs are the same
once case and spacing are ignored (searchdesk's own notion of a repeat), every
one ends with a sentence's punctuation, and every one is below searchdesk's
2,000-character cut, so ``searchdesk index`` reads back exactly the paragraphs
written. The same pool, count and seed always give the same paragraphs, in the
same order: the first 100,000 of a million are the 100,000 of a smaller run.

Written as text files of :data:`PER_FILE` paragraphs (one a line, blank lines
between), :data:`FILES_PER_DIR` files a sub-folder: ``000/0000.txt``,
``000/0001.txt``… The paragraphs are streamed to the files and read back from
them a file at a time (:func:`read_corpus`): nothing holds a million of them.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: Paragraphs a file, and files a sub-folder.
PER_FILE = 1000
FILES_PER_DIR = 100
#: Generated paragraphs stay below this (searchdesk cuts paragraphs over 2,000 characters).
MAX_CHARS = 1900
#: A sentence of the pool: at least this many characters and words, at most this long.
MIN_SENTENCE_CHARS = 20
MIN_SENTENCE_WORDS = 3
MAX_SENTENCE_CHARS = 600
#: At most this many sentences in a paragraph (the corpus's counts are capped to it).
MAX_SENTENCES = 8

#: A sentence ends at . ! ? or … followed by space and what can start a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"(A-ZÀ-ÖØ-Þ0-9])")
_LETTER = re.compile(r"[^\W\d_]")
#: What may end a paragraph (else a full stop is added, so it never reads as a heading).
_FINAL = ".!?…"


def parse_sizes(text: str) -> list[int]:
    """``"100k,300k,1m"`` → ``[100000, 300000, 1000000]`` (k and m suffixes, any case)."""
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        scale = {"k": 1000, "m": 1_000_000}.get(part[-1:], 1)
        digits = part[:-1] if scale > 1 else part
        try:
            value = float(digits) * scale
        except ValueError:
            raise ValueError(f"not a size: {part!r} (write 100k, 300k, 1m or 5000)") from None
        if value < 1 or value != int(value):
            raise ValueError(f"not a size: {part!r}")
        sizes.append(int(value))
    return sizes


def split_sentences(text: str) -> list[str]:
    """The sentences of a paragraph (spacing normalised)."""
    return [" ".join(s.split()) for s in _SENTENCE_END.split(text) if s.strip()]


@dataclass(frozen=True)
class SentencePool:
    """Distinct sentences of a corpus, and how many sentences its paragraphs hold."""

    sentences: tuple[str, ...]
    counts: tuple[int, ...]

    @classmethod
    def from_paragraphs(cls, texts: Iterable[str]) -> SentencePool:
        seen: dict[str, None] = {}
        counts = []
        for text in texts:
            kept = [s for s in split_sentences(text) if _usable(s)]
            if kept:
                counts.append(min(len(kept), MAX_SENTENCES))
                seen.update(dict.fromkeys(kept))
        if not seen:
            raise ValueError("no sentence to draw from: the corpus has no usable paragraph")
        return cls(tuple(seen), tuple(counts))


def _usable(sentence: str) -> bool:
    return (
        MIN_SENTENCE_CHARS <= len(sentence) <= MAX_SENTENCE_CHARS
        and len(sentence.split()) >= MIN_SENTENCE_WORDS
        and _LETTER.search(sentence) is not None
    )


def _key(text: str) -> int:
    """searchdesk's repeat key (case and spacing ignored), as a 64-bit int."""
    folded = " ".join(text.casefold().split()).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(folded, digest_size=8).digest(), "big")


def generate(pool: SentencePool, n: int, seed: int = 0) -> Iterator[str]:
    """``n`` distinct paragraphs drawn from ``pool``, deterministic for a seed.

    A draw that repeats a paragraph already given takes one more sentence
    (the corpus has far fewer one-sentence paragraphs than a million); one
    that would grow past :data:`MAX_CHARS` is dropped and drawn again.
    """
    rng = random.Random(seed)
    sentences, counts = pool.sentences, pool.counts
    seen: set[int] = set()
    while len(seen) < n:
        want = rng.choice(counts)
        parts: list[str] = []
        size = 0
        while True:
            s = sentences[rng.randrange(len(sentences))]
            if size + len(s) + 2 > MAX_CHARS:
                break
            parts.append(s)
            size += len(s) + 1
            if len(parts) < want:
                continue
            text = " ".join(parts)
            if text[-1] not in _FINAL:
                text += "."
            key = _key(text)
            if key not in seen:
                seen.add(key)
                yield text
                break


def file_name(i: int) -> str:
    """The ``i``-th file of a generated corpus, relative to its folder."""
    return f"{i // FILES_PER_DIR:03d}/{i % FILES_PER_DIR:04d}.txt"


def write_corpus(folder: Path, pool: SentencePool, n: int, seed: int = 0) -> list[str]:
    """Write ``n`` generated paragraphs under ``folder``; return the files' names, in order."""
    names: list[str] = []
    fh = None
    try:
        for i, text in enumerate(generate(pool, n, seed)):
            if i % PER_FILE == 0:
                if fh is not None:
                    fh.close()
                names.append(file_name(len(names)))
                path = folder / names[-1]
                path.parent.mkdir(parents=True, exist_ok=True)
                fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 (one open file at a time)
            else:
                assert fh is not None
                fh.write("\n")
            fh.write(text + "\n")
    finally:
        if fh is not None:
            fh.close()
    return names


def read_corpus(folder: Path) -> Iterator[tuple[str, str]]:
    """(source, paragraph) of a written corpus, a file at a time; the source is the
    file's path relative to ``folder``, the label ``searchdesk index folder`` gives it."""
    for path in sorted(folder.rglob("*.txt")):
        source = path.relative_to(folder).as_posix()
        for para in path.read_text(encoding="utf-8").split("\n\n"):
            if para.strip():
                yield source, para.strip()
