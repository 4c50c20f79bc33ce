"""Mentors post canonical answers for someone else: /faq by id or title, and the "Answer with FAQ" context menu.

Both teach when they answer a question the bot could not: the member's queued question is resolved to the entry
the mentor gave (through the editors' own resolve_question: learned for this server, a conflicting phrasing
refused), the mentor's public reply is the member's telling, and the others who asked it are told as after an
editor's resolve.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import replies
from bot.core.answering import Answer
from bot.core.gate import Hit, Status
from bot.core.knowledge import Entry
from bot.core.queue import resolve_question
from bot.core.text import question_text
from bot.discord_app.bot import FaqBot
from bot.discord_app.checks import is_mentor
from bot.discord_app.flow import QUEUE_UNCERTAIN, Reply, asked_by, deliver
from bot.discord_app.notify import tell_askers, with_telling
from bot.discord_app.render import clip, echo, entry_choices, entry_embed, origin_of
from bot.discord_app.views import vote_view
from bot.store import Scope

log = logging.getLogger(__name__)

MEMBER_WINDOW = timedelta(hours=1)  # `/faq member:` resolves the member's open question asked within this window
CANDIDATES = 10  # entries offered to a mentor when the bot is unsure ("Answer with FAQ")
PICK_TIMEOUT_SECONDS = 600.0
# Answer with FAQ on a chat message, by a mentor or anyone else:
SMALL_TALK_MESSAGE = "That message is small talk, not a question; there is nothing to answer."


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
            if member is not None:
                await self.resolve_members_question(interaction, member, found)

    async def resolve_members_question(
        self, interaction: discord.Interaction, member: discord.abc.User, entry: Entry
    ) -> None:
        """After `/faq member:`: resolve the member's latest open question here (last hour) to the entry posted."""
        store = self.bot.store
        question_id = await store.latest_open_question(interaction.guild_id, member.id, MEMBER_WINDOW)
        if question_id is None:
            return  # nothing of theirs waits: the post was just an answer
        line = await self.teach(interaction, question_id, entry, member.id)
        await interaction.followup.send(line, ephemeral=True)

    async def teach(self, interaction: discord.Interaction, question_id: int, entry: Entry, asker_id: int) -> str:
        """Resolve a queued question to an entry as a mentor, learning it for this server; the mentor's one line.

        The member the mentor answered is marked told (the mentor's post is their telling); the others who asked
        it, or a question grouped with it, are told as after an editor's resolve.
        """
        answerer = self.bot.answerer
        outcome = await resolve_question(
            self.bot.store,
            answerer.knowledge,
            question_id,
            entry.id,
            scope=Scope.of(interaction.guild_id),
            retriever=answerer.retriever,
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            answered_from=self.bot.roles_answering(),
        )
        line = outcome.summary(question_id, quote=lambda text: f'"{echo(text, 100)}"')
        if not outcome.done:
            return line
        if outcome.taught:
            await answerer.learn()  # this server's members get it from their next question on
        await self.bot.store.claim_askers(outcome.resolved, asker_id=asker_id, outcome="told")
        return with_telling(line, await tell_askers(self.bot, outcome.resolved))

    @faq.autocomplete("entry")
    async def faq_entry_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Up to 25 entries, best first, matching ids and titles (typos tolerated)."""
        return entry_choices(self.bot.answerer.knowledge, current)

    async def answer_with_faq(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Reply to a member's message with the best answer (mentors), or show it privately (anyone else).

        Only a mentor's use speaks for the member: their message is then counted, queued when it is not known, and
        its author told once it is resolved. Anyone else only looks the answer up for themselves: nothing is
        recorded in the author's name, so a member is never queued, counted or pinged for a message they did not
        ask the bot about.
        """
        async with self.bot.busy():
            question = members_question(message, self.bot.config.max_question_chars)
            if message.author.bot or message.webhook_id is not None:
                text = "That message is from a bot, not a member's question; there is nothing to answer."
                await interaction.response.send_message(text, ephemeral=True)
                return
            if not question:
                await interaction.response.send_message("That message has no text to answer.", ephemeral=True)
                return
            scope = self.bot.config.discord.roles_for(interaction.guild_id)
            answer = await self.bot.answerer.judge_in_turn(question, roles=scope, guild_id=interaction.guild_id)
            if not is_mentor(interaction.user, interaction.guild_id, self.bot.config):
                await self.show_privately(interaction, answer)
                return
            verdict = answer.verdict
            origin = asked_by(origin_of(interaction.guild_id, message.channel.id, message.id), message.author)
            if verdict is None or verdict.answer is None:
                if answer.status is Status.SMALLTALK:
                    text = SMALL_TALK_MESSAGE
                    await interaction.response.send_message(text, ephemeral=True)
                    return
                recorded = await self.bot.answerer.record(answer, origin, queue=QUEUE_UNCERTAIN)  # unsure marked
                candidates = self.candidates(question, interaction.guild_id, verdict.alternatives)
                if recorded.logged_question_id is not None and candidates:
                    picker = EntryPicker(self, recorded.logged_question_id, message, candidates, interaction.user.id)
                    await interaction.response.send_message(
                        "I have no confident answer to that message; I've passed it to the editors. Pick the entry "
                        "that answers it and I'll reply to the member with it and learn the question for this server.",
                        view=picker,
                        ephemeral=True,
                    )
                    return
                if answer.status is Status.SUGGEST:
                    ids = ", ".join(f"`{hit.entry.id}`" for hit in verdict.alternatives)
                    text = f"I have no confident answer to that message. Closest entries: {ids}. "
                    text += "Post one with `/faq entry: member:`."
                else:
                    text = "I have no confident answer to that message; I've passed it to the editors."
                await interaction.response.send_message(text, ephemeral=True)
                return
            entry = verdict.answer.entry
            if await self.bot.store.answer_posted_under(origin, entry.id):  # one answer under a message, one vote set
                text = f"That message has its answer already (`{entry.id}`); I did not post it again."
                await interaction.response.send_message(text, ephemeral=True)
                return

            async def send(reply: Reply) -> int | None:
                sent = await message.reply(mention_author=False, **reply.message_kwargs)
                return sent.id

            delivered = await deliver(self.bot, answer, send, lambda _: origin)
            if not delivered.sent:
                text = "I could not post in that channel (the bot lacks permission there); the question is recorded."
                await interaction.response.send_message(text, ephemeral=True)
                return
            await interaction.response.send_message(f"Answered with `{entry.id}`.", ephemeral=True)

    @staticmethod
    async def show_privately(interaction: discord.Interaction, answer: Answer) -> None:
        """Anyone but a mentor: the answer to someone's message for their own eyes, nothing recorded."""
        verdict = answer.verdict
        if verdict is not None and verdict.answer is not None:
            await interaction.response.send_message(
                "Only mentors and editors can answer for someone else; here is the answer for you.",
                embed=entry_embed(verdict.answer.entry, answer.question, verdict.alternatives),
                ephemeral=True,
            )
            return
        if answer.status is Status.SMALLTALK:
            text = SMALL_TALK_MESSAGE
        else:
            text = (
                "I have no confident answer to that message. Only mentors and editors can pass someone else's "
                "message to the editors; to pass it on yourself, ask it with `/ask`."
            )
        await interaction.response.send_message(text, ephemeral=True)

    def candidates(self, question: str, guild_id: int | None, offered: tuple[Hit, ...]) -> list[Entry]:
        """The entries to offer a mentor: the "did you mean" ones first, then the retriever's next best."""
        roles = self.bot.config.discord.roles_for(guild_id)
        hits = [*offered, *self.bot.answerer.search(question, roles=roles, guild_id=guild_id, k=CANDIDATES).hits]
        return list({hit.entry.id: hit.entry for hit in hits}.values())[:CANDIDATES]

    async def answer_picked(
        self, interaction: discord.Interaction, question_id: int, message: discord.Message, entry_id: str
    ) -> None:
        """A mentor picked the entry for a member's message: resolve and teach, then reply to the member with it."""
        async with self.bot.busy():
            await interaction.response.defer()
            entry = self.bot.answerer.knowledge.get(entry_id)
            if entry is None:  # the knowledge was reloaded without it meanwhile
                await interaction.edit_original_response(content=f"There is no entry `{entry_id}` any more.", view=None)
                return
            post = await self.reply_to_member(message, entry)
            if post is None:
                text = "I could not reply to that message (deleted, or I may not post there); nothing was resolved."
                await interaction.edit_original_response(content=text, view=None)
                return
            line = await self.teach(interaction, question_id, entry, message.author.id)
            await interaction.edit_original_response(content=f"Answered with `{entry.id}`. {line}", view=None)

    async def reply_to_member(self, message: discord.Message, entry: Entry) -> discord.Message | None:
        """The mentor's public reply to the member's message (their telling: it pings them, if askers are told)."""
        notify = self.bot.config.discord.notify_askers
        question = members_question(message, self.bot.config.max_question_chars)  # as it was judged and queued
        try:
            sent = await message.reply(
                embed=entry_embed(entry, question),
                view=vote_view(entry.id),
                allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=False, replied_user=notify),
            )
        except discord.HTTPException as error:
            log.warning("could not reply to a member's message with %s: %s", entry.id, error)
            return None
        origin = origin_of(message.guild.id if message.guild else None, message.channel.id, sent.id)
        await self.bot.answerer.record_post(sent.id, question, entry.id, origin)
        return sent


