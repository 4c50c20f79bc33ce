"""Members' picks and group dismissal in the store (SQLite and PostgreSQL): the 0007 migration, proposals that
never teach on their own, one pick per member (0008), confirming through a resolve, rejecting, and dismissing a group
that keeps answers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.store import Origin, Scope, Store, utc_now
from bot.store.migrations import bundled_migrations

HERE, THERE = 11, 22
STOCK = "do TLs get stock options?"


def origin(guild_id: int | None = HERE, message_id: int = 6) -> Origin:
    return Origin("discord", guild_id, 5, message_id)


async def test_0007_adds_proposals_to_an_existing_database(db: Path | str) -> None:
    dialect = "postgres" if isinstance(db, str) else "sqlite"
    migrations = bundled_migrations(dialect)
    async with await Store.open(db, migrations=[m for m in migrations if m.version < 7]) as old:
        question_id = await old.log_unanswered(STOCK, origin(), best_score=0.3, best_entry_id="intro")
    async with await Store.open(db) as store:
        assert await store.schema_version() == migrations[-1].version >= 7
        proposal = await store.propose(STOCK, "intro", origin(), user_id=1)
        assert proposal is not None and proposal.question_id == question_id


async def test_a_member_who_downvotes_the_entry_they_picked_takes_their_pick_back(store: Store) -> None:
    question_id = await store.log_unanswered(STOCK, origin(), best_score=0.3, best_entry_id="intro")
    await store.propose(STOCK, "intro", origin(message_id=7), user_id=1)
    await store.propose(STOCK, "intro", origin(message_id=8), user_id=2)
    vote = {"entry_id": "intro", "question": STOCK, "vote": -1, "origin": origin(message_id=9)}

    await store.record_vote(message_id=40, user_id=1, **vote)  # the first picker turns it down

    [(proposal,)] = (await store.proposals([question_id])).values()
    assert (proposal.entry_id, proposal.picks) == ("intro", 1)  # the other member's pick stands
    await store.record_vote(message_id=41, user_id=2, **vote)
    assert await store.proposals([question_id]) == {}  # nobody's pick left: nothing to confirm
    [question] = await store.questions(scope=None)
    assert (question.ask_count, question.rejected_entry_id) == (1, "intro")


async def test_a_pick_attaches_to_the_open_question_counts_and_does_not_teach(store: Store) -> None:
    question_id = await store.log_unanswered(STOCK, origin(), best_score=0.3, best_entry_id="intro")

    first = await store.propose(STOCK, "intro", origin(message_id=7), user_id=1)
    second = await store.propose("Do TLs get stock options", "intro", origin(message_id=8), user_id=2)
    other = await store.propose(STOCK, "benefits", origin(message_id=9), user_id=3)

    assert first is not None and second is not None and other is not None
    assert first.question_id == second.question_id == other.question_id == question_id
    assert (first.id, second.picks) == (second.id, 2)  # the same pick, counted
    assert [(p.entry_id, p.picks) for p in (await store.proposals([question_id]))[question_id]] == [
        ("intro", 2),
        ("benefits", 1),
    ]
    assert await store.learned() == []  # a pick never teaches on its own
    [question] = await store.questions(scope=None)
    assert (question.id, question.ask_count, question.status) == (question_id, 1, "open")


async def test_a_member_who_picks_the_same_entry_again_counts_once(store: Store) -> None:
    question_id = await store.log_unanswered(STOCK, origin(), best_score=0.3, best_entry_id="intro")

    for message_id in (7, 8, 9, 10, 11, 12):
        await store.propose(STOCK, "intro", origin(message_id=message_id), user_id=1)
    again = await store.propose(STOCK, "intro", origin(message_id=13), user_id=1)
    other = await store.propose(STOCK, "intro", origin(message_id=14), user_id=2)
    elsewhere = await store.propose(STOCK, "benefits", origin(message_id=15), user_id=1)

    assert again is not None and again.picks == 1  # six clicks by one member are one pick
    assert other is not None and other.picks == 2
    assert elsewhere is not None and elsewhere.picks == 1  # the same member may pick another entry
    assert [(p.entry_id, p.picks) for p in (await store.proposals([question_id]))[question_id]] == [
        ("intro", 2),
        ("benefits", 1),
    ]


async def test_0008_keeps_the_first_picker_of_an_existing_proposal(db: Path | str) -> None:
    dialect = "postgres" if isinstance(db, str) else "sqlite"
    migrations = bundled_migrations(dialect)
    async with await Store.open(db, migrations=[m for m in migrations if m.version < 8]) as old:
        question_id = await old.log_unanswered(STOCK, origin(), best_score=0.3, best_entry_id="intro")
        # The row a version-7 faqbot wrote when member 1 picked "intro" (today's propose also writes its picker).
        await old._db.execute(
            "INSERT INTO proposals (id, question_id, entry_id, picks, proposed_by, proposed_at, last_picked_at) "
            "VALUES (5, ?, 'intro', 1, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            (question_id, await old._user_hash(1)),
        )
    async with await Store.open(db) as store:
        assert await store.schema_version() == migrations[-1].version >= 8
        again = await store.propose(STOCK, "intro", origin(), user_id=1)
        other = await store.propose(STOCK, "intro", origin(), user_id=2)
    assert again is not None and other is not None
    assert (again.id, again.picks, other.picks) == (5, 1, 2)  # member 1's earlier pick is remembered


async def test_a_pick_without_a_queued_question_queues_it_and_none_after_it_is_closed(store: Store) -> None:
    proposal = await store.propose(STOCK, "intro", origin(THERE), user_id=1)
    assert proposal is not None
    [question] = await store.questions(scope=Scope.of(THERE))
    assert (question.id, question.text, question.status) == (proposal.question_id, STOCK, "open")

    assert await store.dismiss(question.id, "off-topic", scope=None)
    assert await store.propose(STOCK, "intro", origin(THERE), user_id=2) is None  # the editors already decided


async def test_resolving_settles_proposals_and_reject_keeps_the_question_open(store: Store) -> None:
    question_id = await store.log_unanswered(STOCK, origin(), best_score=0.3, best_entry_id="intro")
    intro = await store.propose(STOCK, "intro", origin(), user_id=1)
    benefits = await store.propose(STOCK, "benefits", origin(), user_id=2)
    assert intro is not None and benefits is not None

    assert await store.reject_proposal(benefits.id, scope=Scope.of(THERE)) is None  # another server's editors
    rejected = await store.reject_proposal(benefits.id, scope=Scope.of(HERE))
    assert rejected is not None and rejected.status == "rejected"
    assert await store.reject_proposal(benefits.id, scope=None) is None  # not open any more
    assert (await store.question(question_id, scope=None)).status == "open"
    assert await store.propose(STOCK, "benefits", origin(), user_id=3) is None  # a rejected pick stays rejected

    teaching = await store.teach(question_id, "intro", scope=None, guild_id=HERE, user_id=4)
    assert teaching is not None
    await store.settle_proposals(teaching.resolved, "intro")
    assert (await store.proposal(intro.id, scope=None)).status == "confirmed"
    assert await store.proposals([question_id]) == {}


async def test_dismissing_a_group_dismisses_its_open_questions_and_keeps_answers(store: Store) -> None:
    first = await store.log_unanswered("how do I bake bread", origin(), best_score=0.1, best_entry_id=None)
    second = await store.log_unanswered("how to bake bread", origin(), best_score=0.1, best_entry_id=None)
    answered = await store.log_unanswered("bread recipe", origin(), best_score=0.1, best_entry_id=None)
    elsewhere = await store.log_unanswered("baking bread", origin(THERE), best_score=0.1, best_entry_id=None)
    assert await store.resolve(answered, "faq-bread", scope=None)

    assert await store.dismiss_group(first, (first, second), "off-topic", scope=Scope.of(THERE)) is None
    dismissal = await store.dismiss_group(
        first, (first, second, answered, elsewhere), "off-topic", scope=Scope.of(HERE)
    )
    kept = await store.dismiss_group(answered, (), "spam", scope=None)

    assert dismissal is not None and dismissal.dismissed == (first, second)
    assert kept is not None and (kept.dismissed, kept.answered_by) == ((), "faq-bread")
    statuses = {q.id: (q.status, q.answer_entry_id) for q in await store.questions(scope=None, status=None)}
    assert statuses == {
        first: ("dismissed", None),
        second: ("dismissed", None),
        answered: ("answered", "faq-bread"),
        elsewhere: ("open", None),
    }


async def test_purging_a_question_takes_its_proposals_with_it(store: Store) -> None:
    proposal = await store.propose(STOCK, "intro", origin(), user_id=1)
    assert proposal is not None

    later = utc_now() + timedelta(days=10)
    store.clock = lambda: later
    await store.purge(timedelta(days=1), scope=None)

    assert await store.proposal(proposal.id, scope=None) is None
