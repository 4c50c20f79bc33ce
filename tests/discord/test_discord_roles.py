"""Several roles on Discord: /ask role: with autocomplete, each server's roles, the citation, "which role?" buttons.

The bot loads the bundled role and the Site Reliability Engineer test page, imported as an editor would.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import simcord
from discord_helpers import World, bot_replies, buttons, configure_discord, custom_ids, rows

from bot.config import Config, DiscordConfig
from bot.core.answering import Answerer
from bot.core.importer import command_import
from bot.core.knowledge import Entry, KnowledgeBase, load_knowledge
from bot.core.retriever import TfidfRetriever
from bot.core.roles import RoleIndex
from bot.discord_app.bot import FaqBot
from bot.store import QueuedQuestion, Store

ROOT = Path(__file__).resolve().parents[2]
CLOUD = "Cloud Technical Lead"
SRE = "Site Reliability Engineer"
NEITHER = "do i need a degree for this job"  # both roles answer it


@pytest.fixture(scope="module")
def two_roles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("two-roles")
    shutil.copy(ROOT / "knowledge" / "cloud-technical-lead.yaml", folder)
    command_import(ROOT / "tests" / "data" / "site-reliability-engineer.txt", None, folder)
    return folder


@pytest.fixture(scope="module")
def knowledge(two_roles: Path) -> KnowledgeBase:
    return load_knowledge(two_roles)


@pytest.fixture
def bot_config(two_roles: Path) -> Config:
    """The shared test config, with the two roles' folder as the knowledge a reload reads."""
    return Config(knowledge_path=two_roles, discord=DiscordConfig(cooldown_seconds=0.0))


@pytest.fixture(scope="module")
def retriever(knowledge: KnowledgeBase) -> TfidfRetriever:
    return TfidfRetriever().fit(knowledge)


@pytest.fixture(scope="module")
def role_index(knowledge: KnowledgeBase, retriever: TfidfRetriever) -> RoleIndex:
    return RoleIndex.fit(knowledge, retriever)


@pytest.fixture
async def simcord_bot(
    bot_config: Config, knowledge: KnowledgeBase, retriever: TfidfRetriever, role_index: RoleIndex, tmp_path: Path
) -> AsyncIterator[FaqBot]:
    bot_store = await Store.open(tmp_path / "faqbot.db", migrate=False)
    answerer = Answerer(knowledge, retriever, bot_config.retrieval, bot_store, role_index)
    bot = FaqBot(config=bot_config, answerer=answerer, store=bot_store)
    try:
        yield bot
    finally:
        await bot.close()
        await bot_store.close()


def source(result: simcord.SlashResult) -> str:
    return {field.name: field.value for field in result.response.embeds[0].fields}["Source"]


async def test_the_ask_command_and_help_describe_the_roles_from_the_knowledge(world: World) -> None:
    ask = world.bot.tree.get_command("ask")
    assert ask is not None and ask.description == "Ask a question about the roles this server covers"
    assert CLOUD not in ask.description
    configure_discord(world.bot, guild_roles={world.guild.id: (SRE,)})

    result = await world.alice.slash(world.general, "help")

    text = result.response.embeds[0].description
    assert f"the {SRE} role" in text and CLOUD not in text
    assert "`/ask role:`" in text
    sre = world.bot.answerer.knowledge.for_role(SRE)
    assert f"({len(sre.entries)} entries: {', '.join(sre.sections[:6])}, …)" in text  # this server's role, not all


async def test_a_question_naming_a_role_is_answered_and_cited_from_it(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question="how many yrs of experience for a cloud tech lead")

    assert source(result).startswith(f"{CLOUD} · ")


async def test_the_role_option_wins_and_autocompletes_the_roles(world: World) -> None:
    choices = await world.alice.autocomplete(world.general, "ask", "role", "reli")
    assert [choice["value"] for choice in choices] == [SRE]

    question = "do cloud TLs do capacity planning and load testing"
    result = await world.alice.slash(world.general, "ask", question=question, role=SRE)

    assert source(result).startswith(f"{SRE} · ")


async def test_an_unknown_role_is_declined_privately(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question=NEITHER, role="Pilot")

    assert result.ephemeral
    assert result.response.content == f"No role named “Pilot”. Roles: {CLOUD}, {SRE}."


