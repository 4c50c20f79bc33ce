"""Editors close the loop: review unanswered questions, resolve or dismiss them, reload knowledge, read stats."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import EditorsOnly, FaqBot
from bot.discord_ui import clip, echo, entry_choices, is_editor
from bot.errors import KnowledgeError
from bot.grouping import QuestionGroup, group_questions
from bot.storage import STATUSES, QueuedQuestion, Stats

log = logging.getLogger(__name__)

GROUPS_PER_PAGE = 5
STATUS_CHOICES = [app_commands.Choice(name=status, value=status) for status in STATUSES]
SORT_CHOICES = [
    app_commands.Choice(name="most asked", value="count"),
    app_commands.Choice(name="most recent", value="recent"),
]


def describe(question: QueuedQuestion) -> str:
    """One queue item: id, question, count, last asked, jump link, and what happened to it."""
    line = f"**#{question.id}** “{echo(question.text, 150)}” ×{question.ask_count} · last {question.last_asked_at[:10]}"
    if question.jump_url:
        line += f" · [jump]({question.jump_url})"
    if question.kind == "downvoted":
        line += f" · 👎 on `{question.rejected_entry_id}`"
    if question.status == "answered":
        line += f" · answered by `{question.answer_entry_id}`"
    elif question.status == "dismissed":
        line += f" · dismissed: {echo(question.dismiss_reason or '', 80)}"
    return line


def group_block(group: QuestionGroup) -> str:
    """A group: its representative, then its other phrasings."""
    lines = [describe(group.representative)]
    others = group.others
    if others:
        lines[0] = f"**{group.total_count} asks in {len(group.members)} phrasings** · " + lines[0]
        lines += [f"  ↳ #{q.id} “{echo(q.text, 90)}” ×{q.ask_count}" for q in others[:4]]
        if len(others) > 4:
            lines.append(f"  ↳ … {len(others) - 4} more")
    return "\n".join(lines)


def queue_pages(groups: list[QuestionGroup], title: str) -> list[discord.Embed]:
    """Split the groups into embeds of a few groups each."""
    if not groups:
        return [discord.Embed(title=title, description="Nothing here. 🎉", colour=discord.Colour.green())]
    chunks = [groups[i : i + GROUPS_PER_PAGE] for i in range(0, len(groups), GROUPS_PER_PAGE)]
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        embed = discord.Embed(
            title=title,
            description=clip("\n\n".join(group_block(g) for g in chunk), 4096),
            colour=discord.Colour.orange(),
        )
        embed.set_footer(
            text=f"Page {number}/{len(chunks)} · /unanswered resolve id entry · /unanswered dismiss id reason"
        )
        pages.append(embed)
    return pages


class Pager(discord.ui.View):
    """◀ / ▶ through the pages; only the editor who asked can turn them."""

    def __init__(self, pages: list[discord.Embed], owner_id: int) -> None:
        super().__init__(timeout=600)
        self.pages = pages
        self.owner_id = owner_id
        self.index = 0
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the editor who opened the list turns its pages."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("Open your own list with /unanswered list.", ephemeral=True)
        return False

    async def turn(self, interaction: discord.Interaction, step: int) -> None:
        """Show the previous or next page in place."""
        self.index = max(0, min(len(self.pages) - 1, self.index + step))
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Previous page."""
        await self.turn(interaction, -1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Next page."""
        await self.turn(interaction, 1)


def stats_embed(windows: list[Stats], gaps: list[QuestionGroup]) -> discord.Embed:
    """Questions, answer and abstain rates, votes per entry and the top gaps."""
    embed = discord.Embed(title="faqbot stats", colour=discord.Colour.blurple())
    for stats in windows:
        embed.add_field(
            name=f"Last {stats.days} days",
            value=(
                f"{stats.asked} questions\n{stats.answer_rate:.0%} answered · {stats.suggested} suggestions\n"
                f"{stats.abstain_rate:.0%} not known"
            ),
            inline=True,
        )
    votes = windows[-1].votes
    if votes:
        lines = [f"`{v.entry_id}` 👍 {v.up} · 👎 {v.down}" for v in votes[:10]]
        embed.add_field(name=f"Votes per entry ({windows[-1].days} days)", value="\n".join(lines), inline=False)
    if gaps:
        lines = [f"×{g.total_count} “{echo(g.representative.text, 80)}” (#{g.representative.id})" for g in gaps[:5]]
        embed.add_field(name="Top gaps (open)", value="\n".join(lines), inline=False)
    return embed


class Editors(commands.Cog):
    """Editor commands; everyone else gets an ephemeral "Editors only."."""

    unanswered = app_commands.Group(name="unanswered", description="The questions I could not answer")
    knowledge = app_commands.Group(name="knowledge", description="The knowledge base")

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        """Editors: a configured editor role, or the Manage Server permission."""
        if is_editor(interaction.user, self.bot.config):
            return True
        raise EditorsOnly()

    @unanswered.command(name="list")
    @app_commands.describe(status="Which questions (default: open)", sort="Order (default: most asked)")
    @app_commands.choices(status=STATUS_CHOICES, sort=SORT_CHOICES)
    async def list_questions(self, interaction: discord.Interaction, status: str = "open", sort: str = "count") -> None:
        """List the questions I could not answer, similar ones grouped, largest group first."""
        async with self.bot.busy():
            questions = await self.bot.store.questions(status=status, sort=sort)
            if status == "open":
                groups = group_questions(questions, self.bot.answerer.retriever)
                if sort == "recent":
                    groups.sort(key=lambda g: max(q.last_asked_at for q in g.members), reverse=True)
            else:
                groups = [QuestionGroup(question, (question,)) for question in questions]
            pages = queue_pages(groups, f"Unanswered questions: {status} ({len(questions)})")
            if len(pages) == 1:
                await interaction.response.send_message(embed=pages[0], ephemeral=True)
            else:
                await interaction.response.send_message(
                    embed=pages[0], view=Pager(pages, interaction.user.id), ephemeral=True
                )

    @unanswered.command(name="resolve")
    @app_commands.describe(id="The question's number (#id)", entry="The entry that answers it")
    async def resolve(self, interaction: discord.Interaction, id: int, entry: str) -> None:
        """Mark a question answered by a knowledge entry."""
        async with self.bot.busy():
            found = self.bot.answerer.knowledge.resolve(entry)
            if found is None:
                await interaction.response.send_message(f"No entry named “{echo(entry, 100)}”.", ephemeral=True)
                return
            if not await self.bot.store.resolve(id, found.id):
                await interaction.response.send_message(f"There is no question #{id}.", ephemeral=True)
                return
            await interaction.response.send_message(f"#{id} is marked answered by `{found.id}`.", ephemeral=True)

    @resolve.autocomplete("entry")
    async def resolve_entry_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Entries by id or title."""
        return entry_choices(self.bot.answerer.knowledge, current)

    @unanswered.command(name="dismiss")
    @app_commands.describe(id="The question's number (#id)", reason="Why (off-topic, spam, duplicate, …)")
    async def dismiss(self, interaction: discord.Interaction, id: int, reason: str) -> None:
        """Dismiss a question with a reason."""
        async with self.bot.busy():
            if not reason.strip():
                await interaction.response.send_message("Give a reason for the dismissal.", ephemeral=True)
                return
            if not await self.bot.store.dismiss(id, reason):
                await interaction.response.send_message(f"There is no question #{id}.", ephemeral=True)
                return
            await interaction.response.send_message(f"#{id} is dismissed.", ephemeral=True)

    @knowledge.command(name="reload")
    async def reload(self, interaction: discord.Interaction) -> None:
        """Reload the knowledge from disk without a restart; a bad file is rejected and the old knowledge stays."""
        async with self.bot.busy():
            await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                knowledge = await self.bot.answerer.reload(self.bot.config.knowledge_path)
            except KnowledgeError as error:
                await interaction.followup.send(
                    f"Reload rejected, the old knowledge is still live:\n```\n{clip(str(error), 1800)}\n```",
                    ephemeral=True,
                )
                return
            resolved = await self.bot.answerer.recheck_open_questions()
            await interaction.followup.send(
                f"Reloaded {len(knowledge.entries)} entries from {len(knowledge.files)} file(s). "
                f"{len(resolved)} open question(s) can now be answered and were marked answered.",
                ephemeral=True,
            )

    @app_commands.command(name="stats")
    async def stats(self, interaction: discord.Interaction) -> None:
        """Questions asked, answer and abstain rates, votes per entry and top gaps, for 7 and 30 days."""
        async with self.bot.busy():
            store = self.bot.store
            windows = [await store.stats(7), await store.stats(30)]
            recent = await store.questions(status="open", since=timedelta(days=30))
            gaps = group_questions(recent, self.bot.answerer.retriever)
            await interaction.response.send_message(embed=stats_embed(windows, gaps), ephemeral=True)


async def setup(bot: FaqBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Editors(bot))
