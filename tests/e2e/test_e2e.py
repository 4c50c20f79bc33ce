"""End to end: the real `faqbot run` process against a loopback fake Discord (HTTP routes and gateway on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from e2e_bot import LAUNCHER, ROOT, TOKEN, start_faqbot, wait_for_line
from fake_discord import FakeDiscord, message_body


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[FakeDiscord, asyncio.subprocess.Process, Path]]:
    """The fake Discord, and `faqbot run` started against it; the bot is killed if a test leaves it running."""
    async with FakeDiscord(token=TOKEN, max_lifetime=120) as fake:
        process, log_path = await start_faqbot(fake, tmp_path, f"  guild_ids: [{fake.guild_id}]\n")
        try:
            yield fake, process, log_path
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def test_faqbot_run_logs_in_syncs_answers_and_stops_on_sigterm(running) -> None:
    fake, process, log_path = running
    identify = await fake.wait_identified(timeout=30)
    assert identify["token"] == TOKEN
    assert not identify["intents"] & (1 << 15), "no message-content intent without answer channels"

    commands = await fake.wait_for_commands(timeout=15, guild_id=fake.guild_id)
    names = {command["name"] for command in commands}
    assert {"ask", "help", "faq", "unanswered", "knowledge", "stats", "Answer with FAQ"} <= names

    interaction = await fake.send_slash_command(
        "ask", {"question": "is a cloud technical lead a manager or an engineer?"}
    )
    reply = await fake.wait_for_interaction_reply(interaction, timeout=15)
    body = message_body(reply)
    assert body["embeds"][0]["title"] == "Is a Cloud Technical Lead a manager or an engineer?"
    assert body["allowed_mentions"] == {"parse": []}

    message = await fake.send_message("how many years of experience does a TL need?", mention_bot=True)
    answer = await fake.wait_for_message_reply(message, timeout=15)
    assert str(answer.json["message_reference"]["message_id"]) == str(message["id"])
    assert answer.json["embeds"][0]["title"] in {"Typical experience", "Years of experience"}
    assert answer.json["allowed_mentions"]["parse"] == []

    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), timeout=15) == 0
    output = log_path.read_text()
    assert "Traceback" not in output, output
    assert "stopped cleanly" in output
    assert TOKEN not in output


async def test_a_debug_log_holds_neither_the_bot_token_nor_an_interaction_token(tmp_path: Path) -> None:
    async with FakeDiscord(token=TOKEN, max_lifetime=120) as fake:
        process, log_path = await start_faqbot(fake, tmp_path, f"  guild_ids: [{fake.guild_id}]\n", log_level="DEBUG")
        try:
            await fake.wait_identified(timeout=30)
            await fake.wait_for_commands(timeout=15, guild_id=fake.guild_id)
            interaction = await fake.send_slash_command("ask", {"question": "is a cloud technical lead a manager?"})
            await fake.wait_for_interaction_reply(interaction, timeout=15)
            await wait_for_line(log_path, r"/interactions/\d+/\[redacted\]/callback")  # its reply, logged
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=15)
    output = log_path.read_text()
    assert "'token': '[redacted]'" in output  # the gateway event that carried it, logged
    assert str(interaction["token"]) not in output and TOKEN not in output


async def test_a_rejected_token_is_one_clear_line(tmp_path: Path) -> None:
    async with FakeDiscord(token="the-right-token", max_lifetime=60) as fake:
        env = {**os.environ, **fake.env(), "DISCORD_TOKEN": TOKEN}
        result = await asyncio.create_subprocess_exec(
            sys.executable,
            str(LAUNCHER),
            "run",
            "--db",
            str(tmp_path / "faqbot.db"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=str(ROOT),
        )
        stdout, stderr = await asyncio.wait_for(result.communicate(), timeout=60)
    assert result.returncode == 2
    assert stderr.decode().strip().splitlines()[-1].startswith("faqbot: error: Discord rejected the token")
    assert TOKEN not in stdout.decode() + stderr.decode()
    assert "Traceback" not in stderr.decode()
