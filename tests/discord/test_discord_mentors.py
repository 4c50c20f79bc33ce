"""Mentors on Discord: /faq by id or title (with autocomplete), /faq for a member, and "Answer with FAQ".

Driven through simcord: the real FaqBot, its cogs and its SQLite store, against an in-memory Discord.
"""

from __future__ import annotations

from typing import Any

import pytest
import simcord
from discord_helpers import (
    World,
    allows_no_pings,
    asks,
    bot_replies,
    custom_ids,
    notified_by_bot,
    pinged_user_ids,
    queued_questions,
    sent_payloads,
    vote_ids,
    votes,
)

from bot.core.knowledge import Entry, KnowledgeBase

ON_CALL = "duty-on-call"
MANAGER_QUESTION = "is a cloud technical lead a manager or an engineer?"
MANAGER_ENTRY = "faq-manager-or-engineer"
OFF_TOPIC = "how do I bake sourdough bread?"


@pytest.fixture
def on_call(knowledge: KnowledgeBase) -> Entry:
    entry = knowledge.get(ON_CALL)
    assert entry is not None
    return entry


def member_of(world: World, name: str) -> simcord.MemberActor:
    return {"alice": world.alice, "mona": world.mona, "eddie": world.eddie}[name]


def last_callback_data(env: simcord.Env) -> dict[str, Any]:
    """The data of the last interaction response the bot sent (what Discord received, allowed_mentions included)."""
    callbacks = [r for r in env.http_requests if r.method == "POST" and r.path.endswith("/callback")]
    return callbacks[-1].json["data"]


# ---------------------------------------------------------------- /faq entry:


async def test_faq_by_id_posts_the_entry_publicly(world: World, on_call: Entry) -> None:
    result = await world.mona.slash(world.general, "faq", entry=ON_CALL)

    assert not result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == on_call.title
    assert embed.description == on_call.text
    assert {field.name: field.value for field in embed.fields}["Entry"] == f"`{ON_CALL}`"
    assert custom_ids(result.response) == vote_ids(ON_CALL)
    assert world.general.last_message.id == result.response.id  # everyone sees it


async def test_faq_by_exact_title_posts_the_same_entry(world: World, on_call: Entry) -> None:
    result = await world.mona.slash(world.general, "faq", entry=on_call.title)

    assert not result.ephemeral
    assert result.response.embeds[0].title == on_call.title
    assert custom_ids(result.response) == vote_ids(ON_CALL)


async def test_faq_post_can_be_voted_on(world: World, on_call: Entry) -> None:
    posted = await world.mona.slash(world.general, "faq", entry=ON_CALL)

    clicked = await world.alice.click(posted.response, custom_id=f"faqbot:vote:up:{ON_CALL}")

    assert clicked.response.content == "Thanks for the feedback!"
    assert [(vote["entry_id"], vote["vote"]) for vote in votes(world.db)] == [(ON_CALL, 1)]


async def test_faq_unknown_entry_answers_privately_with_the_closest_ids(world: World) -> None:
    result = await world.mona.slash(world.general, "faq", entry="on call rota")

    assert result.ephemeral
    assert result.response.content.startswith("No entry named")
    assert f"`{ON_CALL}`" in result.response.content
    assert result.response.embeds == []
    assert bot_replies(world.general, world.env) == []  # nothing public


async def test_faq_unknown_entry_echo_is_escaped_and_pings_nobody(world: World) -> None:
    typed = f"@everyone {world.alice.mention} **bold**"

    result = await world.mona.slash(world.general, "faq", entry=typed)

    content = result.response.content
    assert "@everyone" not in content  # defused (zero-width space after the @)
    assert world.alice.mention not in content
    assert "**bold**" not in content and r"\*\*bold\*\*" in content
    assert allows_no_pings(last_callback_data(world.env))
    assert not any(message.anyone for message in notified_by_bot(world.env))


# ---------------------------------------------------------------- autocomplete


async def test_autocomplete_tolerates_a_missing_hyphen(world: World) -> None:
    choices = await world.mona.autocomplete(world.general, "faq", "entry", "oncall")

    assert choices[0]["value"] == ON_CALL
    assert "On-call rotation health" in choices[0]["name"]


async def test_autocomplete_tolerates_a_typo(world: World) -> None:
    choices = await world.mona.autocomplete(world.general, "faq", "entry", "kubernets")

    top_two = [choice["value"] for choice in choices[:2]]
    assert {"skill-kubernetes", "cert-cka"} & set(top_two), choices


