"""Members on Discord: /ask, /help, votes, the cooldown, mentions, DMs, answer channels, pings and errors.

Driven through simcord: the real FaqBot, its cogs and its SQLite store, against an in-memory Discord.
"""

from __future__ import annotations

import logging

import discord
import pytest
import simcord
from discord_helpers import (
    NO_PINGS,
    PLACEHOLDER_CHANNEL_ID,
    World,
    allows_no_pings,
    asks,
    bot_replies,
    buttons,
    configure_discord,
    custom_ids,
    notified_by_bot,
    queued_questions,
    sent_payloads,
    vote_ids,
    votes,
)
from simcord import assert_error

from bot.config import Config, DiscordConfig
from bot.core.gate import ConfidenceGate
from bot.core.knowledge import KnowledgeBase

MANAGER_QUESTION = "is a cloud technical lead a manager or an engineer?"
MANAGER_ENTRY = "faq-manager-or-engineer"
OFF_TOPIC = "how do I bake sourdough bread?"
UNKNOWN_REPLY = "I don't know that yet; I've passed it to the editors."


def channel_link(guild_id: int | None, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id or '@me'}/{channel_id}/{message_id}"


# ---------------------------------------------------------------- /ask: the three outcomes


async def test_ask_answered_posts_the_entry_as_an_embed(world: World, knowledge: KnowledgeBase) -> None:
    entry = knowledge.get(MANAGER_ENTRY)
    assert entry is not None

    result = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

    assert result.acknowledged and not result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == entry.title
    assert embed.description == entry.text
    assert embed.author.name == f"Q: {MANAGER_QUESTION}"
    fields = {field.name: field.value for field in embed.fields}
    assert fields["Source"] == f"{entry.role} · {entry.section}"
    assert fields["Entry"] == f"`{MANAGER_ENTRY}`"
    assert world.general.last_message.id == result.response.id  # public, everyone sees it


