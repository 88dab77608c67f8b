"""Copying to the system clipboard and opening an editor: the commands run.

``y`` sends the text to the terminal (OSC 52, through Textual), which many
terminals and tmux's default ``set-clipboard external`` ignore; so the first
system clipboard tool present is run too, and the user is told which worked.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess

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
