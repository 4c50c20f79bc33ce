"""The bot's buttons: persistent 👍 / 👎 and "did you mean" choices; the editors' pager and one-click controls."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

import discord

from bot.core.gate import Hit
from bot.core.knowledge import Entry, KnowledgeBase
from bot.core.queue import MAX_REASON, open_proposal
from bot.discord_app.bot import FaqBot, log_failure, reply_privately
from bot.discord_app.checks import is_editor
from bot.discord_app.render import SUGGESTIONS_SHOWN, clip, entry_embed, origin_of
from bot.store import Proposal

if TYPE_CHECKING:
    from bot.discord_app.cogs.editors import Editors

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
        except Exception as error:
            await tell_failure(interaction, f"button {getattr(self, 'custom_id', self)}", error)
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
                # a private answer (a suggestion shown) is no message anyone else could jump to
                origin_of(
                    interaction.guild_id, interaction.channel_id, None if message.flags.ephemeral else message.id
                ),
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
        """Show the chosen entry privately with vote buttons; the pick is proposed to the editors as a phrasing."""
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
            if asked is not None and interaction.message is not None:
                # A proposed phrasing for the editors to confirm or reject; it does not teach on its own.
                where = origin_of(interaction.guild_id, interaction.channel_id, interaction.message.id)
                await bot.store.propose(asked, entry.id, where, interaction.user.id)
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
    shown = alternatives[:SUGGESTIONS_SHOWN]
    several = len({hit.entry.role for hit in shown}) > 1
    for hit in shown:
        label = f"{hit.entry.role}: {hit.entry.title}" if several else hit.entry.title
        view.add_item(ShowEntryButton(hit.entry.id, label))
    return view


class FaqView(discord.ui.View):
    """A view whose failures tell the clicker briefly and privately, and go to the log in full."""

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /) -> None:
        """Log the failure; tell the user in one line instead of Discord's bare "interaction failed"."""
        await tell_failure(interaction, f"button {getattr(item, 'custom_id', item)!r}", error)


async def tell_failure(interaction: discord.Interaction, what: str, error: BaseException) -> None:
    """Log a button's, menu's or form's failure, and give its user the short private notice."""
    text = log_failure(what, error, "Sorry, that didn't work on my side. It has been logged.")
    await reply_privately(interaction, text)


class Pager(FaqView):
    """◀ / ▶ through the pages; only the editor who asked can turn them; disabled once they time out.

    `controls` are each page's own menus and buttons (persistent: they keep working after the pager times out and
    after a restart); the pager shows only its page's. discord.py forgets a persistent control's kind for the whole
    process when a view that holds one times out, or is edited into a page without one, so the pager registers the
    editors' controls again with `client` each time. Its two buttons carry `list_id` in their custom ids, and it
    stays in `live` (the lists this process can still turn) until it times out: a click on a list no process can
    turn any more (after a restart) gets StalePageButton's short private notice.
    """

    def __init__(
        self,
        client: discord.Client,
        pages: list[discord.Embed],
        owner_id: int,
        timeout: float = 600,
        controls: list[list[ItemControls]] | None = None,
        *,
        list_id: int = 0,
        live: set[int] | None = None,
    ) -> None:
        super().__init__(timeout=timeout)
        self.client = client
        self.pages = pages
        self.owner_id = owner_id
        self.index = 0
        self.controls = controls or [[] for _ in pages]
        self.message: discord.WebhookMessage | None = None
        self.list_id = list_id
        self.live = live if live is not None else set()
        self.live.add(list_id)
        self.previous.custom_id = f"{PAGE_PREFIX}:previous:{list_id}"
        self.next.custom_id = f"{PAGE_PREFIX}:next:{list_id}"
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1
        self.clear_items()
        pager = [self.previous, self.next] if len(self.pages) > 1 else []
        for item in page_items(self.controls[self.index], pager):
            self.add_item(item)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the editor who opened the list turns its pages."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("Open your own list with /unanswered list.", ephemeral=True)
        return False

    async def on_timeout(self) -> None:
        """Grey the page buttons out, so that a stale list does not look turnable; its own controls stay live."""
        self.live.discard(self.list_id)
        self.keep_controls()
        self.previous.disabled = self.next.disabled = True
        if self.message is None:
            return
        try:
            await self.message.edit(view=self)
        except discord.HTTPException:
            log.debug("could not disable the buttons of a timed-out list", exc_info=True)

    def keep_controls(self) -> None:
        """Register the editors' persistent controls again: discord.py drops those a view it forgets held."""
        self.client.add_dynamic_items(*EDITOR_CONTROLS)

    async def turn(self, interaction: discord.Interaction, step: int) -> None:
        """Show the previous or next page in place."""
        self.index = max(0, min(len(self.pages) - 1, self.index + step))
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)
        self.keep_controls()

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Previous page."""
        await self.turn(interaction, -1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Next page."""
        await self.turn(interaction, 1)


