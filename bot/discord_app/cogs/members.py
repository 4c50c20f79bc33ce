"""Members ask: /ask, /help, a mention, a DM, or a plain question in an answer channel."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import replies
from bot.core.answering import looks_like_question
from bot.core.gate import Status
from bot.core.text import question_text
from bot.discord_app.bot import FaqBot
from bot.discord_app.checks import is_editor, is_mentor
from bot.discord_app.flow import Reply, asked_by, deliver, precheck, record_quietly
from bot.discord_app.render import echo, help_embed, origin_of, role_choices
from bot.discord_app.views import ShowEntryButton, VoteButton
from bot.store import Origin

log = logging.getLogger(__name__)


class Members(commands.Cog):
    """Answers members wherever they ask."""

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        self.ask.description = replies.ask_description(bot.answerer.knowledge.roles)  # before the tree syncs

    async def cog_load(self) -> None:
        """The answer buttons are persistent: they work on messages posted before a restart."""
        self.bot.add_dynamic_items(VoteButton, ShowEntryButton)

    async def cog_unload(self) -> None:
        """Take the persistent buttons away with the cog."""
        self.bot.remove_dynamic_items(VoteButton, ShowEntryButton)

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="Your question, in your own words",
        role="The role you ask about (default: the one your question names, or those this server covers)",
    )
    async def ask(self, interaction: discord.Interaction, question: str, role: str | None = None) -> None:
        """Ask a question about the roles this server covers."""
        async with self.bot.busy():
            index = self.bot.answerer.role_index
            if role is not None and index.resolve(role) is None:
                text = replies.unknown_role(echo(role, 100), index.roles)
                await interaction.response.send_message(text, ephemeral=True)
                return
            checked = precheck(self.bot, interaction.user.id, question)
            if not checked.ok:
                await interaction.response.send_message(checked.problem, ephemeral=True)
                return
            scope = self.bot.config.discord.roles_for(interaction.guild_id)
            answer = await self.bot.answerer.judge_in_turn(
                checked.question,
                roles=scope,
                role=role,
                guild_id=self.bot.config.discord.taught_in(interaction.guild_id),
            )

            async def send(reply: Reply) -> int | None:
                callback = await interaction.response.send_message(**reply.message_kwargs)
                return callback.message_id

            await deliver(
                self.bot,
                answer,
                send,
                # An interaction has no member message: the place is the bot's public answer, the asker the user.
                lambda sent_id: asked_by(
                    origin_of(interaction.guild_id, interaction.channel_id, sent_id), interaction.user
                ),
                received=checked.received,
                correct=lambda text: interaction.followup.send(text, ephemeral=True),
            )

    @ask.autocomplete("role")
    async def ask_role_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The roles loaded, those this server covers first."""
        roles = self.bot.answerer.role_index.roles
        covered = self.bot.config.discord.roles_for(interaction.guild_id) or ()
        ordered = sorted(roles, key=lambda name: name not in covered)
        return role_choices(tuple(ordered), current)

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """What this bot knows and how to ask it."""
        guild = interaction.guild  # only this server's answer channels: another's are no place to ask, nor to show
        channels = tuple(c for c in self.bot.config.discord.answer_channels if guild and guild.get_channel(c))
        embed = help_embed(
            self.bot.answerer.knowledge,
            channels,
            mentor=is_mentor(interaction.user, interaction.guild_id, self.bot.config),
            editor=is_editor(interaction.user, interaction.guild_id, self.bot.config),
            roles=self.bot.config.discord.roles_for(interaction.guild_id),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer DMs and mentions; in answer channels, answer confident questions and log the rest quietly."""
        async with self.bot.busy():
            if message.author.bot or message.webhook_id is not None or self.bot.user is None:
                return
            if message.author.id == self.bot.user.id:
                return
            if message.guild is not None and not self.bot.serves(message.guild.id):
                return
            if self.replies_to_bot(message) and not self.mentions_bot(message):
                # "that's wrong" under an answer is feedback in words, not a new question: it is never queued.
                if message.guild is None:
                    await message.reply(replies.REPLY_TO_ANSWER, mention_author=False)
                return
            if message.guild is None:
                await self.answer_message(message, message.content)
            elif self.mentions_bot(message) or self.bot.user in message.mentions:
                await self.answer_message(message, self.strip_mention(message))
            elif self.in_answer_channel(message.channel):
                await self.answer_quietly(message)

    def bot_role_ids(self, message: discord.Message) -> set[int]:
        """The roles mentioned in the message that are this bot's own managed role."""
        assert self.bot.user is not None
        bot_id = self.bot.user.id
        return {
            role.id
            for role in message.role_mentions
            if role.is_bot_managed() and role.tags is not None and role.tags.bot_id == bot_id
        }

    def mentions_bot(self, message: discord.Message) -> bool:
        """Whether the text mentions the bot: its user, or its managed role (what the member picker often inserts)."""
        assert self.bot.user is not None
        return bool(re.search(rf"<@!?{self.bot.user.id}>", message.content)) or bool(self.bot_role_ids(message))

    def replies_to_bot(self, message: discord.Message) -> bool:
        """Whether the message is a reply to one of the bot's own messages."""
        assert self.bot.user is not None
        reference = message.reference
        resolved = reference.resolved if reference is not None else None
        return isinstance(resolved, discord.Message) and resolved.author.id == self.bot.user.id

    def strip_mention(self, message: discord.Message) -> str:
        """The message without the bot's own mentions (user or managed role)."""
        assert self.bot.user is not None
        text = re.sub(rf"<@!?{self.bot.user.id}>", " ", message.content)
        for role_id in self.bot_role_ids(message):
            text = text.replace(f"<@&{role_id}>", " ")
        return text.strip()

    def in_answer_channel(self, channel: discord.abc.MessageableChannel) -> bool:
        """Whether plain questions in this channel (or a thread under it) are answered."""
        channels = set(self.bot.config.discord.answer_channels)
        return channel.id in channels or getattr(channel, "parent_id", None) in channels

    async def answer_message(self, message: discord.Message, question: str) -> None:
        """Reply to a mention or DM with the same answer /ask gives."""
        how_to_ask = "" if message.guild is None else "mention me with"  # a DM is the question itself
        checked = precheck(self.bot, message.author.id, question, how_to_ask=how_to_ask)
        if checked.cooling_down:
            await self.hourglass(message)
            return
        if not checked.ok:
            await message.reply(checked.problem, mention_author=False)
            return
        answer = await self.bot.answerer.judge_in_turn(
            checked.question, roles=self.scope(message), guild_id=self.taught_in(message)
        )
        await deliver(
            self.bot,
            answer,
            self.replier(message),
            lambda _: self.origin(message),
            received=checked.received,
            correct=lambda text: message.reply(text, mention_author=False),
        )

    async def answer_quietly(self, message: discord.Message) -> None:
        """In an answer channel, people also chat: reply only to confident answers to questions.

        A confident answer during the member's cooldown gets the ⏳ reaction, as a mention does, and no reply.
        """
        question = question_text(message.content)
        if not question or len(question) > self.bot.config.max_question_chars or not looks_like_question(question):
            return
        answer = await self.bot.answerer.judge_in_turn(
            question, roles=self.scope(message), guild_id=self.taught_in(message)
        )
        if answer.status is not Status.ANSWERED:
            await record_quietly(self.bot, answer, self.origin(message))
            self.bot.metrics.question(answer.status.value, None)  # judged and logged; no reply is sent
            return
        if self.bot.cooldown.retry_after(message.author.id):
            await self.hourglass(message)
            return
        await deliver(self.bot, answer, self.replier(message), lambda _: self.origin(message))

    @staticmethod
    async def hourglass(message: discord.Message) -> None:
        """The cooldown's answer to a message: ⏳, which says "ask again in a moment" without a word in the channel."""
        try:
            await message.add_reaction("⏳")
        except discord.HTTPException:
            log.debug("could not add the cooldown reaction")

    def taught_in(self, message: discord.Message) -> int | None:
        """The server whose taught phrasings answer this message: its own, or in a DM the home server's."""
        return self.bot.config.discord.taught_in(guild_of(message))

    def scope(self, message: discord.Message) -> tuple[str, ...] | None:
        """The roles the message's server covers (None: all, and in DMs)."""
        return self.bot.config.discord.roles_for(message.guild.id if message.guild else None)

    @staticmethod
    def origin(message: discord.Message) -> Origin:
        """Where a message asked its question, and who asked it."""
        return asked_by(origin_of(guild_of(message), message.channel.id, message.id), message.author)

    @staticmethod
    def replier(message: discord.Message) -> Callable[[Reply], Awaitable[int | None]]:
        """Send a reply to this message and return the reply's id."""

        async def send(reply: Reply) -> int | None:
            sent = await message.reply(mention_author=False, **reply.message_kwargs)
            return sent.id

        return send


async def setup(bot: FaqBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Members(bot))


def guild_of(message: discord.Message) -> int | None:
    """The server a message was sent in (None in DMs)."""
    return message.guild.id if message.guild else None
