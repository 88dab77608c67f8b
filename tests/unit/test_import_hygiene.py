"""The engine never loads Textual or Rich, and `searchdesk query` never loads Textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import searchdesk

#: Every engine module, found by walking the package (the app and ``__main__`` aside).
ENGINE = sorted(
    info.name
    for info in pkgutil.walk_packages(searchdesk.__path__, "searchdesk.")
    if not info.name.startswith(("searchdesk.tui", "searchdesk.__main__"))
)
#: Libraries only document extraction (in worker processes) needs.
EXTRACTION = {"lxml", "pypdfium2", "pypdfium2_raw", "trafilatura", "docx"}


def loaded_after(code: str) -> set[str]:
    script = code + "\nimport sys; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_engine_imports_neither_textual_nor_rich() -> None:
    modules = loaded_after("\n".join(f"import {m}" for m in ENGINE))
    assert "searchdesk.extract.pdf" in ENGINE and "searchdesk.cli" in ENGINE
    assert "whoosh" in modules
    assert "textual" not in modules
    assert "rich" not in modules


def test_query_command_does_not_import_textual(seeds_index: Path) -> None:
    code = (
        "import contextlib, io\n"
        "from searchdesk.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['--index', {str(seeds_index)!r}, 'query', 'article 5']) == 0\n"
    )
    modules = loaded_after(code)
    assert "textual" not in modules
    assert "rich" not in modules
    assert not modules & EXTRACTION
