"""The editors' queue in the store: dedup and counts, 👎 feedback, listing, status changes, grouping, promotion,
purge and statistics, migrations, and nothing lost (several processes, a locked database, a damaged database)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from db_helpers import damage_table
from pg_helpers import read

import bot.store.sqlite
from bot.core import grouping
from bot.core.answering import Answerer
from bot.core.gate import ConfidenceGate, Hit
from bot.core.grouping import QuestionGroup, group_questions
from bot.core.knowledge import KnowledgeBase, load_knowledge
from bot.core.promotion import promotion_yaml
from bot.core.retriever import TfidfRetriever
from bot.errors import KnowledgeError, StoreError
from bot.store import Ask, Origin, QueuedQuestion, Store
from bot.store.migrations import bundled_migrations

ROOT = Path(__file__).resolve().parents[2]
CLI = Origin("cli")
BREAD = "how do I bake sourdough bread"


class Clock:
    """A clock the test moves by hand (injected with Store.open(path, clock=...))."""

    def __init__(self, start: datetime = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def discord_place(guild_id: int, channel_id: int, message_id: int) -> Origin:
    link = f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"
    return Origin("discord", guild_id, channel_id, message_id, link)


async def log(store: Store, text: str, origin: Origin = CLI, *, score: float | None = None, entry: str | None = None):
    return await store.log_unanswered(text, origin, best_score=score, best_entry_id=entry)


def dialect(db: Path | str) -> str:
    return "sqlite" if isinstance(db, Path) else "postgres"


@pytest.fixture
def clock() -> Clock:
    return Clock()


# ---------------------------------------------------------------- one item per question, counted, with its places


async def test_the_same_question_folded_for_case_punctuation_and_spacing_is_one_counted_item(
    db: Path, clock: Clock
) -> None:
    place_a = discord_place(10, 20, 30)
    place_b = discord_place(10, 21, 31)
    async with await Store.open(db, clock=clock) as store:
        first = await log(store, "How do I bake sourdough bread?", place_a, score=0.12, entry="intro")
        clock.advance(hours=5)
        second = await log(store, "  how do i   BAKE sourdough-bread ", place_b, score=0.12, entry="intro")
        clock.advance(days=2)
        third = await log(
            store, "HOW DO I BAKE SOURDOUGH BREAD!!!", discord_place(10, 22, 32), score=0.12, entry="intro"
        )

        [item] = await store.questions(scope=None, status="open")

    assert first == second == third == item.id
    assert item.text == "How do I bake sourdough bread?"  # the first wording is the one editors read
    assert item.kind == "unanswered"
    assert item.status == "open"
    assert item.ask_count == 3
    assert item.first_asked_at == "2026-03-01T12:00:00Z"
    assert item.last_asked_at == "2026-03-03T17:00:00Z"
    assert item.best_score == pytest.approx(0.12)
    assert item.best_entry_id == "intro"
    # Every place it was asked, newest first, with guild, channel and jump link.
    assert [(p.asked_at, p.origin, p.guild_id, p.channel_id, p.jump_url) for p in item.places] == [
        ("2026-03-03T17:00:00Z", "discord", 10, 22, "https://discord.com/channels/10/22/32"),
        ("2026-03-01T17:00:00Z", "discord", 10, 21, "https://discord.com/channels/10/21/31"),
        ("2026-03-01T12:00:00Z", "discord", 10, 20, "https://discord.com/channels/10/20/30"),
    ]
    assert item.jump_url == "https://discord.com/channels/10/22/32"  # the most recent Discord place


async def test_a_queue_longer_than_one_statement_holds_lists_every_place(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL binds at most 32,767 parameters a statement: a long queue's places are read in batches of ids.
    monkeypatch.setattr(bot.store.sqlite, "IDS_PER_STATEMENT", 2)
    for number in range(5):
        await log(store, f"question number {number} about baking", discord_place(10, 20, 30 + number))

    listed = await store.questions(scope=None, sort="recent")

    assert len(listed) == 5
    messages = sorted(question.places[0].jump_url.rsplit("/", 1)[1] for question in listed)
    assert messages == [str(30 + number) for number in range(5)]


async def test_different_questions_are_separate_items(store: Store) -> None:
    bread = await log(store, BREAD)
    parking = await log(store, "is there parking at the office")
    bread_at_home = await log(store, "how do I bake sourdough bread at home")  # similar, but not the same text

    assert len({bread, parking, bread_at_home}) == 3
    items = await store.questions(scope=None, status="open")
    assert sorted(item.text for item in items) == sorted(
        [BREAD, "is there parking at the office", "how do I bake sourdough bread at home"]
    )
    assert all(item.ask_count == 1 for item in items)


async def test_questions_asked_again_do_not_use_up_the_next_ids(store: Store) -> None:
    first = await log(store, BREAD)
    for _ in range(5):
        assert await log(store, BREAD) == first  # counted in place
    second = await log(store, "is there parking at the office")

    assert second == first + 1  # an editor sees #1 and #2, not #1 and #7 (PostgreSQL's sequence)


async def test_one_item_can_be_read_by_id_with_its_places(store: Store) -> None:
    question_id = await log(store, BREAD, discord_place(1, 2, 3), score=0.2, entry="intro")

    item = await store.question(question_id, scope=None)

    assert item is not None
    assert (item.id, item.text, item.ask_count, item.best_entry_id) == (question_id, BREAD, 1, "intro")
    assert item.jump_url == "https://discord.com/channels/1/2/3"
    assert await store.question(question_id + 100, scope=None) is None


async def test_a_question_only_asked_on_the_command_line_has_no_jump_link(store: Store) -> None:
    question_id = await log(store, BREAD)

    item = await store.question(question_id, scope=None)

    assert item is not None and item.jump_url is None
    assert [place.origin for place in item.places] == ["cli"]


# ---------------------------------------------------------------- 👎 feedback enters the same queue


async def vote(store: Store, user_id: int, value: int, *, message_id: int = 500, entry: str = "duty-on-call"):
    return await store.record_vote(
        message_id=message_id,
        entry_id=entry,
        question="who handles on-call at night?",
        user_id=user_id,
        vote=value,
        origin=discord_place(1, 2, message_id),
    )


async def test_thumbs_down_queues_the_question_marked_as_downvoted_with_the_rejected_answer(store: Store) -> None:
    outcome = await vote(store, user_id=7, value=-1)

    assert outcome.recorded
    [item] = await store.questions(scope=None, status="open")
    assert item.kind == "downvoted"
    assert item.text == "who handles on-call at night?"
    assert item.rejected_entry_id == "duty-on-call"
    assert item.status == "open"
    assert item.ask_count == 1
    assert item.jump_url == "https://discord.com/channels/1/2/500"


async def test_thumbs_up_queues_nothing_and_a_second_vote_is_not_counted(store: Store) -> None:
    assert (await vote(store, user_id=7, value=1)).recorded
    assert await store.questions(scope=None, status=None) == []

    again = await vote(store, user_id=7, value=-1)  # the same member changing their mind

    assert not again.recorded and again.vote == 1
    assert await store.questions(scope=None, status=None) == []


async def test_thumbs_down_from_two_members_counts_twice(store: Store) -> None:
    await vote(store, user_id=7, value=-1)
    await vote(store, user_id=8, value=-1)
    await vote(store, user_id=8, value=-1)  # refused: already voted

    [item] = await store.questions(scope=None, status="open")
    assert item.kind == "downvoted"
    assert item.ask_count == 2


async def test_downvoted_and_unanswered_items_are_listed_together(store: Store) -> None:
    await log(store, BREAD)
    await vote(store, user_id=7, value=-1)

    kinds = sorted(item.kind for item in await store.questions(scope=None, status="open"))

    assert kinds == ["downvoted", "unanswered"]


# ---------------------------------------------------------------- listing: status, sort, since, limit


async def seeded(store: Store, clock: Clock) -> dict[str, int]:
    """Three open questions: parking (3 asks, oldest), bread (2 asks), dog (1 ask, newest)."""
    ids = {}
    for key, text, times in (
        ("parking", "is there parking at the office", 3),
        ("bread", BREAD, 2),
        ("dog", "can I bring my dog to work", 1),
    ):
        for _ in range(times):
            ids[key] = await log(store, text)
        clock.advance(days=10)
    return ids


async def test_open_questions_are_listed_most_asked_first_or_most_recent_first(db: Path, clock: Clock) -> None:
    async with await Store.open(db, clock=clock) as store:
        ids = await seeded(store, clock)

        by_count = await store.questions(scope=None, status="open", sort="count")
        by_recent = await store.questions(scope=None, status="open", sort="recent")

    assert [q.id for q in by_count] == [ids["parking"], ids["bread"], ids["dog"]]
    assert [q.ask_count for q in by_count] == [3, 2, 1]
    assert [q.id for q in by_recent] == [ids["dog"], ids["bread"], ids["parking"]]


async def test_since_and_limit_narrow_the_list(db: Path, clock: Clock) -> None:
    async with await Store.open(db, clock=clock) as store:
        ids = await seeded(store, clock)  # last asked 30, 20 and 10 days before "now"

        recent = await store.questions(scope=None, status="open", since=timedelta(days=25))
        top = await store.questions(scope=None, status="open", limit=2)

    assert {q.id for q in recent} == {ids["bread"], ids["dog"]}
    assert [q.id for q in top] == [ids["parking"], ids["bread"]]


async def test_status_filter_and_all_statuses(store: Store) -> None:
    open_id = await log(store, BREAD)
    answered_id = await log(store, "who owns on-call?")
    dismissed_id = await log(store, "lol")
    await store.resolve(answered_id, "duty-on-call", scope=None)
    await store.dismiss(dismissed_id, "chit-chat", scope=None)

    assert [q.id for q in await store.questions(scope=None, status="open")] == [open_id]
    assert [q.id for q in await store.questions(scope=None, status="answered")] == [answered_id]
    assert [q.id for q in await store.questions(scope=None, status="dismissed")] == [dismissed_id]
    assert {q.id for q in await store.questions(scope=None, status=None)} == {open_id, answered_id, dismissed_id}


async def test_an_unknown_status_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="status must be one of open, answered, dismissed"):
        await store.questions(scope=None, status="closed")


# ---------------------------------------------------------------- status changes


async def test_resolve_marks_the_question_answered_by_an_entry(store: Store) -> None:
    question_id = await log(store, BREAD)

    assert await store.resolve(question_id, "faq-sourdough", scope=None) is True

    item = await store.question(question_id, scope=None)
    assert item is not None
    assert (item.status, item.answer_entry_id, item.dismiss_reason) == ("answered", "faq-sourdough", None)
    assert await store.questions(scope=None, status="open") == []


async def test_dismiss_marks_the_question_dismissed_with_its_reason(store: Store) -> None:
    question_id = await log(store, BREAD)

    assert await store.dismiss(question_id, "  off-topic: baking  ", scope=None) is True

    item = await store.question(question_id, scope=None)
    assert item is not None
    assert (item.status, item.dismiss_reason, item.answer_entry_id) == ("dismissed", "off-topic: baking", None)
    assert await store.questions(scope=None, status="open") == []


async def test_resolving_a_dismissed_question_replaces_the_reason_with_the_entry(store: Store) -> None:
    question_id = await log(store, BREAD)
    await store.dismiss(question_id, "spam", scope=None)

    await store.resolve(question_id, "faq-sourdough", scope=None)

    item = await store.question(question_id, scope=None)
    assert item is not None
    assert (item.status, item.answer_entry_id, item.dismiss_reason) == ("answered", "faq-sourdough", None)


async def test_resolve_and_dismiss_of_an_unknown_id_change_nothing(store: Store) -> None:
    question_id = await log(store, BREAD)

    assert await store.resolve(question_id + 1, "intro", scope=None) is False
    assert await store.dismiss(question_id + 1, "spam", scope=None) is False

    [item] = await store.questions(scope=None, status="open")
    assert item.id == question_id


async def test_a_dismissal_needs_a_reason(store: Store) -> None:
    question_id = await log(store, BREAD)

    with pytest.raises(ValueError, match="reason"):
        await store.dismiss(question_id, "   ", scope=None)

    item = await store.question(question_id, scope=None)
    assert item is not None and item.status == "open"


# ---------------------------------------------------------------- grouping similar open questions


def queued(question_id: int, text: str, count: int = 1, *, best_entry_id: str | None = None) -> QueuedQuestion:
    return QueuedQuestion(
        id=question_id,
        text=text,
        kind="unanswered",
        ask_count=count,
        first_asked_at="2026-03-01T12:00:00Z",
        last_asked_at=f"2026-03-{question_id:02d}T12:00:00Z",
        best_score=None,
        best_entry_id=best_entry_id,
        rejected_entry_id=None,
        status="open",
        answer_entry_id=None,
        dismiss_reason=None,
    )


GAPS = [
    queued(1, "how do I bake sourdough bread", 1),
    queued(2, "is there parking at the office", 1),
    queued(3, "how do i bake sourdough bread at home?", 2),
    queued(4, "can I bring my dog to work", 1),
    queued(5, "best sourdough bread recipe", 1),
    queued(6, "what is the parking policy at the office", 2),
]


def shape(groups: list[QuestionGroup]) -> list[tuple[int, int, list[int]]]:
    """(representative id, total count, member ids) per group, in order."""
    return [(g.representative.id, g.total_count, sorted(q.id for q in g.members)) for g in groups]


def test_similar_questions_are_grouped_largest_first(retriever: TfidfRetriever) -> None:
    groups = group_questions(GAPS, retriever)

    assert shape(groups) == [
        (3, 3, [1, 3]),  # bread: 1 + 2 asks, its most asked phrasing stands for it
        (6, 3, [2, 6]),  # parking: 1 + 2
        (4, 1, [4]),  # the dog stands alone
        (5, 1, [5]),  # like #1, but not like #3, the question that stands for the bread group: not chained in
    ]
    assert [q.id for q in groups[0].others] == [1]


def test_a_chain_of_look_alikes_is_not_one_group(retriever: TfidfRetriever) -> None:
    """Each question is like the next, the first is nothing like the last: linked sets would make them one group."""
    chain = [
        queued(1, "how do I renew my aws certification", 3),
        queued(2, "renew my aws certification exam voucher", 1),
        queued(3, "aws certification exam voucher for students", 1),
        queued(4, "exam voucher for students at the cafeteria", 1),
        queued(5, "students at the cafeteria opening hours", 1),
    ]

    groups = group_questions(chain, retriever)

    assert len(groups) > 1
    assert not any({1, 5} <= {q.id for q in group.members} for group in groups)


def test_the_similarity_threshold_decides_what_is_grouped(retriever: TfidfRetriever) -> None:
    strict = group_questions(GAPS, retriever, threshold=1.01)  # nothing is that similar: every question alone
    loose = group_questions(GAPS, retriever, threshold=0.0)  # any shared word or letters link two questions

    assert [len(g.members) for g in strict] == [1] * len(GAPS)
    assert [g.total_count for g in strict] == sorted((q.ask_count for q in GAPS), reverse=True)
    assert len(loose) < len(group_questions(GAPS, retriever)) < len(strict)
    assert sum(len(g.members) for g in loose) == len(GAPS)


def test_grouping_nothing_gives_no_groups(retriever: TfidfRetriever) -> None:
    assert group_questions([], retriever) == []


async def test_groups_come_straight_from_the_store(store: Store, retriever: TfidfRetriever) -> None:
    for text in ("how do I bake sourdough bread", "How do I bake sourdough bread?", "how to bake sourdough bread"):
        await log(store, text)
    await log(store, "can I bring my dog to work")

    groups = group_questions(await store.questions(scope=None, status="open"), retriever)

    assert [(g.representative.text, g.total_count, len(g.members)) for g in groups] == [
        ("how do I bake sourdough bread", 3, 2),
        ("can I bring my dog to work", 1, 1),
    ]


# ---------------------------------------------------------------- promotion: a ready-to-paste knowledge entry


def paste(snippet: str, text: str | None = None) -> str:
    """A knowledge file made by pasting the promotion's entry under `entries:` (optionally writing the answer)."""
    entry_part = snippet.split("\n\n# Or,")[0]
    if text is not None:
        assert entry_part.count("text: ''") == 1, entry_part
        entry_part = entry_part.replace("text: ''", f"text: {text}")
    return f"role: Cloud Technical Lead\nentries:\n{entry_part}\n"


