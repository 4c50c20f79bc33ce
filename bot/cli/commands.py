"""The `faqbot` commands: each opens what it needs, calls the core or the store, and prints through `output`."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, fields, replace
from datetime import timedelta
from typing import TextIO

from bot import __version__
from bot.cli.output import answer_to_json, answer_to_text, print_summary, question_record
from bot.config import Config, load_config
from bot.core import replies
from bot.core.answering import Answerer, fit_retriever
from bot.core.importer import command_import
from bot.core.knowledge import load_knowledge
from bot.core.queue import grouped_queue, promotion_for, resolve_question
from bot.errors import FaqbotError
from bot.folding import name_key
from bot.store import Origin, QueuedQuestion, Store

log = logging.getLogger(__name__)

CLI_ORIGIN = Origin(kind="cli")


def resolve_config(args: argparse.Namespace) -> Config:
    """Load the config file (if any) and apply --knowledge / --db overrides."""
    config = load_config(args.config)
    if getattr(args, "knowledge", None) is not None:
        config = replace(config, knowledge_path=args.knowledge)
    if isinstance(getattr(args, "db", None), str):
        config = replace(config, database_url=args.db)
    elif getattr(args, "db", None) is not None:
        config = replace(config, database_path=args.db, database_url=None)
    return config


def read_questions(stream: TextIO) -> Iterator[str]:
    """Yield one question per non-blank input line."""
    for line in stream:
        if line.strip():
            yield line.strip()


async def open_answerer(config: Config, role: str | None = None) -> tuple[Answerer, Store]:
    """Load knowledge, check the chosen role, fit the retriever and open the store (cheap failures first)."""
    knowledge = load_knowledge(config.knowledge_path)
    if role is not None and name_key(role) not in {name_key(known) for known in knowledge.roles}:
        raise FaqbotError(replies.unknown_role(role, knowledge.roles))
    retriever = fit_retriever(knowledge)
    store = await Store.open(config.database)
    return Answerer(knowledge, retriever, config.retrieval, store), store


async def answer_all(
    config: Config, questions: Iterable[str], out: TextIO, as_json: bool, role: str | None = None
) -> int:
    """Answer each question in turn (for the chosen role, if any), printing text or one JSON object per line."""
    answerer, store = await open_answerer(config, role)
    cite_role = len(answerer.knowledge.roles) > 1
    async with store:
        for index, question in enumerate(questions):
            answer = await answerer.answer(question, CLI_ORIGIN, role=role)
            if as_json:
                out.write(json.dumps(answer_to_json(answer), ensure_ascii=False) + "\n")
            else:
                if index:
                    out.write("\n")
                out.write(f"Q: {question}\n{answer_to_text(answer, cite_role=cite_role)}\n")
            out.flush()
    return 0


def command_ask(args: argparse.Namespace) -> int:
    """Faqbot ask: answer the questions given as arguments, or one per line of standard input."""
    config = resolve_config(args)
    if args.question:
        if not all(question.strip() for question in args.question):
            raise FaqbotError("a question is empty: try  faqbot ask 'how many years of experience?'")
        questions: Iterable[str] = args.question
    else:
        questions = read_questions(sys.stdin)
    return asyncio.run(answer_all(config, questions, sys.stdout, args.json, args.role))


def command_chat(args: argparse.Namespace) -> int:
    """Faqbot chat: an interactive console that answers as the bot does."""
    config = resolve_config(args)
    return asyncio.run(chat(config, sys.stdin, sys.stdout))


async def chat(config: Config, stream: TextIO, out: TextIO) -> int:
    """Answer line by line; prompt only when a person is typing."""
    answerer, store = await open_answerer(config)
    interactive = stream.isatty()
    if interactive:
        topic = replies.topic(answerer.knowledge.roles)
        out.write(f"faqbot {__version__}: ask about {topic}. Ctrl-D or 'quit' to leave.\n")
    async with store:
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                out.write("\nyou> ")
                out.flush()
            line = await loop.run_in_executor(None, stream.readline)
            if not line:
                break
            question = line.strip()
            if interactive and question.lower() in {"quit", "exit", ":q"}:
                break
            if not question:
                continue
            answer = await answerer.answer(question, CLI_ORIGIN)
            prefix = "" if interactive else f"you> {question}\n"
            out.write(f"{prefix}faqbot> {answer_to_text(answer, cite_role=len(answerer.knowledge.roles) > 1)}\n")
            out.flush()
    return 0


def command_run(args: argparse.Namespace) -> int:
    """Faqbot run: the Discord bot."""
    from bot.discord_app.runner import run_bot  # discord.py is imported only by the command that needs it

    config = resolve_config(args)
    logging.getLogger().setLevel(config.log_level)
    return asyncio.run(run_bot(config))


def command_knowledge(args: argparse.Namespace) -> int:
    """Faqbot knowledge check|list|import: validate and show the knowledge base, or import a role page into it."""
    config = resolve_config(args)
    if args.action == "import":  # before loading the folder: the first import goes into an empty one
        for line in command_import(args.page, args.out, config.knowledge_path).lines():
            sys.stdout.write(line + "\n")
        return 0
    knowledge = load_knowledge(config.knowledge_path)
    if args.action == "check":
        fit_retriever(knowledge)  # knowledge that loads but cannot be indexed must fail here, not at run time
        print_summary(knowledge)
    elif args.json:
        for entry in knowledge.entries:
            record = {
                "id": entry.id,
                "title": entry.title,
                "section": entry.section,
                "text": entry.text,
                "questions": list(entry.questions),
            }
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        for entry in knowledge.entries:
            sys.stdout.write(f"{entry.id:34} {entry.title}  [{entry.section}]\n")
    return 0


def command_eval(args: argparse.Namespace) -> int:
    """Faqbot eval: answered right/wrong, partial, "did you mean", declined and P@1 on every knowledge base."""
    from bot.evaluation.corpora import DEFAULT_DATA, all_corpora
    from bot.evaluation.crosseval import evaluate, plot_risk_coverage, report, risk_coverage

    config = resolve_config(args)
    corpora = all_corpora(config.knowledge_path, args.questions, args.data or DEFAULT_DATA)
    evaluation = evaluate(corpora, config.retrieval)
    if args.plot is not None:
        plot_risk_coverage(risk_coverage(evaluation, config.retrieval, "test"), config.retrieval, args.plot)
    if args.json:
        for o in evaluation.outcomes:
            record = {**asdict(o), "right_share": o.right_share, "wrong_share": o.wrong_share}
            record |= {"precision_at_1": o.precision_at_1, "overall": o.overall}
            sys.stdout.write(json.dumps(record) + "\n")
        return 0
    sys.stdout.write(report(evaluation, config.retrieval) + "\n")
    if args.plot is not None:
        sys.stdout.write(f"\nrisk-coverage curves written to {args.plot}\n")
    return 0


def command_unanswered(args: argparse.Namespace) -> int:
    """Faqbot unanswered list|export|resolve|dismiss|promote|purge."""
    config = resolve_config(args)
    return asyncio.run(UNANSWERED_ACTIONS[args.action](config, args))


async def unanswered_list(config: Config, args: argparse.Namespace) -> int:
    """Print the queue: groups first (largest first), each item with id, count, last asked and jump link."""
    status = None if args.status == "all" else args.status
    knowledge = load_knowledge(config.knowledge_path)
    async with await Store.open(config.database) as store:
        groups = await grouped_queue(store, fit_retriever(knowledge), status=status, sort=args.sort)
    out = sys.stdout
    if args.json:
        group_of = {q.id: g.representative.id for g in groups for q in g.members}
        for group in groups:
            for question in group.members:
                out.write(json.dumps(question_record(question, group_of), ensure_ascii=False) + "\n")
        return 0
    if not groups:
        out.write("No questions in the queue.\n" if status is None else f"No {status} questions.\n")
    for group in groups:
        first = group.representative
        size = f"  [{group.total_count} asks, {len(group.members)} phrasings]" if group.others else ""
        out.write(f"#{first.id:<5} x{first.ask_count:<3} {first.last_asked_at}  {first.status:9} {first.text}{size}\n")
        if first.jump_url:
            out.write(f"       {first.jump_url}\n")
        for other in group.others:
            out.write(f"   ↳ #{other.id:<4} x{other.ask_count:<3} {other.text}\n")
    return 0


async def unanswered_export(config: Config, args: argparse.Namespace) -> int:
    """Export every queued question (all statuses) as CSV or JSON, for spreadsheets and scripts."""
    async with await Store.open(config.database) as store:
        questions = await store.questions(status=None, sort="recent")
    records = [question_record(question, {}) for question in questions]
    if args.format == "json":
        json.dump(records, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    columns = [name for name in records[0] if name not in {"places", "group"}] if records else EXPORT_COLUMNS
    writer = csv.DictWriter(sys.stdout, fieldnames=[*columns, "places"], extrasaction="ignore")
    writer.writeheader()
    for record in records:
        places = " ".join(place["jump_url"] or place["origin"] for place in record["places"])
        writer.writerow({**record, "places": places})
    return 0


async def unanswered_resolve(config: Config, args: argparse.Namespace) -> int:
    """Mark a question answered by an entry (which must exist)."""
    knowledge = load_knowledge(config.knowledge_path)
    async with await Store.open(config.database) as store:
        outcome = await resolve_question(store, knowledge, args.id, args.entry)
    if outcome.entry is None:
        raise FaqbotError(replies.no_entry(args.entry, outcome.closest))
    if not outcome.question_found:
        raise FaqbotError(f"no question #{args.id}")
    sys.stdout.write(f"#{args.id} marked answered by {outcome.entry.id}\n")
    return 0


async def unanswered_dismiss(config: Config, args: argparse.Namespace) -> int:
    """Dismiss a question with a reason."""
    if not args.reason.strip():
        raise FaqbotError("--reason must say why")
    async with await Store.open(config.database) as store:
        if not await store.dismiss(args.id, args.reason):
            raise FaqbotError(f"no question #{args.id}")
    sys.stdout.write(f"#{args.id} dismissed\n")
    return 0


async def unanswered_promote(config: Config, args: argparse.Namespace) -> int:
    """Print a ready-to-paste knowledge entry for a question and its group's other phrasings."""
    knowledge = load_knowledge(config.knowledge_path)
    async with await Store.open(config.database) as store:
        text = await promotion_for(store, knowledge, fit_retriever(knowledge), args.id)
    if text is None:
        raise FaqbotError(f"no question #{args.id}")
    sys.stdout.write(text)
    return 0


