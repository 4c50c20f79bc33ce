"""The `faqbot` commands: each opens what it needs, calls the core or the store, and prints through `output`."""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields, replace
from datetime import timedelta
from typing import Any, TextIO

from bot import __version__
from bot.cli.output import (
    answer_to_json,
    answer_to_text,
    clipped,
    json_text,
    print_summary,
    question_record,
    queue_status,
    shown,
    shown_block,
    untold_note,
)
from bot.cli.progress import progress
from bot.config import Config, load_config
from bot.core import replies
from bot.core.answering import TEACHING_CHECK_SECONDS, Answer, Answerer, fit_retriever
from bot.core.importer import command_import
from bot.core.knowledge import KnowledgeBase, load_knowledge
from bot.core.promotion import already_there, append_entry, learned_yaml, promoted_entry
from bot.core.queue import (
    dismiss_question,
    dismissal_reason,
    grouped_queue,
    open_proposal,
    promotion_for,
    resolve_question,
    roles_answering,
)
from bot.core.roles import RoleIndex, check_configured_roles
from bot.errors import FaqbotError
from bot.folding import name_key
from bot.store import DM_SCOPE, Origin, Proposal, QueuedQuestion, Scope, Store
from bot.store.migrations import bundled_migrations, latest_version

log = logging.getLogger(__name__)

CLI_ORIGIN = Origin(kind="cli")
TOO_LONG_STATUS = "too_long"  # a --json status of the CLI's own: the question was not judged, counted or queued
QUIT_WORDS = frozenset({"quit", "exit", ":q"})
ECHO_CHARS = 300  # how much of a question the text output echoes back
LIST_CHARS = 100  # how much of a question `unanswered list` shows on its line


def resolve_config(args: argparse.Namespace) -> Config:
    """Load the config file (if any) and apply the --knowledge, --db and --log-level overrides."""
    config = load_config(getattr(args, "config", None))
    if getattr(args, "knowledge", None) is not None:
        config = replace(config, knowledge_path=args.knowledge)
    if isinstance(getattr(args, "db", None), str):
        config = replace(config, database_url=args.db)
    elif getattr(args, "db", None) is not None:
        config = replace(config, database_path=args.db, database_url=None)
    if getattr(args, "log_level", None) is not None:
        config = replace(config, log_level=args.log_level)
    return config


def scope_of(args: argparse.Namespace) -> Scope | None:
    """The servers a command reads and changes: --guild's, or every server (None) when it is left out."""
    guild = getattr(args, "guild", None)
    return None if guild is None else Scope.of(guild)


def input_lines(stream: TextIO) -> Iterator[str]:
    """Yield every line of the input (blank ones too), as UTF-8 with U+FFFD for bytes that are not, in any locale.

    A line ends at a newline only, so a stray carriage return or U+2028 stays inside its question.
    """
    raw = getattr(stream, "buffer", None)
    if raw is None:  # a text stream without bytes underneath (tests hand in StringIO)
        for line in stream:
            yield line.removesuffix("\n").removesuffix("\r")
        return
    while line := raw.readline():
        yield line.decode("utf-8", errors="replace").removesuffix("\n").removesuffix("\r")


def argument_text(text: str) -> str:
    """A command-line argument as text: bytes that were not UTF-8 (kept by Python as surrogates) become U+FFFD."""
    return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


async def open_answerer(config: Config, role: str | None = None) -> tuple[Answerer, Store]:
    """Load knowledge, check the chosen role, fit the retriever and open the store (cheap failures first).

    A read-only database still answers: one warning says so, and nothing is counted or queued.
    """
    knowledge = load_knowledge(config.knowledge_path)
    if role is not None and name_key(role) not in {name_key(known) for known in knowledge.roles}:
        raise FaqbotError(replies.unknown_role(role, knowledge.roles))
    retriever = fit_retriever(knowledge)
    store = await Store.open(config.database, allow_read_only=True)
    if store.read_only:
        sys.stderr.write(
            f"faqbot: warning: {shown(str(store.path))} is read-only: answering without logging questions\n"
        )
    try:  # a failure from here on closes the store: its thread would keep the command from ever exiting
        answerer = Answerer(knowledge, retriever, config.retrieval, None if store.read_only else store)
        await answerer.learn(store)  # the phrasings taught everywhere answer on the command line too
    except BaseException:
        await store.close()
        raise
    return answerer, store