def members_question(message: discord.Message, limit: int) -> str:
    """The question in a member's message as the bot reads it: without Discord's markup, cut to `limit` with a mark."""
    question = question_text(message.content)
    return question if len(question) <= limit else question[: limit - 1] + "…"


class EntryPicker(discord.ui.View):
    """The mentor's private menu of likely entries for a member's message the bot could not answer confidently."""

    def __init__(
        self, cog: Mentors, question_id: int, message: discord.Message, entries: list[Entry], mentor_id: int
    ) -> None:
        super().__init__(timeout=PICK_TIMEOUT_SECONDS)
        self.cog, self.question_id, self.message, self.mentor_id = cog, question_id, message, mentor_id
        menu: discord.ui.Select[EntryPicker] = discord.ui.Select(
            placeholder="The entry that answers it",
            options=[
                discord.SelectOption(label=clip(entry.title, 100), value=entry.id, description=clip(entry.id, 100))
                for entry in entries[:25]
            ],
        )
        menu.callback = self.picked
        self.menu = menu
        self.add_item(menu)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        """Only the mentor who opened the menu picks from it."""
        return interaction.user.id == self.mentor_id

    async def picked(self, interaction: discord.Interaction) -> None:
        """Answer and teach with the chosen entry; the menu goes away."""
        self.stop()
        await self.cog.answer_picked(interaction, self.question_id, self.message, self.menu.values[0])


async def setup(bot: FaqBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Mentors(bot))
