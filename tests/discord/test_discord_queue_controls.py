"""The editors' one-click controls under /unanswered list (SimCord): resolve from a menu, Dismiss with a reason,
confirm or reject what a member picked, correct a 👎 or a mistaken resolve; editors only, private, and still working
after a restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import simcord
from discord_helpers import World, buttons, configure_discord, custom_ids

from bot.config import Config, DiscordConfig
from bot.core.answering import Answerer
from bot.core.gate import ConfidenceGate
from bot.core.knowledge import KnowledgeBase
from bot.core.queue import resolve_question
from bot.core.retriever import TfidfRetriever
from bot.discord_app.bot import FaqBot
from bot.store import Origin, QueuedQuestion, Store

CERTS = "who pays for my certification exams?"
MANAGER_QUESTION = "is a cloud technical lead more of a manager or more of an engineer?"  # not yet a phrasing
MANAGER_ENTRY = "faq-manager-or-engineer"
BREAD = "how do I bake sourdough bread?"
BREAD_TO = "how to bake sourdough bread"


async def queue(world: World, text: str, message_id: int = 1) -> int:
    """Queue a question as asked in #general."""
    origin = Origin("discord", world.guild.id, world.general.id, message_id)
    return await world.bot.store.log_unanswered(text, origin, best_score=0.05, best_entry_id=None)


async def stored(world: World, question_id: int) -> QueuedQuestion:
    question = await world.bot.store.question(question_id, scope=None)
    assert question is not None
    return question


def menu(result: simcord.InteractionResult, question_id: int) -> dict[str, Any]:
    """The select menu of one listed question."""
    [found] = [c for row in result.response.components for c in row["components"] if c["type"] == 3 and
               c["custom_id"] == f"faqbot:resolve:{question_id}"]  # fmt: skip
    return found


def option_values(result: simcord.InteractionResult, question_id: int) -> list[str]:
    return [option["value"] for option in menu(result, question_id)["options"]]


def labels(result: simcord.InteractionResult) -> list[str]:
    return [b["label"] for b in buttons(result.response) if b["type"] == 2]


def title(result: simcord.InteractionResult) -> str | None:
    return result.response.embeds[0].title if result.response.embeds else None


# ---------------------------------------------------------------- the menu resolves, and teaches


async def test_picking_an_entry_in_the_menu_resolves_privately_and_teaches(world: World) -> None:
    question_id = await queue(world, CERTS)
    listing = await world.eddie.slash(world.general, "unanswered list")
    values = option_values(listing, question_id)
    assert 1 <= len(values) <= 25
    chosen = values[0]  # the retriever's likeliest entry
    assert (
        title(await world.alice.slash(world.general, "ask", question=CERTS))
        != world.bot.answerer.knowledge.get(chosen).title
    )

    result = await world.eddie.select(listing.response, [chosen], custom_id=f"faqbot:resolve:{question_id}")

    assert result.ephemeral
    assert result.response.content == (
        f"#{question_id} is marked answered by `{chosen}`; learned 1 phrasing(s). Told 1 asker(s)."
    )
    assert (await stored(world, question_id)).answer_entry_id == chosen
    entry = world.bot.answerer.knowledge.get(chosen)
    assert title(await world.alice.slash(world.general, "ask", question=CERTS)) == entry.title


# ---------------------------------------------------------------- 👎 can be corrected


async def test_a_downvoted_answer_is_shown_with_the_rejected_entry_and_resolving_it_corrects_the_answer(
    world: World, knowledge: KnowledgeBase
) -> None:
    answer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
    assert title(answer) == knowledge.get(MANAGER_ENTRY).title
    await world.alice.click(answer.response, custom_id=f"faqbot:vote:down:{MANAGER_ENTRY}")
    [item] = await world.bot.store.questions(scope=None)
    listing = await world.eddie.slash(world.general, "unanswered list")
    assert f"**#{item.id}** “{MANAGER_QUESTION}”" in listing.response.embeds[0].description
    assert f"👎 on `{MANAGER_ENTRY}`" in listing.response.embeds[0].description  # the rejected entry beside it
    values = option_values(listing, item.id)
    assert MANAGER_ENTRY not in values  # the menu offers the others
    right = values[0]

    result = await world.eddie.select(listing.response, [right], custom_id=f"faqbot:resolve:{item.id}")

    assert result.response.content == f"#{item.id} is marked answered by `{right}`; learned 1 phrasing(s)."
    again = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
    assert title(again) == knowledge.get(right).title != knowledge.get(MANAGER_ENTRY).title


