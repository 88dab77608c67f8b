"""The help modal: every key of the app."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("/  ctrl+f", "focus the query"),
    ("tab  shift+tab", "move between query, sources and results"),
    ("↑ ↓  (j k outside the query)", "move"),
    ("space  enter (sources)", "toggle a source filter"),
    ("ctrl+r", "clear the source filters"),
    ("enter (results)", "open the paragraph in its document"),
    ("n  p (document)", "next / previous match in the document"),
    ("escape", "back; in the query box, clear it"),
    ("o", "open the file in $EDITOR at the paragraph's line"),
    ("y", "copy the paragraph with its citation (source:line)"),
    ("ctrl+s", "apply the “did you mean” suggestion"),
    ("? f1", "this help"),
    ("ctrl+p", "command palette"),
    ("ctrl+q", "quit"),
]


class HelpModal(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        lines = [Content("Keys").stylize("bold"), Content("")]
        for key, what in KEYS:
            lines.append(Content.assemble((f"{key:<30}", "bold $text-accent"), what))
        lines += [
            Content(""),
            Content("Query syntax").stylize("bold"),
            Content('words (AND)  "a phrase"  a OR b  a NOT b  (a OR b) c  négoc*  Zelenski~'),
            Content("source:NAME  — accents, case and l’/d’ do not matter"),
        ]
        with VerticalScroll(id="help"):
            yield Static(Content("\n").join(lines))
