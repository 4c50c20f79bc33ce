"""The `faqbot` command line: parse, call the core, print."""

from __future__ import annotations

import importlib
import logging
import sqlite3
import sys

from bot.cli.parser import build_parser
from bot.errors import FaqbotError


def setup_logging(level: str) -> None:
    """Log to standard error with a plain, greppable format."""
    logging.basicConfig(
        level=getattr(logging, level),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    """Run one faqbot command; user mistakes print one line and exit 2, never a traceback."""
    args = build_parser().parse_args(argv)
    setup_logging("WARNING")
    try:
        # The heavy imports only once a command runs; `faqbot health` (a HEALTHCHECK, every 30 s) needs none of them.
        commands = importlib.import_module("bot.cli.light" if getattr(args, "light", False) else "bot.cli.commands")
        return int(getattr(commands, args.handler)(args))
    except FaqbotError as error:
        sys.stderr.write(f"faqbot: error: {error}\n")
        return 2
    except sqlite3.DatabaseError as error:
        sys.stderr.write(f"faqbot: error: the database cannot be used ({error}); it was not changed further\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