async def test_a_downvoted_partial_answer_stays_one_ask_with_its_rejected_entry_left_out(world: World) -> None:
    partial = "what is the pass mark for the terraform exam"  # the page names the exam, never its pass mark
    answer = await world.alice.slash(world.general, "ask", question=partial)
    [shown] = [cid.rsplit(":", 1)[-1] for cid in custom_ids(answer.response) if cid.startswith("faqbot:vote:down:")]

    await world.alice.click(answer.response, custom_id=f"faqbot:vote:down:{shown}")

    [item] = await world.bot.store.questions(scope=None)  # queued once, when the bot gave its half answer
    assert (item.ask_count, item.rejected_entry_id) == (1, shown)
    listing = await world.eddie.slash(world.general, "unanswered list")
    assert f"👎 on `{shown}`" in listing.response.embeds[0].description
    assert "asks in" not in listing.response.embeds[0].description  # not a group of two
    assert shown not in option_values(listing, item.id)
    # The same question, asked and resolved to that entry on the command line (which teaches everywhere):
    elsewhere = await world.bot.store.log_unanswered(partial, Origin("cli"), best_score=0.05, best_entry_id=None)
    await resolve_question(world.bot.store, world.bot.answerer.knowledge, elsewhere, shown, scope=None)
    reload = await world.eddie.slash(world.general, "knowledge reload")
    assert "0 open question(s) can now be answered" in reload.response.content  # never told what they 👎'd
    assert (await stored(world, item.id)).status == "open"


# ---------------------------------------------------------------- a mistaken resolve is corrected by resolving again


async def test_resolving_again_moves_the_question_s_phrasing_to_the_right_entry(
    world: World, knowledge: KnowledgeBase
) -> None:
    wrong, right = "glance-certifications", MANAGER_ENTRY
    question_id = await queue(world, MANAGER_QUESTION)
    await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry=wrong)
    mistaken = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
    assert title(mistaken) == knowledge.get(wrong).title

    result = await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry=right)

    assert result.response.content == (
        f"#{question_id} is marked answered by `{right}`; learned 0 phrasing(s); moved 1 phrasing(s) here from "
        f"`{wrong}`."
    )
    assert title(await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)) == knowledge.get(right).title
    assert [(item.entry_id, item.question_id) for item in await world.bot.store.learned()] == [(right, question_id)]


async def test_a_phrasing_taught_from_the_command_line_is_refused_with_the_command_that_removes_it(
    world: World,
) -> None:
    question_id = await queue(world, MANAGER_QUESTION)
    store = world.bot.store
    await store.teach(question_id, "glance-certifications", scope=None, guild_id=None, user_id=None)  # everywhere
    [learned] = await store.learned()

    result = await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry=MANAGER_ENTRY)

    assert result.response.content == (
        f'#{question_id} was not resolved: "{MANAGER_QUESTION}" already belongs to `glance-certifications` '
        f"(learned phrasing {learned.id}). Pick that entry, or remove that phrasing first (in Discord: "
        "`/knowledge forget`; from the command line: `faqbot knowledge learned remove ID`)."
    )
    assert [item.entry_id for item in await store.learned()] == ["glance-certifications"]


# ---------------------------------------------------------------- Dismiss asks for a reason, and acts on the group


async def test_dismiss_asks_for_a_reason_and_dismisses_the_whole_group(world: World) -> None:
    bread = await queue(world, BREAD)
    bread_to = await queue(world, BREAD_TO, message_id=2)
    await world.bot.store.log_unanswered(BREAD, Origin("discord", world.guild.id, world.general.id, 3), best_score=0.05,
                                         best_entry_id=None)  # fmt: skip
    listing = await world.eddie.slash(world.general, "unanswered list")
    assert labels(listing) == [f"Dismiss #{bread}"]  # one group, one button

    form = await world.eddie.click(listing.response, custom_id=f"faqbot:dismiss:{bread}")

    assert form.modal is not None and form.modal["title"] == f"Dismiss #{bread} and its group"
    done = await world.eddie.submit_modal(form, {"faqbot:dismiss-reason": "off-topic"})
    assert done.ephemeral
    reply = done.response.content
    assert reply == f"#{bread} is dismissed with the 1 question(s) grouped with it (#{bread_to})."
    for question_id in (bread, bread_to):
        question = await stored(world, question_id)
        assert (question.status, question.dismiss_reason) == ("dismissed", "off-topic")