async def test_a_server_covering_one_role_answers_from_it(world: World) -> None:
    configure_discord(world.bot, guild_roles={world.guild.id: (SRE,)})

    result = await world.alice.slash(world.general, "ask", question="how do they handle alert noise")

    ids = custom_ids(result.response)  # an answer's vote buttons or "did you mean"'s show buttons name the entries
    shown = [cid.rsplit(":", 1)[-1] for cid in ids if cid.startswith(("faqbot:show:", "faqbot:vote:"))]
    assert shown and all(world.bot.answerer.knowledge.get(entry_id).role == SRE for entry_id in shown)


async def test_a_question_both_roles_answer_asks_which_role_with_a_button_per_role(world: World) -> None:
    result = await world.alice.slash(world.general, "ask", question="how many years of experience is typical")

    embed = result.response.embeds[0]
    assert embed.title == "That depends on the role. Which one do you mean?"
    labels = [button["label"] for button in buttons(result.response)]
    assert any(label.startswith(f"{CLOUD}: ") for label in labels)
    assert any(label.startswith(f"{SRE}: ") for label in labels)


SRE_ONLY = "how do i tune alert rules to cut noise?"  # the SRE page answers it; the Cloud page does not


async def test_a_reload_never_answers_a_queued_question_from_a_role_its_server_does_not_cover(world: World) -> None:
    configure_discord(world.bot, guild_roles={world.guild.id: (CLOUD,)})
    await world.alice.send(world.general, f"{world.bot.user.mention} {SRE_ONLY}")
    assert bot_replies(world.general, world.env)[-1].embeds[0].title != "Answer"  # not known for this server
    posted = len(bot_replies(world.general, world.env))

    result = await world.eddie.slash(world.general, "knowledge reload")

    assert result.response.content.endswith("0 open question(s) can now be answered and were marked answered.")
    statuses = rows(world.db, "SELECT status FROM questions WHERE text = ?", (SRE_ONLY,))
    assert [row["status"] for row in statuses] == ["open"]
    assert len(bot_replies(world.general, world.env)) == posted  # nobody was told an SRE answer


async def test_the_editors_menu_offers_only_entries_of_the_roles_the_server_covers(world: World) -> None:
    configure_discord(world.bot, guild_roles={world.guild.id: (CLOUD,)})
    await world.alice.send(world.general, f"{world.bot.user.mention} {SRE_ONLY}")

    result = await world.eddie.slash(world.general, "unanswered list")

    options = [
        option["value"]
        for row in result.response.components
        for component in row["components"]
        if component["type"] == 3
        for option in component["options"]
    ]
    offered = [value.rsplit(":", 1)[-1] for value in options]
    assert offered and all(world.bot.answerer.knowledge.get(entry_id).role == CLOUD for entry_id in offered)


