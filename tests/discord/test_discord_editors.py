"""Editors on Discord: /unanswered list (groups, pages), resolve, dismiss, /knowledge reload, /stats, and denial.

Driven through simcord: the real FaqBot, its cogs and its SQLite store, against an in-memory Discord.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord
from discord_helpers import World, buttons, grant_editor_commands, notified_by_bot, queued_questions, rows
from knowledge_helpers import add_baking_entry
from simcord import assert_error

from bot.discord_app.bot import EditorsOnly
from bot.store import Ask, Origin, QueuedQuestion, utc_now

ROOT = Path(__file__).resolve().parents[2]
MANAGER_QUESTION = "is a cloud technical lead more of a manager or more of an engineer?"  # not yet a phrasing
MANAGER_ENTRY = "faq-manager-or-engineer"
BREAD = "how do I bake sourdough bread?"
BREAD_TO = "how to bake sourdough bread"  # another phrasing of the same gap
EVEREST = "how tall is mount everest?"  # nothing in the knowledge is near it
UNKNOWN_REPLY = "I don't know that yet; I've passed it to the editors."
EDITORS_ONLY = "Editors only."

# Twelve questions the knowledge cannot answer and that do not resemble each other: twelve groups, three pages.
UNRELATED = [
    "how do I bake sourdough bread",
    "is there parking at the office",
    "can I bring my dog to work",
    "what is the best pizza topping",
    "who won the football world cup",
    "how tall is mount everest",
    "what time does the cafeteria close",
    "how do I fix a flat bicycle tyre",
    "recommend a good sci-fi novel",
    "what is the capital of australia",
    "how to knit a wool scarf",
    "which houseplants need little light",
]


EMPTY_TEXT_ENTRY = """
role: Cloud Technical Lead
entries:
  - id: faq-sourdough
    title: Baking sourdough bread
    section: Frequently asked questions
    text: ""
    questions:
      - how do I bake sourdough bread
"""


def link(guild_id: int | None, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id or '@me'}/{channel_id}/{message_id}"


async def queue(world: World, text: str, times: int = 1, *, message_id: int = 1) -> int:
    """Put a question in the queue as if members had asked it in #general (straight into the bot's store)."""
    question_id = 0
    for n in range(times):
        origin = Origin(
            "discord",
            world.guild.id,
            world.general.id,
            message_id + n,
            link(world.guild.id, world.general.id, message_id + n),
        )
        question_id = await world.bot.store.log_unanswered(text, origin, best_score=0.05, best_entry_id="intro")
    return question_id


async def stored(world: World, question_id: int) -> QueuedQuestion:
    question = await world.bot.store.question(question_id, scope=None)
    assert question is not None
    return question


def description(result: simcord.InteractionResult) -> str:
    [embed] = result.response.embeds
    return embed.description or ""


def button_states(result: simcord.InteractionResult) -> dict[str, bool]:
    """Label -> enabled, for the buttons (the pager's and the items' Dismiss)."""
    return {b["label"]: not b.get("disabled", False) for b in buttons(result.response) if b["type"] == 2}


def listed_ids(text: str) -> list[int]:
    """The question ids an /unanswered list page shows as items (**#id**), in order."""
    ids = []
    for part in text.split("**#")[1:]:
        ids.append(int(part.split("**", 1)[0]))
    return ids


def callbacks(env: simcord.Env) -> list[dict[str, Any]]:
    """Every interaction response the bot sent (type and data)."""
    return [r.json for r in env.http_requests if r.method == "POST" and r.path.endswith("/callback")]


def webhook_sends(env: simcord.Env) -> list[dict[str, Any]]:
    """Every follow-up message the bot sent."""
    return [
        r.json or {} for r in env.http_requests if r.method in ("POST", "PATCH") and r.path.startswith("/webhooks/")
    ]


@pytest.fixture
async def manager(world: World) -> simcord.MemberActor:
    """A member with the Manage Server permission and no editor role."""
    role = world.guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    return world.guild.add_member(world.env.create_user("maya"), roles=[role])


@pytest.fixture
def knowledge_copy(world: World, tmp_path: Path) -> Path:
    """A copy of knowledge/ that the running bot reloads from; tests edit it."""
    folder = tmp_path / "live-knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    world.bot.config = replace(world.bot.config, knowledge_path=folder)
    return folder


