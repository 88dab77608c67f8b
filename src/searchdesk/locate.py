"""Between what a user types and the index's names: sources given as labels or
paths, and a hit's position (line, column) in its file for editors."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from .errors import UnknownSource
from .extract import is_text
from .models import Hit
from .paths import display_path

#: How many lines past a paragraph's first line to look for its first match.
_POSITION_LINES = 200


def match_position(path: str, hit: Hit) -> tuple[int, int]:
    """Line and column (1-based, in UTF-8 bytes as ``rg --vimgrep``) of the hit's
    first match in the file; the paragraph's first line and column 1 if the file
    cannot be read or changed since it was indexed. For a document that is
    not text, its page (or 1) and column 1: an editor cannot open it at a line."""
    from .documents import read_lines, scan  # only --vimgrep reads files

    if not is_text(hit.path):
        return hit.page or 1, 1
    if not hit.highlights:
        return hit.line, 1
    start, end = hit.highlights[0]
    word = hit.text[start:end]
    # Which occurrence of the word in the paragraph the match is.
    nth = hit.text.count(word, 0, start)
    try:
        scanned = scan(path)
        for number, text in read_lines(path, scanned):
            if number < hit.line:
                continue
            if number > hit.line + _POSITION_LINES:
                break
            col = -1
            while True:
                col = text.find(word, col + 1)
                if col < 0:
                    break
                if nth == 0:
                    return number, len(text[:col].encode("utf-8", "surrogatepass")) + 1
                nth -= 1
    except (OSError, ValueError):
        pass
    return hit.line, 1


class SourceResolver:
    """Turns what the user typed for a source into its label.

    Accepted: the label (``seeds/004.txt``), a path to the file relative to
    the current folder or absolute (mapped through the indexed folders,
    ``roots``: a file's label is its folder's label, ``/``, its path inside
    that folder).
    """

    def __init__(self, roots: Sequence[tuple[str, str]], labels: Sequence[str]) -> None:
        self.roots = list(roots)
        self.labels = set(labels)

    def _candidates(self, name: str) -> list[str]:
        found = [name]
        absolute = os.path.abspath(name)
        folder, base = os.path.split(absolute)
        for path in (absolute, os.path.join(os.path.realpath(folder), base)):
            path = os.path.normpath(path)
            for root, label in self.roots:
                if path.startswith(root.rstrip("/") + "/"):
                    found.append(label + "/" + os.path.relpath(path, root))
        return found

    def resolve(self, name: str) -> str:
        """The label of the source ``name`` names; :class:`UnknownSource` if none."""
        candidates = self._candidates(name)
        for candidate in candidates:
            if candidate in self.labels:
                return candidate
        close = self.closest(candidates)
        hint = (
            "closest: " + ", ".join(display_path(c) for c in close)
            if close
            else "see `searchdesk sources`"
        )
        raise UnknownSource(f"unknown source {display_path(name)!r}; {hint}")

    def closest(self, candidates: Sequence[str], limit: int = 3) -> list[str]:
        """The labels most like any of ``candidates``: at most ``limit``, all
        about as close as the closest (difflib's ratio, at least 0.6)."""
        import difflib

        scores: dict[str, float] = {}
        for candidate in candidates:
            matcher = difflib.SequenceMatcher(b=candidate)
            for label in self.labels:
                matcher.set_seq1(label)
                if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
                    scores[label] = max(scores.get(label, 0.0), matcher.ratio())
        ranked = sorted(
            ((score, label) for label, score in scores.items() if score >= 0.6),
            key=lambda item: (-item[0], item[1]),
        )
        if not ranked:
            return []
        best = ranked[0][0]
        return [label for score, label in ranked[:limit] if score >= best - 0.05]

    def rewrite_query(self, text: str) -> str:
        """``text`` with the VALUE of each ``source:VALUE`` replaced by its label."""
        if "source:" not in text:
            return text

        def replace(m: re.Match[str]) -> str:
            value = next(g for g in m.groups()[1:] if g is not None)
            label = self.resolve(value)
            if label == value:
                return m.group(0)
            if re.search(r"[\s()]", label) and '"' not in label:
                return f'source:"{label}"'
            return f"source:{label}"

        return _SOURCE_TERM.sub(replace, text)


#: ``source:VALUE`` in a query: VALUE quoted ('…' or "…") or up to a space or ``)``.
_SOURCE_TERM = re.compile(r"""(?<![\w:])(source:)(?:'([^']*)'|"([^"]*)"|([^\s()'"]+))""")