async def test_dismissing_an_answered_question_warns_and_keeps_its_answer(world: World) -> None:
    question_id = await queue(world, MANAGER_QUESTION)
    await world.eddie.slash(world.general, "unanswered resolve", id=question_id, entry=MANAGER_ENTRY)

    result = await world.eddie.slash(world.general, "unanswered dismiss", id=question_id, reason="duplicate")

    assert result.response.content == (
        f"#{question_id} is already answered by `{MANAGER_ENTRY}`: it keeps its answer and was not dismissed."
    )
    question = await stored(world, question_id)
    assert (question.status, question.answer_entry_id, question.dismiss_reason) == ("answered", MANAGER_ENTRY, None)


# ---------------------------------------------------------------- editors only


async def test_someone_who_is_no_longer_an_editor_gets_editors_only_and_nothing_changes(world: World) -> None:
    question_id = await queue(world, CERTS)
    listing = await world.eddie.slash(world.general, "unanswered list")
    configure_discord(world.bot, editor_role_ids=())  # eddie's role no longer makes him an editor

    dismissed = await world.eddie.click(listing.response, custom_id=f"faqbot:dismiss:{question_id}")
    value = option_values(listing, question_id)[0]
    resolved = await world.eddie.select(listing.response, [value], custom_id=f"faqbot:resolve:{question_id}")

    for result in (dismissed, resolved):
        assert result.ephemeral and result.response.content == "Editors only."
        assert result.modal is None
    assert (await stored(world, question_id)).status == "open"
    assert await world.bot.store.learned() == []


# ---------------------------------------------------------------- a restart


@pytest.fixture
async def second_bot(world: World, knowledge: KnowledgeBase, retriever: TfidfRetriever) -> AsyncIterator[FaqBot]:
    """A new bot process on the same database, with the same configuration."""
    store = await Store.open(world.db, migrate=False)
    bot = FaqBot(
        config=world.bot.config, answerer=Answerer(knowledge, retriever, world.bot.config.retrieval, store), store=store
    )
    try:
        yield bot
    finally:
        await bot.close()
        await store.close()


async def test_the_controls_of_an_old_list_still_work_after_a_restart(world: World, second_bot: FaqBot) -> None:
    question_id = await queue(world, CERTS)
    listing = await world.eddie.slash(world.general, "unanswered list")
    chosen = option_values(listing, question_id)[0]

    await world.env.restart_bot(second_bot)
    result = await world.eddie.select(listing.response, [chosen], custom_id=f"faqbot:resolve:{question_id}")

    assert result.response.content == f"#{question_id} is marked answered by `{chosen}`; learned 1 phrasing(s)."
    question = await second_bot.store.question(question_id, scope=None)
    assert question is not None and question.answer_entry_id == chosen
    answered = await world.alice.slash(world.general, "ask", question=CERTS)
    assert title(answered) == second_bot.answerer.knowledge.get(chosen).title


# ---------------------------------------------------------------- members' picks: proposals to confirm or reject


