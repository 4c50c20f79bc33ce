"""Askers hear back: once their queued question is resolved, each member who asked it gets one reply with the answer.

The reply goes where they asked (the channel or thread, under their message, or under the bot's answer to their
/ask), or by DM for a question asked in a DM, and it pings that member and nobody else. The store's told marker is
claimed before anything is sent, so a member is told at most once per question, however many places they asked it
in and however many resolves run at once.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.core.knowledge import Entry
from bot.discord_app.render import entry_embed, origin_of
from bot.discord_app.views import vote_view
from bot.store import AskerPlace

if TYPE_CHECKING:
    from bot.discord_app.bot import FaqBot

log = logging.getLogger(__name__)

IN_SERVER = "{mention}, your question has an answer now:"
IN_DM = "Your question has an answer now:"


@dataclass(frozen=True)
class Telling:
    """How telling a resolution's askers went: how many were told, could not be reached, or were left untold."""

    told: int = 0
    failed: int = 0
    not_told: int = 0  # askers left untold because discord.notify_askers is false

    def summary(self) -> str:
        """One sentence for the editor or mentor ("" when nobody who asked on Discord is waiting)."""
        if self.not_told:
            return f"{self.not_told} asker(s) not told: discord.notify_askers is false."
        if not (self.told or self.failed):
            return ""
        unreachable = f"; {self.failed} could not be reached (see the log)" if self.failed else ""
        return f"Told {self.told} asker(s){unreachable}."


def with_telling(line: str, telling: Telling) -> str:
    """An editor's or mentor's one-line outcome, followed by how the askers were told (when any were waiting)."""
    summary = telling.summary()
    return f"{line} {summary}" if summary else line


def pings_only(user_id: int) -> discord.AllowedMentions:
    """Allowed mentions that let exactly this member be pinged: no @everyone, no role, no one else, no reply ping."""
    return discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(user_id)], replied_user=False)


async def tell_askers(bot: FaqBot, question_ids: Collection[int]) -> Telling:
    """Tell every untold member who asked one of these (resolved) questions, once each, with the entry it got.

    A member who asked several of them (a group resolved together) and in several places hears once, at the place
    they asked last; when that place is gone (message deleted, server left, DMs closed) the one before it is tried,
    and when none works one line is logged, the marker says "failed", and the other askers are still told.
    """
    if not question_ids:
        return Telling()
    store = bot.store
    if not bot.config.discord.notify_askers:
        return Telling(not_told=len({place.asker_id for place in await store.untold(question_ids)}))
    places: dict[tuple[int, str], list[AskerPlace]] = {}  # per member and entry, newest place first
    for place in await store.claim_askers(question_ids):
        places.setdefault((place.asker_id, place.entry_id), []).append(place)
    told = failed = 0
    for (_, entry_id), own in places.items():
        reached = await _tell(bot, own, bot.answerer.knowledge.get(entry_id))
        await store.settle_told({(place.question_id, place.asker_id) for place in own}, "told" if reached else "failed")
        told, failed = (told + 1, failed) if reached else (told, failed + 1)
    return Telling(told, failed)


async def _tell(bot: FaqBot, places: list[AskerPlace], entry: Entry | None) -> bool:
    """Reply at the first of these places that still works; False (logged once) when none does."""
    question_ids = ", ".join(sorted({f"#{place.question_id}" for place in places}))
    if entry is None:
        log.warning("could not tell an asker of %s: its entry is no longer in the knowledge", question_ids)
        return False
    problem = "no place to reply to"
    for place in places:
        try:
            sent = await _send(bot, place, entry)
        except (discord.HTTPException, discord.ClientException) as error:
            problem = f"{type(error).__name__}: {error}".replace("\n", " ")
            continue
        origin = origin_of(place.guild_id, sent.channel.id, sent.id)
        await bot.answerer.record_post(sent.id, place.text, entry.id, origin)  # its 👍 / 👎 count like any answer
        return True
    log.warning("could not tell an asker of %s (%d place(s) tried): %s", question_ids, len(places), problem)
    return False


async def _send(bot: FaqBot, place: AskerPlace, entry: Entry) -> discord.Message:
    """Post the answer at one place: a reply there (DM questions by DM), pinging only the asker."""
    if place.guild_id is None:
        user = bot.get_user(place.asker_id) or await bot.fetch_user(place.asker_id)
        channel: object = user.dm_channel or await user.create_dm()
        content, mentions = IN_DM, discord.AllowedMentions.none()
    else:
        if place.channel_id is None:
            raise discord.ClientException("the place has no channel")
        channel = bot.get_channel(place.channel_id) or await bot.fetch_channel(place.channel_id)
        content, mentions = IN_SERVER.format(mention=f"<@{place.asker_id}>"), pings_only(place.asker_id)
    if not isinstance(channel, discord.abc.Messageable):
        raise discord.ClientException(f"channel {place.channel_id} cannot hold messages")
    reference = None
    if place.message_id is not None:  # the member's message, or the bot's public answer to their /ask
        # Fetched first: a deleted message fails here (NotFound) instead of getting a reply to nothing.
        reference = (await channel.fetch_message(place.message_id)).to_reference(fail_if_not_exists=True)
    return await channel.send(
        content,
        embed=entry_embed(entry, place.text),
        view=vote_view(entry.id),
        reference=reference,
        allowed_mentions=mentions,
    )
