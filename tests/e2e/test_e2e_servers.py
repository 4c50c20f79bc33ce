"""End to end with two servers: the real `faqbot run` process against the loopback fake Discord."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from e2e_bot import TOKEN, start_faqbot, wait_for_line
from fake_discord import DEFAULT_PERMISSIONS, FakeDiscord, message_body

MANAGE_GUILD = 1 << 5
BREAD = "how do I bake sourdough bread?"


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    """Start the fake Discord and `faqbot run` with extra `discord:` config lines; everything is stopped after."""
    stack: list[tuple[FakeDiscord, asyncio.subprocess.Process]] = []

    async def launch(discord_lines: Callable[[FakeDiscord], str]) -> tuple[FakeDiscord, asyncio.subprocess.Process]:
        fake = FakeDiscord(token=TOKEN, max_lifetime=120)
        await fake.start()
        process, _ = await start_faqbot(fake, tmp_path, discord_lines(fake))
        stack.append((fake, process))
        await fake.wait_identified(timeout=30)
        return fake, process

    yield launch
    for fake, process in stack:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=15)
            except TimeoutError:
                process.kill()
                await process.wait()
        await fake.close()


def description(reply: object) -> str:
    body = message_body(reply)  # type: ignore[arg-type]
    return " ".join(embed.get("description") or "" for embed in body.get("embeds") or [])


async def test_two_servers_each_see_only_their_own_queue_and_a_managed_role_mention_counts(
    start: Callable[..., object], tmp_path: Path
) -> None:
    fake, _ = await start(lambda fake: "  guild_ids: []\n")  # type: ignore[misc]
    commands = {command["name"]: command for command in await fake.wait_for_commands(timeout=15)}
    assert str(commands["unanswered"]["default_member_permissions"]) == str(MANAGE_GUILD)
    assert str(commands["stats"]["default_member_permissions"]) == str(MANAGE_GUILD)
    assert commands["unanswered"]["dm_permission"] is False  # guild-only: not in DMs
    assert commands["faq"]["dm_permission"] is False and commands["Answer with FAQ"]["dm_permission"] is False
    assert commands["ask"].get("default_member_permissions") is None
    other = await fake.add_guild()

    asked = await fake.send_slash_command("ask", {"question": BREAD})
    await fake.wait_for_interaction_reply(asked, timeout=15)
    mention = await fake.send_message("is a cloud technical lead a manager or an engineer?", mention_bot_role=True)
    answer = await fake.wait_for_message_reply(mention, timeout=15)
    assert answer.json["embeds"][0]["title"] == "Is a Cloud Technical Lead a manager or an engineer?"

    # The bot records a question after its reply is sent: list once it is queued, not in a race with it.
    await wait_for_line(tmp_path / "bot.log", r"queued unknown question #1")
    admin = MANAGE_GUILD | DEFAULT_PERMISSIONS
    theirs = await fake.send_slash_command("unanswered list", guild_id=other, permissions=admin)
    ours = await fake.send_slash_command("unanswered list")  # the server's owner
    member = {**fake.human_user, "id": "4242", "username": "bea", "global_name": "Bea"}  # not the owner
    plain = await fake.send_slash_command("unanswered list", user=member)

    their_list = await fake.wait_for_interaction_reply(theirs, timeout=15)
    our_list = await fake.wait_for_interaction_reply(ours, timeout=15)
    refused = await fake.wait_for_interaction_reply(plain, timeout=15)
    assert "sourdough" not in description(their_list) and "Nothing here" in description(their_list)
    assert "sourdough" in description(our_list)
    assert message_body(refused).get("content") == "Editors only."


async def test_a_bot_kept_to_one_server_leaves_another_and_says_so_once(
    start: Callable[..., object], tmp_path: Path
) -> None:
    fake, _ = await start(lambda fake: f"  guild_ids: [{fake.guild_id}]\n")  # type: ignore[misc]
    await fake.wait_for_commands(timeout=15, guild_id=fake.guild_id)

    other = await fake.add_guild()
    for _ in range(100):
        if fake.left_guilds:
            break
        await asyncio.sleep(0.1)

    assert fake.left_guilds == [other]
    assert fake.guild_id not in fake.left_guilds
    lines = [line for line in (tmp_path / "bot.log").read_text().splitlines() if "leaving server" in line]
    assert len(lines) == 1 and str(other) in lines[0] and "not in discord.guild_ids" in lines[0]
