"""Shell completion scripts, generated from the argparse parser.

The scripts are static (commands, options, option values, files and
folders), so completing costs no Python start-up, and they need no
third-party package: shtab became MPL-2.0 and argcomplete runs the program
on every tab press.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

SHELLS = ("bash", "zsh", "fish")


@dataclass(frozen=True, slots=True)
class Option:
    flags: tuple[str, ...]
    takes_value: bool
    choices: tuple[str, ...]
    help: str


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    options: tuple[Option, ...]
    paths: bool
    """Whether its positional arguments are files or folders."""
    words: tuple[str, ...]
    """The values its positional argument takes, when they are fixed."""


def _options(parser: argparse.ArgumentParser) -> tuple[Option, ...]:
    found = []
    for action in parser._actions:  # argparse keeps no public list of its actions
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        found.append(
            Option(
                tuple(action.option_strings),
                action.nargs != 0,
                tuple(str(c) for c in action.choices or ()),
                (action.help or "").split(" (")[0].replace("'", ""),
            )
        )
    return tuple(found)


def describe(parser: argparse.ArgumentParser) -> tuple[tuple[Option, ...], tuple[Command, ...]]:
    """The top-level options and every subcommand of ``parser``."""
    commands = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                paths = any(a.dest == "dirs" for a in sub._actions)
                words = tuple(
                    str(c) for a in sub._actions if not a.option_strings for c in a.choices or ()
                )
                commands.append(Command(name, helps.get(name, ""), _options(sub), paths, words))
    return _options(parser), tuple(commands)


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for ``shell`` (one of :data:`SHELLS`)."""
    top, commands = describe(parser)
    if shell == "fish":
        return _fish(parser.prog, top, commands)
    bash = _bash(parser.prog, top, commands)
    if shell == "zsh":
        return "autoload -U +X bashcompinit && bashcompinit\n" + bash
    return bash


def _words(options: tuple[Option, ...]) -> str:
    return " ".join(flag for o in options for flag in o.flags)


def _bash(prog: str, top: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    fn = "_" + prog.replace("-", "_")
    names = " ".join(c.name for c in commands)
    everything = top + tuple(o for c in commands for o in c.options)
    valued = [f for o in everything if o.takes_value and not o.choices for f in o.flags]
    lines = [
        f"# {prog} completion for bash (and zsh through bashcompinit)",
        f"{fn}() {{",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    local cmd="" w',
        '    for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do',
        f'        case "$w" in {"|".join(c.name for c in commands)}) cmd="$w"; break;; esac',
        "    done",
        '    case "$prev" in',
        '        --index) COMPREPLY=($(compgen -d -- "$cur")); return;;',
    ]
    for o in dict.fromkeys(everything):
        if o.choices:
            lines.append(
                f'        {"|".join(o.flags)}) COMPREPLY=($(compgen -W "{" ".join(o.choices)}"'
                ' -- "$cur")); return;;'
            )
    other = [f for f in valued if f != "--index"]
    if other:
        lines.append(f"        {'|'.join(sorted(set(other)))}) return;;")
    lines += ["    esac", '    case "$cmd" in']
    lines.append(f'        "") COMPREPLY=($(compgen -W "{names} {_words(top)}" -- "$cur"));;')
    for c in commands:
        files = 'COMPREPLY=($(compgen -f -- "$cur"))' if c.paths else "COMPREPLY=()"
        if c.words:
            files = f'COMPREPLY=($(compgen -W "{" ".join(c.words)}" -- "$cur"))'
        lines.append(
            f'        {c.name}) if [[ "$cur" == -* ]]; then'
            f' COMPREPLY=($(compgen -W "{_words(c.options)}" -- "$cur")); else {files}; fi;;'
        )
    lines += ["    esac", "}", f"complete -o filenames -F {fn} {prog}", ""]
    return "\n".join(lines)


def _fish(prog: str, top: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    lines = [f"# {prog} completion for fish", f"complete -c {prog} -f"]
    for c in commands:
        lines.append(f"complete -c {prog} -n __fish_use_subcommand -a {c.name} -d '{c.help}'")
    for o in top:
        lines.append(_fish_option(prog, "__fish_use_subcommand", o))
    for c in commands:
        cond = f"'__fish_seen_subcommand_from {c.name}'"
        if c.paths:
            lines.append(f"complete -c {prog} -n {cond} -F")
        if c.words:
            lines.append(f"complete -c {prog} -n {cond} -a '{' '.join(c.words)}'")
        for o in c.options:
            lines.append(_fish_option(prog, cond, o))
    return "\n".join(lines) + "\n"


def _fish_option(prog: str, cond: str, o: Option) -> str:
    parts = [f"complete -c {prog} -n {cond}"]
    for flag in o.flags:
        parts.append(f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}")
    if o.choices:
        parts.append(f"-x -a '{' '.join(o.choices)}'")
    elif "--index" in o.flags:
        parts.append("-r -F")
    elif o.takes_value:
        parts.append("-r")
    if o.help:
        parts.append(f"-d '{o.help}'")
    return " ".join(parts)
