"""Askers in the store (SQLite and PostgreSQL): migration 0006, who asked where, told at most once, the unsure mark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Ask, Origin, Scope, Store
from bot.store.migrations import bundled_migrations

HERE = 11
ALICE, BOB = 101, 202


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def place(channel_id: int, message_id: int, user_id: int | None, guild_id: int | None = HERE) -> Origin:
    return Origin("discord", guild_id, channel_id, message_id, None, user_id)


async def ask(store: Store, text: str, origin: Origin, *, unsure: bool = False) -> int:
    status = "suggest" if unsure else "unknown"
    question_id = await store.record_ask(Ask(text, status, None, origin, queue=True, unsure=unsure))
    assert question_id is not None
    return question_id


def dialect(db: Path | str) -> str:
    return "postgres" if isinstance(db, str) else "sqlite"


async def test_0006_upgrades_a_0005_database_and_keeps_its_places(db: Path | str) -> None:
    async with await Store.open(db, migrations=bundled_migrations(dialect(db))[:5]) as old:
        assert await old.schema_version() == 5
        # The rows a version-5 faqbot wrote (it knew no asker).
        await old._db.execute(
            "INSERT INTO questions (id, guild_id, normalized, text, ask_count, first_asked_at, last_asked_at) "
            "VALUES (7, 11, 'who pays for exams', 'who pays for exams', 1, '2026-01-01T00:00:00Z', "
            "'2026-01-01T00:00:00Z')"
        )
        await old._db.execute(
            "INSERT INTO question_asks (question_id, asked_at, origin, guild_id, channel_id, message_id) "
            "VALUES (7, '2026-01-01T00:00:00Z', 'discord', 11, 2, 3)"
        )

    async with await Store.open(db) as store:
        assert await store.schema_version() == bundled_migrations(dialect(db))[-1].version >= 6
        old_item = await store.question(7, scope=None)
        assert old_item is not None and not old_item.unsure and len(old_item.places) == 1
        await store.resolve(7, "entry-a", scope=None)
        assert await store.untold([7]) == []  # nobody known to tell: the old place has no asker
        new = await ask(store, "who pays for travel", place(2, 4, ALICE))
        await store.resolve(new, "entry-b", scope=None)
        assert [(p.question_id, p.asker_id) for p in await store.untold([new])] == [(new, ALICE)]


async def test_a_member_who_asked_in_two_places_is_claimed_once(store: Store) -> None:
    question_id = await ask(store, "who pays for exams", place(5, 50, ALICE))
    await ask(store, "Who pays for exams?", place(6, 60, ALICE))
    await ask(store, "who pays for exams", place(5, 51, BOB))
    assert await store.untold([question_id]) == []  # still open: nothing to tell yet

    await store.resolve(question_id, "entry-a", scope=Scope.of(HERE))
    claimed = await store.claim_askers([question_id])

    assert sorted((p.asker_id, p.message_id) for p in claimed) == [(ALICE, 50), (ALICE, 60), (BOB, 51)]
    assert {p.entry_id for p in claimed} == {"entry-a"}
    assert await store.claim_askers([question_id]) == []  # a second resolve tells nobody again
    assert await store.told(question_id) == {ALICE: "sending", BOB: "sending"}
    await store.settle_told([(question_id, ALICE)], "told")
    await store.settle_told([(question_id, BOB)], "failed")
    assert await store.told(question_id) == {ALICE: "told", BOB: "failed"}
    assert await store.untold([question_id]) == []


async def test_claiming_one_asker_marks_only_that_member(store: Store) -> None:
    question_id = await ask(store, "who pays for exams", place(5, 50, ALICE))
    await ask(store, "who pays for exams", place(5, 51, BOB))
    await store.resolve(question_id, "entry-a", scope=None)

    mentor_told = await store.claim_askers([question_id], asker_id=ALICE, outcome="told")

    assert [p.asker_id for p in mentor_told] == [ALICE]
    assert [p.asker_id for p in await store.untold([question_id])] == [BOB]
    with pytest.raises(ValueError, match="outcome"):
        await store.claim_askers([question_id], outcome="maybe")


async def test_a_dm_place_has_no_server(store: Store) -> None:
    question_id = await ask(store, "who pays for exams", place(9, 90, ALICE, guild_id=None))
    await store.resolve(question_id, "entry-a", scope=None)

    [dm] = await store.untold([question_id])

    assert (dm.guild_id, dm.channel_id, dm.message_id, dm.asker_id) == (None, 9, 90, ALICE)


async def test_the_unsure_mark_follows_the_latest_ask(store: Store) -> None:
    question_id = await ask(store, "do tls get stock options", place(5, 50, ALICE), unsure=True)
    item = await store.question(question_id, scope=None)
    assert item is not None and item.unsure

    await ask(store, "do tls get stock options", place(5, 51, BOB), unsure=False)

    item = await store.question(question_id, scope=None)
    assert item is not None and not item.unsure and item.ask_count == 2
    assert (await store.stats(7, scope=None)).suggested == 1  # counted as the reply it got, not twice


async def test_latest_open_question_is_the_members_own_in_this_server_within_the_window(db: Path | str) -> None:
    clock = Clock()
    async with await Store.open(db, clock=clock) as store:
        older = await ask(store, "who pays for exams", place(5, 50, ALICE))
        clock.now += timedelta(minutes=10)
        newer = await ask(store, "who pays for travel", place(5, 51, ALICE))
        await ask(store, "bob asks this", place(5, 52, BOB))
        await ask(store, "alice elsewhere", place(5, 53, ALICE, guild_id=99))

        assert await store.latest_open_question(HERE, ALICE, timedelta(hours=1)) == newer
        await store.resolve(newer, "entry-a", scope=None)
        assert await store.latest_open_question(HERE, ALICE, timedelta(hours=1)) == older
        clock.now += timedelta(hours=2)
        assert await store.latest_open_question(HERE, ALICE, timedelta(hours=1)) is None


async def test_purge_removes_the_askers_and_their_markers(db: Path | str) -> None:
    clock = Clock()
    async with await Store.open(db, clock=clock) as store:
        question_id = await ask(store, "who pays for exams", place(5, 50, ALICE))
        await store.resolve(question_id, "entry-a", scope=None)
        await store.claim_askers([question_id])
        clock.now += timedelta(days=40)

        counts = await store.purge(timedelta(days=30), scope=None)

        assert (counts.questions, counts.places) == (1, 1)
        assert await store.told(question_id) == {}
        assert await store._scalar("SELECT count(*) FROM question_asks WHERE asker_id IS NOT NULL") == 0


async def test_a_message_recorded_twice_is_one_ask_and_one_place_in_the_queue(db: Path | str) -> None:
    """A mentor's "Answer with FAQ" used twice on one message (or on one the bot saw) counts and queues it once."""
    async with await Store.open(db, clock=Clock()) as store:
        first = await ask(store, "do TLs get stock options?", place(2, 30, ALICE), unsure=True)
        again = await ask(store, "do TLs get stock options?", place(2, 30, ALICE), unsure=True)
        other = await ask(store, "do TLs get stock options?", place(2, 31, BOB), unsure=True)

        assert again == first == other
        item = await store.question(first, scope=None)
        assert item is not None
        assert item.ask_count == 2  # messages 30 and 31, not three judgments
        assert len(item.places) == 2
        stats = await store.stats(7, scope=Scope.of(HERE))
        assert stats.asked == 2


