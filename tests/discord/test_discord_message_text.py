"""What a member types is read as the words they see: Discord markup, invisible marks and odd role names."""

from __future__ import annotations

import pytest
from discord_helpers import World, asks, bot_replies, queued_questions

from bot.config import Config, DiscordConfig
from bot.core.gate import ConfidenceGate

KNOWN = "which certifications should I get?"
EMOJI = "<:pepe:123456789012345678>"


async def test_custom_emoji_and_mentions_are_not_words_of_the_question(world: World) -> None:
    plain = await world.alice.slash(world.general, "ask", question=KNOWN)
    role = world.guild.create_role("Helpers")

    decorated = await world.mona.slash(world.general, "ask", question=f"{EMOJI} <@&{role.id}> {KNOWN} <t:1700000000:R>")

    assert decorated.response.embeds[0].title == plain.response.embeds[0].title  # the same answer, not "did you mean"
    assert decorated.response.embeds[0].author.name == f"Q: {KNOWN}"  # shown as the words the member sees


@pytest.mark.parametrize("text", ["@everyone", "@here @everyone", "<@&123456789012345678>", EMOJI])
async def test_a_mention_of_the_bot_with_nothing_but_markup_is_not_queued(world: World, text: str) -> None:
    await world.alice.send(world.general, f"{world.bot.user.mention} {text}")

    [reply] = bot_replies(world.general, world.env)
    assert reply.content.startswith("Ask me a question about")  # how to ask, not "I've passed it to the editors"
    assert queued_questions(world.db) == [] and asks(world.db) == []


async def test_an_attachment_alone_in_a_dm_is_told_how_to_ask_in_a_dm(world: World) -> None:
    backend = world.env.backend
    dm = backend.get_dm_channel(world.alice.id)
    picture = backend.store_attachments(dm.id, [("cat.png", b"\x89PNG....")])
    await world.alice.send_dm("", attachments=picture)

    reply = world.alice.user.dm_channel.last_message
    assert reply.author.id == world.bot.user.id
    assert "mention me" not in reply.content and "`how many years of experience?`" in reply.content


async def test_a_bidirectional_override_never_reaches_the_question_line(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question=f"\u202e{KNOWN}\x1b[31m")

    assert result.response.embeds[0].author.name == f"Q: {KNOWN}"


async def test_a_long_unknown_role_name_keeps_the_list_of_roles(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question=KNOWN, role="x" * 400)

    assert result.ephemeral
    assert result.response.content.endswith("Roles: Cloud Technical Lead.")


class TestManyAlternatives:
    """A gate set to offer ten alternatives: a "did you mean" lists as many as it has buttons."""

    @pytest.fixture
    def bot_config(self) -> Config:
        gate = ConfidenceGate(min_confidence=1.0, max_alternatives=10)
        return Config(retrieval=gate, discord=DiscordConfig(cooldown_seconds=0.0))

    async def test_every_listed_entry_has_its_button(self, world: World) -> None:
        result = await world.alice.slash(world.general, "ask", question="what certifications should I get?")

        embed = result.response.embeds[0]
        assert embed.title == "Did you mean…"
        listed = embed.description.count("\n") + 1
        buttons = [c for row in result.response.components for c in row["components"] if c["type"] == 2]
        assert listed == len(buttons) >= 2
