"""The `faqbot` command line: parse, call the core, print."""

from __future__ import annotations

import argparse
import importlib
import io
import logging
import sqlite3
import sys

from bot.cli.parser import build_parser
from bot.cli.text import shown
from bot.errors import FaqbotError


def setup_logging(level: str) -> None:
    """Log to standard error with a plain, greppable format."""
    logging.basicConfig(
        level=getattr(logging, level),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def setup_output(args: argparse.Namespace) -> None:
    """Machine output (--json, CSV) is strict UTF-8 in any locale; text output never fails on a character."""
    if not isinstance(sys.stdout, io.TextIOWrapper):
        return  # replaced by a caller (tests capture into StringIO)
    if getattr(args, "json", False) or getattr(args, "format", None) in {"csv", "json"}:
        sys.stdout.reconfigure(encoding="utf-8", errors="strict")
    else:
        sys.stdout.reconfigure(errors="backslashreplace")


def one_line(text: str) -> str:
    """An error message on one line, with any control character in it (from a file name, say) escaped."""
    return shown(text.strip())  # a newline inside becomes \x0a: still one line


def main(argv: list[str] | None = None) -> int:
    """Run one faqbot command; user mistakes print one line and exit 2, never a traceback."""
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level or "WARNING")
    setup_output(args)
    try:
        # The heavy imports only once a command runs; `faqbot health` (a HEALTHCHECK, every 30 s) needs none of them.
        commands = importlib.import_module("bot.cli.light" if getattr(args, "light", False) else "bot.cli.commands")
        return int(getattr(commands, args.handler)(args))
    except FaqbotError as error:
        sys.stderr.write(f"faqbot: error: {one_line(str(error))}\n")
        return 2
    except sqlite3.DatabaseError as error:
        sys.stderr.write(f"faqbot: error: the database cannot be used ({error}); it was not changed further\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
