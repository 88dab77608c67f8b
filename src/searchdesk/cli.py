"""The ``searchdesk`` command: parse arguments, call the engine, render.

Exit codes follow grep and ripgrep (see :class:`ExitCode`). Data goes to
stdout, notes and errors to stderr, one line each, never a traceback.
The Textual app is imported only by the ``tui`` command, so ``query``
starts fast and never loads Textual.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from enum import IntEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from . import __version__
from .errors import SearchdeskError
from .paths import IndexChoice, choose_index, display_path
from .sanitize import escape

if TYPE_CHECKING:
    from .models import SearchResult
    from .searcher import SearchIndex


class ExitCode(IntEnum):
    OK = 0
    """Hits found, or the command succeeded."""
    NO_HITS = 1
    """The query matched nothing."""
    ERROR = 2
    """Usage error, missing or unreadable index, bad query."""
    INTERRUPTED = 130
    """Ctrl-C (SIGINT)."""
    TERMINATED = 143
    """SIGTERM."""


class Terminated(BaseException):
    """Raised in the main thread when SIGTERM arrives."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"searchdesk: {escape(message)} (see `{self.prog} --help`)\n")
        raise SystemExit(ExitCode.ERROR)


def build_parser() -> argparse.ArgumentParser:
    with _translations_cached():
        return _build_parser()


@contextlib.contextmanager
def _translations_cached() -> Iterator[None]:
    """Look argparse's catalogue up once while the parser is built.

    argparse passes ``options``, ``positional arguments``, ``show this help
    message and exit``… through ``gettext.gettext``, which looks for the
    current domain's catalogue on disk at every call when there is none
    (nothing is cached then): about 30 calls and 100 ``stat``s for this
    parser, several ms of every command's start. ``gettext.gettext`` is
    ``translation(textdomain(), <its folder>, fallback=True).gettext(message)``:
    the same translation object, found once, answers every string.
    """
    import gettext

    names = vars(argparse)
    lookup: Callable[[str], str] = names["_"]
    if lookup is gettext.gettext:
        domain = gettext.textdomain()
        try:
            catalogue = gettext.translation(domain, gettext.bindtextdomain(domain), fallback=True)
        except OSError:  # an unreadable catalogue: gettext's own answer, string by string
            pass
        else:
            names["_"] = catalogue.gettext
    try:
        yield
    finally:
        names["_"] = lookup


