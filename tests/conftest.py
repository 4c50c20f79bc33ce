"""Shared fixtures: the bundled knowledge, tiny knowledge folders written on the fly, and a fresh store."""

from __future__ import annotations

import textwrap
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from fit_once import fitting_each_knowledge_once

from bot.core.knowledge import KnowledgeBase, load_knowledge
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"

TINY = """
role: Lighthouse Keeper
entries:
  - id: duty-lamp
    title: Keeping the lamp lit
    section: Duties
    text: The keeper trims the wick and polishes the lens every evening before dusk.
    questions: [who looks after the light at night]
  - id: duty-log
    title: The logbook
    section: Duties
    text: Every passing ship, storm and repair is written in the logbook.
    tags: [records]
  - id: faq-salary
    title: How much does a lighthouse keeper earn?
    section: Frequently asked questions
    text: Keepers earn a modest wage plus free lodging in the tower cottage.
synonyms:
  compensation: [salary, pay, wage]
  lens: [lenses, glass]
"""


@pytest.fixture(scope="session", autouse=True)
def fit_each_knowledge_once() -> Iterator[None]:
    """Index each distinct knowledge once per test process (tests/helpers/fit_once.py says why that is safe)."""
    with fitting_each_knowledge_once():
        yield


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    """The bundled Cloud Technical Lead knowledge."""
    return load_knowledge(KNOWLEDGE)


@pytest.fixture
def write_knowledge(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML files into a fresh knowledge folder and return the folder."""

    def write(**files: str) -> Path:
        folder = tmp_path / "knowledge"
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        return folder

    return write


@pytest.fixture
def tiny_knowledge(write_knowledge: Callable[..., Path]) -> KnowledgeBase:
    """A three-entry role page, small enough to know every expected ranking."""
    return load_knowledge(write_knowledge(lighthouse=TINY))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated store in a fresh folder."""
    async with await Store.open(tmp_path / "data" / "faqbot.db") as opened:
        yield opened


# ---------------------------------------------------------------- Discord (simcord) fixtures
#
# The bot under test is the real FaqBot, wired like production (config, answerer, store), driven by simcord's
# in-memory Discord. `bot_config` is the knob: override it in a test module or class (e.g. a cooldown, a gate
# that turns every match into a suggestion, or the placeholder answer channel that switches the message-content
# intent on). `world` builds the guild and writes the real role ids into the bot's config.

import simcord  # noqa: E402
from discord_helpers import REFIT_SETTLE_SECONDS, World, configure_discord, grant_editor_commands  # noqa: E402

from bot.config import Config, DiscordConfig  # noqa: E402
from bot.core.answering import Answerer  # noqa: E402
from bot.core.retriever import TfidfRetriever  # noqa: E402
from bot.discord_app.bot import FaqBot  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every SimCord test REFIT_SETTLE_SECONDS to settle unless its own `simcord` mark says otherwise.

    A resolve or a reload re-fits the indexes in a worker thread; on a busy two-core machine that outlasts
    simcord's 5 s default. The merged mark goes first, so it is the one simcord's fixture reads.
    """
    for item in items:
        mark = item.get_closest_marker("simcord")
        if "simcord_env" in getattr(item, "fixturenames", ()) and "settle_timeout" not in (mark.kwargs if mark else {}):
            options = {"settle_timeout": REFIT_SETTLE_SECONDS, **(mark.kwargs if mark else {})}
            item.add_marker(pytest.mark.simcord(**options), append=False)


@pytest.fixture(scope="session")
def retriever(knowledge: KnowledgeBase) -> TfidfRetriever:
    """The bundled knowledge's retriever, fitted once per session."""
    return TfidfRetriever().fit(knowledge)


@pytest.fixture
def bot_config() -> Config:
    """The bot's configuration: default gate, no cooldown, commands synced globally, no answer channel."""
    return Config(discord=DiscordConfig(cooldown_seconds=0.0))


@pytest.fixture
async def simcord_bot(
    bot_config: Config, knowledge: KnowledgeBase, retriever: TfidfRetriever, tmp_path: Path
) -> AsyncIterator[FaqBot]:
    """A real, not yet started FaqBot for simcord; its setup_hook migrates the store. Closed after the test."""
    bot_store = await Store.open(tmp_path / "faqbot.db", migrate=False)
    answerer = Answerer(knowledge, retriever, bot_config.retrieval, bot_store)
    bot = FaqBot(config=bot_config, answerer=answerer, store=bot_store)
    try:
        yield bot
    finally:
        # simcord_env has already shut down here; simcord never closes the bot itself.
        await bot.close()
        await bot_store.close()


@pytest.fixture
async def world(simcord_env: simcord.Env, simcord_bot: FaqBot) -> World:
    """The guild the tests play in; the roles' ids are written into the bot's config once they exist."""
    env = simcord_env
    simcord_bot.cooldown.clock = time.monotonic  # simcord's virtual clock: it is patched in once the env runs
    guild = env.create_guild("Cloud Leads")
    general = guild.create_text_channel("general")
    mentor_role = guild.create_role("Mentor")
    editor_role = guild.create_role("Editor")
    configure_discord(simcord_bot, mentor_role_ids=(mentor_role.id,), editor_role_ids=(editor_role.id,))
    grant_editor_commands(env, guild, editor_role)
    alice = guild.add_member(env.create_user("alice"))
    mona = guild.add_member(env.create_user("mona"), roles=[mentor_role])
    eddie = guild.add_member(env.create_user("eddie"), roles=[editor_role])
    return World(env, simcord_bot, guild, general, mentor_role, editor_role, alice, mona, eddie)
