"""Fixtures shared by the robustness tests."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ..conftest import SEEDS

UNIQUE = "zygomorphe"


@pytest.fixture(scope="session")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 5 MB of French-like text: long enough to interrupt, multiprocess path."""
    folder = tmp_path_factory.mktemp("big")
    words = " ".join(p.read_text(encoding="utf-8") for p in SEEDS.iterdir()).split()
    rng = random.Random(7)
    for i in range(160):
        paras = [" ".join(rng.choices(words, k=120)) + "." for _ in range(40)]
        if i == 150:
            paras.append(f"Le mot {UNIQUE} n'apparaît qu'ici.")
        (folder / f"doc{i:03d}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    return folder
