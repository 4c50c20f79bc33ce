"""`faqbot run` against the fake Discord when Discord misbehaves: a guild that refuses, an outage, a server error."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from e2e_bot import ROOT, TOKEN, start_faqbot, wait_for_line
from fake_discord import FakeDiscord, message_body

ABSENT_GUILD = 123456789012345678  # a server the bot is not in
QUESTION = "is a cloud technical lead a manager or an engineer?"
ANSWER_TITLE = "Is a Cloud Technical Lead a manager or an engineer?"

Start = Callable[..., Awaitable[tuple[FakeDiscord, asyncio.subprocess.Process, Path]]]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """Start the fake Discord and `faqbot run` against it (guild_ids, environment and fake set-up per test)."""
    started: list[tuple[FakeDiscord, asyncio.subprocess.Process]] = []

    async def launch(
        guild_ids: Callable[[FakeDiscord], str] = lambda fake: str(fake.guild_id),
        env: dict[str, str] | None = None,
        prepare: Callable[[FakeDiscord], None] = lambda fake: None,
    ) -> tuple[FakeDiscord, asyncio.subprocess.Process, Path]:
        fake = FakeDiscord(token=TOKEN, max_lifetime=120)
        await fake.start()
        prepare(fake)
        process, log_path = await start_faqbot(fake, tmp_path, f"  guild_ids: [{guild_ids(fake)}]\n", env)
        started.append((fake, process))
        return fake, process, log_path

    try:
        yield launch
    finally:
        for fake, process in started:
            if process.returncode is None:
                process.kill()
                await process.wait()
            await fake.close()


async def ask(fake: FakeDiscord) -> str:
    """Ask the bot a question it knows with /ask; the title of its answer."""
    interaction = await fake.send_slash_command("ask", {"question": QUESTION})
    reply = await fake.wait_for_interaction_reply(interaction, timeout=15)
    return str(message_body(reply)["embeds"][0]["title"])


async def test_a_listed_guild_that_refuses_commands_is_one_warning_and_the_bot_serves_the_others(start) -> None:
    fake, process, log_path = await start(guild_ids=lambda fake: f"{ABSENT_GUILD}, {fake.guild_id}")
    await fake.wait_identified(timeout=30)
    commands = await fake.wait_for_commands(timeout=15, guild_id=fake.guild_id)
    assert "ask" in {command["name"] for command in commands}
    assert await ask(fake) == ANSWER_TITLE
    assert process.returncode is None

    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), timeout=15) == 0
    output = log_path.read_text()
    assert "Traceback" not in output, output
    warnings = [line for line in output.splitlines() if str(ABSENT_GUILD) in line]
    assert len(warnings) == 1, output
    assert "WARNING" in warnings[0] and "cannot sync commands" in warnings[0]
    assert "applications.commands" in warnings[0] and "discord.guild_ids" in warnings[0]


async def test_sigterm_while_discord_is_away_ends_the_reconnect_wait_at_once(start) -> None:
    fake, process, log_path = await start(env={"FAQBOT_FAKE_DISCORD_RECONNECT_DELAY": "60"})
    await fake.wait_identified(timeout=30)
    await fake.wait_for_commands(timeout=15, guild_id=fake.guild_id)
    await wait_for_line(log_path, r"logged in as")
    await fake.close()  # an outage: the gateway and the REST API are gone
    await wait_for_line(log_path, r"attempting a reconnect in 60\.00s")

    process.send_signal(signal.SIGTERM)
    stopped = asyncio.get_running_loop().time()
    assert await asyncio.wait_for(process.wait(), timeout=10) == 0  # discord.py alone would wait out the 60 s
    took = asyncio.get_running_loop().time() - stopped
    output = log_path.read_text()
    assert took < 5, output
    assert "received SIGTERM, closing the connection" in output
    assert "stopped cleanly" in output
    assert "Traceback" not in output, output


async def faqbot_health(heartbeat: Path, max_age: float) -> tuple[int, str]:
    """Run `faqbot health --file HEARTBEAT --max-age MAX_AGE` as the HEALTHCHECK does; its exit code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "health",
        "--file",
        str(heartbeat),
        "--max-age",
        str(max_age),
        stdout=subprocess.PIPE,
        cwd=str(ROOT),
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode().strip()


async def test_the_bot_turns_unhealthy_while_discord_is_away(start, tmp_path: Path) -> None:
    heartbeat = tmp_path / "faqbot.heartbeat"
    env = {
        "FAQBOT_FAKE_DISCORD_RECONNECT_DELAY": "60",
        "FAQBOT_FAKE_HEARTBEAT_SECONDS": "0.2",
        "FAQBOT_HEARTBEAT_FILE": str(heartbeat),
    }
    fake, _, log_path = await start(env=env)
    await wait_for_line(log_path, r"logged in as")
    await asyncio.sleep(1.5)  # a few refreshes while connected
    code, output = await faqbot_health(heartbeat, max_age=1)
    assert (code, output.split(":")[0]) == (0, "healthy"), output

    await fake.close()  # an outage: the bot waits 60 s to reconnect
    await wait_for_line(log_path, r"attempting a reconnect in 60\.00s")
    await asyncio.sleep(2)
    code, output = await faqbot_health(heartbeat, max_age=1)
    assert code == 1 and "the last heartbeat is" in output, output


async def test_a_server_error_during_command_sync_retries_the_sync_alone_in_one_line(start) -> None:
    fake, process, log_path = await start(prepare=lambda fake: fake.fail_once("PUT", r"/commands$", 503))
    await fake.wait_identified(timeout=30)
    await fake.wait_for_commands(timeout=15, guild_id=fake.guild_id)
    assert await ask(fake) == ANSWER_TITLE

    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), timeout=15) == 0
    output = log_path.read_text()
    assert "Traceback" not in output and "failed to load extension" not in output, output
    retries = [line for line in output.splitlines() if "503" in line]
    assert len(retries) == 1 and "retrying in 1 s" in retries[0], output
    assert output.count("at schema version") == 1, output
    assert output.count("synced ") == 1, output
