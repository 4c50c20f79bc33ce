"""The editors' workflow, one for the CLI and Discord: the grouped queue, resolving by entry name, dismissing.

Every function takes the scope the editor may see and change (one server, the DMs for the home server; None on the
command line: every server); a question outside it is treated as if it did not exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, MutableMapping
from dataclasses import dataclass
from datetime import timedelta

from bot.core import replies
from bot.core.answering import SEARCH_DEPTH, Answerer
from bot.core.gate import ConfidenceGate
from bot.core.grouping import QuestionGroup, group_questions
from bot.core.knowledge import Entry, KnowledgeBase
from bot.core.promotion import plausible_entry, promotion_yaml
from bot.core.retriever import TfidfRetriever
from bot.core.roles import RoleIndex
from bot.folding import question_key, visible_words
from bot.store import Dismissal, Proposal, QueuedQuestion, Scope, Store

CANDIDATES = 5  # the entries the editors' select menu offers for a queued question
MAX_REASON = 200  # a dismissal's reason, as the editors' list shows it


def dismissal_reason(text: str) -> str:
    """A dismissal's reason as stored: its visible words (no invisible marks or terminal codes), at most MAX_REASON."""
    return visible_words(text)[:MAX_REASON].rstrip()


@dataclass(frozen=True)
class Resolution:
    """What resolving a queued question to a named entry did: the entry and what was learned, or what went wrong."""

    entry: Entry | None
    closest: tuple[str, ...] = ()
    question_found: bool = True
    resolved: tuple[int, ...] = ()
    learned: tuple[str, ...] = ()
    refused: tuple[tuple[str, str], ...] = ()
    moved: tuple[tuple[str, str], ...] = ()
    removable: tuple[tuple[str, int], ...] = ()
    # Set when the entry's role is not one the question is answered from: those roles (nothing was resolved).
    answered_from: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        """Whether the question is now marked answered."""
        return self.entry is not None and self.question_found and bool(self.resolved)

    @property
    def taught(self) -> bool:
        """Whether the learned phrasings changed (new ones, or the question's own moved here): the index relearns."""
        return bool(self.learned or self.moved)

    def summary(self, question_id: int, quote: Callable[[str], str] = '"{}"'.format, mark: str = "`") -> str:
        """One line for the editor: what was marked answered and learned, or why nothing was.

        `quote` shows a member's text safely (Discord escapes it), `mark` sets an entry id apart.
        """
        if self.entry is None:
            return f"no entry {question_id}"
        if not self.question_found:
            return f"There is no question #{question_id}."
        if self.answered_from:
            return (
                f"#{question_id} was not resolved: {mark}{self.entry.id}{mark} is a {self.entry.role} entry, and the "
                f"question is answered from {', '.join(self.answered_from)}; pick one of its entries."
            )
        learned_ids = dict(self.removable)
        refusals = "; ".join(
            f"{quote(text)} already belongs to {mark}{owner}{mark} "
            + (f"(learned phrasing {learned_ids[text]})" if text in learned_ids else "(a question of it in the files)")
            for text, owner in self.refused
        )
        if not self.resolved:
            return f"#{question_id} was not resolved: {refusals}. {replies.REMOVE_PHRASING_FIRST}"
        others = len(self.resolved) - 1
        line = f"#{question_id} is marked answered by {mark}{self.entry.id}{mark}"
        line += f" with {others} grouped question(s)" if others else ""
        line += f"; learned {len(self.learned)} phrasing(s)"
        if self.moved:
            earlier = ", ".join(dict.fromkeys(f"{mark}{entry_id}{mark}" for _, entry_id in self.moved))
            line += f"; moved {len(self.moved)} phrasing(s) here from {earlier}"
        return line + (f"; left open: {refusals}." if refusals else ".")


@dataclass(frozen=True)
class Promotion:
    """A queued question's group and the YAML that promotes it to a new entry."""

    group: QuestionGroup
    yaml: str


@dataclass(frozen=True)
class DismissOutcome:
    """What dismissing a queued question did: the questions dismissed (it and its group), or why none was."""

    question_found: bool
    dismissed: tuple[int, ...] = ()
    answered_by: str | None = None

    @property
    def done(self) -> bool:
        """Whether the question is now dismissed."""
        return bool(self.dismissed)

    def summary(self, question_id: int, mark: str = "`") -> str:
        """One line for the editor: which questions were dismissed (the whole group or this one alone), or why not."""
        if not self.question_found:
            return f"There is no question #{question_id}."
        if self.answered_by is not None:
            return (
                f"#{question_id} is already answered by {mark}{self.answered_by}{mark}: it keeps its answer and was "
                "not dismissed."
            )
        others = [f"#{other}" for other in self.dismissed if other != question_id]
        if others:
            return (
                f"#{question_id} is dismissed with the {len(others)} question(s) grouped with it ({', '.join(others)})."
            )
        return f"#{question_id} is dismissed (only this question: no open question is grouped with it)."


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


def roles_answering(
    index: RoleIndex, knowledge: KnowledgeBase, roles_for: Callable[[int | None], Collection[str] | None]
) -> Callable[[QueuedQuestion], tuple[str, ...]]:
    """For `resolve_question`: the roles a queued question is answered from.

    Those its text names, else its server's; and the role of the best entry the bot found for it, which was among
    the roles searched (so a question asked with `/ask role:` counts its chosen role, which the queue does not keep).
    """

    def roles(question: QueuedQuestion) -> tuple[str, ...]:
        found = knowledge.get(question.best_entry_id) if question.best_entry_id else None
        searched = index.answered_from(question.text, roles_for(question.guild_id))
        return searched if found is None or found.role in searched else (*searched, found.role)

    return roles


