"""The bot's buttons: persistent 👍 / 👎 and "did you mean" choices, and the editors' pager."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.core.gate import Hit
from bot.discord_app.render import clip, entry_embed, origin_of

if TYPE_CHECKING:
    from bot.discord_app.bot import FaqBot

log = logging.getLogger(__name__)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"faqbot:vote:(?P<vote>up|down):(?P<entry>[a-z0-9-]+)"
):
    """👍 / 👎 under an answer; persistent, so votes still work after a restart."""

    def __init__(self, vote: str, entry_id: str) -> None:
        up = vote == "up"
        super().__init__(
            discord.ui.Button(
                emoji="👍" if up else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"faqbot:vote:{vote}:{entry_id}",
            )
        )
        self.vote = 1 if up else -1
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> VoteButton:
        """Rebuild the button from its custom id."""
        return cls(match["vote"], match["entry"])

    async def callback(self, interaction: discord.Interaction[FaqBot]) -> Any:
        """Store the vote (one per member per answer); a 👎 queues the question for the editors."""
        async with interaction.client.busy():
            message = interaction.message
            if message is None:
                return await interaction.response.send_message("That answer is gone.", ephemeral=True)
            outcome = await interaction.client.answerer.record_vote(
                message.id,
                self.entry_id,
                interaction.user.id,
                self.vote,
                origin_of(interaction.guild_id, interaction.channel_id, message.id),
            )
            if not outcome.recorded:
                mark = "👍" if outcome.vote > 0 else "👎"
                text = f"You already voted {mark} on this answer."
            elif self.vote > 0:
                text = "Thanks for the feedback!"
            else:
                text = "Thanks. I've passed this to the editors so they can improve the answer."
            return await interaction.response.send_message(text, ephemeral=True)


class ShowEntryButton(discord.ui.DynamicItem[discord.ui.Button], template=r"faqbot:show:(?P<entry>[a-z0-9-]+)"):
    """A "did you mean" choice: posts that entry as the answer."""

    def __init__(self, entry_id: str, label: str = "Show") -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, 80), style=discord.ButtonStyle.primary, custom_id=f"faqbot:show:{entry_id}"
            )
        )
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> ShowEntryButton:
        """Rebuild the button from its custom id."""
        return cls(match["entry"], item.label or "Show")

    async def callback(self, interaction: discord.Interaction[FaqBot]) -> Any:
        """Post the chosen entry with vote buttons, remembering the original question."""
        async with interaction.client.busy():
            bot = interaction.client
            entry = bot.answerer.knowledge.get(self.entry_id)
            if entry is None:
                return await interaction.response.send_message(
                    "That entry no longer exists; the knowledge was updated. Ask again?", ephemeral=True
                )
            asked = await bot.answerer.posted_question(interaction.message.id) if interaction.message else None
            question = asked or entry.title
            callback = await interaction.response.send_message(
                embed=entry_embed(entry, question), view=vote_view(entry.id)
            )
            if callback.message_id is not None:
                origin = origin_of(interaction.guild_id, interaction.channel_id, callback.message_id)
                await bot.answerer.record_post(callback.message_id, question, entry.id, origin)
            return None


def vote_view(entry_id: str) -> discord.ui.View:
    """The 👍 / 👎 row under an answer."""
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton("up", entry_id))
    view.add_item(VoteButton("down", entry_id))
    return view


def suggestion_view(alternatives: tuple[Hit, ...]) -> discord.ui.View:
    """One button per plausible entry; when they are for different roles, each button starts with its role."""
    view = discord.ui.View(timeout=None)
    several = len({hit.entry.role for hit in alternatives[:5]}) > 1
    for hit in alternatives[:5]:
        label = f"{hit.entry.role}: {hit.entry.title}" if several else hit.entry.title
        view.add_item(ShowEntryButton(hit.entry.id, label))
    return view


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
