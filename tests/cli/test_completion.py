"""Shell completion scripts, run by the real shells (bash always; zsh and fish when present)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .test_cli import run


def complete_bash(script: str, words: list[str], cwd: Path) -> list[str]:
    line = " ".join(f"'{w}'" for w in words)
    code = (
        f"{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1};"
        ' _searchdesk; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(["bash", "-c", code], capture_output=True, text=True, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return [w for w in done.stdout.splitlines() if w]


def test_bash_completes_commands_options_values_and_paths(tmp_path: Path) -> None:
    done = run("completion", "bash")
    assert done.returncode == 0
    script = done.stdout
    (tmp_path / "docs").mkdir()
    assert complete_bash(script, ["searchdesk", "qu"], tmp_path) == ["query"]
    assert complete_bash(script, ["searchdesk", "query", "--li"], tmp_path) == ["--limit"]
    assert set(complete_bash(script, ["searchdesk", "query", "--color", ""], tmp_path)) == {
        "auto",
        "always",
        "never",
    }
    assert complete_bash(script, ["searchdesk", "index", "do"], tmp_path) == ["docs"]
    assert complete_bash(script, ["searchdesk", "--index", "d"], tmp_path) == ["docs"]
    assert complete_bash(script, ["searchdesk", "completion", "fi"], tmp_path) == ["fish"]
    # A value is not completed as an option or a command.
    assert complete_bash(script, ["searchdesk", "query", "--limit", ""], tmp_path) == []


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_loads_the_script(tmp_path: Path) -> None:
    script = run("completion", "zsh").stdout
    done = subprocess.run(
        ["zsh", "-c", f"{script}\nwhence -w _searchdesk"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "function" in done.stdout


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_commands_and_options(tmp_path: Path) -> None:
    script = run("completion", "fish").stdout
    code = f"{script}\ncomplete -C 'searchdesk qu'; complete -C 'searchdesk query --li'"
    done = subprocess.run(["fish", "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    words = [line.split("\t")[0] for line in done.stdout.splitlines()]
    assert "query" in words and "--limit" in words
