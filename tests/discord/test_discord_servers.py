"""Two servers on one bot (SimCord): each server's questions, rights and statistics are its own; DMs go where the
config says; a bot kept to its servers leaves the others."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord
import pytest
import simcord
from discord_helpers import World, configure_discord, grant_editor_commands, queued_questions
from simcord import assert_error

from bot.discord_app.bot import EditorsOnly
from bot.store import Scope

BREAD = "how do I bake sourdough bread?"
PARKING = "is there parking at the office?"
EDITORS_ONLY = "Editors only."


@dataclass(frozen=True)
class Other:
    """Server B: its own channel, its admin (Manage Server there) and a member."""

    guild: simcord.GuildHandle
    lobby: simcord.ChannelHandle
    bob: simcord.MemberActor  # Manage Server in B; a plain member of A too
    bob_in_a: simcord.MemberActor
    carl: simcord.MemberActor


@pytest.fixture
async def other(world: World) -> Other:
    guild = world.env.create_guild("Bakers")
    lobby = guild.create_text_channel("lobby")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    user = world.env.create_user("bob")
    bob = guild.add_member(user, roles=[admins])
    bob_in_a = world.guild.add_member(user)
    carl = guild.add_member(world.env.create_user("carl"))
    await world.env.settle()
    return Other(guild, lobby, bob, bob_in_a, carl)


def listed(result: simcord.InteractionResult) -> str:
    [embed] = result.response.embeds
    return embed.description or ""


async def test_an_admin_of_another_server_sees_nothing_of_this_server_s_queue(world: World, other: Other) -> None:
    await world.alice.slash(world.general, "ask", question=BREAD)
    await other.carl.slash(other.lobby, "ask", question=PARKING)

    theirs = await other.bob.slash(other.lobby, "unanswered list")
    ours = await world.eddie.slash(world.general, "unanswered list")

    assert "parking" in listed(theirs) and "sourdough" not in listed(theirs)
    assert f"/{world.guild.id}/" not in listed(theirs)  # not even a jump link into server A
    assert "sourdough" in listed(ours) and "parking" not in listed(ours)
    stats = await other.bob.slash(other.lobby, "stats")
    fields = {field.name: field.value for field in stats.response.embeds[0].fields}
    assert fields["Last 7 days"].startswith("1 question:")  # B's one question, not A's


async def test_an_admin_of_another_server_cannot_resolve_or_dismiss_this_server_s_questions(
    world: World, other: Other
) -> None:
    await world.alice.slash(world.general, "ask", question=BREAD)
    [row] = queued_questions(world.db)
    [question] = await world.bot.store.questions(scope=None)

    resolved = await other.bob.slash(other.lobby, "unanswered resolve", id=question.id, entry="faq-manager-or-engineer")
    dismissed = await other.bob.slash(other.lobby, "unanswered dismiss", id=question.id, reason="spam")

    assert resolved.response.content == f"There is no question #{question.id}."
    assert dismissed.response.content == f"There is no question #{question.id}."
    after = await world.bot.store.question(question.id, scope=None)
    assert after is not None and (after.status, after.answer_entry_id, after.dismiss_reason) == ("open", None, None)
    assert queued_questions(world.db) == [row]


async def test_manage_server_in_another_server_gives_no_rights_here(world: World, other: Other) -> None:
    await world.alice.slash(world.general, "ask", question=BREAD)

    assert "unanswered list" not in other.bob_in_a.available_commands(world.general)  # hidden by Discord
    grant_editor_commands(world.env, world.guild, other.bob_in_a)  # even if an admin here shows him the commands
    result = await other.bob_in_a.slash(world.general, "unanswered list")

    assert result.response.content == EDITORS_ONLY
    assert result.response.embeds == []
    assert_error(world.env, EditorsOnly)


async def test_dm_questions_go_to_the_home_server_s_editors_only(world: World, other: Other) -> None:
    configure_discord(world.bot, home_guild_id=world.guild.id)
    await world.alice.send_dm(BREAD)

    home = await world.eddie.slash(world.general, "unanswered list")
    elsewhere = await other.bob.slash(other.lobby, "unanswered list")

    assert "sourdough" in listed(home) and "@me" in listed(home)  # with its DM jump link
    assert "sourdough" not in listed(elsewhere)


async def test_without_a_home_server_dm_questions_reach_only_the_command_line(world: World, other: Other) -> None:
    await world.alice.send_dm(BREAD)

    for editor, channel in ((world.eddie, world.general), (other.bob, other.lobby)):
        result = await editor.slash(channel, "unanswered list")
        assert "sourdough" not in listed(result)
    [question] = await world.bot.store.questions(scope=None)  # what `faqbot unanswered list` reads
    assert question.guild_id is None
    assert await world.bot.store.questions(scope=Scope.of(None)) == [question]


async def test_a_bot_kept_to_its_servers_leaves_another_one_with_one_log_line(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    configure_discord(world.bot, guild_ids=(world.guild.id,))
    with caplog.at_level(logging.WARNING, logger="bot.discord_app.bot"):
        stranger = world.env.create_guild("Strangers")
        await world.env.settle()

    assert world.bot.get_guild(stranger.id) is None
    assert world.bot.get_guild(world.guild.id) is not None
    lines = [record.getMessage() for record in caplog.records if "leaving server" in record.getMessage()]
    assert lines == [f"leaving server Strangers ({stranger.id}): it is not in discord.guild_ids"]


async def test_with_no_server_list_the_bot_serves_a_new_server_in_its_own_scope(world: World, other: Other) -> None:
    result = await other.carl.slash(other.lobby, "ask", question=PARKING)

    assert result.response.embeds  # answered (here: "I don't know"), not left
    [question] = await world.bot.store.questions(scope=Scope.of(other.guild.id))
    assert question.text == PARKING
    assert await world.bot.store.questions(scope=Scope.of(world.guild.id)) == []


async def test_help_in_another_server_names_only_that_server_s_answer_channels(world: World, other: Other) -> None:
    ours = world.guild.create_text_channel("ask-the-bot")
    theirs = other.guild.create_text_channel("ask-here")
    configure_discord(world.bot, answer_channels=(ours.id, theirs.id))

    in_b = await other.carl.slash(other.lobby, "help")
    in_a = await world.alice.slash(world.general, "help")

    assert f"<#{theirs.id}>" in in_b.response.embeds[0].description
    assert f"<#{ours.id}>" not in in_b.response.embeds[0].description  # not a place carl can ask, nor his to see
    assert f"<#{ours.id}>" in in_a.response.embeds[0].description
    assert f"<#{theirs.id}>" not in in_a.response.embeds[0].description
