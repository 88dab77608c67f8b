"""Copying to the system clipboard, opening an editor or a viewer: the commands run.

``y`` sends the text to the terminal (OSC 52, through Textual), which many
terminals and tmux's default ``set-clipboard external`` ignore; so the first
system clipboard tool present is run too, and the user is told which worked.

``o`` opens a text file (``.txt``, ``.md``) in the terminal's editor at the
paragraph's line (:func:`editor_command`), and any other document (PDF, DOCX,
ODT, HTML, EPUB) with the desktop's opener (:func:`opener_command`), at its
page when the opener is told how.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass

#: (tool, arguments, environment variable that must be set for it to work).
TOOLS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("wl-copy", (), "WAYLAND_DISPLAY"),
    ("xclip", ("-selection", "clipboard"), "DISPLAY"),
    ("xsel", ("--clipboard", "--input"), "DISPLAY"),
    ("pbcopy", (), None),
)
TOOL_SECONDS = 3.0


def system_copy(text: str) -> tuple[str | None, str | None]:
    """Give ``text`` to the first clipboard tool that takes it: (its name, or the failures)."""
    failures: list[str] = []
    for name, args, needs in TOOLS:
        if needs is not None and not os.environ.get(needs):
            continue
        exe = shutil.which(name)
        if exe is None:
            continue
        try:
            # No pipe but stdin: xclip and xsel stay behind to serve the
            # selection, and a pipe they inherit would keep run() waiting.
            done = subprocess.run(
                [exe, *args],
                input=text.encode(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=TOOL_SECONDS,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            failures.append(f"{name}: {type(exc).__name__}")
            continue
        if done.returncode == 0:
            return name, None
        failures.append(f"{name}: exit {done.returncode}")
    return None, "; ".join(failures) or None


_PLACEHOLDER = re.compile(r"\{(path|line)\}")


def editor_command(path: str, line: int) -> list[str]:
    """The command that opens ``path`` at ``line``.

    ``$SEARCHDESK_EDITOR`` is a template with ``{path}`` and ``{line}``
    (``code -g {path}:{line}``; without ``{path}`` the path is added last);
    otherwise ``$VISUAL`` or ``$EDITOR`` (or ``vi``) gets ``+LINE PATH``.
    """
    template = os.environ.get("SEARCHDESK_EDITOR", "").strip()
    if template:
        args = shlex.split(template)
        values = {"path": path, "line": str(line)}
        has_path = any("{path}" in arg for arg in args)
        command = [_PLACEHOLDER.sub(lambda m: values[m.group(1)], arg) for arg in args]
        return command if has_path else [*command, path]
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return [*shlex.split(editor), f"+{line}", path]


def editor_name() -> str:
    """The editor as configured, for messages."""
    return (
        os.environ.get("SEARCHDESK_EDITOR", "").strip()
        or os.environ.get("VISUAL")
        or os.environ.get("EDITOR")
        or "vi"
    )


_OPENER_PLACEHOLDER = re.compile(r"\{(path|page)\}")
#: The desktop's own opener, by platform.
DESKTOP_OPENER = "open" if sys.platform == "darwin" else "xdg-open"


@dataclass(frozen=True, slots=True)
class Opener:
    """How to open a document outside the terminal."""

    command: list[str]
    name: str
    """The opener's name, for messages (``xdg-open``, ``zathura``)."""
    at_page: bool
    """True when the command carries the page (a ``{page}`` in the template)."""


def opener_command(path: str, page: int | None) -> Opener | None:
    """The command that shows a non-text document, or None if there is no opener.

    ``$SEARCHDESK_OPENER`` is a template with ``{path}`` and ``{page}``
    (``zathura --page={page} {path}``, ``evince -i {page} {path}``; ``{page}``
    is 1 for a document without pages; without ``{path}`` the path is added
    last); otherwise ``xdg-open`` (``open`` on macOS) gets the path, if it is
    installed. Raises ``ValueError`` for a template ``shlex`` cannot split.
    """
    template = os.environ.get("SEARCHDESK_OPENER", "").strip()
    if template:
        args = shlex.split(template)
        if not args:
            raise ValueError("$SEARCHDESK_OPENER is empty")
        values = {"path": path, "page": str(page or 1)}
        has_path = any("{path}" in arg for arg in args)
        at_page = page is not None and any("{page}" in arg for arg in args)
        command = [_OPENER_PLACEHOLDER.sub(lambda m: values[m.group(1)], arg) for arg in args]
        return Opener(command if has_path else [*command, path], os.path.basename(args[0]), at_page)
    exe = shutil.which(DESKTOP_OPENER)
    if exe is None:
        return None
    return Opener([exe, path], DESKTOP_OPENER, False)


def launch_detached(command: list[str]) -> subprocess.Popen[bytes]:
    """Start a desktop program in a session of its own, away from the terminal.

    It gets no terminal input or output (a viewer's chatter would garble the
    screen) and outlives the app.
    """
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
