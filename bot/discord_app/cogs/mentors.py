"""Mentors post canonical answers for someone else: /faq by id or title, and the "Answer with FAQ" context menu."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import replies
from bot.core.gate import Status
from bot.discord_app.bot import FaqBot
from bot.discord_app.checks import is_mentor
from bot.discord_app.flow import Reply, deliver
from bot.discord_app.render import echo, entry_choices, entry_embed, origin_of
from bot.discord_app.views import vote_view

log = logging.getLogger(__name__)


class Mentors(commands.Cog):
    """Post an entry by name, or answer a member's message from its context menu."""

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        self.answer_menu = app_commands.guild_only(
            app_commands.ContextMenu(name="Answer with FAQ", callback=self.answer_with_faq)
        )

    async def cog_load(self) -> None:
        """Context menus cannot live in a cog's body: add it to the tree here."""
        self.bot.tree.add_command(self.answer_menu)

    async def cog_unload(self) -> None:
        """Take the context menu away with the cog."""
        self.bot.tree.remove_command(self.answer_menu.name, type=self.answer_menu.type)

    @app_commands.command(name="faq")
    @app_commands.guild_only()
    @app_commands.describe(entry="The entry's id or title (start typing to search)", member="Post it for this member")
    async def faq(self, interaction: discord.Interaction, entry: str, member: discord.Member | None = None) -> None:
        """Post a knowledge entry by id or title, optionally for a member."""
        async with self.bot.busy():
            lookup = self.bot.answerer.knowledge.find(entry)
            found = lookup.entry
            if found is None:
                closest = tuple(f"`{entry_id}`" for entry_id in lookup.closest)
                await interaction.response.send_message(replies.no_entry(echo(entry, 100), closest), ephemeral=True)
                return
            embed = entry_embed(found)
            if member is not None and not is_mentor(interaction.user, interaction.guild_id, self.bot.config):
                await interaction.response.send_message(
                    "Only mentors and editors can post answers for someone else; here it is for you.",
                    embed=embed,
                    ephemeral=True,
                )
                return
            if member is None:
                callback = await interaction.response.send_message(embed=embed, view=vote_view(found.id))
            else:
                callback = await interaction.response.send_message(
                    content=f"{member.mention}, this should help:",
                    embed=embed,
                    view=vote_view(found.id),
                    allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=[member]),
                )
            if callback.message_id is not None:
                origin = origin_of(interaction.guild_id, interaction.channel_id, callback.message_id)
                await self.bot.answerer.record_post(callback.message_id, found.title, found.id, origin)

    @faq.autocomplete("entry")
    async def faq_entry_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Up to 25 entries, best first, matching ids and titles (typos tolerated)."""
        return entry_choices(self.bot.answerer.knowledge, current)

    async def answer_with_faq(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Reply to a member's message with the best answer (mentors), or show it privately (anyone else)."""
        async with self.bot.busy():
            question = message.content.strip()
            if not question:
                await interaction.response.send_message("That message has no text to answer.", ephemeral=True)
                return
            limit = self.bot.config.max_question_chars
            if len(question) > limit:
                question = question[: limit - 1] + "…"  # judged and stored cut short, with the mark that says so
            scope = self.bot.config.discord.roles_for(interaction.guild_id)
            answer = await self.bot.answerer.judge_in_turn(question, roles=scope)
            verdict = answer.verdict
            origin = origin_of(interaction.guild_id, message.channel.id, message.id)
            if verdict is None or verdict.answer is None:
                if answer.status is Status.SMALLTALK:
                    text = "That message is small talk, not a question; there is nothing to answer."
                else:
                    await self.bot.answerer.record(answer, origin)
                    if answer.status is Status.SUGGEST:
                        ids = ", ".join(f"`{hit.entry.id}`" for hit in verdict.alternatives)
                        text = f"I have no confident answer to that message. Closest entries: {ids}. "
                        text += "Post one with `/faq entry: member:`."
                    else:
                        text = "I have no confident answer to that message; I've passed it to the editors."
                await interaction.response.send_message(text, ephemeral=True)
                return
            entry = verdict.answer.entry
            if not is_mentor(interaction.user, interaction.guild_id, self.bot.config):
                await interaction.response.send_message(
                    "Only mentors and editors can answer for someone else; here is the answer for you.",
                    embed=entry_embed(entry, question, verdict.alternatives),
                    ephemeral=True,
                )
                return

            async def send(reply: Reply) -> int | None:
                sent = await message.reply(mention_author=False, **reply.message_kwargs)
                return sent.id

            await deliver(self.bot, answer, send, lambda _: origin)
            await interaction.response.send_message(f"Answered with `{entry.id}`.", ephemeral=True)


async def setup(bot: FaqBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Mentors(bot))
