"""The bot's buttons: persistent 👍 / 👎 and "did you mean" choices, and the editors' pager."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot.core.gate import Hit
from bot.discord_app.render import clip, entry_embed, origin_of

if TYPE_CHECKING:
    from bot.discord_app.bot import FaqBot

log = logging.getLogger(__name__)

ItemT = TypeVar("ItemT", bound="discord.ui.Item[Any]")


def guarded(
    callback: Callable[[ItemT, discord.Interaction[FaqBot]], Awaitable[Any]],
) -> Callable[[ItemT, discord.Interaction[FaqBot]], Awaitable[Any]]:
    """Wrap a persistent button's callback: discord.py only logs their failures, so tell the clicker too."""

    @functools.wraps(callback)
    async def run(self: ItemT, interaction: discord.Interaction[FaqBot]) -> Any:
        try:
            return await callback(self, interaction)
        except Exception:
            log.exception("button %s failed", getattr(self, "custom_id", self))
            await tell_failure(interaction)
            return None

    return run


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

    @guarded
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
    """A "did you mean" choice: shows that entry to the member who clicked, privately, however many click."""

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

    @guarded
    async def callback(self, interaction: discord.Interaction[FaqBot]) -> Any:
        """Show the chosen entry privately with vote buttons, remembering the original question."""
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
                embed=entry_embed(entry, question), view=vote_view(entry.id), ephemeral=True
            )
            if callback.message_id is not None:
                origin = origin_of(interaction.guild_id, interaction.channel_id, callback.message_id)
                await bot.answerer.record_post(callback.message_id, question, entry.id, origin)
            return None


def vote_view(entry_id: str) -> discord.ui.View:
    """The 👍 / 👎 row under an answer."""
    view = FaqView(timeout=None)
    view.add_item(VoteButton("up", entry_id))
    view.add_item(VoteButton("down", entry_id))
    return view


def suggestion_view(alternatives: tuple[Hit, ...]) -> discord.ui.View:
    """One button per plausible entry; when they are for different roles, each button starts with its role."""
    view = FaqView(timeout=None)
    several = len({hit.entry.role for hit in alternatives[:5]}) > 1
    for hit in alternatives[:5]:
        label = f"{hit.entry.role}: {hit.entry.title}" if several else hit.entry.title
        view.add_item(ShowEntryButton(hit.entry.id, label))
    return view


class FaqView(discord.ui.View):
    """A view whose failures tell the clicker briefly and privately, and go to the log in full."""

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /) -> None:
        """Log the failure; tell the user in one line instead of Discord's bare "interaction failed"."""
        log.error("button %r failed", getattr(item, "custom_id", item), exc_info=error)
        await tell_failure(interaction)


async def tell_failure(interaction: discord.Interaction) -> None:
    """The short private notice a user gets when a button or menu of theirs failed on the bot's side."""
    text = "Sorry, that didn't work on my side. It has been logged."
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the user about a failed button", exc_info=True)


class Pager(FaqView):
    """◀ / ▶ through the pages; only the editor who asked can turn them; disabled once they time out."""

    def __init__(self, pages: list[discord.Embed], owner_id: int, timeout: float = 600) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages
        self.owner_id = owner_id
        self.index = 0
        self.message: discord.WebhookMessage | None = None
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

    async def on_timeout(self) -> None:
        """Grey the buttons out, so that a stale list does not look clickable."""
        self.previous.disabled = self.next.disabled = True
        if self.message is None:
            return
        try:
            await self.message.edit(view=self)
        except discord.HTTPException:
            log.debug("could not disable the buttons of a timed-out list", exc_info=True)

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