async def test_autocomplete_puts_the_exact_id_first(world: World) -> None:
    choices = await world.mona.autocomplete(world.general, "faq", "entry", "cert-cka")

    assert choices[0]["value"] == "cert-cka"


async def test_autocomplete_with_nothing_typed_offers_25_entries(world: World, knowledge: KnowledgeBase) -> None:
    assert len(knowledge.entries) > 25

    choices = await world.mona.autocomplete(world.general, "faq", "entry", "")

    assert len(choices) == 25
    assert len({choice["value"] for choice in choices}) == 25
    assert all(knowledge.get(choice["value"]) is not None for choice in choices)  # each value posts an entry
    assert all(len(choice["name"]) <= 100 for choice in choices)


async def test_autocomplete_never_offers_more_than_25(world: World) -> None:
    choices = await world.mona.autocomplete(world.general, "faq", "entry", "e")

    assert 0 < len(choices) <= 25


# ---------------------------------------------------------------- /faq for a member


@pytest.mark.parametrize("poster", ["mona", "eddie"])
async def test_faq_for_a_member_by_staff_mentions_that_member(world: World, on_call: Entry, poster: str) -> None:
    result = await member_of(world, poster).slash(world.general, "faq", entry=ON_CALL, member=world.alice)

    assert not result.ephemeral
    assert result.response.content.startswith(world.alice.mention)
    assert result.response.embeds[0].title == on_call.title
    assert custom_ids(result.response) == vote_ids(ON_CALL)
    assert world.general.last_message.id == result.response.id


@pytest.mark.parametrize("poster", ["mona", "eddie"])
async def test_faq_for_a_member_pings_only_that_member(world: World, poster: str) -> None:
    result = await member_of(world, poster).slash(world.general, "faq", entry=ON_CALL, member=world.alice)

    allowed = last_callback_data(world.env)["allowed_mentions"]
    assert allowed.get("parse") == []  # no @everyone, no roles, no other users by parsing
    assert [int(user) for user in allowed.get("users", [])] == [world.alice.id]
    assert not allowed.get("roles")
    assert pinged_user_ids(world.env, result.response) == [world.alice.id]
    [notified] = notified_by_bot(world.env)
    assert notified.users == (world.alice.id,) and notified.roles == () and not notified.everyone


async def test_faq_for_a_member_by_a_plain_member_is_shown_only_to_them(world: World, on_call: Entry) -> None:
    result = await world.alice.slash(world.general, "faq", entry=ON_CALL, member=world.mona)

    assert result.ephemeral
    assert "Only mentors and editors" in result.response.content
    assert result.response.embeds[0].title == on_call.title  # the answer, for themselves
    assert bot_replies(world.general, world.env) == []  # nothing posted publicly
    assert not any(message.anyone for message in notified_by_bot(world.env))
    assert allows_no_pings(last_callback_data(world.env))


# ---------------------------------------------------------------- "Answer with FAQ" (message context menu)


async def test_answer_with_faq_by_a_mentor_replies_to_the_members_message(
    world: World, knowledge: KnowledgeBase
) -> None:
    entry = knowledge.get(MANAGER_ENTRY)
    assert entry is not None
    question = await world.alice.send(world.general, MANAGER_QUESTION)

    result = await world.mona.context_menu(world.general, "Answer with FAQ", question)

    assert result.ephemeral
    assert result.response.content == f"Answered with `{MANAGER_ENTRY}`."
    [reply] = bot_replies(world.general, world.env)
    assert reply.reference is not None and reply.reference.message_id == question.id
    assert reply.embeds[0].title == entry.title
    assert reply.embeds[0].author.name == f"Q: {MANAGER_QUESTION}"
    assert custom_ids(reply) == vote_ids(MANAGER_ENTRY)
    assert pinged_user_ids(world.env, reply) == []  # the reply does not ping the asker
    assert all(allows_no_pings(payload) for payload in sent_payloads(world.env))


async def test_answer_with_faq_on_a_message_answered_already_does_not_post_again(world: World) -> None:
    question = await world.alice.send(world.general, MANAGER_QUESTION)
    await world.mona.context_menu(world.general, "Answer with FAQ", question)

    again = await world.mona.context_menu(world.general, "Answer with FAQ", question)

    assert again.ephemeral
    assert again.response.content == (
        f"That message has its answer already (`{MANAGER_ENTRY}`); I did not post it again."
    )
    [reply] = bot_replies(world.general, world.env)  # one answer under the member's message, one set of votes
    assert reply.reference is not None and reply.reference.message_id == question.id
    assert len(asks(world.db)) == 1


