"""The `faqbot` argument parser: light to import, so `faqbot --help` loads neither scikit-learn nor discord.py."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot import __version__
from bot.store.models import DM_SCOPE, STATUSES
from bot.store.urls import URL_FORM, is_postgres_url, is_url, redact_url


def database(value: str) -> Path | str:
    """--db: a SQLite file, or a postgresql:// URL; any other URL is refused, never taken for a file's name."""
    if is_postgres_url(value):
        return value
    if is_url(value):  # mysql://, a misspelt postgresq://: a folder named after the URL, password and all
        raise argparse.ArgumentTypeError(f"expected a SQLite file or a {URL_FORM} URL, got {redact_url(value)}")
    return Path(value)


def guild_scope(text: str) -> int:
    """A --guild value: a Discord guild id, or 'dm' (the scope of DMs, stored as DM_SCOPE)."""
    if text.strip().lower() == "dm":
        return DM_SCOPE
    if not text.strip().isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"expected a guild id (a positive whole number) or 'dm', got {text!r}")
    return int(text)


def proposal_id(text: str) -> int:
    """A proposal as `unanswered list` shows it (P3) or its number alone (3)."""
    digits = text.strip().removeprefix("P").removeprefix("p")
    if not digits.isdigit() or int(digits) <= 0:
        raise argparse.ArgumentTypeError(f"expected a proposal such as P3 (or 3), got {text!r}")
    return int(digits)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def add_global_options(group: argparse.ArgumentParser | argparse._ArgumentGroup, default: object) -> None:
    """--config, --knowledge, --db and --log-level, with the given default."""
    group.add_argument("--config", type=Path, default=default, help="YAML config file (see config.example.yaml)")
    group.add_argument(
        "--knowledge", type=Path, default=default, help="knowledge folder or file (overrides knowledge.path)"
    )
    group.add_argument(
        "--db",
        type=database,
        default=default,
        help="SQLite file or postgresql:// URL (overrides storage.database and storage.url)",
    )
    group.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        default=default,
        help="log to standard error from this level (default: WARNING; `run`: logging.level)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every faqbot command."""
    # The global options, accepted before the command and after it: the parser's own copies set the defaults, the
    # commands' copies (SUPPRESS) only override them when given there, so `faqbot --db x stats` keeps x.
    common = argparse.ArgumentParser(add_help=False)
    add_global_options(common, default=argparse.SUPPRESS)

    scoped = argparse.ArgumentParser(add_help=False)
    scoped.add_argument(
        "--guild",
        type=guild_scope,
        metavar="ID",
        help="only this server's questions (a guild id, or 'dm' for questions asked in DMs); default: every server",
    )

    parser = argparse.ArgumentParser(
        prog="faqbot",
        description="Answers questions about a job role from a curated knowledge base, and says when it does not know.",
        epilog="The global options work before or after the command: faqbot --config c.yaml ask hi, "
        "or faqbot ask hi --config c.yaml. Relative paths in a config file are read relative to that file.",
    )
    add_global_options(parser.add_argument_group("global options"), default=None)
    parser.add_argument("--version", action="version", version=f"faqbot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", parents=[common], help="answer questions (arguments, or one per stdin line)")
    ask.add_argument(
        "question", nargs="*", help="one or more questions (quote each); omit to read one per line from stdin"
    )
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--role", help="answer from this role only (default: the role a question names, else all)")
    ask.set_defaults(handler="command_ask")

    run = commands.add_parser("run", parents=[common], help="run the Discord bot (token from DISCORD_TOKEN)")
    run.set_defaults(handler="command_run")

    chat_parser = commands.add_parser("chat", parents=[common], help="interactive console that answers as the bot")
    chat_parser.set_defaults(handler="command_chat")

    knowledge = commands.add_parser("knowledge", parents=[common], help="validate or list the knowledge base")
    actions = knowledge.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("check", parents=[common], help="validate every file and summarise")
    listing = actions.add_parser("list", parents=[common], help="list every entry")
    listing.add_argument("--json", action="store_true", help="one JSON object per entry")
    importing = actions.add_parser("import", parents=[common], help="turn a role page into a knowledge file (merges)")
    importing.add_argument("page", type=Path, metavar="PAGE.txt", help="the role page, in the site's layout")
    importing.add_argument("--out", type=Path, help="the knowledge file to write (default: the role's name)")
    learned = actions.add_parser(
        "learned", parents=[common], help="the phrasings editors taught by resolving queued questions"
    )
    learned_actions = learned.add_subparsers(dest="learned_action", required=True, metavar="ACTION")
    taught_where = argparse.ArgumentParser(add_help=False)
    taught_where.add_argument(
        "--guild",
        type=guild_scope,
        metavar="ID",
        help="only the phrasings that apply in this server (a guild id), or 'dm': only those that apply everywhere; "
        "default: all",
    )
    learned_list = learned_actions.add_parser("list", parents=[common, taught_where], help="list learned phrasings")
    learned_list.add_argument("--json", action="store_true", help="one JSON object per phrasing")
    learned_remove = learned_actions.add_parser("remove", parents=[common], help="forget one learned phrasing")
    learned_remove.add_argument("id", type=int)
    learned_actions.add_parser(
        "export", parents=[common, taught_where], help="print learned phrasings as YAML questions: per entry"
    )
    knowledge.set_defaults(handler="command_knowledge", json=False)

    unanswered = commands.add_parser(
        "unanswered", parents=[common], help="the editors' queue of questions the bot could not answer"
    )
    queue = unanswered.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = queue.add_parser("list", parents=[common, scoped], help="list queued questions, similar ones grouped")
    listing.add_argument("--status", choices=[*STATUSES, "all"], default="open", help="default: open")
    listing.add_argument("--sort", choices=["count", "recent"], default="count", help="default: most asked first")
    listing.add_argument("--json", action="store_true", help="one JSON object per question")
    export = queue.add_parser("export", parents=[common, scoped], help="export every queued question")
    export.add_argument("--format", choices=["csv", "json"], required=True)
    resolve = queue.add_parser("resolve", parents=[common, scoped], help="mark a question answered by an entry")
    resolve.add_argument("id", type=int)
    resolve.add_argument("entry", help="entry id or title")
    dismiss = queue.add_parser(
        "dismiss", parents=[common, scoped], help="dismiss a question and its group with a reason"
    )
    dismiss.add_argument("id", type=int)
    dismiss.add_argument("--reason", required=True)
    promote = queue.add_parser(
        "promote", parents=[common, scoped], help="print a new knowledge entry as YAML, or append it to a file"
    )
    promote.add_argument("id", type=int)
    promote.add_argument(
        "--write",
        type=Path,
        metavar="FILE",
        help="append the entry to this knowledge file, if the knowledge loads with it",
    )
    promote.add_argument("--text", metavar="ANSWER", help="the entry's answer (needed with --write)")
    purge = queue.add_parser("purge", parents=[common, scoped], help="delete questions older than N days")
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    recheck = queue.add_parser(
        "recheck", parents=[common, scoped], help="mark answered the open questions the knowledge now answers"
    )
    recheck.add_argument("--json", action="store_true", help="one JSON object per question marked answered")
    confirm = queue.add_parser(
        "confirm", parents=[common, scoped], help="confirm a member's pick (proposal): resolve to it and teach"
    )
    confirm.add_argument("id", type=proposal_id, metavar="PROPOSAL", help="P<n> as the list shows it, or n")
    reject = queue.add_parser("reject", parents=[common, scoped], help="reject a member's pick (proposal)")
    reject.add_argument("id", type=proposal_id, metavar="PROPOSAL", help="P<n> as the list shows it, or n")
    unanswered.set_defaults(handler="command_unanswered")

    stats = commands.add_parser("stats", parents=[common, scoped], help="questions, answer rate, votes; 7 and 30 days")
    stats.add_argument("--json", action="store_true", help="one JSON object per window")
    stats.set_defaults(handler="command_stats")

    db = commands.add_parser("db", parents=[common], help="back up or check the database")
    db_actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    backup = db_actions.add_parser("backup", parents=[common], help="a consistent copy, safe while the bot runs")
    backup.add_argument("path", type=Path, help="the new backup file (must not exist yet)")
    db_actions.add_parser("check", parents=[common], help="run the integrity check, one line")
    db.set_defaults(handler="command_db", light=True)

    health = commands.add_parser(
        "health", parents=[common], help="exit 0 if the running bot's heartbeat is fresh, else 1"
    )
    health.add_argument("--file", type=Path, help="heartbeat file (default: $FAQBOT_HEARTBEAT_FILE or the temp folder)")
    health.add_argument("--max-age", type=float, default=60.0, metavar="SECONDS", help="default: 60")
    health.set_defaults(handler="command_health", light=True)

    evaluate = commands.add_parser(
        "eval", parents=[common], help="answer quality on the role eval, StackFAQ and CLINC150 (tuning and test halves)"
    )
    evaluate.add_argument("--questions", type=Path, default=Path("eval/questions.yaml"), help="the role's labelled set")
    evaluate.add_argument(
        "--data", type=Path, default=None, help="folder with the public data sets (default: ../shared/benchmarks)"
    )
    evaluate.add_argument("--plot", type=Path, metavar="FILE", help="also draw the risk-coverage curves as a PNG")
    evaluate.add_argument("--curve-plot", type=Path, metavar="FILE", help="also draw the learning curve as a PNG")
    evaluate.add_argument("--json", action="store_true", help="one JSON object per knowledge base and half")
    evaluate.set_defaults(handler="command_eval")
    return parser
