"""Editors close the loop: review unanswered questions, resolve or dismiss them, reload knowledge, read stats.

Each server's editors see and change only their own server's questions (and the DMs', for the home server). The
commands are guild-only and hidden from members without Manage Server by default; the check here is the real guard.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import replies
from bot.core.answering import Answerer
from bot.core.grouping import QuestionGroup
from bot.core.queue import (
    dismiss_question,
    dismissal_reason,
    entry_candidates,
    grouped_queue,
    resolve_question,
)
from bot.core.roles import UnheldRoleError
from bot.discord_app.bot import EditorsOnly, FaqBot
from bot.discord_app.checks import editor_scope, is_editor
from bot.discord_app.notify import tell_askers, with_telling
from bot.discord_app.render import (
    AUTOCOMPLETE_LIMIT,
    clip,
    echo,
    entry_choices,
    queue_chunks,
    queue_pages,
    stats_embed,
)
from bot.discord_app.views import EDITOR_CONTROLS, MAX_ROWS, ItemControls, Pager, rows_needed
from bot.errors import KnowledgeError
from bot.folding import visible_words
from bot.store import STATUSES, Learned, Proposal, Scope

log = logging.getLogger(__name__)

STATUS_CHOICES = [app_commands.Choice(name=status, value=status) for status in STATUSES]
SORT_CHOICES = [
    app_commands.Choice(name="most asked", value="count"),
    app_commands.Choice(name="most recent", value="recent"),
]
EDITOR_PERMISSIONS = discord.Permissions(manage_guild=True)


class Editors(commands.Cog):
    """Editor commands; everyone else gets an ephemeral "Editors only."."""

    unanswered = app_commands.Group(
        name="unanswered",
        description="The questions I could not answer",
        guild_only=True,
        default_permissions=EDITOR_PERMISSIONS,
    )
    knowledge = app_commands.Group(
        name="knowledge", description="The knowledge base", guild_only=True, default_permissions=EDITOR_PERMISSIONS
    )

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        self.live_lists: set[int] = set()  # the lists whose pages this process can turn (Pager.list_id)
        bot.add_dynamic_items(*EDITOR_CONTROLS)  # the list's menus and buttons keep working after a restart

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        """Editors of the server the command runs in: an editor role there, or Manage Server there."""
        if is_editor(interaction.user, interaction.guild_id, self.bot.config):
            return True
        raise EditorsOnly()

    def scope(self, interaction: discord.Interaction) -> Scope:
        """The questions this interaction's editor may see and change."""
        assert interaction.guild_id is not None  # guaranteed by interaction_check
        return editor_scope(interaction.guild_id, self.bot.config)

    @unanswered.command(name="list")
    @app_commands.describe(status="Which questions (default: open)", sort="Order (default: most asked)")
    @app_commands.choices(status=STATUS_CHOICES, sort=SORT_CHOICES)
    async def list_questions(self, interaction: discord.Interaction, status: str = "open", sort: str = "count") -> None:
        """List the questions I could not answer, similar ones grouped, largest group first."""
        async with self.bot.busy():
            await interaction.response.defer(ephemeral=True, thinking=True)
            answerer, store = self.bot.answerer, self.bot.store
            groups = await grouped_queue(
                store,
                answerer.retriever,
                scope=self.scope(interaction),
                status=status,
                sort=sort,
                terms=answerer.queue_terms,
            )
            count = sum(len(group.members) for group in groups)
            title = f"Unanswered questions: {status} ({count})"
            if status != "open" or not groups:
                pages, controls = queue_pages(groups, title), None
            else:
                proposals = await store.proposals([question.id for group in groups for question in group.members])
                roles_for = self.bot.config.discord.roles_for
                by_group = await asyncio.to_thread(item_controls, groups, proposals, answerer, roles_for)

                def fits(chunk: list[QuestionGroup]) -> bool:
                    return rows_needed([by_group[group.representative.id] for group in chunk]) <= MAX_ROWS

                buttoned = {item.proposal.id for item in by_group.values() if item.proposal is not None}
                pages = queue_pages(groups, title, proposals=proposals, fits=fits, buttoned=buttoned)
                chunks = queue_chunks(groups, proposals=proposals, fits=fits, buttoned=buttoned)
                controls = [[by_group[group.representative.id] for group in chunk] for chunk in chunks]
            pager = Pager(
                self.bot, pages, interaction.user.id, controls=controls, list_id=interaction.id, live=self.live_lists
            )
            if not pager.children:
                self.live_lists.discard(pager.list_id)  # nothing to turn: never sent, so it never times out
                await interaction.followup.send(embed=pages[0], ephemeral=True)
                return
            pager.message = await interaction.followup.send(embed=pages[0], view=pager, ephemeral=True, wait=True)

    @unanswered.command(name="resolve")
    @app_commands.describe(id="The question's number (#id)", entry="The entry that answers it")
    async def resolve(self, interaction: discord.Interaction, id: int, entry: str) -> None:
        """Mark a question (and its group) answered by a knowledge entry, and learn their phrasings."""
        await self._resolve(interaction, id, entry)

    async def _resolve(self, interaction: discord.Interaction, question_id: int, entry_name: str) -> None:
        """Resolve a question and its group to an entry, teach, tell the editor (shared: menu, Confirm, command)."""
        async with self.bot.busy():
            await interaction.response.defer(ephemeral=True, thinking=True)
            answerer = self.bot.answerer
            outcome = await resolve_question(
                self.bot.store,
                answerer.knowledge,
                question_id,
                entry_name,
                scope=self.scope(interaction),
                retriever=answerer.retriever,
                guild_id=interaction.guild_id,
                user_id=interaction.user.id,
                answered_from=self.bot.roles_answering(),
            )
            if outcome.entry is None:
                closest = tuple(f"`{entry_id}`" for entry_id in outcome.closest)
                await interaction.followup.send(replies.no_entry(echo(entry_name, 100), closest), ephemeral=True)
                return
            if outcome.taught:
                await answerer.learn()  # this server's members get the new phrasings from their next question on
            line = outcome.summary(question_id, quote=lambda text: f'"{echo(text, 100)}"')
            telling = await tell_askers(self.bot, outcome.resolved)  # each member who asked hears back once
            await interaction.followup.send(with_telling(line, telling), ephemeral=True)

    @resolve.autocomplete("entry")
    async def resolve_entry_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Entries by id or title; once the question's id is given, only of the roles that question is answered from."""
        question_id = getattr(interaction.namespace, "id", None)
        roles = None
        if isinstance(question_id, int) and is_editor(interaction.user, interaction.guild_id, self.bot.config):
            question = await self.bot.store.question(question_id, scope=self.scope(interaction))
            if question is not None:
                roles = self.bot.roles_answering()(question)
        return entry_choices(self.bot.answerer.knowledge, current, roles=roles)

    @unanswered.command(name="dismiss")
    @app_commands.describe(id="The question's number (#id)", reason="Why (off-topic, spam, duplicate, …)")
    async def dismiss(self, interaction: discord.Interaction, id: int, reason: str) -> None:
        """Dismiss a question (and its group) with a reason."""
        await self._dismiss(interaction, id, reason)

    async def _dismiss(self, interaction: discord.Interaction, question_id: int, reason: str) -> None:
        """Dismiss a question and its group, or say it is already answered (shared: Dismiss button, command)."""
        async with self.bot.busy():
            reason = dismissal_reason(reason)
            if not reason:
                await interaction.response.send_message("Give a reason for the dismissal.", ephemeral=True)
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            outcome = await dismiss_question(
                self.bot.store, self.bot.answerer.retriever, question_id, reason, scope=self.scope(interaction)
            )
            await interaction.followup.send(outcome.summary(question_id), ephemeral=True)

    @knowledge.command(name="forget")
    @app_commands.describe(phrasing="A phrasing this server's editors or mentors taught (start typing to search)")
    async def forget(self, interaction: discord.Interaction, phrasing: str) -> None:
        """Forget a phrasing taught in this server (a mistaken resolve): answers go back to what they were."""
        async with self.bot.busy():
            await interaction.response.defer(ephemeral=True, thinking=True)
            taught = await self.taught_here(interaction.guild_id)
            chosen = next((item for item in taught if str(item.id) == phrasing.strip().lstrip("#")), None)
            if chosen is None:
                await interaction.followup.send(replies.not_taught_here(echo(phrasing, 100)), ephemeral=True)
                return
            removed = await self.bot.store.forget(chosen.id)
            if removed is not None:
                await self.bot.answerer.learn()  # this server's members are answered without it from now on
            text = f'Forgot "{echo(chosen.text, 100)}" (it asked for `{chosen.entry_id}`); answers go back to what '
            await interaction.followup.send(text + "they were without it.", ephemeral=True)

    @forget.autocomplete("phrasing")
    async def forget_phrasing_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The server's own learned phrasings, newest first, matching what was typed (text or entry id).

        Editors only: discord.py runs no checks for autocomplete, and the phrasings are members' questions (DMs
        among them), which a member whom the server lets use /knowledge must not read before being refused.
        """
        if not is_editor(interaction.user, interaction.guild_id, self.bot.config):
            return []
        wanted = current.casefold().strip()
        taught = [
            item
            for item in reversed(await self.taught_here(interaction.guild_id))
            if wanted in item.text.casefold() or wanted in item.entry_id.casefold()
        ]
        return [
            app_commands.Choice(name=clip(f"{visible_words(item.text)} → {item.entry_id}", 100), value=str(item.id))
            for item in taught[:AUTOCOMPLETE_LIMIT]
        ]

    async def taught_here(self, guild_id: int | None) -> list[Learned]:
        """The learned phrasings of this server alone (those taught from the command line apply everywhere)."""
        if guild_id is None:
            return []
        return [item for item in await self.bot.store.learned(guild_id=guild_id) if item.guild_id == guild_id]

    @knowledge.command(name="reload")
    async def reload(self, interaction: discord.Interaction) -> None:
        """Reload the knowledge from disk without a restart; a bad file is rejected and the old knowledge stays."""
        async with self.bot.busy():
            await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                config = self.bot.config
                knowledge = await self.bot.answerer.reload(config.knowledge_path, config.discord.guild_roles)
            except KnowledgeError as error:
                self.bot.metrics.reload(ok=False)
                problem = str(error)
                if isinstance(error, UnheldRoleError) and error.guild_id != interaction.guild_id:
                    log.warning("reload rejected: %s", error)  # another server's id and roles are not this one's
                    problem = "another server this bot serves covers a role no knowledge file holds (see the bot's log)"
                await interaction.followup.send(
                    f"Reload rejected, the old knowledge is still live:\n```\n{clip(problem, 1800)}\n```",
                    ephemeral=True,
                )
                return
            self.bot.metrics.reload(ok=True)
            discord_config = self.bot.config.discord
            resolved = await self.bot.answerer.recheck_open_questions(
                self.scope(interaction), discord_config.roles_for, discord_config.taught_in
            )
            telling = await tell_askers(self.bot, [question_id for question_id, _ in resolved])
            line = (
                f"Reloaded {len(knowledge.entries)} entries from {len(knowledge.files)} file(s). "
                f"{len(resolved)} open question(s) can now be answered and were marked answered."
            )
            await interaction.followup.send(with_telling(line, telling), ephemeral=True)

    @app_commands.command(name="stats")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def stats(self, interaction: discord.Interaction) -> None:
        """Questions asked, answer and abstain rates, votes per entry and top gaps, for 7 and 30 days."""
        async with self.bot.busy():
            await interaction.response.defer(ephemeral=True, thinking=True)
            store, scope = self.bot.store, self.scope(interaction)
            windows = [await store.stats(7, scope=scope), await store.stats(30, scope=scope)]
            answerer = self.bot.answerer
            gaps = await grouped_queue(
                store, answerer.retriever, scope=scope, since=timedelta(days=30), terms=answerer.queue_terms
            )
            await interaction.followup.send(embed=stats_embed(windows, gaps), ephemeral=True)


def item_controls(
    groups: list[QuestionGroup],
    proposals: dict[int, tuple[Proposal, ...]],
    answerer: Answerer,
    roles_for: Callable[[int | None], tuple[str, ...] | None],
) -> dict[int, ItemControls]:
    """Each group's controls, by its representative: its likeliest entries (members' picks first) and Dismiss.

    The entries offered are those of the roles the question's server covers (`roles_for`), found with that
    server's learned phrasings, as its members' questions are answered.
    """
    controls = {}
    for group in groups:
        question = group.representative
        picks = tuple(
            sorted((p for member in group.members for p in proposals.get(member.id, ())), key=lambda p: -p.picks)
        )
        candidates = entry_candidates(answerer, question, roles=roles_for(question.guild_id))
        controls[question.id] = ItemControls.of(question.id, candidates, picks, answerer.knowledge)
    return controls


async def setup(bot: FaqBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Editors(bot))