async def test_a_message_without_an_id_is_counted_each_time(db: Path | str) -> None:
    """Only a message id makes two records one: the command line's questions (no message) each count."""
    async with await Store.open(db, clock=Clock()) as store:
        cli = Origin("cli", None, None, None, None, None)
        for _ in range(2):
            await store.record_ask(Ask("what is a TL", "unknown", None, cli, queue=True))
        stats = await store.stats(7, scope=None)
        assert stats.asked == 2


async def test_a_question_asked_again_after_it_was_answered_is_open_again_with_its_new_asker(
    db: Path | str,
) -> None:
    """A process that has not learned the answer yet queues it again: the editors see it, and the new asker is told."""
    async with await Store.open(db, clock=Clock()) as store:
        question_id = await ask(store, "how do I configure the flux capacitor?", place(2, 30, ALICE))
        assert await store.resolve(question_id, "intro", scope=None)
        assert [asker.asker_id for asker in await store.untold([question_id])] == [ALICE]
        await store.claim_askers([question_id], outcome="told")

        again = await ask(store, "how do I configure the flux capacitor?", place(2, 31, BOB))

        assert again == question_id
        [listed] = await store.questions(scope=Scope.of(HERE))  # open again, in the editors' list
        assert (listed.id, listed.ask_count, listed.answer_entry_id) == (question_id, 2, None)
        assert await store.resolve(question_id, "intro", scope=None)
        assert [asker.asker_id for asker in await store.untold([question_id])] == [BOB]  # Alice was told already


async def test_a_message_whose_question_was_dismissed_is_not_queued_again(db: Path | str) -> None:
    """A mentor's "Answer with FAQ" on a message whose question was dismissed neither counts nor re-queues it."""
    async with await Store.open(db, clock=Clock()) as store:
        question_id = await ask(store, "best pizza in town?", place(2, 30, ALICE), unsure=True)
        assert await store.dismiss(question_id, "off-topic", scope=None)

        again = await ask(store, "best pizza in town?", place(2, 30, ALICE), unsure=True)

        assert again == question_id
        item = await store.question(question_id, scope=None)
        assert item is not None
        assert (item.status, item.ask_count, len(item.places)) == ("dismissed", 1, 1)
        assert await store.questions(scope=Scope.of(HERE)) == []


async def test_an_answer_is_known_as_posted_under_a_message_only_when_it_was_posted(store: Store) -> None:
    posted, refused = place(2, 30, ALICE), place(2, 31, BOB)
    entry = "faq-manager-or-engineer"
    await store.record_ask(Ask("is a TL a manager?", "answered", entry, posted, reply_message_id=900))
    await store.record_ask(Ask("is a TL a manager?", "answered", entry, refused))  # Discord refused the reply

    assert await store.answer_posted_under(posted, entry)
    assert not await store.answer_posted_under(posted, "intro")  # another entry may still be posted under it
    assert not await store.answer_posted_under(refused, entry)  # nothing was posted: a retry may post it
    assert not await store.answer_posted_under(place(2, 30, ALICE, guild_id=99), entry)  # another server's message


async def test_0010_keeps_the_posts_a_0009_database_recorded(db: Path | str) -> None:
    async with await Store.open(db, migrations=bundled_migrations(dialect(db))[:9]) as old:
        assert await old.schema_version() == 9
        await old._db.execute(  # a version-9 faqbot's post: it did not know which message it replied to
            "INSERT INTO answer_posts (message_id, question, entry_id, guild_id, channel_id, posted_at) "
            "VALUES (900, 'is a TL a manager?', 'faq-manager-or-engineer', 11, 2, '2026-01-01T00:00:00Z')"
        )

    async with await Store.open(db) as store:
        assert await store.schema_version() == bundled_migrations(dialect(db))[-1].version >= 10
        post = await store.answer_post(900)
        assert post is not None and post.entry_id == "faq-manager-or-engineer"  # votes on it still find it
        assert not await store.answer_posted_under(place(2, 30, ALICE), "faq-manager-or-engineer")
