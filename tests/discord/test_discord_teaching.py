"""Resolving teaches, in Discord (SimCord): the server's members get the entry next time; another server does not."""

from __future__ import annotations

import itertools

import discord
import pytest
import simcord
from discord_helpers import World, grant_editor_commands
from simcord import assert_error

from bot.discord_app.bot import EditorsOnly
from bot.store import Ask, Origin

QUESTION = "who pays for my certification exams?"
PARAPHRASE = "does the company pay for certification exams"
ENTRY = "glance-certifications"
MESSAGE_IDS = itertools.count(1)  # each question is a member's message of its own


@pytest.fixture
async def elsewhere(world: World) -> tuple[simcord.ChannelHandle, simcord.MemberActor]:
    """A second server with one member, served by the same bot."""
    guild = world.env.create_guild("Bakers")
    lobby = guild.create_text_channel("lobby")
    carl = guild.add_member(world.env.create_user("carl"))
    await world.env.settle()
    return lobby, carl


async def queue(world: World, text: str) -> int:
    """Queue a question as asked in the world's general channel (the bot also queues its own "did you mean"s)."""
    origin = Origin("discord", world.guild.id, world.general.id, next(MESSAGE_IDS))
    question_id = await world.bot.store.record_ask(Ask(text, "unknown", None, origin, queue=True))
    assert question_id is not None
    return question_id


def title(result: simcord.InteractionResult) -> str | None:
    return result.response.embeds[0].title if result.response.embeds else None


async def test_resolving_in_discord_teaches_this_server_only(
    world: World, elsewhere: tuple[simcord.ChannelHandle, simcord.MemberActor]
) -> None:
    lobby, carl = elsewhere
    entry = world.bot.answerer.knowledge.get(ENTRY)
    before_there = title(await carl.slash(lobby, "ask", question=PARAPHRASE))
    assert title(await world.alice.slash(world.general, "ask", question=QUESTION)) != entry.title
    question_id = await queue(world, QUESTION)

    resolved = await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry=ENTRY)

    taught = f"#{question_id} is marked answered by `{ENTRY}`; learned 1 phrasing(s)."
    assert resolved.response.content == f"{taught} Told 1 asker(s)."  # alice's /ask got a "did you mean": queued
    assert title(await world.alice.slash(world.general, "ask", question=QUESTION)) == entry.title
    assert title(await world.alice.slash(world.general, "ask", question=PARAPHRASE)) == entry.title
    assert title(await carl.slash(lobby, "ask", question=PARAPHRASE)) == before_there != entry.title


async def test_a_conflicting_phrasing_is_refused_in_one_line(world: World) -> None:
    owner = next(e for e in world.bot.answerer.knowledge.entries if e.questions and e.id != ENTRY)
    question_id = await queue(world, owner.questions[0])

    result = await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry=ENTRY)

    assert result.response.content.startswith(f"#{question_id} was not resolved: ")
    assert f"already belongs to `{owner.id}`" in result.response.content
    assert await world.bot.store.learned() == []


async def test_an_editor_forgets_a_mistaken_resolve_and_the_answer_goes_back(world: World) -> None:
    wrong = world.bot.answerer.knowledge.get("intro")
    before = title(await world.alice.slash(world.general, "ask", question=QUESTION))
    question_id = await queue(world, QUESTION)
    await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry="intro")
    assert title(await world.alice.slash(world.general, "ask", question=QUESTION)) == wrong.title  # the mistake

    [choice] = await world.eddie.autocomplete(world.general, "knowledge forget", "phrasing", "certification")
    forgot = await world.eddie.slash(world.general, "knowledge forget", phrasing=choice["value"])

    assert choice["name"] == f"{QUESTION} → intro"
    assert forgot.response.content.startswith(f'Forgot "{QUESTION}" (it asked for `intro`)')
    assert await world.bot.store.learned() == []
    assert title(await world.alice.slash(world.general, "ask", question=QUESTION)) == before  # back to what it was


async def test_another_servers_editor_can_neither_see_nor_forget_this_servers_phrasings(
    world: World, elsewhere: tuple[simcord.ChannelHandle, simcord.MemberActor]
) -> None:
    lobby, _ = elsewhere
    their_editor = lobby.guild.add_member(
        world.env.create_user("bea"),
        roles=[lobby.guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))],
    )
    await world.env.settle()
    question_id = await queue(world, QUESTION)
    await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry=ENTRY)
    [learned] = await world.bot.store.learned()

    offered = await their_editor.autocomplete(lobby, "knowledge forget", "phrasing", "")
    refused = await their_editor.slash(lobby, "knowledge forget", phrasing=str(learned.id))

    assert offered == []
    assert refused.response.content.startswith("No phrasing")
    assert await world.bot.store.learned() == [learned]


async def test_a_member_let_use_knowledge_commands_is_offered_no_phrasings(world: World) -> None:
    question_id = await queue(world, QUESTION)
    await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry=ENTRY)
    grant_editor_commands(world.env, world.guild, world.alice)  # Integrations: Alice may use /knowledge, not an editor

    offered = await world.alice.autocomplete(world.general, "knowledge forget", "phrasing", "")
    refused = await world.alice.slash(world.general, "knowledge forget", phrasing="certification")

    assert offered == []  # another member's question is not shown to her before she is refused
    assert refused.response.content == "Editors only."
    assert_error(world.env, EditorsOnly)  # the check's refusal, answered by the tree's error handler
    assert [item.text for item in await world.bot.store.learned()] == [QUESTION]