def test_promotion_is_an_entry_with_the_question_and_its_group_s_other_phrasings(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    group = QuestionGroup(GAPS[2], (GAPS[0], GAPS[2], GAPS[4]))

    snippet = promotion_yaml(group, knowledge)

    assert snippet.startswith("# From unanswered question #3 (asked 4 time(s)).")
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "new.yaml").write_text(paste(snippet, "Ask a baker."), encoding="utf-8")
    [entry] = load_knowledge(folder).entries
    assert entry.title == "How do i bake sourdough bread at home?"
    assert entry.id == "faq-how-do-i-bake-sourdough-bread-at-home"  # its words, whole (the importer's slug rule)
    assert entry.section == "Frequently asked questions"
    assert entry.text == "Ask a baker."
    assert list(entry.questions) == ["how do I bake sourdough bread", "best sourdough bread recipe"]


def test_promotion_cannot_go_live_until_an_editor_writes_the_answer(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    snippet = promotion_yaml(QuestionGroup(GAPS[0], (GAPS[0],)), knowledge)
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "new.yaml").write_text(paste(snippet), encoding="utf-8")

    with pytest.raises(KnowledgeError, match="entry faq-how-do-i-bake-sourdough-bread: 'text' is empty"):
        load_knowledge(folder)


def test_a_lone_question_is_its_own_phrasing(knowledge: KnowledgeBase) -> None:
    snippet = promotion_yaml(QuestionGroup(GAPS[0], (GAPS[0],)), knowledge)

    [entry] = yaml.safe_load(textwrap.dedent(snippet.split("\n\n# Or,")[0]))
    assert entry["questions"] == ["how do i bake sourdough bread"]


def test_a_promoted_entry_gets_an_id_the_knowledge_does_not_use_yet(
    write_knowledge: Callable[..., Path], tmp_path: Path
) -> None:
    folder = write_knowledge(
        taken="""
        role: Baker
        entries:
          - id: faq-how-do-i-bake-sourdough-bread
            title: Sourdough
            section: FAQ
            text: Flour, water, salt, time.
        """
    )
    taken = load_knowledge(folder)

    snippet = promotion_yaml(QuestionGroup(GAPS[0], (GAPS[0],)), taken)

    [entry] = yaml.safe_load(textwrap.dedent(snippet.split("\n\n# Or,")[0]))
    assert entry["id"] == "faq-how-do-i-bake-sourdough-bread-2"


def test_promotion_also_offers_every_phrasing_for_the_closest_existing_entry(knowledge: KnowledgeBase) -> None:
    long_question = (
        "how do i convince my manager that our team needs a dedicated cloud technical lead role "
        "when we already have a senior engineer"
    )
    members = (queued(1, long_question, 2, best_entry_id="intro"), queued(2, "why have a cloud tech lead: at all?"))
    group = QuestionGroup(members[0], members)

    snippet = promotion_yaml(group, knowledge, Hit(knowledge.get("intro"), 0.5))

    _, alternative = snippet.split("\n\n# Or, if entry intro already answers it (score 0.50), add these under its\n")
    # Uncommented and pasted under the existing entry's `questions:`, the lines give back every phrasing, whole.
    lines = [line.removeprefix("#") for line in alternative.splitlines()[1:]]
    pasted = yaml.safe_load("questions:\n" + "\n".join(lines))
    assert pasted == {"questions": [long_question, "why have a cloud tech lead: at all?"]}


# ---------------------------------------------------------------- purge and statistics


async def test_purge_deletes_old_questions_and_their_places_and_keeps_recent_ones(db: Path, clock: Clock) -> None:
    async with await Store.open(db, clock=clock) as store:
        old = await log(store, BREAD, discord_place(1, 2, 3))
        clock.advance(days=40)
        recent = await log(store, "is there parking at the office", discord_place(1, 2, 4))
        clock.advance(days=5)

        counts = await store.purge(timedelta(days=30), scope=None)

        assert (counts.questions, counts.places) == (1, 1)
        assert await store.question(old, scope=None) is None
        kept = await store.question(recent, scope=None)
        assert kept is not None and kept.jump_url == "https://discord.com/channels/1/2/4"
    assert read(db, "SELECT question_id FROM question_asks") == [(recent,)]


async def test_stats_count_the_last_7_and_30_days(db: Path, clock: Clock) -> None:
    async with await Store.open(db, clock=clock) as store:
        await store.record_ask(Ask("a question", "unknown", None, CLI))  # 40 days ago: in neither window
        clock.advance(days=20)
        await store.record_ask(Ask("a question", "unknown", None, CLI))  # 20 days ago: 30-day window only
        await store.record_ask(Ask("a question", "answered", "intro", CLI))
        clock.advance(days=17)
        for status, entry in (
            ("answered", "intro"),
            ("answered", "duty-on-call"),
            ("suggest", None),
            ("unknown", None),
        ):
            await store.record_ask(Ask("a question", status, entry, CLI))  # 3 days ago
        await vote(store, user_id=1, value=1, message_id=1, entry="intro")
        await vote(store, user_id=2, value=1, message_id=1, entry="intro")
        await vote(store, user_id=1, value=-1, message_id=2, entry="duty-on-call")
        clock.advance(days=3)

        week, month = await store.stats(7, scope=None), await store.stats(30, scope=None)

    assert (week.days, week.asked, week.answered, week.suggested, week.unknown) == (7, 4, 2, 1, 1)
    assert (week.answer_rate, week.abstain_rate) == (0.5, 0.25)
    assert (month.days, month.asked, month.answered, month.suggested, month.unknown) == (30, 6, 3, 1, 2)
    assert month.answer_rate == pytest.approx(0.5) and month.abstain_rate == pytest.approx(2 / 6)
    assert [(v.entry_id, v.up, v.down) for v in month.votes] == [("duty-on-call", 0, 1), ("intro", 2, 0)]


async def test_stats_of_an_empty_store_are_zero_not_an_error(store: Store) -> None:
    stats = await store.stats(7, scope=None)

    assert (stats.asked, stats.answer_rate, stats.abstain_rate, stats.votes) == (0, 0.0, 0.0, ())


# ---------------------------------------------------------------- the answerer re-checks the queue


async def test_recheck_marks_only_the_open_questions_the_knowledge_now_answers(
    store: Store, knowledge: KnowledgeBase, retriever: TfidfRetriever
) -> None:
    answerable = await log(store, "is a cloud technical lead a manager or an engineer?")
    off_topic = await log(store, BREAD)
    await vote(store, user_id=1, value=-1, entry="duty-on-call")  # 👎 on an answer: not re-checked
    answerer = Answerer(knowledge, retriever, ConfidenceGate(), store)

    resolved = await answerer.recheck_open_questions(None)

    assert resolved == [(answerable, "faq-manager-or-engineer")]
    by_id = {q.id: q for q in await store.questions(scope=None, status=None)}
    assert (by_id[answerable].status, by_id[answerable].answer_entry_id) == ("answered", "faq-manager-or-engineer")
    assert by_id[off_topic].status == "open"
    assert sorted(q.kind for q in by_id.values() if q.status == "open") == ["downvoted", "unanswered"]


# ---------------------------------------------------------------- migrations


async def test_a_version_1_database_is_upgraded_and_keeps_its_queue(db: Path, clock: Clock) -> None:
    first, *_ = bundled_migrations(dialect(db))
    async with await Store.open(db, clock=clock, migrations=[first]) as old:
        assert await old._scalar("PRAGMA user_version") == 1
        # The rows a version-1 faqbot wrote.
        await old._db.execute(
            "INSERT INTO questions (id, normalized, text, ask_count, first_asked_at, last_asked_at) "
            "VALUES (7, 'how do i bake sourdough bread', ?, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            (BREAD,),
        )
        await old._db.execute(
            "INSERT INTO question_asks (question_id, asked_at, origin, guild_id, channel_id, message_id, jump_url) "
            "VALUES (7, '2026-01-01T00:00:00Z', 'discord', 1, 2, 3, 'https://discord.com/channels/1/2/3')"
        )

    async with await Store.open(db, clock=clock) as store:
        assert await store._scalar("PRAGMA user_version") == len(bundled_migrations(dialect(db)))
        item = await store.question(7, scope=None)
        outcome = await vote(store, user_id=1, value=-1)  # the tables added later work

    assert item is not None and (item.text, item.ask_count, item.jump_url, item.guild_id) == (
        BREAD,
        1,
        "https://discord.com/channels/1/2/3",
        1,
    )
    assert outcome.recorded


async def test_a_store_opened_without_migrating_is_migrated_on_demand(db: Path) -> None:
    async with await Store.open(db, migrate=False) as store:  # what `faqbot run` does; setup_hook migrates
        assert await store._scalar("PRAGMA user_version") == 0
        assert await store.migrate() == len(bundled_migrations(dialect(db)))
        assert await store.migrate() == len(bundled_migrations(dialect(db)))  # idempotent
        await log(store, BREAD)
    assert read(db, "SELECT text FROM questions") == [(BREAD,)]


# ---------------------------------------------------------------- nothing lost: several processes at once

WRITER = r"""
import asyncio, sys, time
from pathlib import Path
from bot.store import Origin, Store

async def main(path, worker, count, go):
    print("ready", flush=True)
    while not Path(go).exists():  # every process starts at the same moment, so opens and writes really overlap
        time.sleep(0.005)
    async with await Store.open(path if path.startswith("postgres") else Path(path)) as store:
        for i in range(count):
            # Half the questions are shared by every process (they collide on the same rows), half are its own.
            text = f"Shared question {i % 10}?" if i % 2 else f"worker {worker} question {i}"
            await store.log_unanswered(text, Origin("cli"), best_score=None, best_entry_id=None)

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
"""


def run_writers(db: Path | str, go: Path, workers: int, count: int) -> list[tuple[int, str]]:
    """Start `workers` processes writing `count` questions each into one database file; their exit codes and errors."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(worker), str(count), str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(workers)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            process.stdout.readline()  # "ready": imported and waiting for the start signal
        go.touch()
        outcomes = []
        for process in processes:
            _, err = process.communicate(timeout=60)
            outcomes.append((process.returncode, err))
        return outcomes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()


async def test_eight_processes_writing_100_questions_each_lose_nothing(db: Path, tmp_path: Path) -> None:
    async with await Store.open(db):
        pass  # an existing, migrated database

    started = time.monotonic()
    outcomes = await asyncio.to_thread(run_writers, db, tmp_path / "go", 8, 100)

    assert [code for code, _ in outcomes] == [0] * 8, [err for _, err in outcomes if err]
    assert read(db, "SELECT sum(ask_count) FROM questions") == [(800,)]
    assert read(db, "SELECT count(*) FROM question_asks") == [(800,)]
    # 8 x 50 questions of their own, plus 5 shared ones asked 8 x 10 times each.
    assert read(db, "SELECT count(*) FROM questions") == [(405,)]
    assert read(db, "SELECT DISTINCT ask_count FROM questions WHERE text LIKE 'Shared%'") == [(80,)]
    assert time.monotonic() - started < 30


async def test_several_processes_creating_a_fresh_database_at_once_all_succeed(db: Path, tmp_path: Path) -> None:
    # A fresh install where the bot and a few CLI commands start together: every one of them migrates the new file.
    outcomes = await asyncio.to_thread(run_writers, db, tmp_path / "go", 6, 5)

    assert [code for code, _ in outcomes] == [0] * 6, [err.strip().splitlines()[-1] for _, err in outcomes if err]
    assert read(db, "PRAGMA user_version") == [(len(bundled_migrations(dialect(db))),)]
    assert read(db, "SELECT sum(ask_count) FROM questions") == [(30,)]


# ---------------------------------------------------------------- nothing lost: a locked database


def hold_write_lock(db: Path) -> sqlite3.Connection:
    """Another connection (another program) takes the database's write lock."""
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO asks (asked_at, origin, status) VALUES ('2026-01-01T00:00:00Z', 'other', 'unknown')")
    return holder


@pytest.mark.sqlite_only
async def test_a_write_waits_for_another_program_s_lock_and_lands(db: Path) -> None:
    async with await Store.open(db) as store:
        holder = hold_write_lock(db)
        asyncio.get_running_loop().call_later(0.5, holder.execute, "COMMIT")
        started = time.monotonic()
        try:
            question_id = await log(store, BREAD)
        finally:
            holder.close()
        waited = time.monotonic() - started

        item = await store.question(question_id, scope=None)
    assert waited >= 0.4  # it really was locked out, and waited instead of failing
    assert item is not None and item.ask_count == 1
    assert read(db, "SELECT origin FROM asks") == [("other",)]  # the other program's write landed too


@pytest.mark.sqlite_only
async def test_a_lock_held_past_the_busy_timeout_is_retried(
    db: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        bot.store.sqlite, "BUSY_TIMEOUT_MS", 50
    )  # SQLite gives up waiting after 50 ms; the store retries
    caplog.set_level(logging.WARNING, logger="bot.store.sqlite")
    async with await Store.open(db) as store:
        holder = hold_write_lock(db)
        asyncio.get_running_loop().call_later(0.5, holder.execute, "COMMIT")
        try:
            question_id = await log(store, BREAD)
        finally:
            holder.close()
        item = await store.question(question_id, scope=None)

    assert item is not None and item.text == BREAD
    assert any("database is busy, retrying" in record.getMessage() for record in caplog.records)


# ---------------------------------------------------------------- a damaged database is refused, untouched


@pytest.mark.sqlite_only
async def test_a_database_with_a_damaged_table_is_refused_with_a_clear_error_and_left_untouched(db: Path) -> None:
    async with await Store.open(db) as store:
        await log(store, BREAD)
    damaged = damage_table(db, "questions")

    with pytest.raises(StoreError) as refused:
        async with await Store.open(db) as store:
            await store.record_ask(Ask("a question", "unknown", None, CLI))
            await log(store, "is there parking at the office")

    assert str(db) in str(refused.value)
    assert db.read_bytes() == damaged


def test_small_row_blocks_find_the_same_links(retriever: TfidfRetriever, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long queue is compared in smaller blocks of rows (to bound memory); the links found do not change."""
    terms = [retriever.terms(q.text) for q in GAPS] * 20
    whole = grouping.similarity_graph(terms, retriever.stemmer_.stem, 0.45)
    monkeypatch.setattr(grouping, "PAIRS_PER_CHUNK", 1)
    monkeypatch.setattr(grouping, "MIN_ROWS_PER_CHUNK", 7)
    blocks = grouping.similarity_graph(terms, retriever.stemmer_.stem, 0.45)

    assert ((whole + whole.T) != (blocks + blocks.T)).nnz == 0
    assert (blocks + blocks.T).nnz > len(terms)  # the repeated questions are linked, not only to themselves


def test_the_question_shown_for_a_group_is_like_every_other_in_it(retriever: TfidfRetriever) -> None:
    """Equal counts: the most linked question stands for the group, not the one asked last (it may be like one)."""
    asked = [
        queued(1, "where is the nearest gas station", 1),
        queued(2, "find me the location of the nearest gas station", 1),
        queued(3, "i need to know directions to the nearest gas station", 1),  # asked last (March 3rd)
    ]
    terms = [retriever.terms(q.text) for q in asked]
    links = grouping.similarity_graph(terms, retriever.stemmer_.stem, grouping.DEFAULT_THRESHOLD)
    links = (links + links.T).toarray()

    [group] = group_questions(asked, retriever)

    shown = group.representative.id - 1
    assert all(links[shown, other.id - 1] for other in group.members)
