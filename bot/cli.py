"""The `faqbot` command: a thin layer over the core (knowledge, retrieval, storage) and the Discord runner."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from bot import __version__
from bot.answering import Answer, Answerer, fit_retriever
from bot.config import Config, load_config
from bot.errors import FaqbotError
from bot.evaluation import (
    Scores,
    bm25_predictor,
    faqbot_predictor,
    load_eval_set,
    load_offdomain,
    score_system,
)
from bot.grouping import QuestionGroup, group_questions
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.promotion import promotion_yaml
from bot.retrieval import Status
from bot.storage import STATUSES, Origin, QueuedQuestion, Store

log = logging.getLogger(__name__)

UNKNOWN_REPLY = "I don't know that yet; I've passed it to the editors."
CLI_ORIGIN = Origin(kind="cli")


def setup_logging(level: str) -> None:
    """Log to standard error with a plain, greppable format."""
    logging.basicConfig(
        level=getattr(logging, level),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def resolve_config(args: argparse.Namespace) -> Config:
    """Load the config file (if any) and apply --knowledge / --db overrides."""
    config = load_config(args.config)
    if getattr(args, "knowledge", None) is not None:
        config = replace(config, knowledge_path=args.knowledge)
    if getattr(args, "db", None) is not None:
        config = replace(config, database_path=args.db)
    return config


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """The --json shape of one answer."""
    verdict = answer.verdict
    hit = verdict.answer if verdict else None
    return {
        "question": answer.question,
        "status": answer.status.value,
        "score": round(answer.score, 4),
        "answer": None
        if hit is None
        else {"id": hit.entry.id, "title": hit.entry.title, "section": hit.entry.section, "text": hit.entry.text},
        "alternatives": [
            {"id": alt.entry.id, "title": alt.entry.title, "score": round(alt.score, 4)}
            for alt in (verdict.alternatives if verdict else ())
        ],
        **({"reply": answer.reply} if answer.reply else {}),
    }


def answer_to_text(answer: Answer) -> str:
    """A human rendering of one answer, as the bot would say it."""
    if answer.status is Status.SMALLTALK:
        return answer.reply or ""
    verdict = answer.verdict
    assert verdict is not None
    if verdict.answer is not None:
        entry = verdict.answer.entry
        lines = [f"{entry.title}  [{entry.section} · {entry.id} · score {verdict.score:.2f}]", "", entry.text]
        if verdict.alternatives:
            lines += ["", "Related: " + ", ".join(alt.entry.id for alt in verdict.alternatives)]
        return "\n".join(lines)
    if answer.status is Status.SUGGEST:
        lines = ["I'm not sure. Did you mean:"]
        lines += [f"  - {alt.entry.title}  [{alt.entry.id}]" for alt in verdict.alternatives]
        return "\n".join(lines)
    return UNKNOWN_REPLY


def read_questions(stream: TextIO) -> Iterator[str]:
    """Yield one question per non-blank input line."""
    for line in stream:
        if line.strip():
            yield line.strip()


async def open_answerer(config: Config) -> tuple[Answerer, Store]:
    """Load knowledge, fit the retriever and open the store, in that order (cheap failures first)."""
    knowledge = load_knowledge(config.knowledge_path)
    retriever = fit_retriever(knowledge)
    store = await Store.open(config.database_path)
    return Answerer(knowledge, retriever, config.retrieval, store), store


async def answer_all(config: Config, questions: Iterable[str], out: TextIO, as_json: bool) -> int:
    """Answer each question in turn, printing text or one JSON object per line."""
    answerer, store = await open_answerer(config)
    async with store:
        for index, question in enumerate(questions):
            answer = await answerer.answer(question, CLI_ORIGIN)
            if as_json:
                out.write(json.dumps(answer_to_json(answer), ensure_ascii=False) + "\n")
            else:
                if index:
                    out.write("\n")
                out.write(f"Q: {question}\n{answer_to_text(answer)}\n")
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
    return asyncio.run(answer_all(config, questions, sys.stdout, args.json))


def command_chat(args: argparse.Namespace) -> int:
    """Faqbot chat: an interactive console that answers as the bot does."""
    config = resolve_config(args)
    return asyncio.run(chat(config, sys.stdin, sys.stdout))


async def chat(config: Config, stream: TextIO, out: TextIO) -> int:
    """Answer line by line; prompt only when a person is typing."""
    answerer, store = await open_answerer(config)
    interactive = stream.isatty()
    if interactive:
        roles = ", ".join(answerer.knowledge.roles)
        out.write(f"faqbot {__version__}: ask about the {roles} role. Ctrl-D or 'quit' to leave.\n")
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
            out.write(f"{prefix}faqbot> {answer_to_text(answer)}\n")
            out.flush()
    return 0


def command_run(args: argparse.Namespace) -> int:
    """Faqbot run: the Discord bot."""
    from bot.runner import run_bot  # discord.py is imported only by the command that needs it

    config = resolve_config(args)
    logging.getLogger().setLevel(config.log_level)
    return asyncio.run(run_bot(config))


def command_knowledge(args: argparse.Namespace) -> int:
    """Faqbot knowledge check|list: validate and show the knowledge base."""
    config = resolve_config(args)
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


def print_summary(knowledge: KnowledgeBase) -> None:
    """Print what `knowledge check` found: files, entries per section, phrasings, synonyms."""
    out = sys.stdout
    phrasings = sum(len(entry.questions) for entry in knowledge.entries)
    out.write(f"OK: {len(knowledge.entries)} entries in {len(knowledge.files)} file(s), ")
    out.write(f"{phrasings} extra phrasings, {len(knowledge.synonyms)} synonym groups\n")
    for path in knowledge.files:
        out.write(f"  file {path}\n")
    for section in knowledge.sections:
        count = sum(entry.section == section for entry in knowledge.entries)
        out.write(f"  {count:3d}  {section}\n")


def command_eval(args: argparse.Namespace) -> int:
    """Faqbot eval: accuracy, abstention, MRR@5 and CLINC150 false answers, for faqbot and a BM25 baseline."""
    config = resolve_config(args)
    knowledge = load_knowledge(config.knowledge_path)
    eval_set = load_eval_set(args.questions, knowledge)
    offdomain = load_offdomain(args.offdomain)
    answerer = Answerer.build(knowledge, config.retrieval, store=None)
    results = [
        score_system("faqbot (TF-IDF + gate)", faqbot_predictor(answerer), eval_set, offdomain),
        score_system("BM25 baseline (bm25s)", bm25_predictor(knowledge), eval_set, offdomain),
    ]
    if args.json:
        for scores in results:
            sys.stdout.write(json.dumps(scores.__dict__) + "\n")
        return 0
    sys.stdout.write(
        f"{len(eval_set.answerable)} answerable questions, {len(eval_set.offtopic)} off-topic, "
        f"{len(offdomain)} CLINC150 off-domain; {len(knowledge.entries)} entries\n\n"
    )
    sys.stdout.write(scores_table(results) + "\n")
    return 0


def scores_table(results: list[Scores]) -> str:
    """A Markdown table of the eval figures."""
    header = (
        "| system | answerable accuracy | wrong answers | off-topic abstention | overall accuracy "
        "| MRR@5 | CLINC150 false answers |\n|---|---|---|---|---|---|---|"
    )
    rows = [
        f"| {s.system} | {s.answerable_accuracy:.3f} | {s.wrong_answer_rate:.3f} | {s.offtopic_abstention:.3f} "
        f"| {s.overall_accuracy:.3f} | {s.mrr_at_5:.3f} | "
        + ("n/a" if s.clinc_false_answer_rate is None else f"{s.clinc_false_answer_rate:.2%}")
        + " |"
        for s in results
    ]
    return "\n".join([header, *rows])


def question_record(question: QueuedQuestion, group_of: dict[int, int]) -> dict[str, Any]:
    """A queued question as a flat JSON-ready record."""
    record = asdict(question)
    record["group"] = group_of.get(question.id, question.id)
    record["places"] = [asdict(place) for place in question.places]
    return record


async def queue_with_groups(config: Config, status: str | None, sort: str) -> tuple[list[QuestionGroup], KnowledgeBase]:
    """Queued questions, grouped when open (as editors see them in Discord)."""
    knowledge = load_knowledge(config.knowledge_path)
    async with await Store.open(config.database_path) as store:
        questions = await store.questions(status=status, sort=sort)
    if status == "open":
        groups = group_questions(questions, fit_retriever(knowledge))
    else:
        groups = [QuestionGroup(question, (question,)) for question in questions]
    return groups, knowledge


def command_unanswered(args: argparse.Namespace) -> int:
    """Faqbot unanswered list|export|resolve|dismiss|promote|purge."""
    config = resolve_config(args)
    return asyncio.run(UNANSWERED_ACTIONS[args.action](config, args))


async def unanswered_list(config: Config, args: argparse.Namespace) -> int:
    """Print the queue: groups first (largest first), each item with id, count, last asked and jump link."""
    status = None if args.status == "all" else args.status
    groups, _ = await queue_with_groups(config, status, args.sort)
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
    async with await Store.open(config.database_path) as store:
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
    entry = knowledge.resolve(args.entry)
    if entry is None:
        closest = ", ".join(e.id for e in knowledge.lookup(args.entry, 3)) or "none"
        raise FaqbotError(f"no entry {args.entry!r} (closest: {closest})")
    async with await Store.open(config.database_path) as store:
        if not await store.resolve(args.id, entry.id):
            raise FaqbotError(f"no question #{args.id}")
    sys.stdout.write(f"#{args.id} marked answered by {entry.id}\n")
    return 0


async def unanswered_dismiss(config: Config, args: argparse.Namespace) -> int:
    """Dismiss a question with a reason."""
    if not args.reason.strip():
        raise FaqbotError("--reason must say why")
    async with await Store.open(config.database_path) as store:
        if not await store.dismiss(args.id, args.reason):
            raise FaqbotError(f"no question #{args.id}")
    sys.stdout.write(f"#{args.id} dismissed\n")
    return 0


async def unanswered_promote(config: Config, args: argparse.Namespace) -> int:
    """Print a ready-to-paste knowledge entry for a question and its group's other phrasings."""
    knowledge = load_knowledge(config.knowledge_path)
    async with await Store.open(config.database_path) as store:
        question = await store.question(args.id)
        if question is None:
            raise FaqbotError(f"no question #{args.id}")
        open_questions = await store.questions(status="open")
    groups = group_questions([q for q in open_questions if q.id != question.id] + [question], fit_retriever(knowledge))
    group = next(g for g in groups if any(q.id == question.id for q in g.members))
    group = QuestionGroup(question, group.members)
    sys.stdout.write(promotion_yaml(group, knowledge))
    return 0