@pytest.mark.usefixtures("world")
class TestProposals:
    """A gate that never answers outright: the question gets a "did you mean", and a member picks one."""

    @pytest.fixture
    def bot_config(self) -> Config:
        return Config(retrieval=ConfidenceGate(min_confidence=1.0), discord=DiscordConfig(cooldown_seconds=0.0))

    async def picked(self, world: World) -> QueuedQuestion:
        offer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
        assert title(offer) == "Did you mean…"
        await world.alice.click(offer.response, custom_id=f"faqbot:show:{MANAGER_ENTRY}")
        [question] = await world.bot.store.questions(scope=None)
        return question

    async def test_a_pick_is_proposed_to_the_editors_and_does_not_teach_on_its_own(self, world: World) -> None:
        question = await self.picked(world)

        listing = await world.eddie.slash(world.general, "unanswered list")

        assert question.text == MANAGER_QUESTION and question.status == "open"
        assert await world.bot.store.learned() == []  # nothing taught yet
        text = listing.response.embeds[0].description
        assert f"💡 members picked `{MANAGER_ENTRY}` ×1 for #{question.id}" in text
        assert labels(listing) == [
            f"Dismiss #{question.id}",
            f"Confirm #{question.id} → {MANAGER_ENTRY}",
            f"Reject the pick for #{question.id}",
        ]
        assert option_values(listing, question.id)[0] == MANAGER_ENTRY  # the pick heads the menu too
        still = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
        assert title(still) == "Did you mean…"

    async def test_confirm_teaches_in_one_click(self, world: World, knowledge: KnowledgeBase) -> None:
        question = await self.picked(world)
        listing = await world.eddie.slash(world.general, "unanswered list")
        [proposal] = (await world.bot.store.proposals([question.id]))[question.id]

        result = await world.eddie.click(listing.response, custom_id=f"faqbot:confirm:{proposal.id}")

        assert result.ephemeral
        assert result.response.content == (
            f"#{question.id} is marked answered by `{MANAGER_ENTRY}`; learned 1 phrasing(s). Told 1 asker(s)."
        )
        assert (await world.bot.store.proposal(proposal.id, scope=None)).status == "confirmed"
        answered = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
        assert title(answered) == knowledge.get(MANAGER_ENTRY).title
        again = await world.eddie.click(listing.response, custom_id=f"faqbot:confirm:{proposal.id}")
        assert again.response.content == "That proposal is no longer open."

    async def test_reject_keeps_the_question_open_and_teaches_nothing(self, world: World) -> None:
        question = await self.picked(world)
        listing = await world.eddie.slash(world.general, "unanswered list")
        [proposal] = (await world.bot.store.proposals([question.id]))[question.id]

        result = await world.eddie.click(listing.response, custom_id=f"faqbot:reject:{proposal.id}")

        assert result.ephemeral and result.response.content == (
            f"The members' pick `{MANAGER_ENTRY}` for #{question.id} is rejected: nothing was taught and the "
            "question stays open."
        )
        assert (await stored(world, question.id)).status == "open"
        assert await world.bot.store.learned() == []
        relisted = await world.eddie.slash(world.general, "unanswered list")
        assert "💡" not in relisted.response.embeds[0].description
        assert labels(relisted) == [f"Dismiss #{question.id}"]

    async def test_a_member_clicking_again_is_one_pick_and_only_the_buttoned_pick_says_below(
        self, world: World
    ) -> None:
        offer = await world.alice.slash(world.general, "ask", question=MANAGER_QUESTION)
        shown = [b["custom_id"] for b in buttons(offer.response) if b["custom_id"].startswith("faqbot:show:")]
        assert f"faqbot:show:{MANAGER_ENTRY}" in shown and len(shown) >= 3
        others = [custom_id for custom_id in shown if custom_id != f"faqbot:show:{MANAGER_ENTRY}"][:2]
        for _ in range(6):
            await world.alice.click(offer.response, custom_id=f"faqbot:show:{MANAGER_ENTRY}")
        for custom_id in others:
            await world.alice.click(offer.response, custom_id=custom_id)
        [question] = await world.bot.store.questions(scope=None)

        listing = await world.eddie.slash(world.general, "unanswered list")

        lines = [line for line in listing.response.embeds[0].description.splitlines() if "💡" in line]
        assert lines[0] == (
            f"  💡 members picked `{MANAGER_ENTRY}` ×1 for #{question.id}: confirm or reject it below"
        )  # six clicks by one member are one pick
        assert [line.endswith(": pick it in the menu to confirm it") for line in lines[1:]] == [True, True]
        assert labels(listing)[1:] == [
            f"Confirm #{question.id} → {MANAGER_ENTRY}",
            f"Reject the pick for #{question.id}",
        ]  # the buttons are for that one pick only
        described = {o["value"]: o.get("description") for o in menu(listing, question.id)["options"]}
        assert described[MANAGER_ENTRY] == f"{MANAGER_ENTRY} · picked by members ×1"


