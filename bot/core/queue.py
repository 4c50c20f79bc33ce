"""The editors' workflow, one for the CLI and Discord: the grouped queue, resolving by entry name, dismissing.

Every function takes the scope the editor may see and change (one server, the DMs for the home server; None on the
command line: every server); a question outside it is treated as if it did not exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import timedelta

from bot.core.grouping import QuestionGroup, group_questions
from bot.core.knowledge import Entry, KnowledgeBase
from bot.core.promotion import promotion_yaml
from bot.core.retriever import TfidfRetriever
from bot.store import QueuedQuestion, Scope, Store


@dataclass(frozen=True)
class Resolution:
    """What resolving a queued question to a named entry did: the entry, or what went wrong."""

    entry: Entry | None
    closest: tuple[str, ...] = ()
    question_found: bool = True

    @property
    def done(self) -> bool:
        """Whether the question is now marked answered."""
        return self.entry is not None and self.question_found


async def grouped_queue(
    store: Store,
    retriever: TfidfRetriever,
    *,
    scope: Scope | None,
    status: str | None = "open",
    sort: str = "count",
    since: timedelta | None = None,
    terms: MutableMapping[str, list[str]] | None = None,
) -> list[QuestionGroup]:
    """Queued questions as editors see them: open ones grouped with their rephrasings, in the order asked for.

    Questions are grouped only with their own server's (and the DMs' with the DMs'), even when the scope holds
    several. The grouping runs in a worker thread, so a long queue never holds up the event loop.
    """
    questions = await store.questions(scope=scope, status=status, sort=sort, since=since)
    if status != "open":
        return [QuestionGroup(question, (question,)) for question in questions]
    groups = await asyncio.to_thread(_group_per_server, questions, retriever, terms)
    if sort == "recent":
        groups.sort(key=lambda group: max(question.last_asked_at for question in group.members), reverse=True)
    return groups


def _group_per_server(
    questions: list[QueuedQuestion], retriever: TfidfRetriever, terms: MutableMapping[str, list[str]] | None
) -> list[QuestionGroup]:
    """Group each server's questions apart, then order all groups largest first."""
    servers: dict[int | None, list[QueuedQuestion]] = {}
    for question in questions:
        servers.setdefault(question.guild_id, []).append(question)
    groups = [group for members in servers.values() for group in group_questions(members, retriever, terms=terms)]
    groups.sort(key=lambda group: (-group.total_count, group.representative.id))
    return groups


async def resolve_question(
    store: Store, knowledge: KnowledgeBase, question_id: int, entry_name: str, *, scope: Scope | None
) -> Resolution:
    """Mark a queued question answered by the entry named by id or title; suggest the closest ids when none is."""
    lookup = knowledge.find(entry_name)
    if lookup.entry is None:
        return Resolution(None, lookup.closest)
    found = await store.resolve(question_id, lookup.entry.id, scope=scope)
    return Resolution(lookup.entry, question_found=found)


async def promotion_for(
    store: Store, knowledge: KnowledgeBase, retriever: TfidfRetriever, question_id: int, *, scope: Scope | None
) -> str | None:
    """A ready-to-paste knowledge entry for a queued question and the open questions of its server grouped with it."""
    question = await store.question(question_id, scope=scope)
    if question is None:
        return None
    same_server = Scope.of(question.guild_id)
    others = [q for q in await store.questions(scope=same_server, status="open") if q.id != question.id]
    groups = await asyncio.to_thread(group_questions, [*others, question], retriever)
    group = next(g for g in groups if any(q.id == question.id for q in g.members))
    return promotion_yaml(QuestionGroup(question, group.members), knowledge)