PAGE_PREFIX = "faqbot:page"  # the pager's buttons: faqbot:page:previous|next:LIST


class StalePageButton(
    discord.ui.DynamicItem[discord.ui.Button], template=rf"{PAGE_PREFIX}:(?P<step>previous|next):(?P<list>[0-9]+)"
):
    """◀ / ▶ of a list this process cannot turn (it was opened before a restart): says so instead of failing.

    discord.py hands a click to the live Pager too, so this answers only when the list is not in the live set.
    """

    def __init__(self, list_id: int) -> None:
        super().__init__(discord.ui.Button(label="Page", custom_id=f"{PAGE_PREFIX}:next:{list_id}"))
        self.list_id = list_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> StalePageButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["list"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[FaqBot]) -> Any:
        """Tell the editor the list is out of date, unless this process's Pager still turns it."""
        if self.list_id in editors_cog(interaction).live_lists:
            return None
        return await interaction.response.send_message(
            "This list is out of date (I restarted since): run /unanswered list again.", ephemeral=True
        )


# ---------------------------------------------------------------- the editors' controls under /unanswered list

BUTTONS_PER_ROW = 5
MAX_ROWS = 5  # Discord's limit of action rows per message
PAGER_BUTTONS = 2
MAX_OPTIONS = 25  # Discord's limit of options in a select menu


async def editors_only(interaction: discord.Interaction[FaqBot]) -> bool:
    """The editor commands' own check (editors of the server it is used in), for the list's menus and buttons."""
    if is_editor(interaction.user, interaction.guild_id, interaction.client.config):
        return True
    await interaction.response.send_message("Editors only.", ephemeral=True)
    return False


def editors_cog(interaction: discord.Interaction[FaqBot]) -> Editors:
    """The editors' cog, whose shared resolve and dismiss paths the controls take."""
    cog = interaction.client.get_cog("Editors")
    if cog is None:
        raise RuntimeError("the editors' cog is not loaded")
    return cog  # type: ignore[return-value]


class EditorControl:
    """The editors' queue controls: only the editors of the server the list is used in may use them."""

    async def interaction_check(self, interaction: discord.Interaction[FaqBot]) -> bool:
        """Editors only, in the server the list is used in."""
        return await editors_only(interaction)


class ResolveSelect(
    EditorControl, discord.ui.DynamicItem[discord.ui.Select], template=r"faqbot:resolve:(?P<question>[0-9]+)"
):
    """A queued question's likeliest entries; picking one resolves it (and its group) as /unanswered resolve does."""

    def __init__(self, question_id: int, options: list[discord.SelectOption]) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"faqbot:resolve:{question_id}",
                placeholder=f"Resolve #{question_id} to…",
                options=options[:MAX_OPTIONS],
                min_values=1,
                max_values=1,
            )
        )
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /
    ) -> ResolveSelect:
        """Rebuild the menu from its custom id and the options on the message."""
        return cls(int(match["question"]), list(item.options))

    @guarded
    async def callback(self, interaction: discord.Interaction[FaqBot]) -> Any:
        """Resolve the question to the picked entry through the command's own path."""
        [entry_id] = self.item.values
        await editors_cog(interaction)._resolve(interaction, self.question_id, entry_id)


