"""`faqbot run`: build every resource once, hand them to the Bot, run until SIGTERM or Ctrl-C, close cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence

import aiohttp
import discord

from bot.config import Config
from bot.core.answering import TEACHING_CHECK_SECONDS, Answerer, settle_long_lived_objects
from bot.core.knowledge import load_knowledge
from bot.core.roles import check_configured_roles
from bot.discord_app.bot import FaqBot, build_bot
from bot.errors import ConfigError, FaqbotError
from bot.health import HEARTBEAT_SECONDS, heartbeat_path, keep_heartbeat
from bot.metrics import Metrics
from bot.store import Store

log = logging.getLogger(__name__)

PORTAL = "https://discord.com/developers/applications"
# Seconds between attempts at the first connection: doubling, then every 60 s; after the last one, give up.
CONNECT_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0, 60.0)
QUEUE_SIZE_SECONDS = 30.0
CONNECTION_END_SECONDS = 1.0  # after closing, how long a live connection gets to end before it is cancelled
# What a network failure looks like on the way to Discord (a rejected token is discord.LoginFailure, not these).
NETWORK_ERRORS = (aiohttp.ClientError, OSError, TimeoutError, discord.GatewayNotFound, discord.DiscordServerError)
VOICE_WARNINGS = ("PyNaCl is not installed", "davey is not installed")


class DiscordLogLines(logging.Filter):
    """discord.py's client log, one line per event: no voice warnings (faqbot never speaks), no reconnect tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop the voice warnings; fold a reconnect's traceback into its line."""
        message = record.getMessage()
        if message.startswith(VOICE_WARNINGS):
            return False
        if message.startswith("Attempting a reconnect") and record.exc_info:
            error = record.exc_info[1]
            record.msg, record.args = (
                f"Discord connection lost ({describe(error)}); {message[0].lower()}{message[1:]}",
                None,
            )
            record.exc_info, record.exc_text, record.levelno, record.levelname = None, None, logging.WARNING, "WARNING"
        return True


def describe(error: BaseException | None) -> str:
    """A network error in a few words: its class and message, never a traceback."""
    if error is None:
        return "unknown error"
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


async def first_login(
    login: Callable[[], Awaitable[None]], stopping: asyncio.Event, delays: Sequence[float] = CONNECT_DELAYS
) -> bool:
    """Log in, retrying network failures with back-off, one log line each; False if asked to stop while waiting.

    A rejected token (discord.LoginFailure) is not retried. The wait between attempts ends at once on SIGTERM.
    """
    for attempt, delay in enumerate([*delays, None], start=1):
        try:
            await login()
            return True
        except NETWORK_ERRORS as error:
            # A 5xx is Discord reached but failing, not a network down on this side: the line says which it is.
            outage = isinstance(error, discord.DiscordServerError)
            failure = "Discord is unavailable" if outage else "cannot reach Discord"
            if delay is None:
                raise FaqbotError(f"{failure} after {attempt} attempts: {describe(error)}") from None
            log.warning("%s (attempt %d: %s); retrying in %.0f s", failure, attempt, describe(error), delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)
        if stopping.is_set():
            return False
    raise AssertionError("unreachable")


async def refresh_queue_size(store: Store, metrics: Metrics, interval: float) -> None:
    """Keep the queue-size metric current (every `interval` seconds) until cancelled; a failed read is logged once.

    A new database is migrated only after login: until the store has applied every migration (a half-migrated
    database may lack the queue, and the migration holds its connection) the size is 0, and nothing is read.
    """
    await store.migrated.wait()
    warned = False
    while True:
        try:
            metrics.set_queue_size(await store.open_count())
            warned = False
        except Exception as error:  # a metric must never stop the bot
            if not warned:
                log.warning("cannot read the queue size for the metrics: %s", error)
                warned = True
        await asyncio.sleep(interval)


async def follow_teaching(answerer: Answerer, store: Store, interval: float) -> None:
    """Every `interval` seconds, take up what other processes sharing the database taught or forgot, until cancelled.

    A failed read is logged once, in one line, until one succeeds again.
    """
    await store.migrated.wait()
    warned = False
    while True:
        await asyncio.sleep(interval)
        try:
            if await answerer.follow_teaching():
                log.info("the learned phrasings changed in the database (another process taught): indexes re-fitted")
            warned = False
        except Exception as error:  # the bot answers with what it has
            if not warned:
                log.warning("cannot read the learned phrasings: %s", error)
                warned = True


@contextlib.contextmanager
def discord_log_lines() -> Iterator[None]:
    """Attach DiscordLogLines to discord.py's client logger for the duration of the run."""
    lines = DiscordLogLines()
    logger = logging.getLogger("discord.client")
    logger.addFilter(lines)
    try:
        yield
    finally:
        logger.removeFilter(lines)


# An interaction's token lets whoever holds it reply as the bot for 15 minutes; at DEBUG, discord.py logs it in the
# URLs it calls and in the gateway events it receives.
INTERACTION_TOKENS = re.compile(r"(/(?:interactions|webhooks)/\d+/|['\"]token['\"]: ['\"])[A-Za-z0-9_.:-]+")


