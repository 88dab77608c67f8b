"""Making document text and file names safe to show in a terminal."""

from __future__ import annotations

import re

#: C0/C1 controls (tab and newline kept), DEL, and bidirectional overrides.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def sanitize(text: str) -> str:
    """Remove control characters: an escape sequence loses its ESC and shows as text."""
    return _CONTROL.sub("", text)