async def unanswered_purge(config: Config, args: argparse.Namespace) -> int:
    """Delete questions, places, answer records and votes older than N days."""
    if args.older_than < 1:
        raise FaqbotError("--older-than takes a whole number of days, 1 or more")
    async with await Store.open(config.database) as store:
        counts = await store.purge(timedelta(days=args.older_than))
    sys.stdout.write(
        f"deleted {counts.questions} question(s), {counts.places} place(s) and {counts.other} other record(s) "
        f"older than {args.older_than} days\n"
    )
    return 0


UNANSWERED_ACTIONS = {
    "list": unanswered_list,
    "export": unanswered_export,
    "resolve": unanswered_resolve,
    "dismiss": unanswered_dismiss,
    "promote": unanswered_promote,
    "purge": unanswered_purge,
}
EXPORT_COLUMNS = [field.name for field in fields(QueuedQuestion) if field.name != "places"]


def command_stats(args: argparse.Namespace) -> int:
    """Faqbot stats: questions, answer and abstain rates, votes per entry, for 7 and 30 days."""
    config = resolve_config(args)
    return asyncio.run(print_stats(config, args.json))


async def print_stats(config: Config, as_json: bool) -> int:
    """Read the two windows and print them."""
    async with await Store.open(config.database) as store:
        windows = [await store.stats(7), await store.stats(30)]
    out = sys.stdout
    if as_json:
        for stats in windows:
            record = {**asdict(stats), "answer_rate": stats.answer_rate, "abstain_rate": stats.abstain_rate}
            out.write(json.dumps(record) + "\n")
        return 0
    for stats in windows:
        out.write(
            f"last {stats.days:>2} days: {stats.asked} questions, {stats.answer_rate:.0%} answered, "
            f"{stats.suggested} suggestions, {stats.partial} partial, {stats.abstain_rate:.0%} not known\n"
        )
    for votes in windows[-1].votes:
        out.write(f"  {votes.entry_id:34} 👍 {votes.up}  👎 {votes.down}\n")
    return 0