def _build_parser() -> argparse.ArgumentParser:
    index_opt = _Parser(add_help=False)
    index_opt.add_argument(
        "--index",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="index folder (default: $SEARCHDESK_INDEX, else the nearest index/ holding a"
        " searchdesk.json in the current folder or its parents, else ./index)",
    )
    parser = _Parser(
        prog="searchdesk",
        description="Full-text search for folders of French documents, by paragraph.",
        epilog="With no command, opens the interactive app (stdout must be a terminal).",
        parents=[index_opt],
    )
    parser.add_argument("--version", action="version", version=f"searchdesk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "index",
        parents=[index_opt],
        help="index (or update) folders of .txt and .md files",
        description="Index the .txt and .md files under each DIR, incrementally: only new"
        " or changed files are read again; other folders in the index are kept. With no"
        " DIR, every folder indexed before is refreshed (a deleted folder leaves the index).",
    )
    p.add_argument("dirs", nargs="*", metavar="DIR", help="folder (or single file) to index")
    p.add_argument("--rebuild", action="store_true", help="start a fresh index")
    p.add_argument("--wait", action="store_true", help="wait for another indexing run to end")
    p.add_argument("--strict", action="store_true", help="fail (exit 2) if any file is unreadable")
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="name each skipped file and why, on stderr",
    )

    p = sub.add_parser(
        "forget",
        parents=[index_opt],
        help="drop indexed folders from the index",
        description="Remove every paragraph of each DIR from the index (the files stay).",
    )
    p.add_argument("dirs", nargs="+", metavar="DIR", help="indexed folder to drop")
    p.add_argument("--wait", action="store_true", help="wait for another indexing run to end")

    p = sub.add_parser(
        "query",
        parents=[index_opt],
        help="search the index and print ranked paragraphs",
        description='Search the index. Words are ANDed; use "phrases", OR, NOT,'
        " parentheses, prefix*, fuzzy~ and source:NAME. When no paragraph holds every"
        " word, the paragraphs holding the most of them are shown (a note on stderr says"
        " so), unless --all.",
    )
    p.add_argument("query", help="the query")
    p.add_argument("--limit", type=_positive, default=10, metavar="N", help="hits to show (10)")
    p.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME",
        help="only hits in this source: its label (see `searchdesk sources`) or the file's"
        " path, relative or absolute (repeatable)",
    )
    p.add_argument(
        "--facets",
        type=_positive,
        default=10,
        metavar="N",
        help="after the hits, list the N sources with the most hits (10; 0: none)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        dest="all_words",
        help="every word must be in the paragraph: when no paragraph holds them all, show"
        " nothing (exit 1) rather than the paragraphs holding the most of them",
    )
    p.add_argument(
        "--why",
        action="store_true",
        help="under each hit, say how each query word matched (exact, stem, prefix, fuzzy, phrase)",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument(
        "--jsonl", action="store_true", help="print one JSON object per hit, one per line"
    )
    out.add_argument(
        "--count", action="store_true", help="print the number of hits (all, not only --limit)"
    )
    out.add_argument(
        "-l",
        "--files-with-matches",
        action="store_true",
        help="print the path of each file with hits (all of them, not only --limit)",
    )
    out.add_argument(
        "--vimgrep",
        action="store_true",
        help="print path:line:column:paragraph, one line per hit (line and column of its"
        " first match)",
    )
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the output (auto: on a terminal, unless NO_COLOR is set); without"
        " colour, matches are marked **like this**",
    )

    p = sub.add_parser(
        "stats",
        parents=[index_opt],
        help="show what the index holds",
        description="Files, paragraphs, distinct paragraphs, terms and size of the index.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser(
        "sources",
        parents=[index_opt],
        help="list the indexed folders and their sources",
        description="List the indexed folders (label and path), then every source with its"
        " number of paragraphs. Labels are what --source and source: take.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print the completion script for SHELL. bash: add"
        ' `eval "$(searchdesk completion bash)"` to ~/.bashrc; zsh: the same line with zsh'
        " in ~/.zshrc; fish: `searchdesk completion fish >"
        " ~/.config/fish/completions/searchdesk.fish`.",
    )
    p.add_argument("shell", choices=("bash", "zsh", "fish"), help="the shell")

    p = sub.add_parser(
        "tui",
        parents=[index_opt],
        help="open the interactive app (the default)",
        description="Open the interactive search app.",
    )
    p.add_argument("query", nargs="?", default=None, help="initial query")
    return parser


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return n


#: The signal received, if any. Python raises a handler's exception wherever the
#: main thread is, and drops it when that is a ``__del__`` or a GC callback; the
#: indexer also polls this, so a run that was asked to stop never commits.
_received: list[int] = []


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    _raise_for(signum)


def _raise_for(signum: int) -> None:
    if signum == signal.SIGTERM:
        raise Terminated
    raise KeyboardInterrupt


def _stop_requested() -> bool:
    """Polled by the indexer: raise again for a signal whose exception was lost."""
    if _received:
        _raise_for(_received[0])
    return False


#: Set once a one-shot command has asked for the objects to be frozen at exit.
_freeze_at_exit: list[bool] = []


