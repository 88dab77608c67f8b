"""Making document text and file names safe to show in a terminal.

Two kinds of string, two treatments:

* **text** (a paragraph, a heading) is content: :func:`sanitize` removes
  control characters, so an escape sequence shows as harmless text, and keeps
  the tabs and newlines a layout may need; :func:`sanitize_line` also folds
  those into spaces, for text shown inside a one-line label.
* **names** (file names, paths, a query or error echoed in a message) are
  evidence: :func:`escape` keeps every character visible, so a file named
  ``a\\nsearchdesk: warning: x`` prints as one line that shows its ``\\n``.

Both write a lone surrogate (an undecodable byte of a file name or argument,
as :func:`os.fsdecode` keeps it) as ``\\xNN``, so neither result can fail to
encode. Use :func:`searchdesk.paths.display_path` for paths: it also turns
bytes back into the UTF-8 they may form.
"""

from __future__ import annotations

import re

#: C0/C1 controls (tab and newline kept), DEL, and bidirectional overrides.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

#: Everything a name must not hold raw: all C0/C1 controls, DEL, bidi marks,
#: embeddings, overrides and isolates, the Unicode line and paragraph
#: separators, and lone surrogates.
_UNSAFE_IN_NAME = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LINE_BREAK = re.compile(r"[\t\n\u2028\u2029]+")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def escape_char(char: str) -> str:
    r"""The visible form of one unsafe character: ``\n``, ``\x1b``, ``\u202e``…

    A surrogate from ``surrogateescape`` (U+DC80–U+DCFF) stands for one
    undecodable byte and is shown as that byte, ``\xNN``.
    """
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    r"""``text`` on one line with every control, bidi mark and bad byte made visible.

    For names and one-line messages. Backslashes are left as they are, so
    the result is a display form (``escape(escape(s)) == escape(s)``), not a
    key: a file literally named ``a\nb`` looks like one holding a newline.
    """
    return _UNSAFE_IN_NAME.sub(lambda m: escape_char(m.group()), text)


def escape_surrogates(text: str) -> str:
    r"""``text`` with only its lone surrogates written as ``\xNN`` (or ``\uDxxx``)."""
    return _SURROGATE.sub(lambda m: escape_char(m.group()), text)


def sanitize(text: str) -> str:
    """Remove control characters: an escape sequence loses its ESC and shows as text.

    Tabs and newlines are kept for the layout; undecodable bytes are shown
    as ``\\xNN`` so the text can always be encoded.
    """
    return escape_surrogates(_CONTROL.sub("", text))


def sanitize_line(text: str) -> str:
    """:func:`sanitize`, with tabs and line breaks folded into spaces: for one-line labels."""
    return _LINE_BREAK.sub(" ", sanitize(text))