async def test_answer_with_faq_reply_is_counted_and_votable(world: World) -> None:
    question = await world.alice.send(world.general, MANAGER_QUESTION)
    await world.mona.context_menu(world.general, "Answer with FAQ", question)
    [reply] = bot_replies(world.general, world.env)

    await world.alice.click(reply, custom_id=f"faqbot:vote:down:{MANAGER_ENTRY}")

    assert asks(world.db) == [{"origin": "discord", "status": "answered", "entry_id": MANAGER_ENTRY}]
    [queued] = queued_questions(world.db)
    assert (queued["kind"], queued["text"], queued["rejected_entry_id"]) == (
        "downvoted",
        MANAGER_QUESTION,
        MANAGER_ENTRY,
    )


async def test_answer_with_faq_on_an_unanswerable_message_tells_the_mentor_and_queues_it(world: World) -> None:
    question = await world.alice.send(world.general, OFF_TOPIC)

    result = await world.mona.context_menu(world.general, "Answer with FAQ", question)

    assert result.ephemeral
    assert "no confident answer" in result.response.content
    assert "passed it to the editors" in result.response.content
    assert bot_replies(world.general, world.env) == []  # the member sees nothing
    [queued] = queued_questions(world.db)
    assert queued["text"] == OFF_TOPIC
    assert queued["origin"] == "discord"
    assert queued["message_id"] == question.id
    assert queued["jump_url"] == f"https://discord.com/channels/{world.guild.id}/{world.general.id}/{question.id}"


async def test_answer_with_faq_twice_on_one_message_queues_and_counts_it_once(world: World) -> None:
    question = await world.alice.send(world.general, OFF_TOPIC)

    for _ in range(2):
        result = await world.mona.context_menu(world.general, "Answer with FAQ", question)
        assert "passed it to the editors" in result.response.content

    [queued] = queued_questions(world.db)  # one place, asked once: the editors see one member's question
    assert (queued["message_id"], queued["ask_count"]) == (question.id, 1)
    assert len(asks(world.db)) == 1  # /stats counts the message once


async def test_answer_with_faq_by_a_plain_member_answers_only_them(world: World, knowledge: KnowledgeBase) -> None:
    entry = knowledge.get(MANAGER_ENTRY)
    assert entry is not None
    question = await world.mona.send(world.general, MANAGER_QUESTION)

    result = await world.alice.context_menu(world.general, "Answer with FAQ", question)

    assert result.ephemeral
    assert "Only mentors and editors" in result.response.content
    assert result.response.embeds[0].title == entry.title
    assert bot_replies(world.general, world.env) == []  # no public reply


async def test_answer_with_faq_by_a_plain_member_never_queues_or_counts_the_authors_message(world: World) -> None:
    chatter = await world.mona.send(world.general, OFF_TOPIC)

    result = await world.alice.context_menu(world.general, "Answer with FAQ", chatter)

    assert result.ephemeral
    assert "no confident answer" in result.response.content
    assert "passed it to the editors" not in result.response.content
    assert "/ask" in result.response.content  # how to pass it on in their own name
    # Nothing was recorded in the author's name: no queue item to resolve, so nobody is ever told (pinged) about it.
    assert queued_questions(world.db) == []
    assert asks(world.db) == []


async def test_answer_with_faq_on_a_bots_message_is_refused_and_records_nothing(world: World) -> None:
    await world.alice.slash(world.general, "ask", question=OFF_TOPIC)  # queued in alice's name, as it should be
    queued = queued_questions(world.db)
    [bot_message] = bot_replies(world.general, world.env)

    result = await world.mona.context_menu(world.general, "Answer with FAQ", bot_message)

    assert result.ephemeral
    assert "from a bot" in result.response.content
    assert queued_questions(world.db) == queued  # the bot's own words are never a member's question


async def test_answer_with_faq_on_small_talk_does_not_claim_it_was_passed_to_the_editors(world: World) -> None:
    chat = await world.alice.send(world.general, "thanks!")

    result = await world.mona.context_menu(world.general, "Answer with FAQ", chat)

    assert result.ephemeral
    assert bot_replies(world.general, world.env) == []
    assert queued_questions(world.db) == []  # small talk is not a question for the editors ...
    assert "passed it to the editors" not in result.response.content, result.response.content  # ... so don't say so


