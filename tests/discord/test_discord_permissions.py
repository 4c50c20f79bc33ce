"""Where the bot cannot post, a question is still not lost: it is counted, queued when not known, and logged once."""

from __future__ import annotations

import logging

import discord
import pytest
from discord_helpers import World, asks, queued_questions

UNKNOWN = "how do I bake sourdough bread?"
KNOWN = "which certifications should I get?"

pytestmark = pytest.mark.simcord(check_errors=True)  # a reply Discord refuses must not raise out of the handler


def read_only_channel(world: World) -> object:
    """A channel where members talk but the bot may not send messages."""
    return world.guild.create_text_channel(
        "read-only", overwrites={world.guild.me: discord.PermissionOverwrite(send_messages=False)}
    )


async def test_a_mention_where_the_bot_cannot_post_is_queued_and_logged_in_one_line(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    channel = read_only_channel(world)
    await world.env.settle()
    caplog.set_level(logging.WARNING)

    await world.alice.send(channel, f"{world.bot.user.mention} {UNKNOWN}")

    assert [row["text"] for row in queued_questions(world.db)] == [UNKNOWN]  # the editors still see it
    assert [row["status"] for row in asks(world.db)] == ["unknown"]
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.name for record in warnings] == ["bot.discord_app.flow"]
    assert "could not post the reply (403" in warnings[0].getMessage() and warnings[0].exc_info is None


async def test_a_mentors_answer_where_the_bot_cannot_post_says_so_privately(world: World) -> None:
    channel = read_only_channel(world)
    await world.env.settle()
    message = await world.alice.send(channel, KNOWN)

    result = await world.mona.context_menu(channel, "Answer with FAQ", message)

    assert result.ephemeral
    assert "could not post in that channel" in result.response.content
    assert [row["status"] for row in asks(world.db)] == ["answered"]