async def test_ask_answered_has_thumbs_up_and_down_buttons(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

    assert custom_ids(result.response) == vote_ids(MANAGER_ENTRY)
    assert [button["emoji"]["name"] for button in buttons(result.response)] == ["👍", "👎"]


async def test_ask_answered_is_counted_but_not_queued_for_editors(world: World) -> None:
    await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

    assert asks(world.db) == [{"origin": "discord", "status": "answered", "entry_id": MANAGER_ENTRY}]
    assert queued_questions(world.db) == []


async def test_ask_unknown_says_so_honestly(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question=OFF_TOPIC)

    assert not result.ephemeral
    embed = result.response.embeds[0]
    assert embed.description == UNKNOWN_REPLY
    assert embed.author.name == f"Q: {OFF_TOPIC}"
    assert result.response.components == []  # nothing to vote on


async def test_ask_unknown_is_queued_with_its_discord_origin_and_jump_link(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question=OFF_TOPIC)

    [queued] = queued_questions(world.db)
    assert queued["text"] == OFF_TOPIC
    assert queued["kind"] == "unanswered"
    assert queued["origin"] == "discord"
    assert queued["guild_id"] == world.guild.id
    assert queued["channel_id"] == world.general.id
    assert queued["jump_url"].startswith(f"https://discord.com/channels/{world.guild.id}/{world.general.id}/")
    assert queued["jump_url"] == channel_link(world.guild.id, world.general.id, result.response.id)


async def test_ask_smalltalk_gets_a_friendly_reply(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question="thanks!")

    assert result.response.embeds[0].description == "You're welcome! Ask again any time."
    assert result.response.components == []


async def test_ask_smalltalk_is_neither_counted_nor_queued(world: World) -> None:
    await world.alice.slash(world.general, "ask", question="thanks!")

    assert asks(world.db) == []
    assert queued_questions(world.db) == []


async def test_ask_over_1000_characters_is_declined_privately_and_not_logged(world: World) -> None:
    question = "why " * 300  # 1,200 characters of question

    result = await world.alice.slash(world.general, "ask", question=question)

    assert result.ephemeral
    assert "too long" in result.response.content
    assert "1,000 characters" in result.response.content
    assert bot_replies(world.general, world.env) == []
    assert asks(world.db) == []
    assert queued_questions(world.db) == []


async def test_ask_exactly_1000_characters_is_still_answered(world: World) -> None:
    question = MANAGER_QUESTION + "?" * (1000 - len(MANAGER_QUESTION))
    assert len(question) == 1000

    result = await world.alice.slash(world.general, "ask", question=question)

    assert not result.ephemeral
    assert result.response.embeds[0].title.startswith("Is a Cloud Technical Lead")


async def test_ask_blank_question_gets_short_help(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question="   ")

    assert result.ephemeral
    assert result.response.content.startswith("Ask me a question about the Cloud Technical Lead role")
    assert "/ask" in result.response.content
    assert asks(world.db) == []


# ---------------------------------------------------------------- /ask: "did you mean…"


@pytest.mark.usefixtures("world")
class TestSuggestions:
    """A gate that never answers outright: every matched question becomes a "did you mean" (deterministic)."""

    @pytest.fixture
    def bot_config(self) -> Config:
        never_sure = ConfidenceGate(min_confidence=1.0)
        return Config(retrieval=never_sure, discord=DiscordConfig(cooldown_seconds=0.0))

    async def test_uncertain_question_offers_did_you_mean_with_one_button_per_entry(
        self, world: World, knowledge: KnowledgeBase
    ) -> None:
        result = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

        assert not result.ephemeral
        embed = result.response.embeds[0]
        assert embed.title == "Did you mean…"
        assert embed.author.name == f"Q: {MANAGER_QUESTION}"
        offered = buttons(result.response)
        assert 1 <= len(offered) <= 3  # max_alternatives
        ids = [button["custom_id"].removeprefix("faqbot:show:") for button in offered]
        assert ids[0] == MANAGER_ENTRY  # the best match first
        assert len(set(ids)) == len(ids)
        for entry_id, button in zip(ids, offered, strict=True):
            entry = knowledge.get(entry_id)
            assert entry is not None
            assert button["label"] == entry.title
            assert entry.title in embed.description  # the list in the embed matches the buttons

    async def test_uncertain_question_is_counted_as_suggest_and_queued_as_unsure(self, world: World) -> None:
        await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

        assert asks(world.db) == [{"origin": "discord", "status": "suggest", "entry_id": None}]
        [queued] = queued_questions(world.db)
        assert (queued["text"], queued["kind"]) == (MANAGER_QUESTION, "unanswered")
        [item] = await world.bot.store.questions(scope=None)
        assert item.unsure  # editors can tell it from an "I don't know"
        stats = await world.bot.store.stats(7, scope=None)
        assert (stats.asked, stats.suggested, stats.unknown) == (1, 1, 0)  # counted once, as the reply it got

    async def test_an_unsure_question_is_marked_in_the_editors_queue(self, world: World) -> None:
        await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

        listed = await world.eddie.slash(world.general, "unanswered list")

        [page] = listed.followups or [listed.response]
        assert "unsure" in page.embeds[0].description

    async def test_clicking_a_suggestion_shows_that_entry_privately_with_vote_buttons(
        self, world: World, knowledge: KnowledgeBase
    ) -> None:
        entry = knowledge.get(MANAGER_ENTRY)
        assert entry is not None
        offer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

        clicked = await world.alice.click(offer.response, custom_id=f"faqbot:show:{MANAGER_ENTRY}")
        again = await world.mona.click(offer.response, custom_id=f"faqbot:show:{MANAGER_ENTRY}")

        assert clicked.ephemeral and again.ephemeral  # only the one who clicked sees it
        assert clicked.response.id != offer.response.id  # the suggestion stays as it was
        embed = clicked.response.embeds[0]
        assert embed.title == entry.title
        assert embed.description == entry.text
        assert embed.author.name == f"Q: {MANAGER_QUESTION}"  # still says what was asked
        assert custom_ids(clicked.response) == vote_ids(MANAGER_ENTRY)
        assert world.general.last_message.id == offer.response.id  # however many click, no public copies

    async def test_downvoting_a_chosen_suggestion_marks_it_rejected_on_the_queued_question(self, world: World) -> None:
        offer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
        shown = await world.alice.click(offer.response, custom_id=f"faqbot:show:{MANAGER_ENTRY}")

        await world.alice.click(shown.response, custom_id=f"faqbot:vote:down:{MANAGER_ENTRY}")

        [queued] = queued_questions(world.db)  # the "did you mean" itself, marked unsure: one ask, one place
        assert (queued["text"], queued["kind"], queued["ask_count"]) == (MANAGER_QUESTION, "unanswered", 1)
        assert queued["rejected_entry_id"] == MANAGER_ENTRY  # the editors see what the member turned down
        [item] = await world.bot.store.questions(scope=None)
        assert await world.bot.store.proposals([item.id]) == {}  # their pick of it is taken back: nothing to confirm


# ---------------------------------------------------------------- /help


async def test_help_for_a_member_shows_how_to_ask_without_staff_sections(world: World) -> None:
    result = await world.alice.slash(world.general, "help")

    assert result.ephemeral
    text = result.response.embeds[0].description
    assert "/ask question:" in text
    assert "**Mentors**" not in text and "Answer with FAQ" not in text
    assert "**Editors**" not in text and "/unanswered" not in text


async def test_help_for_a_mentor_adds_mentor_commands_only(world: World) -> None:
    result = await world.mona.slash(world.general, "help")

    text = result.response.embeds[0].description
    assert "**Mentors**" in text
    assert "/faq entry: member:" in text
    assert "Answer with FAQ" in text
    assert "**Editors**" not in text and "/unanswered" not in text and "/knowledge reload" not in text


async def test_help_for_an_editor_adds_editor_commands(world: World) -> None:
    result = await world.eddie.slash(world.general, "help")

    text = result.response.embeds[0].description
    assert "**Editors**" in text
    assert "/unanswered list" in text
    assert "/knowledge reload" in text
    assert "/stats" in text
    assert "**Mentors**" in text  # editors may do what mentors do


# ---------------------------------------------------------------- votes


async def test_thumbs_up_thanks_the_member_and_stores_an_anonymous_vote(world: World) -> None:
    answer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

    clicked = await world.alice.click(answer.response, custom_id=f"faqbot:vote:up:{MANAGER_ENTRY}")

    assert clicked.ephemeral
    assert clicked.response.content == "Thanks for the feedback!"
    [vote] = votes(world.db)
    assert vote["message_id"] == answer.response.id
    assert vote["entry_id"] == MANAGER_ENTRY
    assert vote["question"] == MANAGER_QUESTION
    assert vote["vote"] == 1
    assert vote["user_hash"] != str(world.alice.id)
    assert str(world.alice.id) not in vote["user_hash"]
    assert queued_questions(world.db) == []  # a 👍 queues nothing


async def test_second_vote_by_the_same_member_is_refused_and_not_stored(world: World) -> None:
    answer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
    await world.alice.click(answer.response, custom_id=f"faqbot:vote:up:{MANAGER_ENTRY}")

    again = await world.alice.click(answer.response, custom_id=f"faqbot:vote:down:{MANAGER_ENTRY}")

    assert again.ephemeral
    assert again.response.content == "You already voted 👍 on this answer."
    assert [vote["vote"] for vote in votes(world.db)] == [1]
    assert queued_questions(world.db) == []  # the refused 👎 queued nothing


async def test_votes_from_different_members_are_each_stored(world: World) -> None:
    answer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
    await world.alice.click(answer.response, custom_id=f"faqbot:vote:up:{MANAGER_ENTRY}")

    clicked = await world.mona.click(answer.response, custom_id=f"faqbot:vote:up:{MANAGER_ENTRY}")

    assert clicked.response.content == "Thanks for the feedback!"
    stored = votes(world.db)
    assert [vote["vote"] for vote in stored] == [1, 1]
    assert stored[0]["user_hash"] != stored[1]["user_hash"]


async def test_thumbs_down_puts_the_question_in_the_editors_queue(world: World) -> None:
    answer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

    clicked = await world.alice.click(answer.response, custom_id=f"faqbot:vote:down:{MANAGER_ENTRY}")

    assert clicked.ephemeral
    assert "passed this to the editors" in clicked.response.content
    assert [vote["vote"] for vote in votes(world.db)] == [-1]
    [queued] = queued_questions(world.db)
    assert queued["kind"] == "downvoted"
    assert queued["text"] == MANAGER_QUESTION
    assert queued["rejected_entry_id"] == MANAGER_ENTRY
    assert queued["origin"] == "discord"
    assert queued["jump_url"] == channel_link(world.guild.id, world.general.id, answer.response.id)


# ---------------------------------------------------------------- cooldown


@pytest.mark.usefixtures("world")
class TestCooldown:
    """A 30-second per-member cooldown."""

    @pytest.fixture
    def bot_config(self) -> Config:
        return Config(discord=DiscordConfig(cooldown_seconds=30.0))

    async def test_second_ask_within_the_cooldown_is_asked_to_slow_down(self, world: World) -> None:
        await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

        second = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

        assert second.ephemeral
        assert second.response.content.startswith("Slow down")
        assert len(asks(world.db)) == 1  # the second question was not processed

    async def test_cooldown_is_per_member(self, world: World) -> None:
        await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

        other = await world.mona.slash(world.general, "ask", question=MANAGER_QUESTION)

        assert not other.ephemeral
        assert other.response.embeds[0].title.startswith("Is a Cloud Technical Lead")

    async def test_mention_within_the_cooldown_gets_an_hourglass_instead_of_an_answer(self, world: World) -> None:
        assert world.bot.user is not None
        await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

        sent = await world.alice.send(world.general, f"{world.bot.user.mention} {MANAGER_QUESTION}")

        [message] = [message for message in world.general.history() if message.id == sent.id]
        assert [str(reaction.emoji) for reaction in message.reactions] == ["⏳"]
        assert world.general.last_message.id == sent.id  # no reply
        assert len(asks(world.db)) == 1

    async def test_the_slow_down_notice_never_says_zero_seconds(self, world: World) -> None:
        await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
        await world.env.advance_time(29.8)

        second = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

        assert second.response.content == "Slow down a little: you can ask again in 1s."

    async def test_member_can_ask_again_once_the_cooldown_has_passed(self, world: World) -> None:
        await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
        await world.env.advance_time(31)

        again = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

        assert not again.ephemeral, again.response.content
        assert again.response.embeds[0].title.startswith("Is a Cloud Technical Lead")


@pytest.mark.usefixtures("world")
class TestCooldownInAnAnswerChannel:
    """The cooldown in an answer channel, where plain questions are answered."""

    @pytest.fixture
    def bot_config(self) -> Config:
        return Config(discord=DiscordConfig(cooldown_seconds=30.0, answer_channels=(PLACEHOLDER_CHANNEL_ID,)))

    async def test_a_confident_question_within_the_cooldown_gets_an_hourglass(self, world: World) -> None:
        channel = world.guild.create_text_channel("ask-the-bot")
        configure_discord(world.bot, answer_channels=(channel.id,))
        await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

        sent = await world.alice.send(channel, MANAGER_QUESTION)

        [message] = [message for message in channel.history() if message.id == sent.id]
        assert [str(reaction.emoji) for reaction in message.reactions] == ["⏳"]
        assert bot_replies(channel, world.env) == []


# ---------------------------------------------------------------- mentions and DMs


async def test_mention_with_a_question_gets_the_same_answer_as_a_reply(world: World) -> None:
    asked = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
    assert world.bot.user is not None

    sent = await world.alice.send(world.general, f"{world.bot.user.mention} {MANAGER_QUESTION}")

    reply = world.general.last_message
    assert reply.author.id == world.bot.user.id
    assert reply.type is discord.MessageType.reply
    assert reply.reference is not None and reply.reference.message_id == sent.id
    assert reply.embeds[0].to_dict() == asked.response.embeds[0].to_dict()  # same answer, same Q: line
    assert custom_ids(reply) == vote_ids(MANAGER_ENTRY)


async def test_mention_without_text_gets_help(world: World) -> None:
    assert world.bot.user is not None

    sent = await world.alice.send(world.general, world.bot.user.mention)

    reply = world.general.last_message
    assert reply.author.id == world.bot.user.id
    assert reply.reference is not None and reply.reference.message_id == sent.id
    assert reply.content.startswith("Ask me a question about the Cloud Technical Lead role")
    assert "mention me" in reply.content
    assert asks(world.db) == []


async def test_plain_message_in_an_ordinary_channel_is_ignored(world: World) -> None:
    await world.alice.send(world.general, MANAGER_QUESTION)

    assert bot_replies(world.general, world.env) == []
    assert asks(world.db) == []


async def test_dm_question_gets_an_answer(world: World, knowledge: KnowledgeBase) -> None:
    entry = knowledge.get(MANAGER_ENTRY)
    assert entry is not None and world.bot.user is not None

    sent = await world.alice.send_dm(MANAGER_QUESTION)

    reply = world.alice.user.dm_channel.last_message
    assert reply.author.id == world.bot.user.id
    assert reply.reference is not None and reply.reference.message_id == sent.id
    assert reply.embeds[0].title == entry.title
    assert reply.embeds[0].description == entry.text
    assert custom_ids(reply) == vote_ids(MANAGER_ENTRY)


async def test_unanswerable_dm_is_queued_with_a_dm_jump_link(world: World) -> None:
    sent = await world.alice.send_dm(OFF_TOPIC)

    assert world.alice.user.dm_channel.last_message.embeds[0].description == UNKNOWN_REPLY
    [queued] = queued_questions(world.db)
    assert queued["text"] == OFF_TOPIC
    assert queued["guild_id"] == 0  # the DMs' own scope: no server's editors see it unless it is the home server
    assert queued["jump_url"] == channel_link(None, world.alice.user.dm_channel.id, sent.id)


async def test_messages_from_other_bots_are_ignored(world: World) -> None:
    assert world.bot.user is not None
    other_bot = world.guild.add_member(world.env.create_user("helperbot", bot=True))

    await other_bot.send(world.general, f"{world.bot.user.mention} {MANAGER_QUESTION}")

    assert bot_replies(world.general, world.env) == []
    assert asks(world.db) == []


async def test_webhook_messages_are_ignored(world: World) -> None:
    assert world.bot.user is not None
    hook = world.guild.create_webhook(world.general, name="Announcements")

    await hook.send(f"{world.bot.user.mention} {MANAGER_QUESTION}")

    assert bot_replies(world.general, world.env) == []
    assert asks(world.db) == []


# ---------------------------------------------------------------- answer channels


class TestAnswerChannel:
    """#ask-the-bot is an answer channel: plain questions there are answered without a mention."""

    @pytest.fixture
    def bot_config(self) -> Config:
        # A placeholder id so that FaqBot asks for the message-content intent; the real id is set below.
        return Config(discord=DiscordConfig(cooldown_seconds=0.0, answer_channels=(PLACEHOLDER_CHANNEL_ID,)))

    @pytest.fixture
    async def channel(self, world: World) -> simcord.ChannelHandle:
        channel = world.guild.create_text_channel("ask-the-bot")
        configure_discord(world.bot, answer_channels=(channel.id,))
        return channel

    async def test_confident_question_gets_a_reply(
        self, world: World, channel: simcord.ChannelHandle, knowledge: KnowledgeBase
    ) -> None:
        entry = knowledge.get(MANAGER_ENTRY)
        assert entry is not None

        sent = await world.alice.send(channel, MANAGER_QUESTION)

        [reply] = bot_replies(channel, world.env)
        assert reply.reference is not None and reply.reference.message_id == sent.id
        assert reply.embeds[0].title == entry.title
        assert custom_ids(reply) == vote_ids(MANAGER_ENTRY)

    async def test_chit_chat_gets_nothing(self, world: World, channel: simcord.ChannelHandle) -> None:
        await world.alice.send(channel, "lol same")

        assert bot_replies(channel, world.env) == []
        assert asks(world.db) == []

    async def test_unanswerable_question_gets_no_reply_but_is_queued(
        self, world: World, channel: simcord.ChannelHandle
    ) -> None:
        sent = await world.alice.send(channel, OFF_TOPIC)

        assert bot_replies(channel, world.env) == []
        [queued] = queued_questions(world.db)
        assert queued["text"] == OFF_TOPIC
        assert queued["origin"] == "discord"
        assert queued["channel_id"] == channel.id
        assert queued["jump_url"] == channel_link(world.guild.id, channel.id, sent.id)

    async def test_other_bots_in_the_answer_channel_are_ignored(
        self, world: World, channel: simcord.ChannelHandle
    ) -> None:
        other_bot = world.guild.add_member(world.env.create_user("helperbot", bot=True))

        await other_bot.send(channel, MANAGER_QUESTION)

        assert bot_replies(channel, world.env) == []
        assert asks(world.db) == []

    async def test_webhooks_in_the_answer_channel_are_ignored(
        self, world: World, channel: simcord.ChannelHandle
    ) -> None:
        hook = world.guild.create_webhook(channel, name="RSS")

        await hook.send(MANAGER_QUESTION)

        assert bot_replies(channel, world.env) == []
        assert asks(world.db) == []

    async def test_mass_mentions_in_a_channel_question_ping_nobody(
        self, world: World, channel: simcord.ChannelHandle
    ) -> None:
        await world.alice.send(channel, f"@everyone @here {world.mona.mention} {MANAGER_QUESTION}")

        assert bot_replies(channel, world.env)  # it did answer
        payloads = sent_payloads(world.env)
        assert payloads and all(allows_no_pings(payload) for payload in payloads), payloads
        assert not any(message.anyone for message in notified_by_bot(world.env))


# ---------------------------------------------------------------- nobody gets pinged


def loud_question(world: World) -> str:
    return f"@everyone @here what certs do TLs need? <@123> {world.mona.mention} {world.mentor_role.mention} **bold**"


async def test_slash_question_with_mentions_pings_nobody(world: World) -> None:
    await world.alice.slash(world.general, "ask", question=loud_question(world))

    payloads = sent_payloads(world.env)
    assert payloads and all(payload.get("allowed_mentions") == NO_PINGS for payload in payloads), payloads
    assert not any(message.anyone for message in notified_by_bot(world.env))


async def test_mention_question_with_mentions_pings_nobody_not_even_the_author(world: World) -> None:
    assert world.bot.user is not None

    await world.alice.send(world.general, f"{world.bot.user.mention} {loud_question(world)}")

    payloads = sent_payloads(world.env)
    assert len(payloads) == 1 and allows_no_pings(payloads[0]), payloads
    assert not any(message.anyone for message in notified_by_bot(world.env))


async def test_echoed_question_appears_only_as_plain_embed_text(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question=loud_question(world))

    message = result.response.message
    assert message.content == ""  # the question is only echoed in the embed's author line, as plain text
    assert message.mentions == [] and message.role_mentions == [] and not message.mention_everyone


# ---------------------------------------------------------------- errors


async def test_unexpected_error_gets_a_short_private_apology_and_a_logged_traceback(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_judge(question: str, **where: object) -> None:
        raise RuntimeError("retriever exploded")

    monkeypatch.setattr(world.bot.answerer, "judge", broken_judge)
    caplog.set_level(logging.ERROR, logger="bot")

    result = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

    assert result.ephemeral
    assert result.response.content.startswith("Sorry, something went wrong")
    assert "retriever exploded" not in result.response.content  # no internals shown to the member
    assert bot_replies(world.general, world.env) == []
    [record] = [record for record in caplog.records if record.exc_info]
    assert "/ask" in record.getMessage()
    assert record.exc_info is not None
    assert "retriever exploded" in str(record.exc_info[1])
    assert_error(world.env, RuntimeError)  # simcord saw it too; acknowledged
