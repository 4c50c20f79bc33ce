"""Members ask: /ask, /help, a mention, a DM, or a plain question in an answer channel."""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering import looks_like_question
from bot.client import FaqBot
from bot.discord_ui import (
    EMPTY_TEXT,
    MAX_QUESTION_CHARS,
    TOO_LONG_TEXT,
    is_editor,
    is_mentor,
    origin_of,
    render,
)
from bot.retrieval import Status

log = logging.getLogger(__name__)

QUEUE_UNCERTAIN = frozenset({Status.UNKNOWN, Status.SUGGEST})


class Members(commands.Cog):
    """Answers members wherever they ask."""

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask")
    @app_commands.describe(question="Your question about the role, in your own words")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """Ask a question about the Cloud Technical Lead role."""
        async with self.bot.busy():
            question = question.strip()
            if not question:
                await interaction.response.send_message(EMPTY_TEXT, ephemeral=True)
                return
            if len(question) > MAX_QUESTION_CHARS:
                await interaction.response.send_message(TOO_LONG_TEXT, ephemeral=True)
                return
            wait = self.bot.cooldown.retry_after(interaction.user.id)
            if wait:
                await interaction.response.send_message(
                    f"Slow down a little: you can ask again in {wait:.0f}s.", ephemeral=True
                )
                return
            answer = await self.bot.answerer.judge_in_turn(question)
            reply = render(answer)
            callback = await interaction.response.send_message(**reply.message_kwargs)
            origin = origin_of(interaction.guild_id, interaction.channel_id, callback.message_id)
            await self.bot.answerer.record(answer, origin, message_id=callback.message_id)

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """What this bot knows and how to ask it."""
        knowledge = self.bot.answerer.knowledge
        roles = ", ".join(knowledge.roles)
        lines = [
            f"I answer questions about the **{roles}** role from a curated knowledge base "
            f"({len(knowledge.entries)} entries: {', '.join(knowledge.sections[:6])}, …).",
            "",
            "**Ask me**",
            "• `/ask question:` anything about the role, in your own words",
            "• mention me with your question, or send me a DM",
        ]
        if self.bot.config.discord.answer_channels:
            channels = " ".join(f"<#{channel}>" for channel in self.bot.config.discord.answer_channels)
            lines.append(f"• or just ask in {channels}")
        lines += [
            "• `/faq entry:` shows a specific entry by id or title",
            "",
            "When I'm not sure I'll say so, and pass your question to the editors. 👍 / 👎 under an answer helps.",
        ]
        user = interaction.user
        if is_mentor(user, self.bot.config):
            lines += [
                "",
                "**Mentors**",
                "• `/faq entry: member:` posts an entry for someone (mentions only them)",
                "• right-click a message → Apps → **Answer with FAQ** replies to it with the best answer",
            ]
        if is_editor(user, self.bot.config):
            lines += [
                "",
                "**Editors**",
                "• `/unanswered list`, `/unanswered resolve`, `/unanswered dismiss`: the questions I couldn't answer",
                "• `/knowledge reload`: load edited knowledge without a restart",
                "• `/stats`: questions, answer rate, votes and top gaps",
            ]
        embed = discord.Embed(title="faqbot help", description="\n".join(lines), colour=discord.Colour.blurple())
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer DMs and mentions; in answer channels, answer confident questions and log the rest quietly."""
        async with self.bot.busy():
            if message.author.bot or message.webhook_id is not None or self.bot.user is None:
                return
            if message.author.id == self.bot.user.id:
                return
            if message.guild is None:
                await self.answer_message(message, message.content)
            elif self.bot.user in message.mentions:
                await self.answer_message(message, self.strip_mention(message.content))
            elif self.in_answer_channel(message.channel):
                await self.answer_quietly(message)

    def strip_mention(self, content: str) -> str:
        """The message without the bot's own mention."""
        assert self.bot.user is not None
        return re.sub(rf"<@!?{self.bot.user.id}>", " ", content).strip()

    def in_answer_channel(self, channel: discord.abc.MessageableChannel) -> bool:
        """Whether plain questions in this channel (or a thread under it) are answered."""
        channels = set(self.bot.config.discord.answer_channels)
        return channel.id in channels or getattr(channel, "parent_id", None) in channels

    async def answer_message(self, message: discord.Message, question: str) -> None:
        """Reply to a mention or DM with the same answer /ask gives."""
        if not question:
            await message.reply(EMPTY_TEXT.replace("/ask question:", "mention me with"), mention_author=False)
            return
        if len(question) > MAX_QUESTION_CHARS:
            await message.reply(TOO_LONG_TEXT, mention_author=False)
            return
        if self.bot.cooldown.retry_after(message.author.id):
            try:
                await message.add_reaction("⏳")
            except discord.HTTPException:
                log.debug("could not add the cooldown reaction")
            return
        answer = await self.bot.answerer.judge_in_turn(question)
        reply = render(answer)
        sent = await message.reply(mention_author=False, **reply.message_kwargs)
        origin = origin_of(message.guild.id if message.guild else None, message.channel.id, message.id)
        await self.bot.answerer.record(answer, origin, message_id=sent.id)

    async def answer_quietly(self, message: discord.Message) -> None:
        """In an answer channel, people also chat: reply only to confident answers to questions."""
        question = message.content.strip()
        if not question or len(question) > MAX_QUESTION_CHARS or not looks_like_question(question):
            return
        answer = await self.bot.answerer.judge_in_turn(question)
        origin = origin_of(message.guild.id if message.guild else None, message.channel.id, message.id)
        if answer.status is not Status.ANSWERED:
            await self.bot.answerer.record(answer, origin, queue=QUEUE_UNCERTAIN)
            return
        if self.bot.cooldown.retry_after(message.author.id):
            return
        reply = render(answer)
        sent = await message.reply(embed=reply.embed, view=reply.view, mention_author=False)
        await self.bot.answerer.record(answer, origin, message_id=sent.id)


async def setup(bot: FaqBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Members(bot))