async def resolve_question(
    store: Store,
    knowledge: KnowledgeBase,
    question_id: int,
    entry_name: str,
    *,
    scope: Scope | None,
    retriever: TfidfRetriever | None = None,
    guild_id: int | None = None,
    user_id: int | None = None,
    answered_from: Callable[[QueuedQuestion], Collection[str]] | None = None,
) -> Resolution:
    """Resolve a queued question (and, given `retriever`, its group) to the entry named by id or title, and teach.

    Its text and its group's become learned phrasings of the entry, for the server `guild_id` taught from (None:
    the command line, everywhere). A text that is another entry's question is refused, except the question's own
    phrasing from an earlier resolve there, which moves to this entry. The closest ids are suggested when no entry
    has that name. `answered_from` gives the roles a queued question is answered from: an entry of another role is
    refused, since the phrasing would never be asked of it (the asker would be told of an answer the next member
    does not get).
    """
    lookup = knowledge.find(entry_name)
    if lookup.entry is None:
        return Resolution(None, lookup.closest)
    entry = lookup.entry
    question = await store.question(question_id, scope=scope)
    if question is None:
        return Resolution(entry, question_found=False)
    if answered_from is not None:
        roles = tuple(answered_from(question))
        if entry.role not in roles:
            return Resolution(entry, answered_from=roles)
    grouped: tuple[tuple[int, str], ...] = ()
    if retriever is not None and question.status == "open":
        group = await _group_of(store, retriever, question)
        grouped = tuple(
            (member.id, member.text)
            for member in group
            if member.id != question.id and (answered_from is None or entry.role in answered_from(member))
        )
    taken = {
        question_key(text): other.id for other in knowledge.entries if other.id != entry.id for text in other.questions
    }
    known = {question_key(text) for text in (entry.title, *entry.questions)}
    teaching = await store.teach(
        question_id, entry.id, grouped, scope=scope, guild_id=guild_id, user_id=user_id, taken=taken, known=known
    )
    if teaching is None:
        return Resolution(entry, question_found=False)
    await store.settle_proposals(teaching.resolved, entry.id)
    return Resolution(
        entry,
        resolved=teaching.resolved,
        learned=teaching.learned,
        refused=teaching.refused,
        moved=teaching.moved,
        removable=teaching.removable,
    )


async def _group_of(store: Store, retriever: TfidfRetriever, question: QueuedQuestion) -> tuple[QueuedQuestion, ...]:
    """The open questions of the question's server grouped with it (itself included)."""
    same_server = Scope.of(question.guild_id)
    others = [q for q in await store.questions(scope=same_server, status="open") if q.id != question.id]
    groups = await asyncio.to_thread(group_questions, [*others, question], retriever)
    return next(g.members for g in groups if any(q.id == question.id for q in g.members))


async def promotion_for(
    store: Store,
    knowledge: KnowledgeBase,
    retriever: TfidfRetriever,
    question_id: int,
    *,
    scope: Scope | None,
    gate: ConfidenceGate,
    index: RoleIndex,
    roles_for: Callable[[int | None], Collection[str] | None],
) -> Promotion | None:
    """A new knowledge entry for a queued question and the open questions of its server grouped with it.

    The closest existing entry is offered as the alternative only when the gate would offer it as a "did you mean"
    in the question's server (`roles_for(guild_id)`: the roles it is answered from), and never when it is the very
    answer the member turned down with 👎.
    """
    question = await store.question(question_id, scope=scope)
    if question is None:
        return None
    group = QuestionGroup(question, await _group_of(store, retriever, question))
    closest = plausible_entry(index.search(question.text, SEARCH_DEPTH, roles=roles_for(question.guild_id)), gate)
    if closest is not None and closest.entry.id == question.rejected_entry_id:
        closest = None
    return Promotion(group, promotion_yaml(group, knowledge, closest))


async def dismiss_question(
    store: Store, retriever: TfidfRetriever, question_id: int, reason: str, *, scope: Scope | None
) -> DismissOutcome:
    """Dismiss a queued question and the open questions of its server grouped with it, as resolving does.

    A question already answered keeps its answer and nothing is dismissed; the outcome says so.
    """
    question = await store.question(question_id, scope=scope)
    if question is None:
        return DismissOutcome(question_found=False)
    grouped: tuple[int, ...] = ()
    if question.status == "open":
        grouped = tuple(member.id for member in await _group_of(store, retriever, question))
    dismissal: Dismissal | None = await store.dismiss_group(question_id, grouped, reason, scope=scope)
    if dismissal is None:
        return DismissOutcome(question_found=False)
    return DismissOutcome(True, dismissal.dismissed, dismissal.answered_by)


def entry_candidates(
    answerer: Answerer,
    question: QueuedQuestion,
    *,
    roles: Collection[str] | None = None,
    limit: int = CANDIDATES,
) -> tuple[Entry, ...]:
    """The likeliest entries for a queued question, best first, not the 👎'd entry.

    Searched as the question's server is answered: its learned phrasings, and `roles` (the roles it covers; None:
    all), so an editor is never offered an entry of a role their members are not answered from.
    """
    hits = answerer.search(question.text, roles=roles, k=limit + 1, guild_id=question.guild_id).hits
    entries = [hit.entry for hit in hits if hit.entry.id != question.rejected_entry_id]
    return tuple(entry for entry in entries if answerer.knowledge.get(entry.id) is not None)[:limit]


async def open_proposal(store: Store, proposal_id: int, *, scope: Scope | None) -> Proposal | None:
    """An open proposal in the scope, to confirm (resolve its question to its entry) or reject."""
    proposal = await store.proposal(proposal_id, scope=scope)
    return proposal if proposal is not None and proposal.status == "open" else None