@dataclass(frozen=True)
class Reply:
    """What the command prints for one input line: an answer, or why the line was not judged."""

    question: str
    answer: Answer | None = None
    refusal: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The --json object: an answer's shape, with status "too_long" and a `reply` for a refused line."""
        if self.answer is not None:
            return answer_to_json(self.answer)
        return {
            "question": self.question,
            "status": TOO_LONG_STATUS,
            "score": 0.0,
            "confidence": None,
            "answer": None,
            "alternatives": [],
            "reply": self.refusal,
        }

    def to_text(self, *, cite_role: bool = False) -> str:
        """The human rendering; `cite_role` names each entry's role (several roles loaded)."""
        return answer_to_text(self.answer, cite_role=cite_role) if self.answer is not None else self.refusal or ""


async def reply_to(answerer: Answerer, question: str, limit: int, role: str | None = None) -> Reply:
    """Answer one question (counted and queued as the bot does), unless it is over the length limit."""
    text = question.strip()
    if len(text) > limit:
        return Reply(text, refusal=replies.too_long(limit))
    return Reply(text, await answerer.answer(text, CLI_ORIGIN, role=role))


async def answer_all(
    config: Config, questions: Iterable[str], out: TextIO, as_json: bool, role: str | None = None
) -> int:
    """Answer each question in turn (for the chosen role, if any): text, or one JSON object per line, per question."""
    answerer, store = await open_answerer(config, role)
    cite_role = len(answerer.knowledge.roles) > 1
    async with store:
        for index, question in enumerate(questions):
            reply = await reply_to(answerer, question, config.max_question_chars, role)
            if as_json:
                out.write(json_text(reply.to_json()) + "\n")
            else:
                if index:
                    out.write("\n")
                out.write(f"Q: {shown(clipped(question, ECHO_CHARS))}\n{reply.to_text(cite_role=cite_role)}\n")
            out.flush()
    return 0


def command_ask(args: argparse.Namespace) -> int:
    """Faqbot ask: answer the questions given as arguments, or one per line of standard input."""
    config = resolve_config(args)
    if args.question:
        if not all(question.strip() for question in args.question):
            raise FaqbotError("a question is empty: try  faqbot ask 'how many years of experience?'")
        questions: Iterable[str] = [argument_text(question) for question in args.question]
    else:
        questions = input_lines(sys.stdin)
    return asyncio.run(answer_all(config, questions, sys.stdout, args.json, args.role))


def command_chat(args: argparse.Namespace) -> int:
    """Faqbot chat: an interactive console that answers as the bot does."""
    return chat(resolve_config(args), sys.stdin, sys.stdout)


def chat(config: Config, stream: TextIO, out: TextIO) -> int:
    """Answer line by line; prompt only when a person is typing; 'quit' or 'exit' leave, piped or not.

    Input is read on the main thread, between answers, so Ctrl-C leaves at once (status 130) even while waiting
    for a line; each answer runs on one event loop kept for the whole session.
    """
    interactive = stream.isatty()
    with asyncio.Runner() as runner:
        answerer, store = runner.run(open_answerer(config))
        try:
            cite_role = len(answerer.knowledge.roles) > 1
            if interactive:
                topic = shown(replies.topic(answerer.knowledge.roles))
                out.write(f"faqbot {__version__}: ask about {topic}. Ctrl-D or 'quit' to leave.\n")
            for line in _prompted(input_lines(stream), out, interactive):
                question = line.strip()
                if question.casefold() in QUIT_WORDS:
                    break
                if not question:
                    continue
                reply = runner.run(reply_to(answerer, question, config.max_question_chars))
                prefix = "" if interactive else f"you> {shown(clipped(question, ECHO_CHARS))}\n"
                out.write(f"{prefix}faqbot> {reply.to_text(cite_role=cite_role)}\n")
                out.flush()
        except KeyboardInterrupt:
            out.write("\nInterrupted: bye.\n")
            out.flush()
            return 130
        finally:
            runner.run(store.close())
    return 0


