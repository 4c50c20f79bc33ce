"""The discord.py Bot: resources are handed in, and `setup_hook` is the one start-up path."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Config
from bot.core.answering import Answerer
from bot.core.queue import roles_answering
from bot.discord_app.cooldown import Cooldown
from bot.metrics import Metrics
from bot.store import QueuedQuestion, Store, database_unavailable

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.discord_app.cogs.members", "bot.discord_app.cogs.mentors", "bot.discord_app.cogs.editors")


# Well inside `docker stop`'s default 10 s grace, with room for the disconnect and closing the store.
DRAIN_SECONDS = 5.0


class InFlight:
    """Counts handlers at work, so that a shutdown lets them finish their replies and database writes."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        """Mark one handler busy for the duration of the block."""
        self._count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._count -= 1
            if not self._count:
                self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until no handler is busy; False if some were still busy after `timeout` seconds."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


DATABASE_DOWN_TEXT = "I can't reach my database right now, so that didn't work. Please try again in a minute."


def log_failure(what: str, error: BaseException, fallback: str) -> str:
    """Log a failed command, button or form, and return what to tell its user (`fallback` unless the database is down).

    A database that cannot be used right now (`database_unavailable`: a condition of the moment, not a bug) is one
    line with its reason; anything else, a bad statement included, is logged with its traceback.
    """
    if database_unavailable(error):
        log.error("%s failed: the database cannot be used: %s", what, error)
        return DATABASE_DOWN_TEXT
    log.error("%s failed", what, exc_info=error)
    return fallback


class EditorsOnly(app_commands.CheckFailure):
    """Raised by the editor check; the error handler turns it into an ephemeral notice."""


class FaqTree(app_commands.CommandTree["FaqBot"]):
    """The command tree with one error handler for every app command: short notice to the user, traceback to the log."""

    async def interaction_check(self, interaction: discord.Interaction[FaqBot]) -> bool:
        """Ignore servers outside discord.guild_ids (the bot is leaving them)."""
        return interaction.client.serves(interaction.guild_id) if interaction.guild_id else True

    async def on_error(self, interaction: discord.Interaction[FaqBot], error: app_commands.AppCommandError) -> None:
        """Tell the user briefly and privately; log the details."""
        if isinstance(error, EditorsOnly):
            text = "Editors only."
        elif isinstance(error, app_commands.NoPrivateMessage):
            text = "This command works in a server, not in DMs."
        elif isinstance(error, app_commands.TransformerError):
            # A mistaken option (a member picked where there is none, as in a DM): the user's slip, not a bug.
            log.info("option %s could not be read: %s", error.type.name, error.value)
            text = "That option doesn't work here. Leave it out, or use the command in a server."
        elif isinstance(error, app_commands.CheckFailure):
            text = "You can't use this command here."
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            original = getattr(error, "original", error)  # what the command raised, inside CommandInvokeError
            text = log_failure(
                f"app command /{command}", original, "Sorry, something went wrong on my side. It has been logged."
            )
        await reply_privately(interaction, text)


async def reply_privately(interaction: discord.Interaction, text: str) -> None:
    """Tell the user privately, whether or not the interaction was answered already; a failure to do so is logged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the user: %s", text, exc_info=True)


