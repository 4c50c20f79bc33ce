"""Liveness for `faqbot health`: the bot refreshes a heartbeat file while connected to Discord; the check reads it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

HEARTBEAT_ENV = "FAQBOT_HEARTBEAT_FILE"
HEARTBEAT_SECONDS = 15.0  # how often the bot refreshes the file while connected to Discord
MAX_AGE_SECONDS = 60.0  # four missed refreshes: the bot is hung, gone, or cut off from Discord for about a minute


@dataclass(frozen=True)
class HealthStatus:
    """The verdict of one health check: healthy or not, and one line saying why."""

    healthy: bool
    message: str


def heartbeat_path(environ: Mapping[str, str]) -> Path:
    """The heartbeat file: $FAQBOT_HEARTBEAT_FILE, or faqbot.heartbeat in the temporary folder (per container)."""
    configured = environ.get(HEARTBEAT_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(tempfile.gettempdir()) / "faqbot.heartbeat"


def write_heartbeat(path: Path, now: float) -> None:
    """Write `now` (seconds since the epoch) atomically: a reader sees the old time or the new one, never half."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(f"{now:.3f}\n", encoding="ascii")
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def check_heartbeat(path: Path, max_age: float, now: float) -> HealthStatus:
    """Healthy when the heartbeat was written at most `max_age` seconds before `now` (the bot was connected then)."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return HealthStatus(
            False, f"unhealthy: no heartbeat at {path} (the bot is not running, or not connected to Discord yet)"
        )
    except (OSError, UnicodeDecodeError) as error:
        return HealthStatus(False, f"unhealthy: cannot read the heartbeat {path}: {error}")
    try:
        written = float(text.strip())
    except ValueError:
        return HealthStatus(False, f"unhealthy: the heartbeat {path} does not hold a time: {text.strip()[:40]!r}")
    age = now - written
    if age > max_age:
        return HealthStatus(
            False,
            f"unhealthy: the last heartbeat is {age:.0f} s old (limit {max_age:.0f} s): "
            "the bot is hung, or has not been connected to Discord since",
        )
    return HealthStatus(True, f"healthy: heartbeat {max(age, 0.0):.0f} s ago")


async def keep_heartbeat(
    path: Path, interval: float, clock: Callable[[], float], connected: Callable[[], bool], poll: float = 1.0
) -> None:
    """While `connected()`, refresh the heartbeat every `interval` seconds, and within `poll` seconds of connecting.

    Nothing is written while the bot is not connected to Discord (still logging in, or reconnecting), so the
    heartbeat ages out and `faqbot health` reports unhealthy once the outage outlasts the check's limit. A failed
    write is logged once, not fatal.
    """
    warned = False
    loop = asyncio.get_running_loop()
    written: float | None = None  # loop time of the last write in this connection; None while not connected
    while True:
        if not connected():
            written = None
        elif written is None or loop.time() - written >= interval:
            written = loop.time()
            try:
                write_heartbeat(path, clock())
                warned = False
            except OSError as error:
                if not warned:
                    log.warning(
                        "cannot write the heartbeat %s: %s; faqbot health will report unhealthy (set %s to a "
                        "writable file, or with docker run --read-only add --tmpfs /tmp)",
                        path,
                        error,
                        HEARTBEAT_ENV,
                    )
                    warned = True
        await asyncio.sleep(min(poll, interval))