# ---------------------------------------------------------------- /unanswered list


async def test_list_is_private_and_shows_groups_first_with_id_count_last_asked_and_jump_link(world: World) -> None:
    await world.alice.slash(world.general, "ask", question=EVEREST)
    await world.alice.slash(world.general, "ask", question=BREAD)
    await world.mona.slash(world.general, "ask", question=BREAD_TO)
    latest_bread = await world.mona.slash(world.general, "ask", question=BREAD)
    everest, bread, bread_to = (row["text"] for row in rows(world.db, "SELECT text FROM questions ORDER BY id"))
    assert (everest, bread, bread_to) == (EVEREST, BREAD, BREAD_TO)
    bread_item = await stored(world, 2)

    result = await world.eddie.slash(world.general, "unanswered list")

    assert result.ephemeral and result.response.ephemeral
    assert all(message.id != result.response.id for message in world.general.history())  # nobody else sees it
    [embed] = result.response.embeds
    assert embed.title == "Unanswered questions: open (3)"
    # One page: no pager; a Dismiss button per group, in the groups' order.
    controls = [b["custom_id"] for b in buttons(result.response)]
    assert [custom_id for custom_id in controls if custom_id.startswith("faqbot:dismiss:")] == [
        "faqbot:dismiss:2",
        "faqbot:dismiss:1",
    ]
    assert all(custom_id.startswith(("faqbot:dismiss:", "faqbot:resolve:")) for custom_id in controls)  # no pager
    bread_block, everest_block = (embed.description or "").split("\n\n")
    # The group comes first: its size, then its representative (the most asked phrasing) with everything editors need.
    assert bread_block.splitlines() == [
        f"**3 asks in 2 phrasings** · **#2** “{BREAD}” ×2 · last {bread_item.last_asked_at[:10]} · "
        f"[jump]({link(world.guild.id, world.general.id, latest_bread.response.id)})",
        f"  ↳ #3 “{BREAD_TO}” ×1",
    ]
    assert everest_block.startswith(f"**#1** “{EVEREST}” ×1 · last ")
    assert "[jump](https://discord.com/channels/" in everest_block


async def test_list_of_an_empty_queue_says_so(world: World) -> None:
    result = await world.eddie.slash(world.general, "unanswered list")

    assert result.ephemeral
    [embed] = result.response.embeds
    assert embed.title == "Unanswered questions: open (0)"
    assert embed.description == "Nothing here. 🎉"


async def test_list_can_show_answered_and_dismissed_questions(world: World) -> None:
    answered = await queue(world, BREAD)
    dismissed = await queue(world, EVEREST, message_id=10)
    still_open = await queue(world, "can I bring my dog to work", message_id=20)
    await world.bot.store.resolve(answered, MANAGER_ENTRY, scope=None)
    await world.bot.store.dismiss(dismissed, "not about the role", scope=None)

    open_list = await world.eddie.slash(world.general, "unanswered list")
    answered_list = await world.eddie.slash(world.general, "unanswered list", status="answered")
    dismissed_list = await world.eddie.slash(world.general, "unanswered list", status="dismissed")

    assert listed_ids(description(open_list)) == [still_open]
    assert listed_ids(description(answered_list)) == [answered]
    assert f"answered by `{MANAGER_ENTRY}`" in description(answered_list)
    assert answered_list.response.embeds[0].title == "Unanswered questions: answered (1)"
    assert listed_ids(description(dismissed_list)) == [dismissed]
    assert "dismissed: not about the role" in description(dismissed_list)


async def test_list_sorts_by_most_asked_or_most_recent(world: World) -> None:
    store = world.bot.store
    now = utc_now()
    store.clock = lambda: now - timedelta(days=3)
    try:
        often = await queue(world, EVEREST, times=3)
    finally:
        store.clock = utc_now
    lately = await queue(world, "can I bring my dog to work", message_id=10)

    by_count = await world.eddie.slash(world.general, "unanswered list")
    by_recent = await world.eddie.slash(world.general, "unanswered list", sort="recent")

    assert listed_ids(description(by_count)) == [often, lately]
    assert listed_ids(description(by_recent)) == [lately, often]


