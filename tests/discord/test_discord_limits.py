"""Discord reads the same question-length setting as the CLI, and treats wordless text as the CLI does."""

from __future__ import annotations

import pytest
from discord_helpers import World, asks, bot_replies, queued_questions

from bot.config import Config, DiscordConfig
from bot.core import replies


@pytest.fixture
def bot_config() -> Config:
    return Config(max_question_chars=60, discord=DiscordConfig(cooldown_seconds=0.0))


async def test_ask_over_the_configured_limit_is_declined_with_that_limit(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question="why " * 20)  # 80 characters

    assert result.ephemeral
    assert result.response.content == replies.too_long(60)
    assert bot_replies(world.general, world.env) == []
    assert asks(world.db) == [] and queued_questions(world.db) == []


async def test_wordless_text_gets_the_short_reply_and_is_neither_counted_nor_queued(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question="??? 🤔")

    assert result.response.embeds[0].description == replies.NO_WORDS
    assert asks(world.db) == [] and queued_questions(world.db) == []
