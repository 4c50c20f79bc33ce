"""`faqbot run` as a container runs it: the heartbeat `faqbot health` reads, and a Discord it cannot reach."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from fake_discord import FakeDiscord

from bot.health import HEARTBEAT_ENV

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "tests" / "helpers" / "e2e_launcher.py"
TOKEN = "e2e-secret-token-value"


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
            for _ in range(100):  # the heartbeat is written once the bot is ready, within a second
                if heartbeat.exists():
                    break
                await asyncio.sleep(0.1)
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


async def test_an_unreachable_discord_is_retried_one_line_per_attempt_and_sigterm_ends_the_wait(
    tmp_path: Path,
) -> None:
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
    assert process.stderr is not None
    lines: list[str] = []
    try:
        while sum("cannot reach Discord (attempt" in line for line in lines) < 2:  # attempts 1 and 2 (1 s apart)
            line = (await asyncio.wait_for(process.stderr.readline(), timeout=60)).decode()
            assert line, "".join(lines)
            lines.append(line)
        # Never connected: nothing is served, so `faqbot health` must not say healthy.
        code, output = await faqbot_health(tmp_path / "faqbot.heartbeat")
        assert code == 1 and "no heartbeat" in output, output
        # Now waiting before attempt 3 (or 4, if the check took 2 s): SIGTERM must end that wait at once.
        process.send_signal(signal.SIGTERM)
        stopped = asyncio.get_running_loop().time()
        stdout, rest = await asyncio.wait_for(process.communicate(), timeout=15)
        took = asyncio.get_running_loop().time() - stopped
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    errors = "".join(lines) + rest.decode()
    assert process.returncode == 0, errors
    assert took < 1.5, errors
    attempts = [line for line in errors.splitlines() if "cannot reach Discord" in line]
    assert attempts[0].endswith("retrying in 1 s") and "attempt 1: ClientConnectorError" in attempts[0]
    assert "attempt 2:" in attempts[1] and attempts[1].endswith("retrying in 2 s")
    assert "stopped before connecting to Discord" in errors
    assert "Traceback" not in errors and "Unclosed" not in errors
    assert "voice will NOT be supported" not in errors
    assert TOKEN not in stdout.decode() + errors