async def test_list_marks_thumbs_down_feedback_with_the_rejected_answer(world: World) -> None:
    answer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
    await world.alice.click(answer.response, custom_id=f"faqbot:vote:down:{MANAGER_ENTRY}")

    result = await world.eddie.slash(world.general, "unanswered list")

    text = description(result)
    assert text.startswith(f"**#1** “{MANAGER_QUESTION}” ×1 · last ")
    assert f"[jump]({link(world.guild.id, world.general.id, answer.response.id)})" in text
    assert text.endswith(f" · 👎 on `{MANAGER_ENTRY}`")


async def test_a_long_list_is_paginated_with_previous_and_next_buttons(world: World) -> None:
    # Asked 12, 11, ..., 1 times: the most asked first, as many per page as Discord's five component rows hold.
    ids = [await queue(world, text, times=12 - n, message_id=100 * n) for n, text in enumerate(UNRELATED)]

    first = await world.eddie.slash(world.general, "unanswered list")

    assert first.ephemeral
    assert first.response.embeds[0].title == "Unanswered questions: open (12)"
    pages = int(first.response.embeds[0].footer.text.split("/")[1].split()[0])
    assert 3 <= pages <= 6
    assert first.response.embeds[0].footer.text.startswith(f"Page 1/{pages}")
    assert button_states(first)["◀ Previous"] is False and button_states(first)["Next ▶"] is True
    seen = [listed_ids(description(first))]
    page = first
    for number in range(2, pages + 1):
        page = await world.eddie.click(first.response, label="Next ▶")
        assert page.response.id == first.response.id  # the same message, turned to the next page
        assert page.response.embeds[0].footer.text.startswith(f"Page {number}/{pages}")
        assert button_states(page)["◀ Previous"] is True
        seen.append(listed_ids(description(page)))
        # Each page carries its own items' controls, within Discord's five rows.
        assert len(page.response.components) <= 5
        dismiss_ids = [b["custom_id"] for b in buttons(page.response) if b["custom_id"].startswith("faqbot:dismiss:")]
        assert dismiss_ids == [f"faqbot:dismiss:{question_id}" for question_id in seen[-1]]
    assert [question_id for chunk in seen for question_id in chunk] == ids  # every item once, most asked first
    assert button_states(page)["Next ▶"] is False
    with pytest.raises(simcord.SetupError):
        await world.eddie.click(first.response, label="Next ▶")  # disabled on the last page

    back = await world.eddie.click(first.response, label="◀ Previous")

    assert back.response.embeds[0].footer.text.startswith(f"Page {pages - 1}/{pages}")
    assert listed_ids(description(back)) == seen[-2]
    assert back.response.ephemeral


async def test_members_with_manage_server_are_editors_too(world: World, manager: simcord.MemberActor) -> None:
    question_id = await queue(world, BREAD)

    result = await manager.slash(world.general, "unanswered list")

    assert result.ephemeral
    assert listed_ids(description(result)) == [question_id]


# ---------------------------------------------------------------- /unanswered resolve and dismiss


async def test_resolve_marks_a_question_answered_by_an_entry(world: World) -> None:
    question_id = await queue(world, MANAGER_QUESTION)

    result = await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry=MANAGER_ENTRY)

    assert result.ephemeral
    assert result.response.content == f"#{question_id} is marked answered by `{MANAGER_ENTRY}`; learned 1 phrasing(s)."
    question = await stored(world, question_id)
    assert (question.status, question.answer_entry_id) == ("answered", MANAGER_ENTRY)
    assert listed_ids(description(await world.eddie.slash(world.general, "unanswered list"))) == []


async def test_resolve_accepts_an_entry_title(world: World) -> None:
    question_id = await queue(world, MANAGER_QUESTION)
    title = world.bot.answerer.knowledge.get(MANAGER_ENTRY).title

    result = await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry=title.upper())

    assert result.response.content == f"#{question_id} is marked answered by `{MANAGER_ENTRY}`; learned 1 phrasing(s)."
    assert (await stored(world, question_id)).answer_entry_id == MANAGER_ENTRY


