"""Shared fixtures: real indexes on disk, built once per session where possible."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from searchdesk.indexer import build_index

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"

# searchdesk signs indexes with a per-user key under $XDG_DATA_HOME: give the
# test session (and the subprocesses it starts) a key of its own. Under
# pytest-xdist each worker process imports this file, so each has its own.
_DATA_HOME = tempfile.mkdtemp(prefix="searchdesk-test-data-")
os.environ["XDG_DATA_HOME"] = _DATA_HOME
_OWNER = os.getpid()


@atexit.register
def _remove_data_home() -> None:
    if os.getpid() == _OWNER:  # not in a forked child that exits normally
        shutil.rmtree(_DATA_HOME, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_env_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEARCHDESK_INDEX", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the shipped seeds/ corpus (read-only: do not modify)."""
    index_dir = tmp_path_factory.mktemp("seeds") / "index"
    build_index([SEEDS], index_dir)
    return index_dir


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the small French test corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest
