"""Resolving teaches: a resolved question and its group answer with the entry, in the teaching server only."""

from __future__ import annotations

import asyncio
import itertools
import shutil
from pathlib import Path

import pytest

from bot.core import answering
from bot.core.answering import Answerer, Indexes
from bot.core.gate import ConfidenceGate, Status
from bot.core.knowledge import KnowledgeBase, load_knowledge
from bot.core.queue import resolve_question
from bot.store import Ask, Learned, Origin, Store

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "can I expense my certification exam fees"  # a partial answer before teaching
PARAPHRASES = ["can i expense certification exam fees?", "can I expense my certification exam fee"]
ENTRY = "glance-certifications"
HERE, THERE = 1001, 2002
MESSAGE_IDS = itertools.count(8)  # each question is a member's message of its own


async def queue(store: Store, text: str, guild_id: int | None = HERE) -> int:
    """Queue a question as if a member of `guild_id` had asked it and the bot could not answer."""
    question_id = await store.record_ask(
        Ask(text, "unknown", None, Origin("discord", guild_id, 7, next(MESSAGE_IDS)), queue=True, best_score=0.1)
    )
    assert question_id is not None
    return question_id


@pytest.fixture
def answerer(knowledge: KnowledgeBase, store: Store) -> Answerer:
    return Answerer.build(knowledge, ConfidenceGate(), store)


def entry_of(answerer: Answerer, question: str, guild_id: int | None) -> str | None:
    answer = answerer.judge(question, guild_id=guild_id)
    return answer.verdict.answer.entry.id if answer.verdict and answer.verdict.answer else None


async def test_a_server_s_teaching_answers_there_and_nowhere_else(answerer: Answerer, store: Store) -> None:
    assert all(entry_of(answerer, text, HERE) is None for text in [QUESTION, *PARAPHRASES])
    question_id = await queue(store, QUESTION)

    outcome = await resolve_question(
        store, answerer.knowledge, question_id, ENTRY, scope=None, guild_id=HERE, user_id=42
    )
    await answerer.learn()

    assert outcome.learned == (QUESTION,)
    assert [entry_of(answerer, text, HERE) for text in [QUESTION, *PARAPHRASES]] == [ENTRY] * 3
    assert [entry_of(answerer, text, THERE) for text in [QUESTION, *PARAPHRASES]] == [None] * 3
    assert entry_of(answerer, QUESTION, None) is None  # DMs and the command line: only what applies everywhere
    (learned,) = await store.learned()
    assert (learned.entry_id, learned.text, learned.guild_id) == (ENTRY, QUESTION, HERE)


async def test_the_teacher_is_stored_hashed(answerer: Answerer, store: Store) -> None:
    question_id = await queue(store, QUESTION)
    await resolve_question(store, answerer.knowledge, question_id, ENTRY, scope=None, guild_id=HERE, user_id=4242)

    async with store._db.execute("SELECT taught_by FROM learned") as cursor:
        (taught_by,) = await cursor.fetchone()
    # a salted SHA-256, as votes are: never the id itself (a random hash may well contain the digits "4242")
    assert len(taught_by) == 64 and int(taught_by, 16) >= 0 and taught_by == await store._user_hash(4242)


async def test_the_command_line_teaches_everywhere(answerer: Answerer, store: Store) -> None:
    question_id = await queue(store, QUESTION, guild_id=HERE)

    await resolve_question(store, answerer.knowledge, question_id, ENTRY, scope=None)
    await answerer.learn()

    assert [entry_of(answerer, QUESTION, guild) for guild in (HERE, THERE, None)] == [ENTRY] * 3


async def test_the_grouped_questions_are_learned_too(answerer: Answerer, store: Store) -> None:
    first = await queue(store, QUESTION)
    second = await queue(store, "can I expense my certification exam fee?")
    elsewhere = await queue(store, "can I expense my certification exam fees!", guild_id=THERE)

    outcome = await resolve_question(
        store, answerer.knowledge, first, ENTRY, scope=None, retriever=answerer.retriever, guild_id=HERE, user_id=1
    )

    assert set(outcome.resolved) == {first, second}  # another server's question is not grouped with this one
    assert (await store.question(second, scope=None)).status == "answered"
    assert (await store.question(elsewhere, scope=None)).status == "open"
    assert sorted(item.text for item in await store.learned()) == sorted(
        [QUESTION, "can I expense my certification exam fee?"]
    )


async def test_a_phrasing_of_another_entry_is_refused(answerer: Answerer, store: Store) -> None:
    question_id = await queue(store, QUESTION)
    await resolve_question(store, answerer.knowledge, question_id, ENTRY, scope=None, guild_id=HERE, user_id=1)
    again = await queue(store, QUESTION.upper() + "?", guild_id=None)  # the same text, another question (a DM)
    other = answerer.knowledge.entries[0].id

    outcome = await resolve_question(store, answerer.knowledge, again, other, scope=None, guild_id=HERE, user_id=1)

    assert not outcome.done
    assert outcome.refused == ((QUESTION.upper() + "?", ENTRY),)
    assert f"already belongs to `{ENTRY}`" in outcome.summary(again)
    assert (await store.question(again, scope=None)).status == "open"  # a refused question changes nothing
    assert [item.entry_id for item in await store.learned()] == [ENTRY]


async def test_a_question_of_another_entry_in_the_files_is_refused(answerer: Answerer, store: Store) -> None:
    owner = next(entry for entry in answerer.knowledge.entries if entry.questions and entry.id != ENTRY)
    question_id = await queue(store, owner.questions[0])

    outcome = await resolve_question(store, answerer.knowledge, question_id, ENTRY, scope=None, guild_id=HERE)

    assert outcome.refused == ((owner.questions[0], owner.id),)
    assert await store.learned() == []


async def test_a_question_the_entry_already_has_is_resolved_but_not_learned_again(
    answerer: Answerer, store: Store
) -> None:
    own = next(entry for entry in answerer.knowledge.entries if entry.questions)
    question_id = await queue(store, own.questions[0])

    outcome = await resolve_question(store, answerer.knowledge, question_id, own.id, scope=None, guild_id=HERE)

    assert outcome.resolved == (question_id,) and outcome.learned == ()
    assert "learned 0 phrasing(s)" in outcome.summary(question_id)
    assert await store.learned() == []


async def test_another_server_may_teach_the_same_words_otherwise(answerer: Answerer, store: Store) -> None:
    here = await queue(store, QUESTION)
    there = await queue(store, QUESTION, guild_id=THERE)
    other = answerer.knowledge.entries[0].id
    await resolve_question(store, answerer.knowledge, here, ENTRY, scope=None, guild_id=HERE, user_id=1)

    outcome = await resolve_question(store, answerer.knowledge, there, other, scope=None, guild_id=THERE, user_id=2)
    await answerer.learn()

    assert outcome.done
    assert (entry_of(answerer, QUESTION, HERE), entry_of(answerer, QUESTION, THERE)) == (ENTRY, other)


async def test_learned_phrasings_survive_a_restart_and_a_reload(
    knowledge: KnowledgeBase, store: Store, tmp_path: Path
) -> None:
    first = Answerer.build(knowledge, ConfidenceGate(), store)
    question_id = await queue(store, QUESTION)
    await resolve_question(store, knowledge, question_id, ENTRY, scope=None, guild_id=HERE, user_id=1)
    path = store.path
    await store.close()

    async with await Store.open(path) as reopened:
        restarted = Answerer.build(knowledge, ConfidenceGate(), reopened)
        await restarted.learn()
        assert entry_of(restarted, PARAPHRASES[0], HERE) == ENTRY
        await restarted.reload(ROOT / "knowledge")
        assert entry_of(restarted, PARAPHRASES[0], HERE) == ENTRY
        assert entry_of(restarted, PARAPHRASES[0], THERE) is None
    assert first.servers == {}  # an answerer that never re-learned keeps its old index


async def test_forgetting_a_phrasing_brings_the_old_answer_back(answerer: Answerer, store: Store) -> None:
    before = answerer.judge(QUESTION, guild_id=HERE).status
    question_id = await queue(store, QUESTION)
    await resolve_question(store, answerer.knowledge, question_id, ENTRY, scope=None, guild_id=HERE, user_id=1)
    await answerer.learn()
    (learned,) = await store.learned()

    assert (await store.forget(learned.id)) == learned
    await answerer.learn()

    assert answerer.judge(QUESTION, guild_id=HERE).status is before is not Status.ANSWERED
    assert await store.forget(learned.id) is None


async def test_what_another_process_teaches_forgets_or_moves_reaches_this_one(
    knowledge: KnowledgeBase, store: Store
) -> None:
    here = Answerer.build(knowledge, ConfidenceGate(), store)
    await here.learn()
    async with await Store.open(store.path) as other_process:  # another shard's bot, or the command line
        question_id = await queue(other_process, QUESTION)
        await resolve_question(other_process, knowledge, question_id, ENTRY, scope=None, guild_id=HERE, user_id=1)
        assert entry_of(here, QUESTION, HERE) is None  # nothing told this process

        assert await here.follow_teaching() is True
        assert entry_of(here, QUESTION, HERE) == ENTRY
        assert await here.follow_teaching() is False  # unchanged since: no re-fit

        moved_to = "faq-certifications"
        await resolve_question(other_process, knowledge, question_id, moved_to, scope=None, guild_id=HERE, user_id=1)
        assert await here.follow_teaching() is True
        assert entry_of(here, QUESTION, HERE) == moved_to

        (learned,) = await other_process.learned()
        await other_process.forget(learned.id)
        assert await here.follow_teaching() is True
    assert entry_of(here, QUESTION, HERE) != moved_to


async def test_a_reload_wins_over_teaching_taken_up_while_it_was_fitting(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    knowledge = load_knowledge(folder)
    answerer = Answerer.build(knowledge, ConfidenceGate(), store)
    title = knowledge.get(ENTRY).title
    for path in folder.glob("*.yaml"):  # an editor renames the entry, then runs /knowledge reload
        path.write_text(path.read_text(encoding="utf-8").replace(f"title: {title}", "title: Renamed"), encoding="utf-8")
    loaded, slow_load, loop = asyncio.Event(), answering._load_and_fit, asyncio.get_running_loop()

    def held_load(path: Path, learned: list[Learned]) -> tuple[KnowledgeBase, Indexes]:
        asyncio.run_coroutine_threadsafe(loaded.wait(), loop).result()  # a big folder: the reload takes a while
        return slow_load(path, learned)

    monkeypatch.setattr(answering, "_load_and_fit", held_load)
    reloading = asyncio.create_task(answerer.reload(folder))
    await asyncio.sleep(0.05)
    async with await Store.open(store.path) as other_process:  # meanwhile another process teaches
        question_id = await queue(other_process, QUESTION)
        await resolve_question(other_process, knowledge, question_id, ENTRY, scope=None, guild_id=HERE, user_id=1)
    following = asyncio.create_task(answerer.follow_teaching())  # and the bot's poll sees it
    await asyncio.sleep(0.05)
    loaded.set()
    await reloading
    await following

    assert answerer.knowledge.get(ENTRY).title == "Renamed"  # the reloaded files are live
    assert entry_of(answerer, QUESTION, HERE) == ENTRY  # and so is the other process's teaching
    assert await answerer.follow_teaching() is False


class HeldRead:
    """A store whose next read of the learned phrasings returns only once `release` is set (a slow connection)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.release: asyncio.Event | None = None

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    async def learned(self) -> list[Learned]:
        rows = await self.store.learned()
        if self.release is not None:
            release, self.release = self.release, None
            await release.wait()
        return rows


async def test_a_poll_that_read_before_a_resolve_never_undoes_it(knowledge: KnowledgeBase, store: Store) -> None:
    held = HeldRead(store)
    answerer = Answerer.build(knowledge, ConfidenceGate(), held)  # type: ignore[arg-type]
    elsewhere = await queue(store, "what is the dress code for the office party", THERE)
    await resolve_question(store, knowledge, elsewhere, ENTRY, scope=None, guild_id=THERE)  # another process taught
    release = held.release = asyncio.Event()
    polling = asyncio.create_task(answerer.follow_teaching())  # its read is made, then held
    await asyncio.sleep(0.05)
    question_id = await queue(store, QUESTION)
    await resolve_question(store, knowledge, question_id, ENTRY, scope=None, guild_id=HERE)  # this process's editor
    learning = asyncio.create_task(answerer.learn())  # as the editors' cog does after a resolve
    await asyncio.sleep(0.05)
    release.set()
    await polling
    await learning

    assert entry_of(answerer, QUESTION, HERE) == ENTRY
