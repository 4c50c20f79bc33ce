"""Learned phrasings in the store (SQLite and PostgreSQL): the 0005 migration, teaching, conflicts, moving a
question's own phrasing when it is resolved again, forgetting."""

from __future__ import annotations

import itertools
from pathlib import Path

from bot.store import Ask, Origin, Scope, Store
from bot.store.migrations import bundled_migrations

HERE, THERE = 11, 22


MESSAGE_IDS = itertools.count(6)  # each question is a member's message of its own


async def queue(store: Store, text: str, guild_id: int | None = HERE) -> int:
    origin = Origin("discord", guild_id, 5, next(MESSAGE_IDS))
    question_id = await store.record_ask(Ask(text, "unknown", None, origin, queue=True, best_score=0.1))
    assert question_id is not None
    return question_id


async def test_0005_adds_the_learned_table_to_an_existing_database(db: Path | str) -> None:
    dialect = "postgres" if isinstance(db, str) else "sqlite"
    async with await Store.open(db, migrations=bundled_migrations(dialect)[:4]) as old:
        # The row a version-4 faqbot wrote (today's record_ask writes columns added later).
        await old._db.execute(
            "INSERT INTO questions (id, guild_id, normalized, text, ask_count, first_asked_at, last_asked_at) "
            "VALUES (7, 11, 'who pays for exams', 'who pays for exams', 1, '2026-01-01T00:00:00Z', "
            "'2026-01-01T00:00:00Z')"
        )
        question_id = 7
    async with await Store.open(db) as store:
        assert await store.schema_version() == bundled_migrations(dialect)[-1].version >= 5
        teaching = await store.teach(question_id, "entry-a", scope=None, guild_id=HERE, user_id=1)
        assert teaching is not None and teaching.learned == ("who pays for exams",)
        assert [(item.entry_id, item.guild_id) for item in await store.learned()] == [("entry-a", HERE)]


async def test_teaching_is_scoped_and_refuses_another_entry_s_phrasing(store: Store) -> None:
    here = await queue(store, "who pays for exams")
    there = await queue(store, "who pays for exams", guild_id=THERE)

    assert await store.teach(here, "entry-a", scope=Scope.of(THERE), guild_id=THERE, user_id=2) is None
    assert (await store.teach(here, "entry-a", scope=Scope.of(HERE), guild_id=HERE, user_id=1)).resolved == (here,)
    refused_everywhere = await store.teach(there, "entry-b", scope=None, guild_id=None, user_id=None)
    taught_there = await store.teach(there, "entry-b", scope=Scope.of(THERE), guild_id=THERE, user_id=2)

    assert refused_everywhere is not None and refused_everywhere.refused == (("who pays for exams", "entry-a"),)
    assert taught_there is not None and taught_there.learned == ("who pays for exams",)
    assert [item.guild_id for item in await store.learned(guild_id=THERE)] == [THERE]
    assert len(await store.learned()) == 2


async def test_resolving_a_question_again_moves_its_own_phrasing(store: Store) -> None:
    question_id = await queue(store, "who pays for exams")
    await store.teach(question_id, "entry-a", scope=Scope.of(HERE), guild_id=HERE, user_id=1)

    again = await store.teach(question_id, "entry-b", scope=Scope.of(HERE), guild_id=HERE, user_id=2)

    assert again is not None
    assert (again.resolved, again.learned, again.refused) == ((question_id,), (), ())
    assert again.moved == (("who pays for exams", "entry-a"),)
    [item] = await store.learned()
    assert (item.entry_id, item.guild_id, item.question_id) == ("entry-b", HERE, question_id)
    assert (await store.question(question_id, scope=None)).answer_entry_id == "entry-b"


async def test_another_question_or_another_place_is_still_refused_and_names_the_phrasing(store: Store) -> None:
    taught_here = await queue(store, "who pays for exams")
    elsewhere = await queue(store, "Who pays for exams?", guild_id=THERE)
    from_the_cli = await queue(store, "can I expense my exam fee")
    await store.teach(taught_here, "entry-a", scope=Scope.of(HERE), guild_id=HERE, user_id=1)
    await store.teach(from_the_cli, "entry-a", scope=None, guild_id=None, user_id=None)
    learned = {item.text: item.id for item in await store.learned()}

    # From the command line another server's question with that text is refused; so is a server's editor moving
    # a phrasing the command line taught (it answers everywhere).
    other_question = await store.teach(elsewhere, "entry-b", scope=None, guild_id=None, user_id=None)
    everywhere = await store.teach(from_the_cli, "entry-b", scope=Scope.of(HERE), guild_id=HERE, user_id=1)

    assert other_question is not None and other_question.refused == (("Who pays for exams?", "entry-a"),)
    assert other_question.removable == (("Who pays for exams?", learned["who pays for exams"]),)
    assert everywhere is not None and everywhere.resolved == () and everywhere.moved == ()
    assert everywhere.removable == (("can I expense my exam fee", learned["can I expense my exam fee"]),)
    assert {item.entry_id for item in await store.learned()} == {"entry-a"}


async def test_forget_removes_one_phrasing(store: Store) -> None:
    question_id = await queue(store, "who pays for exams")
    await store.teach(question_id, "entry-a", scope=None, guild_id=None, user_id=None)
    (learned,) = await store.learned(everywhere_only=True)

    assert learned.guild_id is None
    assert await store.forget(learned.id) == learned
    assert await store.learned() == []