async def test_a_reload_without_a_role_a_server_covers_is_refused_and_that_server_is_still_answered(
    world: World, two_roles: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(two_roles, folder)
    [sre_file] = [path for path in folder.iterdir() if "site-reliability" in path.name]
    sre_file.unlink()  # an editor renamed or removed the role this server covers
    configure_discord(world.bot, guild_roles={world.guild.id: (SRE,)})
    world.bot.config = replace(world.bot.config, knowledge_path=folder)
    live = world.bot.answerer.knowledge

    result = await world.eddie.slash(world.general, "knowledge reload")

    assert result.response.content.startswith("Reload rejected, the old knowledge is still live:")
    assert f"no knowledge file holds the role '{SRE}'" in result.response.content
    assert world.bot.answerer.knowledge is live
    answered = await world.alice.slash(world.general, "ask", question="how do they handle alert noise")
    ids = custom_ids(answered.response)  # the server is still answered from its role's entries
    shown = [cid.rsplit(":", 1)[-1] for cid in ids if cid.startswith(("faqbot:show:", "faqbot:vote:"))]
    assert shown and all(world.bot.answerer.knowledge.get(entry_id).role == SRE for entry_id in shown)


async def test_a_reload_refused_for_another_servers_role_does_not_show_that_server(
    world: World, two_roles: Path, tmp_path: Path
) -> None:
    other = world.env.create_guild("Another community")
    await world.env.settle()
    folder = tmp_path / "knowledge"
    shutil.copytree(two_roles, folder)
    [sre_file] = [path for path in folder.iterdir() if "site-reliability" in path.name]
    sre_file.unlink()  # the other server's role goes
    configure_discord(world.bot, guild_roles={world.guild.id: (CLOUD,), other.id: (SRE,)})
    world.bot.config = replace(world.bot.config, knowledge_path=folder)

    result = await world.eddie.slash(world.general, "knowledge reload")

    reply = result.response.content
    assert reply.startswith("Reload rejected, the old knowledge is still live:")
    assert "another server this bot serves covers a role no knowledge file holds" in reply
    assert str(other.id) not in reply and SRE not in reply


async def queued_in_a_cloud_server(world: World, asked: str) -> tuple[QueuedQuestion, Entry]:
    """In a server covering Cloud Technical Lead only, a member's question the bot queued, and an SRE entry."""
    configure_discord(world.bot, guild_roles={world.guild.id: (CLOUD,)})
    await world.alice.slash(world.general, "ask", question=asked)
    [question] = await world.bot.store.questions(scope=None)
    return question, next(entry for entry in world.bot.answerer.knowledge.entries if entry.role == SRE)


async def test_resolving_to_an_entry_of_a_role_the_question_is_not_answered_from_is_refused(world: World) -> None:
    question, sre_entry = await queued_in_a_cloud_server(world, "how do I bake sourdough bread?")

    offered = await world.eddie.autocomplete(world.general, "unanswered resolve", "entry", "", id=question.id)
    refused = await world.eddie.slash(world.general, "unanswered resolve", id=question.id, entry=sre_entry.id)

    assert offered and all(world.bot.answerer.knowledge.get(choice["value"]).role == CLOUD for choice in offered)
    assert refused.response.content == (
        f"#{question.id} was not resolved: `{sre_entry.id}` is a {SRE} entry, and the question is answered from "
        f"{CLOUD}; pick one of its entries."
    )
    assert (await world.bot.store.question(question.id, scope=None)).status == "open"
    assert await world.bot.store.learned() == []  # nothing taught that this server's members would never get


async def test_a_question_naming_another_role_may_be_resolved_to_that_roles_entry(world: World) -> None:
    asked = "as a site reliability engineer, how do I bake sourdough bread?"
    question, sre_entry = await queued_in_a_cloud_server(world, asked)

    resolved = await world.eddie.slash(world.general, "unanswered resolve", id=question.id, entry=sre_entry.id)
    again = await world.alice.slash(world.general, "ask", question=asked)

    assert resolved.response.content.startswith(f"#{question.id} is marked answered by `{sre_entry.id}`")
    assert custom_ids(again.response)[-1] == f"faqbot:vote:down:{sre_entry.id}"


async def test_a_grouped_question_answered_from_another_role_is_left_out_of_the_resolve(world: World) -> None:
    plain, sre_entry = await queued_in_a_cloud_server(world, "how do I bake sourdough bread at home?")
    naming = "as a site reliability engineer, how do I bake sourdough bread at home?"
    await world.alice.slash(world.general, "ask", question=naming)
    [named] = [q for q in await world.bot.store.questions(scope=None) if q.text == naming]

    resolved = await world.eddie.slash(world.general, "unanswered resolve", id=named.id, entry=sre_entry.id)

    assert resolved.response.content.startswith(f"#{named.id} is marked answered by `{sre_entry.id}`; learned 1")
    assert (await world.bot.store.question(plain.id, scope=None)).status == "open"  # this server's members ask CLOUD


async def test_a_question_asked_with_the_role_option_may_be_resolved_to_that_roles_entry(world: World) -> None:
    configure_discord(world.bot, guild_roles={world.guild.id: (CLOUD,)})
    asked = "how do they page people at night for incidents in a small startup?"
    await world.alice.slash(world.general, "ask", question=asked, role=SRE)
    [question] = await world.bot.store.questions(scope=None)
    assert question.best_entry_id is not None
    sre_entry = world.bot.answerer.knowledge.get(question.best_entry_id)

    offered = await world.eddie.autocomplete(world.general, "unanswered resolve", "entry", sre_entry.id, id=question.id)
    resolved = await world.eddie.slash(world.general, "unanswered resolve", id=question.id, entry=sre_entry.id)

    assert sre_entry.role == SRE and sre_entry.id in {choice["value"] for choice in offered}
    assert resolved.response.content.startswith(f"#{question.id} is marked answered by `{sre_entry.id}`")
