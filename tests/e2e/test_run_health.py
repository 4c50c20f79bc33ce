"""`faqbot run` as a container runs it: the heartbeat `faqbot health` reads, and a Discord it cannot reach."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from bot.health import HEARTBEAT_ENV
from tests.fake_discord import FakeDiscord
from tests.test_e2e import LAUNCHER, ROOT, TOKEN


async def faqbot_health(heartbeat: Path) -> tuple[int, str]:
    """Run `faqbot health --file HEARTBEAT` as the HEALTHCHECK does; its exit code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "health", "--file", str(heartbeat), stdout=subprocess.PIPE, cwd=str(ROOT)
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode()


async def test_the_running_bot_is_healthy_and_not_after_it_stops(tmp_path: Path) -> None:
    heartbeat = tmp_path / "faqbot.heartbeat"
    async with FakeDiscord(token=TOKEN, max_lifetime=120) as fake:
        env = {**os.environ, **fake.env(), "DISCORD_TOKEN": TOKEN, HEARTBEAT_ENV: str(heartbeat)}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(LAUNCHER),
            "run",
            "--db",
            str(tmp_path / "faqbot.db"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=str(ROOT),
        )
        try:
            await fake.wait_identified(timeout=30)
            code, output = await faqbot_health(heartbeat)
            assert (code, output.split(":")[0]) == (0, "healthy"), output
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), timeout=15) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    code, output = await faqbot_health(heartbeat)
    assert code == 1
    assert "no heartbeat" in output


async def test_an_unreachable_discord_is_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a loopback port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "FAQBOT_FAKE_DISCORD_HTTP": f"http://127.0.0.1:{port}/api/v10",
        "FAQBOT_FAKE_DISCORD_GATEWAY": f"ws://127.0.0.1:{port}/gateway",
        "DISCORD_TOKEN": TOKEN,
        HEARTBEAT_ENV: str(tmp_path / "faqbot.heartbeat"),
    }
    process = await asyncio.create_subprocess_exec(
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
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    errors = stderr.decode()
    assert process.returncode == 2, errors
    assert errors.strip().splitlines()[-1].startswith("faqbot: error: cannot reach Discord: "), errors
    assert "Traceback" not in errors
    assert TOKEN not in stdout.decode() + errors