async def test_resolve_autocompletes_entries(world: World) -> None:
    choices = await world.eddie.autocomplete(world.general, "unanswered resolve", "entry", "manager or eng")

    assert 1 <= len(choices) <= 25
    assert choices[0]["value"] == MANAGER_ENTRY
    assert choices[0]["name"].endswith(f"({MANAGER_ENTRY})")
    every = await world.eddie.autocomplete(world.general, "unanswered resolve", "entry", "")
    assert len(every) == 25  # Discord's limit


async def test_resolve_with_an_unknown_entry_or_question_changes_nothing(world: World) -> None:
    question_id = await queue(world, MANAGER_QUESTION)

    no_entry = await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry="no-such-entry")
    no_question = await world.eddie.slash(world.general, "unanswered resolve", id=question_id + 50, entry="intro")

    assert no_entry.ephemeral and no_entry.response.content.startswith("No entry named “no-such-entry”. Closest: ")
    assert no_question.ephemeral and no_question.response.content == f"There is no question #{question_id + 50}."
    assert (await stored(world, question_id)).status == "open"


async def test_dismiss_records_the_reason(world: World) -> None:
    question_id = await queue(world, BREAD)

    result = await world.eddie.slash(world.general, "unanswered dismiss", id=question_id, reason="off-topic")

    assert result.ephemeral
    assert result.response.content == (
        f"#{question_id} is dismissed (only this question: no open question is grouped with it)."
    )
    question = await stored(world, question_id)
    assert (question.status, question.dismiss_reason) == ("dismissed", "off-topic")
    dismissed = await world.eddie.slash(world.general, "unanswered list", status="dismissed")
    assert "dismissed: off-topic" in description(dismissed)


async def test_a_dismissal_keeps_the_reasons_visible_words_at_most_200_characters(world: World) -> None:
    question_id = await queue(world, BREAD)

    await world.eddie.slash(
        world.general, "unanswered dismiss", id=question_id, reason="\x1b[31moff\u200b-topic " * 800
    )

    reason = (await stored(world, question_id)).dismiss_reason
    assert reason.startswith("off-topic off-topic") and len(reason) <= 200
    assert "\x1b" not in reason and "\u200b" not in reason


async def test_dismiss_needs_a_reason_and_an_existing_question(world: World) -> None:
    question_id = await queue(world, BREAD)

    blank = await world.eddie.slash(world.general, "unanswered dismiss", id=question_id, reason="   ")
    invisible = await world.eddie.slash(world.general, "unanswered dismiss", id=question_id, reason="\u200b\x1b[0m")
    missing = await world.eddie.slash(world.general, "unanswered dismiss", id=question_id + 50, reason="spam")

    assert blank.ephemeral and blank.response.content == "Give a reason for the dismissal."
    assert invisible.ephemeral and invisible.response.content == "Give a reason for the dismissal."
    assert missing.ephemeral and missing.response.content == f"There is no question #{question_id + 50}."
    assert (await stored(world, question_id)).status == "open"


# ---------------------------------------------------------------- /knowledge reload


async def test_reload_picks_up_a_new_entry_and_marks_the_questions_it_now_answers(
    world: World, knowledge_copy: Path
) -> None:
    await world.alice.slash(world.general, "ask", question=BREAD)
    await world.alice.slash(world.general, "ask", question=EVEREST)
    add_baking_entry(knowledge_copy)
    entries_before = len(world.bot.answerer.knowledge.entries)

    result = await world.eddie.slash(world.general, "knowledge reload")

    assert result.ephemeral
    assert result.response.content == (
        f"Reloaded {entries_before + 1} entries from 2 file(s). "
        "1 open question(s) can now be answered and were marked answered. Told 1 asker(s)."
    )
    # The member who asked hears back, pinged alone.
    [told] = [message for message in notified_by_bot(world.env) if message.users == (world.alice.id,)]
    assert not (told.roles or told.everyone)
    statuses = {
        row["text"]: (row["status"], row["answer_entry_id"]) for row in rows(world.db, "SELECT * FROM questions")
    }
    assert statuses == {BREAD: ("answered", "faq-sourdough"), EVEREST: ("open", None)}
    # And members get the new answer straight away, without a restart.
    asked = await world.alice.slash(world.general, "ask", question=BREAD)
    assert asked.response.embeds[0].title == "Baking sourdough bread"


