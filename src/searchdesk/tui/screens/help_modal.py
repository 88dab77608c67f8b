"""The help modal: every key of the app."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..clipboard import DESKTOP_OPENER

KEYS = [
    ("/  ctrl+f", "focus the query"),
    ("tab  shift+tab", "query, source filter, sources, results"),
    ("↑ ↓  j k", "move (j k outside a text field)"),
    ("space  enter (sources)", "turn a source filter on ● or off ○"),
    ("ctrl+r", "clear the source filters"),
    ("enter (results)", "open the paragraph in its document"),
    ("g  space (results)", "group by file; expand or fold a file"),
    ("n  p (document)", "next / previous match"),
    ("escape", "back; in a text field, clear it"),
    ("o (.txt .md)", "open in $SEARCHDESK_EDITOR or $EDITOR"),
    ("o (PDF, DOCX, HTML…)", f"open with $SEARCHDESK_OPENER or {DESKTOP_OPENER}"),
    ("y", "copy the paragraph and its citation"),
    ("ctrl+s", "apply the “did you mean” suggestion"),
    ("ctrl+t", "all words required, or most words when none has all"),
    ("f1  ?", "this help"),
    ("ctrl+p", "command palette"),
    ("q  ctrl+q", "quit (q outside a text field)"),
]


class HelpModal(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        lines = [Content("Keys").stylize("bold")]
        for key, what in KEYS:
            lines.append(Content.assemble((f"{key:<24}", "bold $text-accent"), what))
        lines += [
            Content("Query syntax").stylize("bold"),
            Content(
                'words (AND; else most)  "a phrase"  a OR b  a NOT b  (a OR b)  négoc*  Zelenski~'
            ),
            Content("source:NAME  — accents, case and l’/d’ do not matter"),
        ]
        with VerticalScroll(id="help"):
            yield Static(Content("\n").join(lines))
