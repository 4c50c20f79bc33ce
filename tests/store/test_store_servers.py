"""Each server's records are its own: scoped reads and writes, one transaction per ask, and the 0004 migration."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

import bot.store.sqlite
from bot.store import DM_SCOPE, Ask, Origin, Scope, Store
from bot.store.migrations import bundled_migrations

A, B = 111, 222
IN_A = Origin("discord", A, 1, 10, "https://discord.com/channels/111/1/10")
IN_B = Origin("discord", B, 2, 20, "https://discord.com/channels/222/2/20")
IN_DM = Origin("discord", None, 3, 30, "https://discord.com/channels/@me/3/30")
BREAD = "how do I bake sourdough bread?"


async def queue(store: Store, origin: Origin, text: str = BREAD) -> int:
    return await store.log_unanswered(text, origin, best_score=0.1, best_entry_id="intro")


async def test_the_same_question_in_two_servers_is_two_questions_each_seen_only_by_its_server(store: Store) -> None:
    in_a = await queue(store, IN_A)
    in_b = await queue(store, IN_B)
    in_dm = await queue(store, IN_DM)

    assert len({in_a, in_b, in_dm}) == 3
    assert [q.id for q in await store.questions(scope=Scope.of(A))] == [in_a]
    assert [q.id for q in await store.questions(scope=Scope.of(B))] == [in_b]
    assert [q.id for q in await store.questions(scope=Scope.of(None))] == [in_dm]
    assert {q.id for q in await store.questions(scope=Scope.of(A, None))} == {in_a, in_dm}  # the home server
    assert {q.id for q in await store.questions(scope=None)} == {in_a, in_b, in_dm}  # the command line
    [question] = await store.questions(scope=Scope.of(B))
    assert question.guild_id == B and [place.guild_id for place in question.places] == [B]


async def test_another_server_cannot_read_resolve_dismiss_or_purge_a_question(store: Store) -> None:
    in_a = await queue(store, IN_A)
    other = Scope.of(B)

    assert await store.question(in_a, scope=other) is None
    assert await store.resolve(in_a, "intro", scope=other) is False
    assert await store.dismiss(in_a, "spam", scope=other) is False
    store.clock = lambda: bot.store.models.utc_now() + timedelta(days=400)
    counts = await store.purge(timedelta(days=30), scope=other)

    assert (counts.questions, counts.places) == (0, 0)
    question = await store.question(in_a, scope=Scope.of(A))
    assert question is not None and question.status == "open" and len(question.places) == 1


async def test_stats_count_each_server_apart(store: Store) -> None:
    await store.record_ask(Ask("q", "answered", "intro", IN_A))
    await store.record_ask(Ask("q", "unknown", None, replace(IN_A, message_id=11), queue=True))
    await store.record_ask(Ask("q", "unknown", None, IN_B, queue=True))
    await store.record_ask(Ask("q", "suggest", None, IN_DM))
    await store.record_vote(message_id=5, entry_id="intro", question="q", user_id=1, vote=-1, origin=IN_A)

    in_a, in_b, everywhere = [await store.stats(7, scope=s) for s in (Scope.of(A), Scope.of(B), None)]

    assert (in_a.asked, in_a.answered, in_a.unknown, len(in_a.votes)) == (2, 1, 1, 1)
    assert (in_b.asked, in_b.answered, in_b.unknown, in_b.votes) == (1, 0, 1, ())
    assert (everywhere.asked, everywhere.suggested) == (4, 1)


async def test_an_ask_and_its_queued_question_are_recorded_together_or_not_at_all(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    question_id = await store.record_ask(Ask(BREAD, "unknown", None, IN_A, reply_message_id=77, queue=True))
    assert question_id is not None

    async def broken(*args: object) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(bot.store.sqlite, "_queue_question", broken)
    with pytest.raises(sqlite3.OperationalError):
        await store.record_ask(Ask("is there parking?", "unknown", None, replace(IN_A, message_id=11), queue=True))

    stats = await store.stats(7, scope=None)
    assert stats.asked == 1  # the failed one was not counted without its queued question
    assert len(await store.questions(scope=None)) == 1
    post = await store.answer_post(77)
    assert post is not None and post.guild_id == A


async def v3_database(db: Path | str) -> None:
    """A database as faqbot wrote it before servers were kept apart (schema 3), with rows from two servers and DMs."""
    dialect = "postgres" if str(db).startswith("postgresql") else "sqlite"
    async with await Store.open(db, migrations=bundled_migrations(dialect)[:3]) as old:
        for sql in V3_ROWS:
            await old._db.execute(sql)


async def read(store: Store, sql: str) -> list[tuple]:
    async with store._db.execute(sql) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


V3_ROWS = [  # question 1 asked in A twice and in B once; question 2 in a DM only; question 3 has lost its places
    "INSERT INTO questions VALUES (1, 'bread', 'unanswered', 'bread?', 3, '2026-01-01T00:00:00Z', "
    "'2026-01-03T00:00:00Z', 0.1, 'intro', NULL, 'open', NULL, NULL, NULL)",
    "INSERT INTO questions VALUES (2, 'dog', 'unanswered', 'dog?', 1, '2026-01-02T00:00:00Z', "
    "'2026-01-02T00:00:00Z', NULL, NULL, NULL, 'dismissed', NULL, 'off-topic', '2026-01-05T00:00:00Z')",
    "INSERT INTO questions VALUES (3, 'old', 'unanswered', 'old?', 4, '2025-01-02T00:00:00Z', "
    "'2025-01-02T00:00:00Z', NULL, NULL, NULL, 'open', NULL, NULL, NULL)",
    f"INSERT INTO question_asks VALUES (1, 1, '2026-01-01T00:00:00Z', 'discord', {A}, 1, 10, 'a1')",
    f"INSERT INTO question_asks VALUES (2, 1, '2026-01-02T00:00:00Z', 'discord', {B}, 2, 20, 'b1')",
    f"INSERT INTO question_asks VALUES (3, 1, '2026-01-03T00:00:00Z', 'discord', {A}, 1, 11, 'a2')",
    "INSERT INTO question_asks VALUES (4, 2, '2026-01-02T00:00:00Z', 'discord', NULL, 3, 30, 'dm')",
    f"INSERT INTO answer_posts VALUES (500, 'q', 'intro', {B}, 2, '2026-01-04T00:00:00Z')",
    "INSERT INTO answer_posts VALUES (501, 'q', 'intro', NULL, 3, '2026-01-04T00:00:05Z')",
    "INSERT INTO feedback VALUES (1, 500, 'intro', 'q', 'h1', -1, '2026-01-04T00:01:00Z')",
    "INSERT INTO feedback VALUES (2, 501, 'intro', 'q', 'h2', 1, '2026-01-04T00:01:00Z')",
    "INSERT INTO feedback VALUES (3, 999, 'intro', 'q', 'h3', 1, '2026-01-04T00:01:00Z')",
    "INSERT INTO asks VALUES (1, '2026-01-01T00:00:00Z', 'discord', 'unknown', NULL)",
    "INSERT INTO asks VALUES (2, '2026-01-02T00:00:00Z', 'discord', 'unknown', NULL)",
    "INSERT INTO asks VALUES (3, '2026-01-04T00:00:00Z', 'discord', 'answered', 'intro')",
    "INSERT INTO asks VALUES (4, '2026-01-04T00:00:05Z', 'discord', 'answered', 'intro')",
    "INSERT INTO asks VALUES (5, '2026-01-06T00:00:00Z', 'cli', 'unknown', NULL)",
    "INSERT INTO asks VALUES (6, '2026-01-07T00:00:00Z', 'discord', 'answered', 'intro')",
]


async def test_the_migration_gives_every_existing_record_its_server(db: Path | str) -> None:
    await v3_database(db)

    async with await Store.open(db) as store:
        in_a = await store.questions(scope=Scope.of(A), status=None)
        in_b = await store.questions(scope=Scope.of(B), status=None)
        in_dm = await store.questions(scope=Scope.of(None), status=None)
        votes = await read(store, "SELECT id, guild_id FROM feedback ORDER BY id")
        asks = await read(store, "SELECT id, guild_id FROM asks ORDER BY id")
        places = await read(store, "SELECT count(*) FROM question_asks")
        # The foreign key still cascades after the rebuild; new questions get fresh ids.
        await store._db.execute("DELETE FROM questions WHERE id = 1")
        orphans = await read(store, "SELECT count(*) FROM question_asks WHERE question_id = 1")
        fresh = await store.log_unanswered("brand new?", IN_A, best_score=None, best_entry_id=None)

    # Question 1 stays A's (its latest place) with A's two asks; B's ask became B's own question.
    assert [(q.id, q.text, q.ask_count, q.first_asked_at, [p.jump_url for p in q.places]) for q in in_a] == [
        (1, "bread?", 2, "2026-01-01T00:00:00Z", ["a2", "a1"])
    ]
    assert [(q.text, q.ask_count, q.status, [p.jump_url for p in q.places]) for q in in_b] == [
        ("bread?", 1, "open", ["b1"])
    ]
    assert in_b[0].id not in (1, 2, 3)
    assert {(q.id, q.status, q.dismiss_reason) for q in in_dm} == {(2, "dismissed", "off-topic"), (3, "open", None)}
    # Votes take the server of their answer (DM_SCOPE for a DM; unknown when the answer record is gone).
    assert votes == [(1, B), (2, DM_SCOPE), (3, None)]
    # Asks: matched by time to a place or answer; the command line's are the DM scope's; the rest unknown.
    assert asks == [
        (1, A),
        (2, None),  # at that second: B's place and a DM's, so it cannot be told
        (3, B),
        (4, DM_SCOPE),
        (5, DM_SCOPE),
        (6, None),  # nothing recorded then, and the database has seen two servers
    ]
    assert places == [(4,)]
    assert orphans == [(0,)]
    assert fresh not in (1, 2, 3, in_b[0].id)
