"""The store: what faqbot remembers between questions (queue, asks, votes), behind one `Store` class."""

from bot.store.models import (
    DM_SCOPE,
    STATUSES,
    AnswerPost,
    Ask,
    EntryVotes,
    Origin,
    Place,
    PurgeCounts,
    QueuedQuestion,
    Scope,
    Stats,
    VoteOutcome,
    scope_key,
    timestamp,
    utc_now,
)
from bot.store.sqlite import MAX_STORED_QUESTION_CHARS, Store

__all__ = [
    "DM_SCOPE",
    "MAX_STORED_QUESTION_CHARS",
    "STATUSES",
    "AnswerPost",
    "Ask",
    "EntryVotes",
    "Origin",
    "Place",
    "PurgeCounts",
    "QueuedQuestion",
    "Scope",
    "Stats",
    "Store",
    "VoteOutcome",
    "scope_key",
    "timestamp",
    "utc_now",
]