def _prompted(lines: Iterator[str], out: TextIO, interactive: bool) -> Iterator[str]:
    """The input lines, each asked for with a prompt when a person is typing."""
    while True:
        if interactive:
            out.write("\nyou> ")
            out.flush()
        line = next(lines, None)
        if line is None:
            if interactive:
                out.write("\n")
            return
        yield line


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
    if args.action == "learned":
        return asyncio.run(LEARNED_ACTIONS[args.learned_action](config, args))
    knowledge = load_knowledge(config.knowledge_path)
    if args.action == "check":
        RoleIndex.fit(knowledge, fit_retriever(knowledge))  # what cannot be indexed (each role too) fails here
        check_configured_roles(knowledge, config.discord.guild_roles)  # as `faqbot run` and /knowledge reload do
        print_summary(knowledge)
        learned = asyncio.run(count_learned(config, knowledge))
        if learned is not None:
            sys.stdout.write(f"  {learned[0]} learned phrasing(s) in {config.database}")
            sys.stdout.write(f" ({learned[1]} for entries no file has)\n" if learned[1] else "\n")
    elif args.json:
        for entry in knowledge.entries:
            record = {
                "id": entry.id,
                "title": entry.title,
                "role": entry.role,
                "section": entry.section,
                "text": entry.text,
                "questions": list(entry.questions),
            }
            sys.stdout.write(json_text(record) + "\n")
    else:
        several = len(knowledge.roles) > 1
        for entry in knowledge.entries:
            where = f"{entry.role} · {entry.section}" if several else entry.section
            sys.stdout.write(f"{entry.id:34} {shown(entry.title)}  [{shown(where)}]\n")
    return 0


async def open_for_reading(config: Config) -> Store:
    """The database a report reads (list, export, stats, promote); a missing SQLite file is an error, never created."""
    if config.database_url is None and not config.database_path.exists():
        raise FaqbotError(
            f"no database at {shown(str(config.database_path))}: the bot creates it when it first answers a question "
            "(check --db or storage.database)"
        )
    store = await Store.open(config.database, allow_read_only=True, migrate=False)
    version, latest = await store.schema_version(), latest_version(bundled_migrations(store.dialect))
    if version < latest:  # a report never changes the schema under the bots that use it
        await store.close()
        backup = "pg_dump --format=custom" if store.dialect == "postgres" else "faqbot db backup"
        raise FaqbotError(
            f"{shown(str(store.path))} is at schema version {version}, behind this faqbot's {latest}: reports never "
            f"upgrade a database. Back it up ({backup}), then start faqbot run once to upgrade it"
        )
    return store


async def count_learned(config: Config, knowledge: KnowledgeBase) -> tuple[int, int] | None:
    """How many learned phrasings the configured database holds, and how many name no entry; None without one.

    A database counts as configured when it is a URL or its file exists: checking never creates one.
    """
    if config.database_url is None and not config.database_path.exists():
        return None
    async with await Store.open(config.database, migrate=False) as store:
        if await store.schema_version() < LEARNED_SCHEMA:
            return 0, 0
        learned = await store.learned()
    return len(learned), sum(item.entry_id not in knowledge.by_id for item in learned)


def learned_filter(args: argparse.Namespace) -> dict[str, object]:
    """The Store.learned arguments for --guild: that server's (its own and everywhere), 'dm': everywhere only."""
    guild = getattr(args, "guild", None)
    if guild is None:
        return {}
    return {"everywhere_only": True} if guild == DM_SCOPE else {"guild_id": guild}