class RedactSecret(logging.Filter):
    """Replaces the bot's token, and any interaction's token, wherever it would appear in a log line."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message, and the traceback it carries, without the secrets."""
        message = record.getMessage()
        redacted = self.redacted(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info:  # formatted here, once, as the handler's formatter would: it keeps exc_text as it is
            record.exc_text = self.redacted(record.exc_text or logging.Formatter().formatException(record.exc_info))
        return True

    def redacted(self, text: str) -> str:
        """The text with the bot's token and every interaction's token replaced by [redacted]."""
        text = INTERACTION_TOKENS.sub(r"\1[redacted]", text)
        return text.replace(self.secret, "[redacted]") if self.secret else text


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
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):  # from here on a stop is honoured even while still loading
        loop.add_signal_handler(signum, _stop_early, stopping, signal.Signals(signum).name)
    try:
        with discord_log_lines():
            return await _serve(config, token, stopping)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


async def _serve(config: Config, token: str, stopping: asyncio.Event) -> int:
    """Load, open, connect (retrying), serve; every resource is closed on the way out."""
    knowledge = await asyncio.to_thread(load_knowledge, config.knowledge_path)
    check_configured_roles(knowledge, config.discord.guild_roles)
    if stopping.is_set():
        return _stopped_before_connecting()
    store = await Store.open(config.database, migrate=False)
    async with store, contextlib.AsyncExitStack() as resources:
        answerer = await asyncio.to_thread(Answerer.build, knowledge, config.retrieval, store)
        metrics = Metrics()
        bot = build_bot(config, answerer, store, metrics)
        settle_long_lived_objects()
        if stopping.is_set():
            return _stopped_before_connecting()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, _stop, bot, stopping, signal.Signals(signum).name)
        _background(resources, follow_teaching(answerer, store, TEACHING_CHECK_SECONDS))
        heartbeat_file = heartbeat_path(os.environ)
        _background(resources, keep_heartbeat(heartbeat_file, HEARTBEAT_SECONDS, time.time, bot.connected))
        resources.callback(_remove, heartbeat_file)
        if config.metrics.port is not None:
            try:
                runner = await metrics.serve(config.metrics.host, config.metrics.port)
            except OSError as error:
                raise FaqbotError(
                    f"cannot serve metrics on {config.metrics.host}:{config.metrics.port}: {error.strerror}"
                ) from None
            resources.push_async_callback(runner.cleanup)
            _background(resources, refresh_queue_size(store, metrics, QUEUE_SIZE_SECONDS))
        try:
            async with bot:
                if not await first_login(lambda: _login(bot, token), stopping):
                    return _stopped_before_connecting()
                await _connect(bot, stopping)
        except discord.LoginFailure:
            raise FaqbotError(
                f"Discord rejected the token; check DISCORD_TOKEN (reset it under Bot in {PORTAL})"
            ) from None
        except discord.PrivilegedIntentsRequired:
            raise FaqbotError(
                "discord.answer_channels needs the Message Content intent: enable it under Bot -> Privileged "
                f"Gateway Intents in {PORTAL}, or remove answer_channels from the config"
            ) from None
        except NETWORK_ERRORS as error:  # the gateway failed in a way discord.py does not retry
            raise FaqbotError(f"lost the connection to Discord: {describe(error)}") from None
    log.info("stopped cleanly")
    return 0


async def _connect(bot: FaqBot, stopping: asyncio.Event) -> None:
    """Serve over the gateway (discord.py reconnects by itself) until the connection ends or a stop is asked.

    On a stop, the handlers drain and the connection closes; a reconnect that is pending (discord.py waits up to
    ~17 minutes between attempts during an outage) is cancelled instead of waited out.
    """
    connection = asyncio.ensure_future(bot.connect(reconnect=True))
    stop = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({connection, stop}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        connection.cancel()
        raise
    finally:
        stop.cancel()
    if not connection.done():
        await bot.close()  # lets handlers finish; a live connection then ends by itself
        await asyncio.wait({connection}, timeout=CONNECTION_END_SECONDS)
        if not connection.done():  # waiting to reconnect, or stuck connecting: nothing left to serve
            connection.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connection
            return
    connection.result()  # raises what ended the connection (a rejected token, a missing intent, ...)


async def _login(bot: FaqBot, token: str) -> None:
    """One login attempt; a failed one closes the HTTP session it opened, so that the next attempt starts clean."""
    try:
        await bot.login(token)
    except NETWORK_ERRORS:
        await bot.http.close()
        bot.http.connector = discord.utils.MISSING  # closed with its session; the next login makes a new one
        raise


def _background(resources: contextlib.AsyncExitStack, work: Awaitable[None]) -> None:
    """Run `work` as a task that is cancelled when `resources` closes."""
    task = asyncio.ensure_future(work)
    resources.callback(task.cancel)


def _remove(path: os.PathLike[str]) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _stopped_before_connecting() -> int:
    log.info("stopped before connecting to Discord")
    return 0


def _stop_early(stopping: asyncio.Event, signal_name: str) -> None:
    """SIGTERM / Ctrl-C while still loading: stop before connecting."""
    log.info("received %s while starting, stopping", signal_name)
    stopping.set()


def _stop(bot: FaqBot, stopping: asyncio.Event, signal_name: str) -> None:
    """Close the connection on SIGTERM / Ctrl-C (ending a wait between connection attempts at once)."""
    log.info("received %s, closing the connection", signal_name)
    stopping.set()
    asyncio.get_running_loop().create_task(bot.close())
