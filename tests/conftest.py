"""Shared fixtures: the bundled knowledge, tiny knowledge folders written on the fly, and a fresh store."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.storage import Store

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
