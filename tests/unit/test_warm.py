"""``SearchIndex.warm()``: the app imports the array path while the index opens.

Checked in a fresh interpreter (this one may have imported numpy already).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from searchdesk.indexer import build_index

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

SCRIPT = """
import sys
from pathlib import Path
from searchdesk.searcher import SearchIndex
with SearchIndex(Path(sys.argv[1]), one_shot=sys.argv[2] == "one-shot") as ix:
    assert "searchdesk.ranking" not in sys.modules
    ix.warm()
    print("searchdesk.ranking" in sys.modules, "numpy" in sys.modules)
"""


@pytest.mark.parametrize(("mode", "imported"), [("app", "True True"), ("one-shot", "False False")])
def test_warm_imports_the_array_path_only_in_a_lasting_process(
    tmp_path: Path, mode: str, imported: str
) -> None:
    index_dir = tmp_path / "idx"
    build_index([SEEDS], index_dir)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(index_dir), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split("\n")[0] == imported