def quoted(text: str) -> str:
    """A member's question in double quotes, safe for the terminal."""
    return f'"{shown(text)}"'


async def learned_list(config: Config, args: argparse.Namespace) -> int:
    """Print every learned phrasing: id, entry, where it applies, when it was taught, and the text."""
    async with await open_for_reading(config) as store:
        learned = await store.learned(**learned_filter(args))
    out = sys.stdout
    for item in learned:
        where = "everywhere" if item.guild_id is None else f"server {item.guild_id}"
        if args.json:
            record = {"id": item.id, "entry": item.entry_id, "text": item.text, "guild_id": item.guild_id}
            out.write(json_text({**record, "taught_at": item.taught_at}) + "\n")
        else:
            out.write(f"#{item.id:<5} {item.entry_id:34} {where:24} {item.taught_at}  {shown(item.text)}\n")
    if not learned and not args.json:
        out.write("No learned phrasings.\n")
    return 0


async def learned_remove(config: Config, args: argparse.Namespace) -> int:
    """Forget one learned phrasing; a running bot on the same database stops using it within seconds."""
    async with await Store.open(config.database) as store:
        removed = await store.forget(args.id)
    if removed is None:
        raise FaqbotError(f"no learned phrasing #{args.id}")
    sys.stdout.write(
        f"removed #{removed.id} {quoted(removed.text)} ({removed.entry_id}). "
        f"A running bot on this database stops using it within {TEACHING_CHECK_SECONDS:.0f} s.\n"
    )
    return 0


async def learned_export(config: Config, args: argparse.Namespace) -> int:
    """Print learned phrasings as YAML, each entry's under `questions:`, to copy into the knowledge files."""
    async with await open_for_reading(config) as store:
        learned = await store.learned(**learned_filter(args))
    sys.stdout.write(learned_yaml(learned))
    return 0


def command_eval(args: argparse.Namespace) -> int:
    """Faqbot eval: answered right/wrong, partial, "did you mean", declined and P@1 on every knowledge base."""
    import time

    from bot.evaluation.corpora import DEFAULT_DATA, all_corpora
    from bot.evaluation.crosseval import Evaluation, evaluate, plot_risk_coverage, report, risk_coverage
    from bot.evaluation.learning import CURVE_CORPUS, CURVE_SHARES, curve_report, learning_curve, plot_learning_curve

    started = time.perf_counter()
    config = resolve_config(args)
    corpora = all_corpora(config.knowledge_path, args.questions, args.data or DEFAULT_DATA)
    each = []
    steps = len(corpora) + len(CURVE_SHARES)  # one per corpus indexed and judged, one per learning-curve point
    with progress(steps, "eval", unit="step") as advance:
        for corpus in corpora:
            each.append(evaluate([corpus], config.retrieval))
            advance(1)
        bare = next(corpus for corpus in corpora if corpus.name == CURVE_CORPUS)
        curve = learning_curve(bare, config.retrieval, advance=advance)
    evaluation = Evaluation(
        tuple(outcome for part in each for outcome in part.outcomes),
        {name: judged for part in each for name, judged in part.judged.items()},
        {name: seconds for part in each for name, seconds in part.index_seconds.items()},
    )
    if args.plot is not None:
        plot_risk_coverage(risk_coverage(evaluation, config.retrieval, "test"), config.retrieval, args.plot)
    if args.curve_plot is not None:
        plot_learning_curve(curve, args.curve_plot)
    if args.json:
        for o in evaluation.outcomes:
            record = {**asdict(o), "right_share": o.right_share, "wrong_share": o.wrong_share}
            record |= {"precision_at_1": o.precision_at_1, "overall": o.overall}
            sys.stdout.write(json_text(record) + "\n")
        sys.stdout.write(json_text({"learning_curve": curve.to_json()}) + "\n")
        return 0
    untaught = evaluation.get(CURVE_CORPUS, "test")
    sys.stdout.write(report(evaluation, config.retrieval) + "\n\n" + curve_report(curve, untaught) + "\n")
    if args.plot is not None:
        sys.stdout.write(f"\nrisk-coverage curves written to {args.plot}\n")
    if args.curve_plot is not None:
        sys.stdout.write(f"learning curve written to {args.curve_plot}\n")
    sys.stdout.write(f"\nfaqbot eval took {time.perf_counter() - started:.1f} s\n")
    return 0


