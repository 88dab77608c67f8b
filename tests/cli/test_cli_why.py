"""``searchdesk query --why``, ``"why"`` in JSON, exact forms, prefixes, stop-word feedback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAN = ROOT / "tests" / "fixtures" / "man-words"


def run(*args: str, index: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SEARCHDESK_INDEX": str(index), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "searchdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_why_flag_json_and_stop_words(tmp_path: Path) -> None:
    index = tmp_path / "index"
    built = run("index", str(MAN), index=index)
    assert built.returncode == 0, built.stderr

    plain = run("query", "utilisateur", index=index)
    assert plain.returncode == 0
    assert "why:" not in plain.stdout

    why = run("query", "--why", "utilisateur", index=index)
    lines = [line.strip() for line in why.stdout.splitlines() if line.strip().startswith("why:")]
    assert lines and all(line.startswith("why: utilisateur = « ") for line in lines)
    assert any(line.endswith("(exact)") for line in lines)

    data = json.loads(run("query", "--json", "utilisateu*", index=index).stdout)
    assert data["hits"]
    for hit in data["hits"]:
        assert hit["why"] and all(m["how"] == "prefix" for m in hit["why"])
        assert all(m["matched"].lower().startswith("utilisateu") for m in hit["why"])

    quoted = json.loads(run("query", "--json", '"utilisateur"', index=index).stdout)
    assert all(m["matched"].lower() == "utilisateur" for h in quoted["hits"] for m in h["why"])

    for query in ("sur", "jusqu'à", "qu'il"):
        done = run("query", query, index=index)
        assert done.returncode == 1
        assert "only stop words" in done.stderr and "quote it" in done.stderr
    assert run("query", '"sur"', index=index).returncode == 0