async def test_reload_with_nothing_new_to_answer_reports_zero(world: World, knowledge_copy: Path) -> None:
    await world.alice.slash(world.general, "ask", question=EVEREST)

    result = await world.eddie.slash(world.general, "knowledge reload")

    assert result.response.content.endswith("0 open question(s) can now be answered and were marked answered.")
    assert [row["status"] for row in rows(world.db, "SELECT status FROM questions")] == ["open"]


async def test_a_bad_file_is_rejected_with_its_error_and_the_old_knowledge_stays_live(
    world: World, knowledge_copy: Path
) -> None:
    await world.alice.slash(world.general, "ask", question=BREAD)
    (knowledge_copy / "baking.yaml").write_text(textwrap.dedent(EMPTY_TEXT_ENTRY), encoding="utf-8")
    live = world.bot.answerer.knowledge

    result = await world.eddie.slash(world.general, "knowledge reload")

    assert result.ephemeral
    text = result.response.content
    assert text.startswith("Reload rejected, the old knowledge is still live:")
    assert f"{knowledge_copy / 'baking.yaml'}:7: entry faq-sourdough: 'text' is empty" in text
    assert world.bot.answerer.knowledge is live
    # The old knowledge still answers, and the bad file's entry is not half-loaded.
    answered = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
    assert answered.response.embeds[0].title.startswith("Is a Cloud Technical Lead")
    unknown = await world.alice.slash(world.general, "ask", question=BREAD)
    assert unknown.response.embeds[0].description == UNKNOWN_REPLY
    assert [(row["status"], row["ask_count"]) for row in rows(world.db, "SELECT * FROM questions")] == [("open", 2)]


async def test_a_fixed_file_reloads_after_a_rejected_one(world: World, knowledge_copy: Path) -> None:
    await world.alice.slash(world.general, "ask", question=BREAD)
    (knowledge_copy / "baking.yaml").write_text(textwrap.dedent(EMPTY_TEXT_ENTRY), encoding="utf-8")
    rejected = await world.eddie.slash(world.general, "knowledge reload")
    assert rejected.response.content.startswith("Reload rejected")

    add_baking_entry(knowledge_copy)
    fixed = await world.eddie.slash(world.general, "knowledge reload")

    assert "1 open question(s) can now be answered" in fixed.response.content
    assert world.bot.answerer.knowledge.get("faq-sourdough") is not None


# ---------------------------------------------------------------- /stats


async def test_stats_show_questions_rates_votes_and_top_gaps_for_7_and_30_days(world: World) -> None:
    store = world.bot.store
    now = utc_now()

    def at(days_ago: int) -> datetime:
        return now - timedelta(days=days_ago)

    # Older history, straight into the store: 20 days ago two unknown questions; 40 days ago an old gap.
    store.clock = lambda: at(20)
    try:
        here = Origin("discord", world.guild.id, world.general.id)
        await store.record_ask(Ask("a question", "unknown", None, here))
        await store.record_ask(Ask("a question", "unknown", None, here))
        await store.record_ask(Ask("a question", "unknown", None, Origin("discord")))  # a DM: not this server's
        await queue(world, "what is the capital of australia")
        store.clock = lambda: at(40)
        await store.record_ask(Ask("a question", "unknown", None, here))
        await queue(world, "how to knit a wool scarf", message_id=50)
    finally:
        store.clock = utc_now
    # This week, on Discord: one answered (voted 👍 by two members, 👎 by one), two unknown.
    answer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
    await world.alice.slash(world.general, "ask", question=BREAD)
    await world.alice.slash(world.general, "ask", question=BREAD)
    for member in (world.mona, world.eddie):
        await member.click(answer.response, custom_id=f"faqbot:vote:up:{MANAGER_ENTRY}")
    await world.alice.click(answer.response, custom_id=f"faqbot:vote:down:{MANAGER_ENTRY}")

    result = await world.eddie.slash(world.general, "stats")

    assert result.ephemeral
    [embed] = result.response.embeds
    fields = {field.name: field.value for field in embed.fields}
    assert fields["Last 7 days"] == "3 questions: 1 answered (33%), 0 partial (0%), 0 unsure (0%), 2 not known (67%)"
    assert fields["Last 30 days"] == "5 questions: 1 answered (20%), 0 partial (0%), 0 unsure (0%), 4 not known (80%)"
    assert fields["Votes per entry (30 days)"] == f"`{MANAGER_ENTRY}` 👍 2 · 👎 1"
    gaps = fields["Top gaps (open)"].splitlines()
    # Open gaps of the last 30 days, largest first: BREAD asked twice; the 👎 question; Australia. Not the old scarf.
    assert gaps[0].startswith(f"×2 “{BREAD}”")
    assert any("capital of australia" in line for line in gaps)
    assert not any("scarf" in line for line in gaps)