@contextlib.contextmanager
def _one_shot() -> Iterator[None]:
    """Run a command that reads the index once, then the process ends.

    - No cyclic garbage collection while it runs: importing Whoosh (numpy)
      and opening the index make hundreds of thousands of objects that live
      to the end, and the collector walked them again and again (15-25 ms of
      a cold query on man-fr, for nothing to free). At exit, the objects are
      frozen (:func:`gc.freeze`, from :mod:`atexit`): the interpreter's final
      collections skip them (they took 40-60 ms) and the process's memory
      goes back to the system whole. A caller of :func:`main` in its own
      process gets its collector back when the command returns.
    - OpenBLAS, loaded with numpy when a query's posting lists are long,
      starts a thread per core as it loads (tens of ms); searchdesk does no
      linear algebra, so it gets one, unless ``OPENBLAS_NUM_THREADS`` is set.
      The variable is unset again afterwards (OpenBLAS reads it only when it
      loads).
    """
    import gc

    collecting = gc.isenabled()
    gc.disable()
    if not _freeze_at_exit:
        import atexit

        atexit.register(gc.freeze)
        _freeze_at_exit.append(True)
    blas = "numpy" not in sys.modules and "OPENBLAS_NUM_THREADS" not in os.environ
    if blas:
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        if blas:
            os.environ.pop("OPENBLAS_NUM_THREADS", None)
        if collecting:
            gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.command == "completion":
        from .completion import script

        sys.stdout.write(script(parser, args.shell))
        return ExitCode.OK
    if args.command == "query" and not args.query.strip():
        sys.stderr.write("searchdesk: the query is empty (see `searchdesk query --help`)\n")
        return ExitCode.ERROR
    if args.command in (None, "tui") and not sys.stdout.isatty():
        sys.stderr.write(
            "searchdesk: the app needs a terminal on stdout;"
            " use `searchdesk query QUERY` to print hits\n"
        )
        return ExitCode.ERROR
    choice = choose_index(getattr(args, "index", None))
    index_dir = choice.path
    from .render import configure_output

    json_output = getattr(args, "json", False) or getattr(args, "jsonl", False)
    configure_output(sys.stdout, sys.stderr, json_output=json_output)
    _received.clear()
    previous = signal.signal(signal.SIGTERM, _on_signal)
    previous_int = signal.signal(signal.SIGINT, _on_signal)
    try:
        if args.command in ("index", "forget"):
            return cmd_index(args, index_dir)
        if args.command == "query":
            with _one_shot():
                return cmd_query(args, index_dir)
        if args.command == "stats":
            with _one_shot():
                return cmd_stats(args, choice)
        if args.command == "sources":
            with _one_shot():
                return cmd_sources(args, index_dir)
        return cmd_tui(getattr(args, "query", None), index_dir)
    except SearchdeskError as exc:
        sys.stderr.write(f"searchdesk: {escape(str(exc))}\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("searchdesk: interrupted\n")
        return ExitCode.INTERRUPTED
    except Terminated:
        sys.stderr.write("searchdesk: terminated\n")
        return ExitCode.TERMINATED
    except BrokenPipeError:
        # `searchdesk query x | head`: the reader left; not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def cmd_index(args: argparse.Namespace, index_dir: Path) -> int:
    from .indexer import build_index
    from .render import progress_bar, render_report

    forget = args.command == "forget"
    with progress_bar(sys.stderr) as progress:
        report = build_index(
            [] if forget else args.dirs,
            index_dir,
            rebuild=getattr(args, "rebuild", False),
            wait=args.wait,
            strict=getattr(args, "strict", False),
            forget=args.dirs if forget else (),
            progress=progress,
            should_stop=_stop_requested,
        )
    if getattr(args, "verbose", False):
        for name, why in report.skipped_files:
            sys.stderr.write(f"searchdesk: skipped {name}: {why}\n")
    for problem in report.problems:
        sys.stderr.write(f"searchdesk: warning: {escape(problem)}\n")
    for folder in report.vanished:
        sys.stderr.write(
            f"searchdesk: {display_path(folder)} no longer exists; its files left the index\n"
        )
    if not report.committed:
        sys.stderr.write(
            f"searchdesk: {len(report.problems)} problems (--strict); nothing was written\n"
        )
        return ExitCode.ERROR
    print(render_report(report))
    return ExitCode.OK


def _use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    return (
        sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    )


def cmd_query(args: argparse.Namespace, index_dir: Path) -> int:
    from .locate import SourceResolver
    from .query import stop_words_only
    from .render import Style, render_json, render_jsonl, render_result
    from .searcher import SearchIndex

    with SearchIndex(index_dir, one_shot=True) as ix:
        needs_sources = bool(args.source) or "source:" in args.query or args.files_with_matches
        infos = ix.sources() if needs_sources else []
        resolver = SourceResolver(ix.marker.roots, [i.source for i in infos])
        sources = [resolver.resolve(name) for name in args.source]
        text = resolver.rewrite_query(args.query)
        result = ix.search(text, limit=args.limit, sources=sources, all_words=args.all_words)
        if text != args.query:
            result = dataclasses.replace(result, query=args.query)
        code = ExitCode.OK if result.total else ExitCode.NO_HITS
        if result.matched_words is not None and not args.json:
            sys.stderr.write(
                "searchdesk: no paragraph holds every word; showing those with the most"
                f" ({result.matched_words} of {result.of_words})\n"
            )
        if args.json:
            print(render_json(result))
        elif args.jsonl:
            for line in render_jsonl(result):
                print(line)
        elif args.count:
            print(result.total)
        elif args.files_with_matches:
            paths = {i.source: i.path for i in infos}
            wanted = set(sources)
            for name in sorted(result.facets):
                if (not wanted or name in wanted) and name in paths:
                    print(display_path(_shell_path(paths[name])))
        elif args.vimgrep:
            _print_vimgrep(ix, result)
        else:
            style = Style(_use_color(args.color))
            print(render_result(result, style, facets=args.facets, why=args.why))
            if result.suggestion:
                sys.stderr.write(f"did you mean: {escape(result.suggestion)}\n")
        if not result.total and stop_words_only(args.query):
            import shlex

            quoted = shlex.quote('"' + args.query.replace('"', "") + '"')
            sys.stderr.write(
                f"searchdesk: {escape(args.query)} has only stop words, which are not searched;"
                f" quote it to search it as written: searchdesk query {escape(quoted)}\n"
            )
    return code


def _shell_path(path: str) -> str:
    """``path`` relative to the current folder when it is inside it, else absolute."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel == ".." or rel.startswith("../") else rel


def _print_vimgrep(ix: SearchIndex, result: SearchResult) -> None:
    from .locate import match_position
    from .render import render_vimgrep

    for hit in result.hits:
        real = ix.file_path(hit.path) or hit.path
        line, column = match_position(real, hit)
        print(render_vimgrep(_shell_path(hit.path), line, column, hit))


def cmd_sources(args: argparse.Namespace, index_dir: Path) -> int:
    import json

    from .searcher import SearchIndex

    with SearchIndex(index_dir) as ix:
        roots = sorted(ix.marker.roots, key=lambda r: r[1])
        infos = ix.sources()
    if args.json:
        data = {
            "folders": [{"label": label, "path": path} for path, label in roots],
            "sources": [
                {"source": i.source, "path": i.path, "title": i.title, "paragraphs": i.paragraphs}
                for i in infos
            ],
        }
        print(json.dumps(data, ensure_ascii=False))
        return ExitCode.OK
    print("indexed folders:")
    for path, label in roots:
        print(f"  {display_path(label)}  {display_path(path)}")
    width = max((len(str(i.paragraphs)) for i in infos), default=1)
    print(f"sources ({len(infos)}, paragraphs each):")
    for info in infos:
        print(f"  {info.paragraphs:>{width}}  {display_path(info.source)}")
    return ExitCode.OK


def cmd_stats(args: argparse.Namespace, choice: IndexChoice) -> int:
    import json

    from .render import render_stats
    from .searcher import SearchIndex

    index_dir = choice.path
    with SearchIndex(index_dir) as ix:
        stats = ix.stats()
    why = _REASONS.get(choice.reason, choice.reason)
    if args.json:
        print(
            json.dumps(
                {"index": display_path(str(index_dir)), "index_from": why, **stats.to_dict()}
            )
        )
    else:
        print(render_stats(stats, display_path(str(index_dir))))
    return ExitCode.OK


_REASONS = {
    "--index": "--index",
    "$SEARCHDESK_INDEX": "$SEARCHDESK_INDEX",
    "found": "nearest index/ in the current folder or its parents",
    "default": "./index (default)",
}


def cmd_tui(query: str | None, index_dir: Path) -> int:
    from .tui.app import make_app

    app = make_app(index_dir, query=query)
    app.run()
    return int(app.return_code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
