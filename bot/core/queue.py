"""The editors' workflow, one for the CLI and Discord: the grouped queue, resolving by entry name, dismissing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.core.grouping import QuestionGroup, group_questions
from bot.core.knowledge import Entry, KnowledgeBase
from bot.core.promotion import promotion_yaml
from bot.core.retriever import TfidfRetriever
from bot.store import Store


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
    status: str | None = "open",
    sort: str = "count",
    since: timedelta | None = None,
) -> list[QuestionGroup]:
    """Queued questions as editors see them: open ones grouped with their rephrasings, in the order asked for."""
    questions = await store.questions(status=status, sort=sort, since=since)
    if status != "open":
        return [QuestionGroup(question, (question,)) for question in questions]
    groups = group_questions(questions, retriever)
    if sort == "recent":
        groups.sort(key=lambda group: max(question.last_asked_at for question in group.members), reverse=True)
    return groups


async def resolve_question(store: Store, knowledge: KnowledgeBase, question_id: int, entry_name: str) -> Resolution:
    """Mark a queued question answered by the entry named by id or title; suggest the closest ids when none is."""
    lookup = knowledge.find(entry_name)
    if lookup.entry is None:
        return Resolution(None, lookup.closest)
    return Resolution(lookup.entry, question_found=await store.resolve(question_id, lookup.entry.id))


async def promotion_for(
    store: Store, knowledge: KnowledgeBase, retriever: TfidfRetriever, question_id: int
) -> str | None:
    """A ready-to-paste knowledge entry for a queued question and the open questions grouped with it."""
    question = await store.question(question_id)
    if question is None:
        return None
    others = [q for q in await store.questions(status="open") if q.id != question.id]
    groups = group_questions([*others, question], retriever)
    group = next(g for g in groups if any(q.id == question.id for q in g.members))
    return promotion_yaml(QuestionGroup(question, group.members), knowledge)
