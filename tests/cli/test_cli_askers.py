"""The command line and Discord askers: `unanswered list` marks unsure questions, and `unanswered resolve` says
plainly that members who asked on Discord were not told (it has no Discord connection)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from cli_driver import Faqbot

from bot.store import Ask, Origin, Store

ENTRY = "glance-certifications"
UNSURE = "do tls get stock options?"
ALICE = 4242


@pytest.fixture
def db(tmp_path: Path) -> tuple[Path, int]:
    """A database holding one question a member asked on Discord, which got a "did you mean"."""
    path = tmp_path / "faqbot.db"

    async def fill() -> int:
        async with await Store.open(path) as store:
            origin = Origin("discord", 11, 5, 6, "https://discord.com/channels/11/5/6", ALICE)
            question_id = await store.record_ask(Ask(UNSURE, "suggest", None, origin, queue=True, unsure=True))
            assert question_id is not None
            return question_id

    return path, asyncio.run(fill())


def test_list_marks_an_unsure_question(faqbot: Faqbot, db: tuple[Path, int]) -> None:
    path, question_id = db

    listing = faqbot("unanswered", "list", "--db", str(path))
    records = faqbot("unanswered", "list", "--db", str(path), "--json")

    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.splitlines()[0].split()[3:5] == ["open", "unsure"]
    [record] = [json.loads(line) for line in records.stdout.splitlines()]
    assert (record["id"], record["unsure"]) == (question_id, True)
    assert str(ALICE) not in records.stdout  # who asked is kept for telling them, never listed


def test_resolving_from_the_cli_says_the_discord_askers_were_not_told(faqbot: Faqbot, db: tuple[Path, int]) -> None:
    path, question_id = db

    resolved = faqbot("unanswered", "resolve", str(question_id), ENTRY, "--db", str(path))

    assert resolved.returncode == 0, resolved.stderr
    assert resolved.stdout.rstrip().endswith(
        "1 member(s) who asked on Discord were not told (the command line has no Discord connection); "
        "resolve it again with /unanswered resolve to tell them."
    )
