"""What the store keeps and returns: small frozen records, shared by every backend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

Clock = Callable[[], datetime]

DM_SCOPE = 0  # the scope of questions asked outside any server: DMs and the command line (guild ids are never 0)


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """Format a time the way the store keeps it: ISO 8601 UTC to the second, sortable as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Origin:
    """Where a question was asked: the command line, or a Discord guild, channel and message."""

    kind: str = "cli"
    guild_id: int | None = None  # None: a DM or the command line
    channel_id: int | None = None
    message_id: int | None = None
    jump_url: str | None = None
    user_id: int | None = None  # the member who asked (Discord), to tell them when their question is answered


def scope_key(guild_id: int | None) -> int:
    """The scope a record belongs to: its server's id, or DM_SCOPE when it was asked outside any server."""
    return guild_id if guild_id else DM_SCOPE


@dataclass(frozen=True)
class Scope:
    """Whose records a query reads or an editor action may change: one server, and the DM scope for the home server."""

    guild_ids: frozenset[int]

    @classmethod
    def of(cls, *guild_ids: int | None) -> Scope:
        """The scope of these servers (None or DM_SCOPE: the DMs)."""
        return cls(frozenset(scope_key(guild_id) for guild_id in guild_ids))

    def __contains__(self, guild_id: object) -> bool:
        return (guild_id if isinstance(guild_id, int) else DM_SCOPE) in self.guild_ids


@dataclass(frozen=True)
class Ask:
    """One judged question as the store counts it, with the message that carries the reply and whether to queue it."""

    question: str
    status: str
    entry_id: str | None
    origin: Origin
    reply_message_id: int | None = None
    queue: bool = False
    best_score: float | None = None
    best_entry_id: str | None = None
    unsure: bool = False  # the bot gave a "did you mean" or a partial answer, not "I don't know"


@dataclass(frozen=True)
class AnswerPost:
    """A message in which the bot posted an answer or suggestions, and the question behind it."""

    message_id: int
    question: str
    entry_id: str | None
    guild_id: int | None = None


@dataclass(frozen=True)
class VoteOutcome:
    """Whether a vote was stored, or the member had already voted (and how)."""

    recorded: bool
    vote: int


STATUSES = ("open", "answered", "dismissed")


@dataclass(frozen=True)
class Place:
    """One time and place a queued question was asked."""

    asked_at: str
    origin: str
    guild_id: int | None
    channel_id: int | None
    jump_url: str | None


@dataclass(frozen=True)
class Learned:
    """A phrasing editors taught: the entry it asks for, and the server it applies in (None: everywhere)."""

    id: int
    entry_id: str
    text: str
    guild_id: int | None
    taught_at: str
    question_id: int | None = None


@dataclass(frozen=True)
class Teaching:
    """What teaching did: the questions marked answered, the phrasings stored, and those refused (text, entry).

    `moved` are the question's own phrasings from an earlier resolve, now the new entry's (text, entry it left);
    `removable` gives the learned phrasing id of each text refused because of a learned phrasing (text, id).
    """

    resolved: tuple[int, ...]
    learned: tuple[str, ...]
    refused: tuple[tuple[str, str], ...] = ()
    moved: tuple[tuple[str, str], ...] = ()
    removable: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class QueuedQuestion:
    """A question in the editors' queue: asked but not answered, or answered and voted 👎."""

    id: int
    text: str
    kind: str
    ask_count: int
    first_asked_at: str
    last_asked_at: str
    best_score: float | None
    best_entry_id: str | None
    rejected_entry_id: str | None
    status: str
    answer_entry_id: str | None
    dismiss_reason: str | None
    guild_id: int | None = None
    places: tuple[Place, ...] = ()
    unsure: bool = False  # last asked, the bot gave a "did you mean" or a partial answer, not "I don't know"

    @property
    def jump_url(self) -> str | None:
        """The most recent place it was asked on Discord, if any."""
        return next((place.jump_url for place in self.places if place.jump_url), None)


@dataclass(frozen=True)
class AskerPlace:
    """One place a member asked an answered question they were not told about yet: where to reply to them."""

    question_id: int
    asker_id: int
    text: str
    entry_id: str
    asked_at: str
    guild_id: int | None  # None: a DM
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True)
class PurgeCounts:
    """How many rows a purge deleted."""

    questions: int
    places: int
    other: int


@dataclass(frozen=True)
class EntryVotes:
    """👍 and 👎 for one entry."""

    entry_id: str
    up: int
    down: int


@dataclass(frozen=True)
class Stats:
    """What /stats and `faqbot stats` show for one window."""

    days: int
    asked: int
    answered: int
    suggested: int
    unknown: int
    votes: tuple[EntryVotes, ...]
    partial: int = 0  # the topic was known but not the detail asked

    @property
    def answer_rate(self) -> float:
        """Share of questions answered outright."""
        return self.answered / self.asked if self.asked else 0.0

    @property
    def abstain_rate(self) -> float:
        """Share of questions the bot did not know."""
        return self.unknown / self.asked if self.asked else 0.0


@dataclass(frozen=True)
class Proposal:
    """A member's pick of a "did you mean" entry for a queued question: a phrasing the editors confirm or reject."""

    id: int
    question_id: int
    entry_id: str
    picks: int
    proposed_at: str
    status: str = "open"


@dataclass(frozen=True)
class Dismissal:
    """What dismissing did: the questions dismissed, or the entry that already answers the question (kept)."""

    dismissed: tuple[int, ...]
    answered_by: str | None = None
