"""`faqbot run`: build every resource once, hand them to the Bot, run until SIGTERM or Ctrl-C, close cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal

import discord

from bot.config import Config
from bot.core.answering import Answerer, settle_long_lived_objects
from bot.core.knowledge import load_knowledge
from bot.core.roles import check_configured_roles
from bot.discord_app.bot import build_bot
from bot.errors import ConfigError, FaqbotError
from bot.store import Store

log = logging.getLogger(__name__)

PORTAL = "https://discord.com/developers/applications"


class RedactSecret(logging.Filter):
    """Replaces the token wherever it would appear in a log line, whatever logged it."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without the secret."""
        message = record.getMessage()
        if self.secret and self.secret in message:
            record.msg, record.args = message.replace(self.secret, "[redacted]"), None
        return True


async def run_bot(config: Config) -> int:
    """Start-up: knowledge -> retriever -> store -> Bot; then connect and serve until asked to stop."""
    if config.discord.token is None:
        raise ConfigError(
            "no Discord token: set the DISCORD_TOKEN environment variable (or discord.token in the config file); "
            f"create a bot and copy its token at {PORTAL}"
        )
    token = config.discord.token.reveal()
    redactor = RedactSecret(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    knowledge = load_knowledge(config.knowledge_path)
    check_configured_roles(knowledge, config.discord.guild_roles)
    store = await Store.open(config.database_path, migrate=False)
    async with store:
        answerer = Answerer.build(knowledge, config.retrieval, store)
        bot = build_bot(config, answerer, store)
        settle_long_lived_objects()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, _stop, bot, signal.Signals(signum).name)
        try:
            async with bot:
                await bot.start(token)
        except discord.LoginFailure:
            raise FaqbotError(
                f"Discord rejected the token; check DISCORD_TOKEN (reset it under Bot in {PORTAL})"
            ) from None
        except discord.PrivilegedIntentsRequired:
            raise FaqbotError(
                "discord.answer_channels needs the Message Content intent: enable it under Bot -> Privileged "
                f"Gateway Intents in {PORTAL}, or remove answer_channels from the config"
            ) from None
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
    log.info("stopped cleanly")
    return 0


def _stop(bot: discord.Client, signal_name: str) -> None:
    """Close the connection on SIGTERM / Ctrl-C; `bot.start` then returns and the store is closed."""
    log.info("received %s, closing the connection", signal_name)
    asyncio.get_running_loop().create_task(bot.close())