class DismissButton(
    EditorControl, discord.ui.DynamicItem[discord.ui.Button], template=r"faqbot:dismiss:(?P<question>[0-9]+)"
):
    """Dismiss a queued question (and its group): asks for the reason in a small form first."""

    def __init__(self, question_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Dismiss #{question_id}",
                style=discord.ButtonStyle.secondary,
                custom_id=f"faqbot:dismiss:{question_id}",
            )
        )
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> DismissButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["question"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[FaqBot]) -> Any:
        """Ask for the reason; the form's answer dismisses."""
        await interaction.response.send_modal(DismissReason(self.question_id))


class DismissReason(EditorControl, discord.ui.Modal):
    """The reason for a dismissal, as /unanswered dismiss asks for it."""

    reason: discord.ui.TextInput[DismissReason] = discord.ui.TextInput(
        label="Reason",
        custom_id="faqbot:dismiss-reason",
        placeholder="off-topic, spam, duplicate, …",
        max_length=MAX_REASON,
        required=True,
    )

    def __init__(self, question_id: int) -> None:
        super().__init__(title=f"Dismiss #{question_id} and its group")
        self.question_id = question_id

    async def on_submit(self, interaction: discord.Interaction[FaqBot]) -> None:  # type: ignore[override]
        """Dismiss through the command's own path."""
        await editors_cog(interaction)._dismiss(interaction, self.question_id, self.reason.value)

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:
        """Log the failure; tell the editor in one line."""
        await tell_failure(interaction, "dismissal form", error)


class ProposalControl(EditorControl):
    """A button on a member's pick (proposal), its id in the custom id `faqbot:ACTION:ID`; persistent as the others."""

    ACTION: ClassVar[str]
    STYLE: ClassVar[discord.ButtonStyle]
    LABEL: ClassVar[str]  # the label when only the id is known
    LABEL_FOR: ClassVar[str]  # the label of a proposal shown in the list: {question_id} and {entry_id} filled in

    def __init__(self, proposal: Proposal | int, label: str | None = None) -> None:
        proposal_id = proposal if isinstance(proposal, int) else proposal.id
        if not isinstance(proposal, int):
            label = self.LABEL_FOR.format(question_id=proposal.question_id, entry_id=proposal.entry_id)
        button = discord.ui.Button(
            label=clip(label or self.LABEL, 80), style=self.STYLE, custom_id=f"faqbot:{self.ACTION}:{proposal_id}"
        )
        super().__init__(button)  # DynamicItem.__init__: next after the mixins in each button's order
        self.proposal_id = proposal_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from its custom id."""
        return cls(int(match["proposal"]), item.label)


class ConfirmProposalButton(
    ProposalControl, discord.ui.DynamicItem[discord.ui.Button], template=r"faqbot:confirm:(?P<proposal>[0-9]+)"
):
    """Confirm a member's pick: resolve its question to the picked entry, which teaches as a resolve does."""

    ACTION, STYLE, LABEL = "confirm", discord.ButtonStyle.success, "Confirm"
    LABEL_FOR = "Confirm #{question_id} → {entry_id}"

    @guarded
    async def callback(self, interaction: discord.Interaction[FaqBot]) -> Any:
        """Resolve the proposal's question to its entry through the command's own path."""
        cog = editors_cog(interaction)
        proposal = await open_proposal(interaction.client.store, self.proposal_id, scope=cog.scope(interaction))
        if proposal is None:
            return await interaction.response.send_message("That proposal is no longer open.", ephemeral=True)
        return await cog._resolve(interaction, proposal.question_id, proposal.entry_id)