def intents_for(config: Config) -> discord.Intents:
    """Only what the bot reads: servers, their messages and DMs; message content only when answer channels need it.

    Mentions and DMs carry their text without the privileged message-content intent.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = bool(config.discord.answer_channels)
    return intents


class FaqBot(commands.Bot):
    """faqbot on Discord: holds the config, the answerer and the store it was given."""

    def __init__(
        self, *, config: Config, answerer: Answerer, store: Store, metrics: Metrics | None = None, **options: Any
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents_for(config),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=FaqTree,
            max_messages=None,  # the bot never reads its message cache
            **options,
        )
        self.config = config
        self.answerer = answerer
        self.store = store
        self.cooldown = Cooldown(config.discord.cooldown_seconds)
        self.busy = InFlight()
        self.metrics = Metrics() if metrics is None else metrics
        self.metrics.watch_gateway(lambda: self.latency)
        # What setup_hook has done: a login retried after a failed sync (a Discord 5xx) redoes only the rest.
        self._prepared = False
        self._synced: set[int | None] = set()  # guild ids synced to; None for the global commands

    def roles_answering(self) -> Callable[[QueuedQuestion], tuple[str, ...]]:
        """The roles a queued question is answered from here (its text, its server's roles, its best entry's)."""
        return roles_answering(self.answerer.role_index, self.answerer.knowledge, self.config.discord.roles_for)

    async def setup_hook(self) -> None:
        """Migrate the store, learn what editors taught, load the cogs and their persistent buttons, sync if asked.

        discord.py runs this on every login attempt, so a retry after a failed sync does only what is not done yet.
        """
        if not self._prepared:
            version = await self.store.migrate()
            log.info("database %s at schema version %d", self.store.path, version)
            await self.answerer.learn()  # what editors taught survives a restart
            for extension in EXTENSIONS:
                try:
                    await self.load_extension(extension)
                except Exception:
                    log.exception("failed to load extension %s", extension)
            self._prepared = True
        if self.config.discord.sync_commands:
            await self.sync_commands()

    async def sync_commands(self) -> None:
        """Sync slash commands to the configured guilds (instant) or globally; each target once per run.

        A guild that refuses (the bot is not in it, or was invited without the applications.commands scope) gets
        one warning line and is skipped, so that the other guilds are served.
        """
        guild_ids = self.config.discord.guild_ids
        if not guild_ids:
            if None not in self._synced:
                synced = await self.tree.sync()
                self._synced.add(None)
                log.info("synced %d global commands", len(synced))
            return
        for guild_id in guild_ids:
            if guild_id in self._synced:
                continue
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.Forbidden as error:
                log.warning(
                    "cannot sync commands to guild %d (%s): invite the bot to that server with the "
                    "applications.commands scope, or remove %d from discord.guild_ids",
                    guild_id,
                    error.text or "Missing Access",
                    guild_id,
                )
            else:
                log.info("synced %d commands to guild %d", len(synced), guild_id)
            self._synced.add(guild_id)

    def connected(self) -> bool:
        """Whether the bot is connected to Discord now (ready, not closing, its gateway heartbeat running)."""
        return self.is_ready() and not self.is_closed() and math.isfinite(self.latency)

    async def on_ready(self) -> None:
        """Log who we are once connected."""
        log.info("logged in as %s (%s) in %d guild(s)", self.user, getattr(self.user, "id", "?"), len(self.guilds))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Someone added the bot to a server: stay only when discord.guild_ids allows it."""
        await self.leave_if_not_served(guild)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A server the bot is in came online (at start-up, say): stay only when discord.guild_ids allows it."""
        await self.leave_if_not_served(guild)

    def serves(self, guild_id: int | None) -> bool:
        """Whether the bot works in this server: any server when discord.guild_ids is empty."""
        served = self.config.discord.guild_ids
        return not served or guild_id in served

    async def leave_if_not_served(self, guild: discord.Guild) -> None:
        """Leave a server outside discord.guild_ids, with one log line."""
        if self.serves(guild.id):
            return
        log.warning("leaving server %s (%d): it is not in discord.guild_ids", guild.name, guild.id)
        try:
            await guild.leave()
        except discord.HTTPException:
            log.exception("could not leave server %d", guild.id)

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: the members cog listens to messages itself."""

    async def close(self) -> None:
        """Let handlers that are answering finish (up to DRAIN_SECONDS), then close the connection."""
        if not self.is_closed() and not await self.busy.wait_idle(DRAIN_SECONDS):
            log.warning("closing while some handlers are still busy")
        await super().close()


class ShardedFaqBot(FaqBot, commands.AutoShardedBot):
    """faqbot over several gateway connections, for large communities."""


def build_bot(config: Config, answerer: Answerer, store: Store, metrics: Metrics | None = None) -> FaqBot:
    """One connection by default; AutoShardedBot when discord.shard_count is "auto" or a number.

    With discord.shard_ids this process runs only those shards of shard_count: several processes (sharing one
    PostgreSQL database) split a large bot between them.
    """
    shards = config.discord.shard_count
    if shards is None:
        return FaqBot(config=config, answerer=answerer, store=store, metrics=metrics)
    ids = None if config.discord.shard_ids is None else list(config.discord.shard_ids)
    return ShardedFaqBot(
        config=config,
        answerer=answerer,
        store=store,
        metrics=metrics,
        shard_count=None if shards == "auto" else shards,
        shard_ids=ids,
    )
