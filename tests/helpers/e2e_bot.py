"""Start the real `faqbot run` process against a loopback fake Discord: the one way every end-to-end test does it."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

from fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "tests" / "helpers" / "e2e_launcher.py"
TOKEN = "e2e-secret-token-value"


async def start_faqbot(
    fake: FakeDiscord,
    folder: Path,
    discord_lines: str,
    env: dict[str, str] | None = None,
    *,
    log_level: str = "INFO",
) -> tuple[asyncio.subprocess.Process, Path]:
    """`faqbot run` with the bundled knowledge, a database in `folder` and these `discord:` lines; its log's path.

    `discord_lines` are YAML lines indented under `discord:` (each ending in a newline); `env` adds to the process's
    environment (the fake's URLs and the token are always set).
    """
    config = folder / "config.yaml"
    config.write_text(
        f"knowledge:\n  path: {ROOT / 'knowledge'}\nstorage:\n  database: {folder / 'faqbot.db'}\n"
        f"logging:\n  level: {log_level}\ndiscord:\n  cooldown_seconds: 0\n{discord_lines}"
    )
    log_path = folder / "bot.log"
    environment = {**os.environ, **fake.env(), "DISCORD_TOKEN": TOKEN, **(env or {})}
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(LAUNCHER),
            "run",
            "--config",
            str(config),
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(folder),
        )
    return process, log_path


async def wait_for_line(log_path: Path, pattern: str, timeout: float = 30.0) -> re.Match[str]:
    """Wait until the bot's log has a line matching `pattern`; the match."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = re.search(pattern, log_path.read_text())
        if found:
            return found
        assert asyncio.get_running_loop().time() < deadline, f"no {pattern!r} in:\n{log_path.read_text()}"
        await asyncio.sleep(0.05)
