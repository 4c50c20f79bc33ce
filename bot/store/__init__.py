"""The store: what faqbot remembers between questions (queue, asks, votes), behind one `Store` class."""

from bot.store.models import (
    STATUSES,
    AnswerPost,
    EntryVotes,
    Origin,
    Place,
    PurgeCounts,
    QueuedQuestion,
    Stats,
    VoteOutcome,
    timestamp,
    utc_now,
)
from bot.store.sqlite import MAX_STORED_QUESTION_CHARS, Store

__all__ = [
    "MAX_STORED_QUESTION_CHARS",
    "STATUSES",
    "AnswerPost",
    "EntryVotes",
    "Origin",
    "Place",
    "PurgeCounts",
    "QueuedQuestion",
    "Stats",
    "Store",
    "VoteOutcome",
    "timestamp",
    "utc_now",
]
