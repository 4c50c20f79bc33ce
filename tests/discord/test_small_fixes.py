"""The small fixes of issue 12, as a member or editor would notice them: managed-role mentions, replies to the bot,
stale pagers, failing buttons, minimal intents and capped entry ids."""

from __future__ import annotations

import logging
import sqlite3
import textwrap
from pathlib import Path

import pytest
from discord.app_commands import CommandInvokeError
from discord_helpers import PLACEHOLDER_CHANNEL_ID, World, bot_replies, buttons, configure_discord, queued_questions
from simcord import assert_error

from bot.config import Config, DiscordConfig
from bot.core.knowledge import load_knowledge
from bot.discord_app.bot import intents_for, log_failure
from bot.discord_app.render import queue_pages
from bot.errors import KnowledgeError

MANAGER_QUESTION = "is a cloud technical lead a manager or an engineer?"
BREAD = "how do I bake sourdough bread?"


class TestRepliesInAnAnswerChannel:
    """In an answer channel every question-like message is read: a complaint under an answer must not be queued."""

    @pytest.fixture
    def bot_config(self) -> Config:
        return Config(discord=DiscordConfig(cooldown_seconds=0.0, answer_channels=(PLACEHOLDER_CHANNEL_ID,)))

    async def test_a_reply_to_the_bot_s_answer_is_not_queued_as_a_new_question(self, world: World) -> None:
        configure_discord(world.bot, answer_channels=(world.general.id,))
        await world.alice.send(world.general, MANAGER_QUESTION)
        [answer] = bot_replies(world.general, world.env)

        await world.alice.send(world.general, "is that really true for sourdough bread?", reply_to=answer)

        assert len(bot_replies(world.general, world.env)) == 1
        assert queued_questions(world.db) == []
        await world.alice.send(world.general, "is that really true for sourdough bread?")  # not a reply
        assert [row["text"] for row in queued_questions(world.db)] == ["is that really true for sourdough bread?"]


async def test_a_reply_to_the_bot_that_mentions_it_in_the_text_is_a_new_question(world: World) -> None:
    assert world.bot.user is not None
    await world.alice.send(world.general, f"{world.bot.user.mention} {MANAGER_QUESTION}")
    [answer] = bot_replies(world.general, world.env)

    await world.alice.send(world.general, f"{world.bot.user.mention} {BREAD}", reply_to=answer)

    assert [row["text"] for row in queued_questions(world.db)] == [BREAD]


async def test_a_reply_to_the_bot_in_a_dm_gets_a_hint_and_is_not_queued(world: World) -> None:
    await world.alice.send_dm(MANAGER_QUESTION)
    dm = world.alice.user.dm_channel
    answer = dm.last_message
    reference = {"channel_id": str(dm.id), "message_id": str(answer.id)}

    await world.alice.send_dm("that's wrong", reference=world.env.backend.normalize_message_reference(dm.id, reference))

    hint = dm.last_message
    assert hint.id != answer.id
    assert hint.content.startswith("To ask me something new, send it as a new message")
    assert queued_questions(world.db) == []


UNRELATED = [
    "how do I bake sourdough bread",
    "is there parking at the office",
    "can I bring my dog to work",
    "what is the best pizza topping",
    "who won the football world cup",
    "how tall is mount everest",
    "what time does the cafeteria close",
]


async def test_the_pager_s_buttons_are_disabled_when_it_times_out(world: World) -> None:
    for text in UNRELATED:  # seven groups: two pages
        await world.alice.slash(world.general, "ask", question=text)
    listing = await world.eddie.slash(world.general, "unanswered list")
    pager = ("◀ Previous", "Next ▶")
    assert [b.get("disabled", False) for b in buttons(listing.response) if b.get("label") in pager] == [True, False]

    await world.env.advance_time(601)

    assert [b.get("disabled", False) for b in buttons(listing.response) if b.get("label") in pager] == [True, True]