def command_unanswered(args: argparse.Namespace) -> int:
    """Faqbot unanswered list|export|resolve|dismiss|promote|purge|recheck|confirm|reject."""
    config = resolve_config(args)
    return asyncio.run(UNANSWERED_ACTIONS[args.action](config, args))


async def unanswered_list(config: Config, args: argparse.Namespace) -> int:
    """Print the queue: groups first (largest first, or newest first), each item with id, count, last asked, jump link.

    A 👎 item names the entry that was rejected; a question whose "did you mean" a member picked shows the pick as
    a proposal to confirm or reject.
    """
    status = None if args.status == "all" else args.status
    knowledge = load_knowledge(config.knowledge_path)
    async with await open_for_reading(config) as store:
        groups = await grouped_queue(
            store, fit_retriever(knowledge), scope=scope_of(args), status=status, sort=args.sort
        )
        proposals = await store.proposals([q.id for g in groups for q in g.members]) if groups else {}
    out = sys.stdout
    if args.json:
        group_of = {q.id: g.representative.id for g in groups for q in g.members}
        for group in groups:
            for question in group.members:
                out.write(json_text(question_record(question, group_of, proposals.get(question.id, ()))) + "\n")
        return 0
    if not groups:
        out.write("No questions in the queue.\n" if status is None else f"No {status} questions.\n")
    for group in groups:
        first = group.representative
        size = f"  [{group.total_count} asks, {len(group.members)} phrasings]" if group.others else ""
        text = shown(clipped(first.text, LIST_CHARS))
        last = max(member.last_asked_at for member in group.members)  # when the group was last asked: --sort recent
        out.write(f"#{first.id:<5} x{first.ask_count:<3} {last}  {queue_status(first):9} {text}{size}\n")
        if first.jump_url:
            out.write(f"       {shown(first.jump_url)}\n")
        for member in group.members:
            if member.id != first.id:
                out.write(f"   ↳ #{member.id:<4} x{member.ask_count:<3} {shown(clipped(member.text, LIST_CHARS))}\n")
            if member.rejected_entry_id:
                out.write(f"       👎 rejected answer: {shown(member.rejected_entry_id)}\n")
            for proposal in proposals.get(member.id, ()):
                out.write(f"       {proposal_line(proposal, member.id)}\n")
    return 0


def proposal_line(proposal: Proposal, question_id: int) -> str:
    """A proposal as the list shows it, with the commands that confirm or reject it."""
    return (
        f"proposal P{proposal.id}: member(s) picked {shown(proposal.entry_id)} ×{proposal.picks} for #{question_id}"
        f" (faqbot unanswered confirm {proposal.id} | reject {proposal.id})"
    )


async def unanswered_export(config: Config, args: argparse.Namespace) -> int:
    """Export every queued question (all statuses) as CSV or JSON, for spreadsheets and scripts."""
    async with await open_for_reading(config) as store:
        questions = await store.questions(scope=scope_of(args), status=None, sort="recent")
    records = [question_record(question, {}) for question in questions]
    if args.format == "json":
        sys.stdout.write(json_text(records, indent=2) + "\n")
        return 0
    columns = [name for name in records[0] if name not in {"places", "group"}] if records else EXPORT_COLUMNS
    writer = csv.DictWriter(sys.stdout, fieldnames=[*columns, "places"], extrasaction="ignore")
    writer.writeheader()
    for record in records:
        places = " ".join(place["jump_url"] or place["origin"] for place in record["places"])
        writer.writerow({**record, "places": places})
    return 0


async def unanswered_resolve(config: Config, args: argparse.Namespace) -> int:
    """Mark a question (and its group) answered by an entry (which must exist), and learn their phrasings."""
    return await resolve_and_report(config, args, args.id, args.entry)