async def unanswered_purge(config: Config, args: argparse.Namespace) -> int:
    """Delete questions, places, answer records and votes older than N days."""
    if args.older_than < 1:
        raise FaqbotError("--older-than takes a whole number of days, 1 or more")
    async with await Store.open(config.database_path) as store:
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
    async with await Store.open(config.database_path) as store:
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
            f"{stats.suggested} suggestions, {stats.abstain_rate:.0%} not known\n"
        )
    for votes in windows[-1].votes:
        out.write(f"  {votes.entry_id:34} 👍 {votes.up}  👎 {votes.down}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every faqbot command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, help="YAML config file (see config.example.yaml)")
    common.add_argument("--knowledge", type=Path, help="knowledge folder or file (overrides knowledge.path)")
    common.add_argument("--db", type=Path, help="SQLite database (overrides storage.database)")

    parser = argparse.ArgumentParser(
        prog="faqbot", description="Answers questions about the Cloud Technical Lead role, honestly."
    )
    parser.add_argument("--version", action="version", version=f"faqbot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", parents=[common], help="answer questions (arguments, or one per stdin line)")
    ask.add_argument(
        "question", nargs="*", help="one or more questions (quote each); omit to read one per line from stdin"
    )
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.set_defaults(handler=command_ask)

    run = commands.add_parser("run", parents=[common], help="run the Discord bot (token from DISCORD_TOKEN)")
    run.set_defaults(handler=command_run)

    chat_parser = commands.add_parser("chat", parents=[common], help="interactive console that answers as the bot")
    chat_parser.set_defaults(handler=command_chat)

    knowledge = commands.add_parser("knowledge", help="validate or list the knowledge base")
    actions = knowledge.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("check", parents=[common], help="validate every file and summarise")
    listing = actions.add_parser("list", parents=[common], help="list every entry")
    listing.add_argument("--json", action="store_true", help="one JSON object per entry")
    knowledge.set_defaults(handler=command_knowledge, json=False)

    unanswered = commands.add_parser("unanswered", help="the editors' queue of questions the bot could not answer")
    queue = unanswered.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = queue.add_parser("list", parents=[common], help="list queued questions, similar ones grouped")
    listing.add_argument("--status", choices=[*STATUSES, "all"], default="open", help="default: open")
    listing.add_argument("--sort", choices=["count", "recent"], default="count", help="default: most asked first")
    listing.add_argument("--json", action="store_true", help="one JSON object per question")
    export = queue.add_parser("export", parents=[common], help="export every queued question")
    export.add_argument("--format", choices=["csv", "json"], required=True)
    resolve = queue.add_parser("resolve", parents=[common], help="mark a question answered by an entry")
    resolve.add_argument("id", type=int)
    resolve.add_argument("entry", help="entry id or title")
    dismiss = queue.add_parser("dismiss", parents=[common], help="dismiss a question with a reason")
    dismiss.add_argument("id", type=int)
    dismiss.add_argument("--reason", required=True)
    promote = queue.add_parser("promote", parents=[common], help="print a ready-to-paste knowledge entry")
    promote.add_argument("id", type=int)
    purge = queue.add_parser("purge", parents=[common], help="delete questions older than N days")
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    unanswered.set_defaults(handler=command_unanswered)

    stats = commands.add_parser("stats", parents=[common], help="questions, answer rate, votes; 7 and 30 days")
    stats.add_argument("--json", action="store_true", help="one JSON object per window")
    stats.set_defaults(handler=command_stats)

    evaluate = commands.add_parser("eval", parents=[common], help="measure answer quality against BM25")
    evaluate.add_argument("--questions", type=Path, default=Path("eval/questions.yaml"), help="labelled set")
    evaluate.add_argument(
        "--offdomain", type=Path, default=Path("eval/clinc150-val-offdomain.json"), help="CLINC150 queries"
    )
    evaluate.add_argument("--json", action="store_true", help="one JSON object per system")
    evaluate.set_defaults(handler=command_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one faqbot command; user mistakes print one line and exit 2, never a traceback."""
    args = build_parser().parse_args(argv)
    setup_logging(getattr(args, "log_level", None) or "WARNING")
    try:
        return int(args.handler(args))
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