def test_queue_pages_never_cut_a_jump_link() -> None:
    from bot.core.grouping import QuestionGroup
    from bot.store import Place, QueuedQuestion

    link = "https://discord.com/channels/123456789012345678/123456789012345678/123456789012345678"
    questions = [
        QueuedQuestion(
            i,
            "x" * 150 + f" {i}",
            "unanswered",
            1,
            "2026-01-01",
            "2026-01-01",
            None,
            None,
            None,
            "open",
            None,
            None,
            places=(Place("2026-01-01", "discord", 1, 2, link),),
        )
        for i in range(1, 40)
    ]
    groups = [QuestionGroup(q, (q,)) for q in questions]

    pages = queue_pages(groups, "Unanswered questions: open (39)")

    assert all(len(page.description or "") <= 4096 for page in pages)
    shown = "".join(page.description or "" for page in pages)
    assert shown.count(f"[jump]({link})") == 39  # every link whole, on some page


def test_intents_are_only_what_the_bot_reads() -> None:
    plain = intents_for(Config(discord=DiscordConfig()))
    channels = intents_for(Config(discord=DiscordConfig(answer_channels=(1,))))

    assert {name for name, on in plain if on} == {"guilds", "guild_messages", "dm_messages"}
    assert {name for name, on in channels if on} == {"guilds", "guild_messages", "dm_messages", "message_content"}


async def test_the_bot_keeps_no_message_cache(world: World) -> None:
    assert world.bot._connection.max_messages is None


def test_an_entry_id_too_long_for_discord_buttons_is_refused_naming_the_entry(tmp_path: Path) -> None:
    long_id = "faq-" + "-".join(["word"] * 17) + "s"  # 89 characters: a 106-character vote button custom_id
    (tmp_path / "role.yaml").write_text(
        textwrap.dedent(
            f"""
            role: Lighthouse Keeper
            entries:
              - id: {long_id}
                title: A long one
                section: FAQ
                text: Some text.
            """
        ),
        encoding="utf-8",
    )

    with pytest.raises(KnowledgeError, match=rf"entry {long_id}: 'id' is 89 characters long; at most 64"):
        load_knowledge(tmp_path)


async def test_a_button_that_fails_tells_the_clicker_briefly_and_privately(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(world.bot.answerer, "record_vote", broken)
    clicked = await world.alice.click(answer.response, custom_id="faqbot:vote:up:faq-manager-or-engineer")

    assert clicked.ephemeral
    assert clicked.response.content == "Sorry, that didn't work on my side. It has been logged."
    assert any("the database went away" in (record.exc_text or "") for record in caplog.records)


async def test_a_database_that_cannot_be_reached_is_one_log_line_and_a_plain_reply(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)

    async def unreachable(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("the PostgreSQL connection failed: [Errno 111] Connect call failed")

    monkeypatch.setattr(world.bot.store, "stats", unreachable)
    monkeypatch.setattr(world.bot.answerer, "record_vote", unreachable)
    stats = await world.eddie.slash(world.general, "stats")
    clicked = await world.alice.click(answer.response, custom_id="faqbot:vote:up:faq-manager-or-engineer")

    down = "I can't reach my database right now, so that didn't work. Please try again in a minute."
    assert stats.ephemeral and stats.response.content == down
    assert clicked.ephemeral and clicked.response.content == down
    failures = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.getMessage() for record in failures] == [
        "app command /stats failed: the database cannot be used: the PostgreSQL connection failed: [Errno 111] "
        "Connect call failed",
        "button faqbot:vote:up:faq-manager-or-engineer failed: the database cannot be used: the PostgreSQL "
        "connection failed: [Errno 111] Connect call failed",
    ]
    assert all(record.exc_info is None for record in failures)  # no traceback for a database that is down
    assert_error(world.env, CommandInvokeError)  # simcord saw the command's failure too; acknowledged


def test_a_bad_statement_is_not_taken_for_a_database_that_is_down(caplog: pytest.LogCaptureFixture) -> None:
    bug = sqlite3.OperationalError("no such column: q.unsure")

    text = log_failure("app command /stats", bug, "Sorry, something went wrong on my side. It has been logged.")

    assert text == "Sorry, something went wrong on my side. It has been logged."
    [record] = caplog.records
    assert record.getMessage() == "app command /stats failed" and record.exc_info is not None  # its traceback