async def resolve_and_report(config: Config, args: argparse.Namespace, question_id: int, entry_name: str) -> int:
    """Resolve a queued question to an entry and teach, as `resolve` and `confirm` both do; print one line."""
    knowledge = load_knowledge(config.knowledge_path)
    async with await Store.open(config.database) as store:
        retriever = fit_retriever(knowledge)
        outcome = await resolve_question(
            store,
            knowledge,
            question_id,
            entry_name,
            scope=scope_of(args),
            retriever=retriever,
            answered_from=roles_answering(RoleIndex.fit(knowledge, retriever), knowledge, config.discord.roles_for),
        )
        waiting = len({place.asker_id for place in await store.untold(outcome.resolved)})
    if outcome.entry is None:
        raise FaqbotError(replies.no_entry(entry_name, outcome.closest))
    if not outcome.question_found:
        raise FaqbotError(f"no question #{question_id}")
    if not outcome.resolved:
        raise FaqbotError(outcome.summary(question_id, quote=quoted, mark=""))
    note = f" A running bot on this database uses them within {TEACHING_CHECK_SECONDS:.0f} s." if outcome.taught else ""
    sys.stdout.write(outcome.summary(question_id, quote=quoted, mark="") + note + untold_note(waiting) + "\n")
    return 0


async def unanswered_confirm(config: Config, args: argparse.Namespace) -> int:
    """Confirm a member's pick: resolve its question to the picked entry, which teaches as `resolve` does."""
    async with await Store.open(config.database) as store:
        proposal = await open_proposal(store, args.id, scope=scope_of(args))
    if proposal is None:
        raise FaqbotError(f"no open proposal P{args.id}")
    return await resolve_and_report(config, args, proposal.question_id, proposal.entry_id)


async def unanswered_reject(config: Config, args: argparse.Namespace) -> int:
    """Reject a member's pick: nothing is taught and its question stays open."""
    async with await Store.open(config.database) as store:
        proposal = await store.reject_proposal(args.id, scope=scope_of(args))
    if proposal is None:
        raise FaqbotError(f"no open proposal P{args.id}")
    sys.stdout.write(
        f"P{proposal.id} rejected: #{proposal.question_id} is not taught {proposal.entry_id} and stays open.\n"
    )
    return 0


async def unanswered_dismiss(config: Config, args: argparse.Namespace) -> int:
    """Dismiss a question and the open questions grouped with it, with a reason; an answered one keeps its answer."""
    reason = dismissal_reason(args.reason)
    if not reason:
        raise FaqbotError("--reason must say why")
    knowledge = load_knowledge(config.knowledge_path)
    async with await Store.open(config.database) as store:
        outcome = await dismiss_question(store, fit_retriever(knowledge), args.id, reason, scope=scope_of(args))
    if not outcome.question_found:
        raise FaqbotError(f"no question #{args.id}")
    if not outcome.done:
        sys.stderr.write(f"faqbot: warning: {outcome.summary(args.id, mark='')}\n")
        return 1
    sys.stdout.write(outcome.summary(args.id, mark="") + "\n")
    return 0


async def unanswered_recheck(config: Config, args: argparse.Namespace) -> int:
    """Mark answered the open questions the knowledge (and what was taught) now answers, as /knowledge reload does."""
    answerer, store = await open_answerer(config)
    async with store:
        if store.read_only:
            raise FaqbotError(f"{shown(str(store.path))} is read-only: recheck marks questions answered in it")
        resolved = await answerer.recheck_open_questions(
            scope_of(args), config.discord.roles_for, config.discord.taught_in
        )
    out = sys.stdout
    if args.json:
        for question_id, entry_id in resolved:
            out.write(json_text({"id": question_id, "entry": entry_id}) + "\n")
        return 0
    out.write(f"{len(resolved)} open question(s) can now be answered and were marked answered.\n")
    for question_id, entry_id in resolved:
        out.write(f"  #{question_id} -> {entry_id}\n")
    return 0


