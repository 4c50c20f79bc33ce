"""Askers hear back (SimCord): once their question is resolved, each member who asked it is told once, where they
asked (by DM for a DM question), pinged alone; `discord.notify_askers: false` tells nobody; a lost place breaks
nothing."""

from __future__ import annotations

import logging

import pytest
import simcord
from discord_helpers import Notified, World, configure_discord, notified_by_bot, sent_payloads

from bot.core.queue import resolve_question
from bot.store import Scope

QUESTION = "who pays for my certification exams?"
ENTRY = "glance-certifications"


def public_bot_messages(world: World) -> list[Notified]:
    """The bot's messages in channels and DMs (not the private replies to commands), with who they ping.

    Reads simcord's backend model, as discord_helpers.notified_by_bot does (INTERNAL: not public simcord API).
    """
    public = {
        message.id
        for channel_messages in world.env.backend.messages.values()
        for message in channel_messages.values()
        if not message.is_ephemeral
    }
    return [message for message in notified_by_bot(world.env) if message.message_id in public]


def bot_messages(world: World) -> set[int]:
    """The ids of every public message the bot has posted so far, anywhere."""
    return {message.message_id for message in public_bot_messages(world)}


def new_bot_messages(world: World, before: set[int]) -> list[Notified]:
    """The bot's public messages (channels and DMs) posted since `before`, with their pings."""
    return [message for message in public_bot_messages(world) if message.message_id not in before]


async def mention(world: World, member: simcord.MemberActor, channel: simcord.ChannelHandle, text: str = QUESTION):
    """A member asks the bot by mentioning it; returns their message."""
    assert world.bot.user is not None
    return await member.send(channel, f"{world.bot.user.mention} {text}")


async def queued_id(world: World, scope: Scope | None = None) -> int:
    """The id of the one question the bot queued."""
    [question] = await world.bot.store.questions(scope=scope, status="open")
    return question.id


async def resolve(world: World, question_id: int) -> str:
    """An editor resolves a question to ENTRY in Discord; returns the private reply."""
    result = await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry=ENTRY)
    return result.response.content


def message_in(channel: simcord.ChannelHandle, message_id: int):
    return next(message for message in channel.history() if message.id == message_id)


async def test_the_asker_is_told_once_in_the_channel_pinging_only_them(world: World) -> None:
    entry = world.bot.answerer.knowledge.get(ENTRY)
    asked = await mention(world, world.alice, world.general)
    question_id = await queued_id(world)
    before = bot_messages(world)

    reply = await resolve(world, question_id)

    assert reply.endswith("Told 1 asker(s).")
    [notice] = new_bot_messages(world, before)
    assert notice.users == (world.alice.id,)  # not the editor, not other members
    assert notice.roles == () and not notice.everyone
    message = message_in(world.general, notice.message_id)
    assert message.reference is not None and message.reference.message_id == asked.id
    assert message.embeds[0].title == entry.title
    assert message.embeds[0].author.name == f"Q: {QUESTION}"
    assert message.content.startswith(world.alice.mention)
    [payload] = [p for p in sent_payloads(world.env) if "has an answer now" in (p.get("content") or "")]
    allowed = payload["allowed_mentions"]
    assert allowed["parse"] == [] and [int(user) for user in allowed["users"]] == [world.alice.id]
    assert not allowed.get("replied_user") and not allowed.get("roles")

    again = await resolve(world, question_id)  # resolving again tells nobody a second time

    assert "Told" not in again
    assert new_bot_messages(world, before) == [notice]


async def test_a_member_who_asked_in_two_places_is_told_once_and_others_each_once(world: World) -> None:
    random = world.guild.create_text_channel("random")
    await world.env.settle()
    await mention(world, world.alice, world.general)
    latest = await mention(world, world.alice, random, QUESTION.upper())
    await mention(world, world.mona, world.general)
    question_id = await queued_id(world)
    before = bot_messages(world)

    reply = await resolve(world, question_id)

    assert reply.endswith("Told 2 asker(s).")
    notices = new_bot_messages(world, before)
    assert sorted(notice.users for notice in notices) == sorted([(world.alice.id,), (world.mona.id,)])
    alice_notice = next(notice for notice in notices if notice.users == (world.alice.id,))
    assert message_in(random, alice_notice.message_id).reference.message_id == latest.id  # where she asked last
    assert all(not notice.roles and not notice.everyone for notice in notices)
    assert await world.bot.store.told(question_id) == {world.alice.id: "told", world.mona.id: "told"}