async def test_stats_of_a_quiet_server(world: World) -> None:
    result = await world.eddie.slash(world.general, "stats")

    fields = {field.name: field.value for field in result.response.embeds[0].fields}
    assert fields == {
        "Last 7 days": "0 questions: 0 answered (0%), 0 partial (0%), 0 unsure (0%), 0 not known (0%)",
        "Last 30 days": "0 questions: 0 answered (0%), 0 partial (0%), 0 unsure (0%), 0 not known (0%)",
    }


# ---------------------------------------------------------------- everyone else: "Editors only." and nothing else


EDITOR_COMMANDS = [
    ("unanswered list", {}),
    ("unanswered list", {"status": "dismissed", "sort": "recent"}),
    ("unanswered resolve", {"id": 1, "entry": MANAGER_ENTRY}),
    ("unanswered dismiss", {"id": 1, "reason": "spam"}),
    ("knowledge reload", {}),
    ("stats", {}),
]


@pytest.mark.parametrize("who", ["alice", "mona"])
def test_discord_hides_the_editor_commands_from_members_and_mentors(world: World, who: str) -> None:
    member = {"alice": world.alice, "mona": world.mona}[who]  # a plain member; a mentor
    visible = member.available_commands(world.general)

    assert "ask" in visible and "help" in visible
    assert not {name for name in visible if name.split()[0] in {"unanswered", "knowledge", "stats"}}
    assert "unanswered list" in world.eddie.available_commands(world.general)  # the role the admin granted them to


@pytest.mark.parametrize("who", ["alice", "mona"])
@pytest.mark.parametrize(("command", "options"), EDITOR_COMMANDS, ids=lambda value: str(value or ""))
async def test_non_editors_get_editors_only_and_nothing_happens(
    world: World, knowledge_copy: Path, who: str, command: str, options: dict[str, Any]
) -> None:
    member = {"alice": world.alice, "mona": world.mona}[who]  # a plain member; a mentor
    # An admin let them see the commands in Integrations, but they are not editors: the bot's check refuses.
    grant_editor_commands(world.env, world.guild, member)
    await world.alice.slash(world.general, "ask", question=BREAD)  # question #1
    add_baking_entry(knowledge_copy)
    live = world.bot.answerer.knowledge
    queue_before = queued_questions(world.db)
    statuses_before = rows(world.db, "SELECT id, status, answer_entry_id, dismiss_reason FROM questions")
    responses_before = len(callbacks(world.env))

    result = await member.slash(world.general, command, **options)

    assert result.ephemeral
    assert result.response.content == EDITORS_ONLY
    assert result.response.embeds == [] and result.response.components == []
    assert result.followups == []
    assert_error(world.env, EditorsOnly)  # the check's refusal, answered by the tree's error handler
    assert len(callbacks(world.env)) == responses_before + 1  # that one reply and nothing else
    assert webhook_sends(world.env) == []
    assert world.bot.answerer.knowledge is live  # not reloaded
    assert queued_questions(world.db) == queue_before
    assert rows(world.db, "SELECT id, status, answer_entry_id, dismiss_reason FROM questions") == statuses_before


def test_the_editor_commands_do_not_exist_in_dms(world: World) -> None:
    # Roles and permissions exist only in a server: the editor, mentor commands and /faq are guild-only.
    visible = world.eddie.user.available_commands()

    assert "ask" in visible
    assert not {name for name in visible if name.split()[0] in {"unanswered", "knowledge", "stats", "faq"}}