# ---------------------------------------------------------------- mentors teach


CERT_QUESTION = "who pays for my certification exams?"
CERT_ENTRY = "glance-certifications"


def title_of(result: simcord.InteractionResult) -> str | None:
    return result.response.embeds[0].title if result.response.embeds else None


async def test_answer_with_faq_lets_a_mentor_pick_the_entry_and_teaches_it(world: World) -> None:
    entry = world.bot.answerer.knowledge.get(CERT_ENTRY)
    assert title_of(await world.eddie.slash(world.general, "ask", question=CERT_QUESTION)) != entry.title
    question = await world.alice.send(world.general, CERT_QUESTION)

    offered = await world.mona.context_menu(world.general, "Answer with FAQ", question)

    assert offered.ephemeral and "Pick the entry" in offered.response.content
    [menu] = [c for row in offered.response.components for c in row["components"]]
    assert CERT_ENTRY in [option["value"] for option in menu["options"]]
    picked = await world.mona.select(offered.response, [CERT_ENTRY])

    assert f"Answered with `{CERT_ENTRY}`." in picked.response.content
    assert "is marked answered by" in picked.response.content
    reply = next(
        m for m in bot_replies(world.general, world.env) if m.reference and m.reference.message_id == question.id
    )
    assert reply.embeds[0].title == entry.title
    assert pinged_user_ids(world.env, reply) == [world.alice.id]  # the mentor's reply is alice's telling
    question_id = next(q.id for q in await world.bot.store.questions(scope=None, status="answered"))
    assert await world.bot.store.told(question_id) == {world.alice.id: "told", world.eddie.id: "told"}
    # eddie had asked it too, by /ask: he is told once, by a notice pinging only him
    notices = [n for n in notified_by_bot(world.env) if n.users == (world.eddie.id,)]
    assert len(notices) == 1 and not notices[0].roles and not notices[0].everyone
    assert not any(world.mona.id in n.users for n in notified_by_bot(world.env))
    # the next member asking the same is answered with that entry
    assert title_of(await world.eddie.slash(world.general, "ask", question=CERT_QUESTION)) == entry.title


async def test_faq_for_a_member_resolves_their_open_question_and_teaches_it(world: World) -> None:
    entry = world.bot.answerer.knowledge.get(CERT_ENTRY)
    assert world.bot.user is not None
    await world.alice.send(world.general, f"{world.bot.user.mention} {CERT_QUESTION}")

    posted = await world.mona.slash(world.general, "faq", entry=CERT_ENTRY, member=world.alice)

    [note] = posted.followups
    assert note.flags.ephemeral and "is marked answered by `glance-certifications`" in note.content
    [question] = await world.bot.store.questions(scope=None, status="answered")
    assert await world.bot.store.told(question.id) == {world.alice.id: "told"}
    alice_pings = [n for n in notified_by_bot(world.env) if world.alice.id in n.users]
    assert [n.message_id for n in alice_pings] == [posted.response.id]  # the /faq post is the telling: told once
    assert title_of(await world.eddie.slash(world.general, "ask", question=CERT_QUESTION)) == entry.title


async def test_faq_for_a_member_with_nothing_open_resolves_nothing(world: World) -> None:
    await world.mona.slash(world.general, "faq", entry=CERT_ENTRY, member=world.alice)

    assert await world.bot.store.questions(scope=None, status="answered") == []
    assert await world.bot.store.learned() == []


async def test_a_mentors_pick_shows_and_keeps_the_members_question_without_discord_markup(world: World) -> None:
    question = await world.alice.send(world.general, f"<@{world.eddie.id}> {CERT_QUESTION} <@&{world.mentor_role.id}>")
    offered = await world.mona.context_menu(world.general, "Answer with FAQ", question)
    await world.mona.select(offered.response, [CERT_ENTRY])
    reply = next(
        m for m in bot_replies(world.general, world.env) if m.reference and m.reference.message_id == question.id
    )

    assert reply.embeds[0].author.name == f"Q: {CERT_QUESTION}"  # as every other reply shows it: no mention codes
    await world.mona.click(reply, custom_id=f"faqbot:vote:down:{CERT_ENTRY}")
    [downvoted] = await world.bot.store.questions(scope=None, status="open")
    assert downvoted.text == CERT_QUESTION  # queued as the question was asked, so it groups with it
