"""How answers look on Discord: embeds, persistent vote and "did you mean" buttons, and safe echoing of user text."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.answering import Answer
from bot.config import Config
from bot.knowledge import Entry, KnowledgeBase
from bot.retrieval import Hit, Status
from bot.storage import Origin

if TYPE_CHECKING:
    from bot.client import FaqBot

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
AUTOCOMPLETE_LIMIT = 25
COLOUR = discord.Colour.from_rgb(47, 128, 237)
UNKNOWN_TEXT = "I don't know that yet; I've passed it to the editors."
TOO_LONG_TEXT = (
    f"That question is over {MAX_QUESTION_CHARS:,} characters, too long for me. Could you ask it in a sentence or two?"
)
EMPTY_TEXT = (
    "Ask me a question about the Cloud Technical Lead role, e.g. `/ask question: how many years of experience?`"
)


def echo(text: str, limit: int = 200) -> str:
    """User text made safe to show back: no mentions, no markdown, one line, bounded."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return discord.utils.escape_markdown(discord.utils.escape_mentions(flat))


def clip(text: str, limit: int) -> str:
    """Trim text to a Discord field limit."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def jump_url(guild_id: int | None, channel_id: int | None, message_id: int | None) -> str | None:
    """The link that opens a message in Discord."""
    if channel_id is None or message_id is None:
        return None
    return f"https://discord.com/channels/{guild_id or '@me'}/{channel_id}/{message_id}"


def origin_of(guild_id: int | None, channel_id: int | None, message_id: int | None) -> Origin:
    """Where a Discord question was asked, with its jump link."""
    return Origin("discord", guild_id, channel_id, message_id, jump_url(guild_id, channel_id, message_id))


def show_question(embed: discord.Embed, question: str) -> None:
    """Put the member's question above the answer, on one line (author names render no mentions or markdown)."""
    embed.set_author(name=clip(f"Q: {' '.join(question.split())}", 256))


def entry_embed(entry: Entry, question: str | None = None, related: tuple[Hit, ...] = ()) -> discord.Embed:
    """An entry as an answer: its text, its title and section as the citation, and its id."""
    embed = discord.Embed(
        title=clip(entry.title, 256), url=entry.url, description=clip(entry.text, 4096), colour=COLOUR
    )
    if question:
        show_question(embed, question)
    embed.add_field(name="Source", value=clip(f"{entry.role} · {entry.section}", 1024), inline=True)
    embed.add_field(name="Entry", value=f"`{entry.id}`", inline=True)
    if related:
        embed.add_field(
            name="Related", value=clip(", ".join(f"`{hit.entry.id}`" for hit in related), 1024), inline=False
        )
    embed.set_footer(text="Was this helpful? Vote below. Mentors: /faq entry:" + entry.id)
    return embed


def suggestion_embed(question: str, alternatives: tuple[Hit, ...]) -> discord.Embed:
    """The "Did you mean…" embed with the plausible entries; the buttons below post the chosen one."""
    lines = [f"**{i}.** {discord.utils.escape_markdown(hit.entry.title)}" for i, hit in enumerate(alternatives, 1)]
    embed = discord.Embed(title="Did you mean…", description="\n".join(lines), colour=COLOUR)
    show_question(embed, question)
    embed.set_footer(text="I'm not sure enough to answer outright. Pick one to post it.")
    return embed


def unknown_embed(question: str) -> discord.Embed:
    """The honest abstention."""
    embed = discord.Embed(description=UNKNOWN_TEXT, colour=discord.Colour.light_grey())
    show_question(embed, question)
    return embed


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
            store = interaction.client.store
            post = await store.answer_post(message.id)
            question = post.question if post else ""
            outcome = await store.record_vote(
                message_id=message.id,
                entry_id=self.entry_id,
                question=question,
                user_id=interaction.user.id,
                vote=self.vote,
                origin=origin_of(interaction.guild_id, interaction.channel_id, message.id),
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
            post = await bot.store.answer_post(interaction.message.id) if interaction.message else None
            question = post.question if post else entry.title
            callback = await interaction.response.send_message(
                embed=entry_embed(entry, question), view=vote_view(entry.id)
            )
            if callback.message_id is not None:
                origin = origin_of(interaction.guild_id, interaction.channel_id, callback.message_id)
                await bot.store.record_answer_post(callback.message_id, question, entry.id, origin)
            return None


def vote_view(entry_id: str) -> discord.ui.View:
    """The 👍 / 👎 row under an answer."""
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton("up", entry_id))
    view.add_item(VoteButton("down", entry_id))
    return view


def suggestion_view(alternatives: tuple[Hit, ...]) -> discord.ui.View:
    """One button per plausible entry."""
    view = discord.ui.View(timeout=None)
    for hit in alternatives[:5]:
        view.add_item(ShowEntryButton(hit.entry.id, hit.entry.title))
    return view


@dataclass(frozen=True)
class Reply:
    """What to send for an answer: an embed, its buttons, and the entry it shows (if any)."""

    embed: discord.Embed
    view: discord.ui.View | None
    entry_id: str | None

    @property
    def message_kwargs(self) -> dict[str, Any]:
        """The send() arguments: an interaction response refuses `view=None`, so the view is left out when absent."""
        return {"embed": self.embed} if self.view is None else {"embed": self.embed, "view": self.view}


def render(answer: Answer) -> Reply:
    """Turn the core's Answer into the message the bot sends."""
    verdict = answer.verdict
    if answer.status is Status.SMALLTALK or verdict is None:
        return Reply(discord.Embed(description=answer.reply or EMPTY_TEXT, colour=COLOUR), None, None)
    if verdict.answer is not None:
        entry = verdict.answer.entry
        return Reply(entry_embed(entry, answer.question, verdict.alternatives), vote_view(entry.id), entry.id)
    if answer.status is Status.SUGGEST:
        return Reply(
            suggestion_embed(answer.question, verdict.alternatives), suggestion_view(verdict.alternatives), None
        )
    return Reply(unknown_embed(answer.question), None, None)


def entry_choices(knowledge: KnowledgeBase, current: str) -> list[discord.app_commands.Choice[str]]:
    """Autocomplete choices for an entry option: at most 25, best first, typo tolerant."""
    return [
        discord.app_commands.Choice(name=clip(f"{entry.title} ({entry.id})", 100), value=entry.id)
        for entry in knowledge.lookup(current, AUTOCOMPLETE_LIMIT)
    ]


def member_role_ids(user: discord.abc.User) -> set[int]:
    """The role ids of a guild member (none for a DM user)."""
    return {role.id for role in getattr(user, "roles", ())}


def is_editor(user: discord.abc.User, config: Config) -> bool:
    """Editors: a configured editor role, or the Manage Server permission."""
    permissions = getattr(user, "guild_permissions", None)
    if permissions is not None and permissions.manage_guild:
        return True
    return bool(member_role_ids(user) & set(config.discord.editor_role_ids))


def is_mentor(user: discord.abc.User, config: Config) -> bool:
    """Mentors may post answers for someone else; editors may too."""
    return bool(member_role_ids(user) & set(config.discord.mentor_role_ids)) or is_editor(user, config)