async def test_a_group_with_many_member_picks_still_lists_clipped(world: World, knowledge: KnowledgeBase) -> None:
    phrasings = [
        "how do I bake sourdough bread?",
        "how to bake sourdough bread",
        "how do you bake sourdough bread?",
        "how can I bake sourdough bread?",
        "how should I bake sourdough bread?",
        "how do I bake sourdough bread at home?",
        "how do we bake sourdough bread?",
        "how would I bake sourdough bread?",
    ]
    entries = [entry.id for entry in knowledge.entries[:8]]
    for number, text in enumerate(phrasings, start=1):
        origin = Origin("discord", world.guild.id, world.general.id, number)
        await world.bot.store.log_unanswered(text, origin, best_score=0.05, best_entry_id=None)
        for member, entry_id in enumerate(entries, start=1):
            await world.bot.store.propose(text, entry_id, origin, user_id=member)

    listing = await world.eddie.slash(world.general, "unanswered list")

    assert title(listing) == "Unanswered questions: open (8)"
    description = listing.response.embeds[0].description
    assert len(description) <= 4096
    assert "asks in 8 phrasings" in description  # one group, shown whole
    assert [line for line in description.splitlines() if "💡" in line][-1] == "  💡 … 61 more pick(s)"


async def test_turning_a_page_of_a_list_opened_before_a_restart_says_it_is_out_of_date(
    world: World, second_bot: FaqBot
) -> None:
    texts = ["how do I bake sourdough bread", "is there parking at the office", "can I bring my dog to work",
             "what is the best pizza topping", "who won the football world cup", "how tall is mount everest",
             "what time does the cafeteria close"]  # fmt: skip
    for number, text in enumerate(texts, start=1):  # seven groups: more than one page
        await queue(world, text, message_id=number)
    listing = await world.eddie.slash(world.general, "unanswered list")
    turned = await world.eddie.click(listing.response, label="Next ▶")
    assert turned.response.embeds[0].footer.text.startswith("Page 2/")  # this process turns its own list

    await world.env.restart_bot(second_bot)
    stale = await world.eddie.click(listing.response, label="Next ▶")

    assert stale.ephemeral
    assert stale.response.content == "This list is out of date (I restarted since): run /unanswered list again."


UNRELATED = ["how do I bake sourdough bread", "is there parking at the office", "can I bring my dog to work",
             "what is the best pizza topping", "who won the football world cup", "how tall is mount everest",
             "what time does the cafeteria close"]  # fmt: skip


async def test_the_controls_of_a_list_that_timed_out_still_work(world: World) -> None:
    ids = [await queue(world, text, message_id=number) for number, text in enumerate(UNRELATED, start=1)]
    listing = await world.eddie.slash(world.general, "unanswered list")  # more than one page: a pager
    [chosen, *_] = option_values(listing, ids[1])

    await world.env.advance_time(601)  # the pager's ten minutes are up: ◀ / ▶ are greyed out
    form = await world.eddie.click(listing.response, custom_id=f"faqbot:dismiss:{ids[0]}")
    picked = await world.eddie.select(listing.response, [chosen], custom_id=f"faqbot:resolve:{ids[1]}")

    assert form.modal is not None
    assert picked.ephemeral and picked.response.content.startswith(f"#{ids[1]} is marked answered")
    assert (await stored(world, ids[1])).status == "answered"


async def test_turning_another_list_to_a_page_without_a_pick_leaves_this_lists_pick_working(world: World) -> None:
    ids = [await queue(world, text, message_id=number) for number, text in enumerate(UNRELATED, start=1)]
    await queue(world, UNRELATED[0], message_id=99)  # asked twice: the first group of the first page
    await world.bot.store.propose(
        UNRELATED[0], MANAGER_ENTRY, Origin("discord", world.guild.id, world.general.id, 1), 5
    )
    [proposal] = (await world.bot.store.proposals([ids[0]]))[ids[0]]
    first = await world.eddie.slash(world.general, "unanswered list")
    second = await world.eddie.slash(world.general, "unanswered list")

    await world.eddie.click(second.response, label="Next ▶")  # its second page has no Confirm / Reject
    confirmed = await world.eddie.click(first.response, custom_id=f"faqbot:confirm:{proposal.id}")

    assert confirmed.ephemeral and confirmed.response is not None
    assert (await stored(world, ids[0])).status == "answered"