class RejectProposalButton(
    ProposalControl, discord.ui.DynamicItem[discord.ui.Button], template=r"faqbot:reject:(?P<proposal>[0-9]+)"
):
    """Reject a member's pick: nothing is taught, the question stays open."""

    ACTION, STYLE, LABEL = "reject", discord.ButtonStyle.danger, "Reject"
    LABEL_FOR = "Reject the pick for #{question_id}"

    @guarded
    async def callback(self, interaction: discord.Interaction[FaqBot]) -> Any:
        """Mark the proposal rejected."""
        async with interaction.client.busy():
            scope = editors_cog(interaction).scope(interaction)
            proposal = await interaction.client.store.reject_proposal(self.proposal_id, scope=scope)
            if proposal is None:
                return await interaction.response.send_message("That proposal is no longer open.", ephemeral=True)
            return await interaction.response.send_message(
                f"The members' pick `{proposal.entry_id}` for #{proposal.question_id} is rejected: nothing was "
                "taught and the question stays open.",
                ephemeral=True,
            )


EDITOR_CONTROLS = (ResolveSelect, DismissButton, ConfirmProposalButton, RejectProposalButton, StalePageButton)


@dataclass(frozen=True)
class ItemControls:
    """The controls under one group of the list: a menu of its likeliest entries, Dismiss, and a member's pick."""

    question_id: int
    options: tuple[discord.SelectOption, ...]
    proposal: Proposal | None = None

    @classmethod
    def of(
        cls, question_id: int, candidates: tuple[Entry, ...], proposals: tuple[Proposal, ...], knowledge: KnowledgeBase
    ) -> ItemControls:
        """The menu: the entries members picked first (💡), then the retriever's best candidates."""
        options: dict[str, discord.SelectOption] = {}
        for proposal in proposals:
            entry = knowledge.get(proposal.entry_id)
            if entry is not None and entry.id not in options:
                options[entry.id] = discord.SelectOption(
                    label=clip(f"💡 {entry.title}", 100),
                    value=entry.id,
                    description=clip(f"{entry.id} · picked by members ×{proposal.picks}", 100),
                )
        for entry in candidates:
            if entry.id not in options:
                options[entry.id] = discord.SelectOption(
                    label=clip(entry.title, 100), value=entry.id, description=clip(entry.id, 100)
                )
        top = next((p for p in proposals if knowledge.get(p.entry_id) is not None), None)
        return cls(question_id, tuple(options.values())[:MAX_OPTIONS], top)

    def menus(self) -> list[discord.ui.Item[Any]]:
        """The select menu (none when there is no candidate at all)."""
        return [ResolveSelect(self.question_id, list(self.options))] if self.options else []

    def buttons(self) -> list[discord.ui.Item[Any]]:
        """Dismiss, then Confirm and Reject for the most picked proposal."""
        items: list[discord.ui.Item[Any]] = [DismissButton(self.question_id)]
        if self.proposal is not None:
            items += [ConfirmProposalButton(self.proposal), RejectProposalButton(self.proposal)]
        return items


def rows_needed(controls: Sequence[ItemControls], pager: bool = True) -> int:
    """Action rows a page needs: a row per menu, and the buttons (the pager's too) five to a row."""
    menus = sum(bool(item.options) for item in controls)
    buttons = sum(1 + 2 * (item.proposal is not None) for item in controls) + (PAGER_BUTTONS if pager else 0)
    return menus + -(-buttons // BUTTONS_PER_ROW)


def page_items(
    controls: Sequence[ItemControls], more_buttons: Sequence[discord.ui.Item[Any]] = ()
) -> list[discord.ui.Item[Any]]:
    """A page's controls with their rows set: a row per menu, then the buttons five to a row (the pager's last)."""
    items: list[discord.ui.Item[Any]] = [menu for control in controls for menu in control.menus()]
    for row, menu in enumerate(items):
        menu.row = row
    buttons = [*(button for control in controls for button in control.buttons()), *more_buttons]
    for index, button in enumerate(buttons):
        button.row = len(items) + index // BUTTONS_PER_ROW
    return [*items, *buttons]
