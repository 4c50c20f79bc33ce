"""Where the bot cannot post, or its store cannot write, a question is not lost quietly: logged once, and told."""

from __future__ import annotations

import logging
import sqlite3

import discord
import pytest
from discord_helpers import World, asks, queued_questions

from bot.core import replies

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


async def test_a_question_the_store_cannot_record_is_logged_counted_and_the_member_told_the_truth(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with sqlite3.connect(world.db) as broken:  # the database stops taking writes, as on a full disk
        broken.execute("DROP TABLE asks")
    caplog.set_level(logging.ERROR)

    result = await world.alice.slash(world.general, "ask", question=UNKNOWN)

    assert result.response.embeds[0].description == replies.UNKNOWN  # sent before the store was written
    [correction] = result.followups
    assert correction.ephemeral and correction.content == replies.NOT_PASSED_ON
    [error] = [record for record in caplog.records if record.name == "bot.discord_app.flow"]
    assert "could not record a question (unknown)" in error.getMessage() and error.exc_info is None
    assert b"faqbot_record_failures_total 1.0" in world.bot.metrics.render()  # an alert can fire on it