async def unanswered_promote(config: Config, args: argparse.Namespace) -> int:
    """Print a new knowledge entry (valid YAML) for a question and its group, or append it to a file with --write."""
    if args.write is None and args.text is not None:
        raise FaqbotError("--text goes with --write FILE: it is the answer written into the new entry")
    if args.write is not None and not (args.text or "").strip():
        raise FaqbotError("--write needs --text ANSWER: an entry without its answer does not load")
    knowledge = load_knowledge(config.knowledge_path)
    retriever = fit_retriever(knowledge)
    async with await open_for_reading(config) as store:
        promotion = await promotion_for(
            store,
            knowledge,
            retriever,
            args.id,
            scope=scope_of(args),
            gate=config.retrieval,
            index=RoleIndex.fit(knowledge, retriever),
            roles_for=config.discord.roles_for,
        )
    if promotion is None:
        raise FaqbotError(f"no question #{args.id}")
    if args.write is None:
        sys.stdout.write(shown_block(promotion.yaml))
        return 0
    entry = promoted_entry(promotion.group, knowledge, " ".join(args.text.split()))
    if (existing := already_there(entry, knowledge)) is not None:
        raise FaqbotError(
            f"entry {existing.id} already has this question as its title or a phrasing; nothing was written "
            f"(edit {existing.id}, or resolve #{args.id} to it: faqbot unanswered resolve {args.id} {existing.id})"
        )
    if append_entry(args.write, entry, config.knowledge_path):
        sys.stdout.write(
            f"appended entry {entry['id']} to {shown(str(args.write))}; the knowledge loads with it. "
            "A running bot answers with it after /knowledge reload.\n"
        )
    else:
        sys.stdout.write(
            f"appended entry {entry['id']} to {shown(str(args.write))}, which loads on its own, but the bot does not "
            f"read it: its knowledge is {shown(str(config.knowledge_path))}. Move the entry there (or add the file "
            "to that folder) for the bot to answer with it.\n"
        )
    return 0


async def unanswered_purge(config: Config, args: argparse.Namespace) -> int:
    """Delete questions, places, answer records and votes older than N days."""
    if args.older_than < 1:
        raise FaqbotError("--older-than takes a whole number of days, 1 or more")
    async with await Store.open(config.database) as store:
        counts = await store.purge(timedelta(days=args.older_than), scope=scope_of(args))
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
    "recheck": unanswered_recheck,
    "confirm": unanswered_confirm,
    "reject": unanswered_reject,
}
LEARNED_ACTIONS = {"list": learned_list, "remove": learned_remove, "export": learned_export}
LEARNED_SCHEMA = 5  # the migration that added learned phrasings
EXPORT_COLUMNS = [field.name for field in fields(QueuedQuestion) if field.name != "places"]


def command_stats(args: argparse.Namespace) -> int:
    """Faqbot stats: questions, answer and abstain rates, votes per entry, for 7 and 30 days."""
    config = resolve_config(args)
    return asyncio.run(print_stats(config, args.json, scope_of(args)))


async def print_stats(config: Config, as_json: bool, scope: Scope | None = None) -> int:
    """Read the two windows (of one server, or of every server) and print them."""
    async with await open_for_reading(config) as store:
        windows = [await store.stats(7, scope=scope), await store.stats(30, scope=scope)]
    out = sys.stdout
    if as_json:
        for stats in windows:
            record = {**asdict(stats), "answer_rate": stats.answer_rate, "abstain_rate": stats.abstain_rate}
            out.write(json_text(record) + "\n")
        return 0
    for stats in windows:
        summary = replies.stats_summary(stats.asked, stats.answered, stats.suggested, stats.unknown, stats.partial)
        out.write(f"last {stats.days:>2} days: {summary}\n")
    for votes in windows[-1].votes:
        out.write(f"  {shown(votes.entry_id):34} 👍 {votes.up}  👎 {votes.down}\n")
    return 0