async def test_an_ask_command_is_answered_under_the_bots_own_answer(world: World) -> None:
    asked = await world.alice.slash(world.general, "ask", question=QUESTION)
    question_id = await queued_id(world)
    before = bot_messages(world)

    await resolve(world, question_id)

    [notice] = new_bot_messages(world, before)
    assert notice.users == (world.alice.id,)
    message = message_in(world.general, notice.message_id)
    assert message.reference is not None and message.reference.message_id == asked.response.id


async def test_a_dm_question_is_answered_by_dm(world: World) -> None:
    configure_discord(world.bot, home_guild_id=world.guild.id)  # this server's editors see the DMs' questions
    sent = await world.alice.send_dm(QUESTION)
    question_id = await queued_id(world, Scope.of(None))
    before = bot_messages(world)

    reply = await resolve(world, question_id)

    assert reply.endswith("Told 1 asker(s).")
    [notice] = new_bot_messages(world, before)
    dm = world.alice.user.dm_channel.last_message
    assert dm.id == notice.message_id and dm.reference.message_id == sent.id
    assert dm.embeds[0].author.name == f"Q: {QUESTION}"
    assert not any(message.id == notice.message_id for message in world.general.history())


async def test_what_the_home_servers_editors_teach_from_a_dm_answers_the_next_dm(world: World) -> None:
    configure_discord(world.bot, home_guild_id=world.guild.id)  # they resolve the DMs' questions
    await world.alice.send_dm(QUESTION)
    await resolve(world, await queued_id(world, Scope.of(None)))

    await world.alice.send_dm(QUESTION)  # the member who was told it has an answer asks it again

    answer = world.alice.user.dm_channel.last_message
    assert answer.embeds[0].title == world.bot.answerer.knowledge.get(ENTRY).title
    assert not await world.bot.store.questions(scope=Scope.of(None), status="open")  # answered, not queued again


async def test_a_reload_answers_a_dm_question_the_home_servers_editors_taught_in_the_server(world: World) -> None:
    configure_discord(world.bot, home_guild_id=world.guild.id)
    await mention(world, world.alice, world.general)
    await world.mona.send_dm(QUESTION)  # the same question by DM: queued for the home server's editors apart
    await resolve(world, await queued_id(world, Scope.of(world.guild.id)))
    before = bot_messages(world)

    result = await world.eddie.slash(world.general, "knowledge reload")

    assert "1 open question(s) can now be answered" in result.response.content
    assert not await world.bot.store.questions(scope=Scope.of(None), status="open")
    [told] = new_bot_messages(world, before)
    assert told.message_id == world.mona.user.dm_channel.last_message.id  # the DM asker hears back by DM


async def test_notify_askers_false_tells_nobody(world: World) -> None:
    configure_discord(world.bot, notify_askers=False)
    await mention(world, world.alice, world.general)
    question_id = await queued_id(world)
    before = bot_messages(world)

    reply = await resolve(world, question_id)

    assert reply.endswith("1 asker(s) not told: discord.notify_askers is false.")
    assert new_bot_messages(world, before) == []
    assert await world.bot.store.told(question_id) == {}


async def test_a_deleted_question_does_not_stop_the_others_being_told(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    gone = await mention(world, world.alice, world.general)
    await mention(world, world.mona, world.general)
    question_id = await queued_id(world)
    await world.alice.delete(gone)
    before = bot_messages(world)

    with caplog.at_level(logging.WARNING, logger="bot.discord_app.notify"):
        reply = await resolve(world, question_id)

    assert reply.endswith("Told 1 asker(s); 1 could not be reached (see the log).")
    [notice] = new_bot_messages(world, before)
    assert notice.users == (world.mona.id,)
    assert await world.bot.store.told(question_id) == {world.alice.id: "failed", world.mona.id: "told"}
    [line] = [record for record in caplog.records if record.name == "bot.discord_app.notify"]
    assert f"#{question_id}" in line.getMessage() and line.exc_info is None
    assert str(world.alice.id) not in line.getMessage()  # the log says which question, not who


async def test_a_question_resolved_from_the_cli_is_told_when_resolved_again_in_discord(world: World) -> None:
    await mention(world, world.alice, world.general)
    question_id = await queued_id(world)
    knowledge = world.bot.answerer.knowledge
    cli = await resolve_question(world.bot.store, knowledge, question_id, ENTRY, scope=None)  # what the CLI runs
    assert cli.done
    before = bot_messages(world)
    assert new_bot_messages(world, before) == []  # nobody was told from the command line

    reply = await resolve(world, question_id)

    assert reply.endswith("Told 1 asker(s).")
    [notice] = new_bot_messages(world, before)
    assert notice.users == (world.alice.id,)
