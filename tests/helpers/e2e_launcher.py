"""Run the faqbot CLI with discord.py pointed at a loopback fake Discord (for end-to-end tests only).

Usage: ``FAQBOT_FAKE_DISCORD_HTTP=http://127.0.0.1:PORT/api/v10 \\
FAQBOT_FAKE_DISCORD_GATEWAY=ws://127.0.0.1:PORT/gateway python tests/helpers/e2e_launcher.py run --config CONFIG``

discord.py 2.7 builds REST URLs as ``Route.BASE + path`` (webhook and interaction routes use the same
``Route``), and the non-sharded ``Client.connect`` never calls ``GET /gateway``: it connects straight to
``DiscordWebSocket.DEFAULT_GATEWAY.with_query(v=10, encoding="json", compress="zlib-stream")``. The
``compress`` query is always added, but text frames are parsed as plain JSON (only binary frames go through
the decompressor), so the fake answers with uncompressed text frames.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import discord.client
import discord.gateway
import discord.http
import yarl

logger = logging.getLogger(__name__)

HTTP_ENV = "FAQBOT_FAKE_DISCORD_HTTP"
GATEWAY_ENV = "FAQBOT_FAKE_DISCORD_GATEWAY"
RECONNECT_DELAY_ENV = "FAQBOT_FAKE_DISCORD_RECONNECT_DELAY"  # optional: a fixed reconnect back-off, in seconds
HEARTBEAT_SECONDS_ENV = "FAQBOT_FAKE_HEARTBEAT_SECONDS"  # optional: how often the bot refreshes its heartbeat
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def loopback_url(name: str, value: str | None, schemes: tuple[str, ...]) -> str:
    """Return ``value`` if it is a ``schemes`` URL on a loopback host, else raise ``SystemExit``."""
    if not value:
        raise SystemExit(f"e2e_launcher: {name} is not set; refusing to talk to the real Discord")
    parts = urlsplit(value)
    if parts.scheme not in schemes or parts.hostname not in LOOPBACK_HOSTS:
        raise SystemExit(f"e2e_launcher: {name}={value!r} must be a {'/'.join(schemes)} URL on loopback")
    return value.rstrip("/")


def point_discord_at(http_base: str, gateway_url: str) -> None:
    """Redirect discord.py's REST base URL and default gateway URL to the fake."""
    discord.http.Route.BASE = http_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    logger.info("discord.py redirected: REST %s, gateway %s", http_base, gateway_url)


class FixedBackoff:
    """discord.py's reconnect back-off with one fixed delay, so that a test knows how long the bot will wait."""

    def __init__(self, delay: float) -> None:
        self.seconds = delay

    def delay(self) -> float:
        """Every reconnect waits the same time."""
        return self.seconds


def fix_reconnect_delay(seconds: float) -> None:
    """Make discord.py wait `seconds` before every reconnect (instead of its random, growing back-off)."""
    discord.client.ExponentialBackoff = lambda *args, **kwargs: FixedBackoff(seconds)  # type: ignore[assignment,misc]
    logger.info("discord.py reconnects after %.1f s", seconds)


def main(argv: list[str]) -> int:
    """Redirect discord.py from the environment, then run ``bot.cli.main(argv)``."""
    http_base = loopback_url(HTTP_ENV, os.environ.get(HTTP_ENV), ("http",))
    gateway_url = loopback_url(GATEWAY_ENV, os.environ.get(GATEWAY_ENV), ("ws",))
    point_discord_at(http_base, gateway_url)
    if os.environ.get(RECONNECT_DELAY_ENV):
        fix_reconnect_delay(float(os.environ[RECONNECT_DELAY_ENV]))
    repo_root = str(Path(__file__).resolve().parents[2])
    if repo_root not in sys.path:
        sys.path.append(repo_root)  # after PYTHONPATH and site-packages, so those take precedence
    import bot.cli  # imported late: after redirecting discord.py and extending sys.path

    if os.environ.get(HEARTBEAT_SECONDS_ENV):
        import bot.discord_app.runner

        bot.discord_app.runner.HEARTBEAT_SECONDS = float(os.environ[HEARTBEAT_SECONDS_ENV])
    return bot.cli.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
