"""The answer path shared by the CLI and Discord: small talk, retrieval, the gate, and logging what it can't answer."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core import replies
from bot.core.gate import ConfidenceGate, Status, Verdict
from bot.core.knowledge import KnowledgeBase, load_knowledge
from bot.core.retriever import TfidfRetriever
from bot.core.roles import RoleIndex, RoleSearch, with_role_aliases
from bot.errors import KnowledgeError
from bot.folding import name_key, question_key
from bot.store import Ask, Origin, Scope, Store, VoteOutcome

log = logging.getLogger(__name__)

SEARCH_DEPTH = 8

_GREETING = re.compile(
    r"^(?:hi+|hey+|hello+|hiya|howdy|yo|sup|what ?s up|good (?:morning|afternoon|evening)|gm|greetings)"
    r"(?: there| all| everyone| folks| bot| faqbot)?$"
)
_THANKS = re.compile(
    r"^(?:(?:thanks?|thank you|thx|ty|tysm|cheers|much appreciated|appreciate it)"
    r"(?: (?:so|very) much| a lot| a bunch| again| bot| faqbot| mate| man)*|great|perfect|awesome|cool|nice|ok(?:ay)?)$"
)
_FAREWELL = re.compile(r"^(?:bye|goodbye|see (?:ya|you)|cya|later|good night|gn|quit|exit)(?: bot| faqbot)?$")


_QUESTION_START = re.compile(
    r"^(?:what|whats|what's|how|why|when|where|who|whom|whose|which|is|are|am|do|does|did|can|could|should|"
    r"would|will|shall|may|might|must|any|anyone|anybody|has|have|had|was|were|isn't|aren't|don't|doesn't)\b"
)


def looks_like_question(text: str) -> bool:
    """Whether a chat message reads as a question (a '?' or a question word first), for answer channels."""
    stripped = text.strip()
    return "?" in stripped or bool(_QUESTION_START.match(stripped.casefold()))


def smalltalk_reply(question: str, roles: tuple[str, ...]) -> str | None:
    """A short friendly reply to a greeting, thanks or goodbye, or None when the text is a real question."""
    text = question_key(question)
    if _GREETING.match(text):
        return replies.greeting(roles)
    if _THANKS.match(text):
        return replies.THANKS
    if _FAREWELL.match(text):
        return replies.FAREWELL
    return None


def fit_retriever(knowledge: KnowledgeBase) -> TfidfRetriever:
    """Index the knowledge; knowledge that cannot be indexed (only stop words, say) is the editor's to fix."""
    try:
        return TfidfRetriever().fit(with_role_aliases(knowledge))  # "SRE" reads as "site reliability engineer"
    except ValueError as error:
        files = ", ".join(str(path) for path in knowledge.files) or "the knowledge"
        raise KnowledgeError(f"{files}: cannot be indexed: {error}") from None


def settle_long_lived_objects() -> None:
    """Take what is alive now (the knowledge and its index) out of the garbage collector's rounds.

    They are hundreds of thousands of objects that live as long as the process; left in, every full collection walks
    them all and holds the event loop for about 10 ms in the middle of answering. Call after start-up and after a
    reload: what was frozen before is unfrozen first, so old knowledge that is gone can still be collected.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@dataclass(frozen=True)
class Answer:
    """What the bot makes of one question: the gate's verdict, or a small-talk reply."""

    question: str
    status: Status
    verdict: Verdict | None = None
    reply: str | None = None
    logged_question_id: int | None = None
    across_roles: bool = False  # the best answers are for different roles: the suggestions ask which one

    @property
    def score(self) -> float:
        """The best match's score (0 for small talk)."""
        return self.verdict.score if self.verdict else 0.0


class Answerer:
    """Holds the live knowledge and retriever (swappable on reload) and answers questions with them."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        retriever: TfidfRetriever,
        gate: ConfidenceGate,
        store: Store | None,
        role_index: RoleIndex | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.retriever = retriever
        self.role_index = role_index or RoleIndex.fit(knowledge, retriever)
        self.gate = gate
        self.store = store
        self._turns: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None
        # The editors' queue as the current retriever reads it (question text -> terms): grouping it again is cheap.
        self.queue_terms: dict[str, list[str]] = {}

    @classmethod
    def build(cls, knowledge: KnowledgeBase, gate: ConfidenceGate, store: Store | None) -> Answerer:
        """Fit a retriever on the knowledge and pair it with the configured gate."""
        return cls(knowledge, fit_retriever(knowledge), gate, store)

    def replace_knowledge(
        self, knowledge: KnowledgeBase, retriever: TfidfRetriever, role_index: RoleIndex | None = None
    ) -> None:
        """Swap in freshly loaded knowledge, its fitted retriever and its roles' indexes, in one step."""
        role_index = role_index or RoleIndex.fit(knowledge, retriever)
        self.knowledge, self.retriever, self.role_index = knowledge, retriever, role_index
        self.queue_terms = {}

    def search(
        self, question: str, *, roles: Collection[str] | None = None, role: str | None = None, k: int = SEARCH_DEPTH
    ) -> RoleSearch:
        """Search the roles the question is for: `role` if chosen, else the roles it names, else `roles` (None: all)."""
        return self.role_index.search(question, k, roles=roles, role=role)

    def judge(self, question: str, *, roles: Collection[str] | None = None, role: str | None = None) -> Answer:
        """Decide what to do with a question, without side effects.

        `roles` are the roles the asking server covers (None: all), used when the question names none; `role` is
        the one a member chose, which wins over both. Text without a letter or digit (punctuation, emoji, control
        characters) is not a question: it gets a short reply and, having no verdict, is neither counted nor queued.
        """
        if not question_key(question):
            return Answer(question, Status.SMALLTALK, reply=replies.NO_WORDS)
        covered = {name_key(name) for name in roles or ()}
        greeted = tuple(known for known in self.knowledge.roles if name_key(known) in covered) or self.knowledge.roles
        reply = smalltalk_reply(question, greeted)
        if reply is not None:
            return Answer(question, Status.SMALLTALK, reply=reply)
        judged = RoleIndex.judge(self.gate, self.search(question, roles=roles, role=role))
        return Answer(question, judged.verdict.status, judged.verdict, across_roles=judged.across_roles)

    async def judge_in_turn(
        self, question: str, *, roles: Collection[str] | None = None, role: str | None = None
    ) -> Answer:
        """Judge a question on the event loop, one question per loop turn, so that a burst never starves it.

        Questions take turns (first come, first served) and each gives the loop back before the next one starts:
        however many messages arrive at once, the loop is never busy with more than one question at a time, and
        heartbeats and other events run in between.
        """
        async with self._turn():
            answer = self.judge(question, roles=roles, role=role)
            await asyncio.sleep(0)
        return answer

    def _turn(self) -> asyncio.Lock:
        """The lock that orders questions on the running loop (a new one for a new loop: tests run several)."""
        loop = asyncio.get_running_loop()
        if self._turns is None or self._turns[0] is not loop:
            self._turns = (loop, asyncio.Lock())
        return self._turns[1]

    async def record(
        self,
        answer: Answer,
        origin: Origin,
        *,
        queue: frozenset[Status] = frozenset({Status.UNKNOWN, Status.PARTIAL}),
        message_id: int | None = None,
    ) -> Answer:
        """Count a judged question, and queue it for the editors when its status is in `queue`.

        With `message_id`, the message that carries an answer or suggestions is remembered too, so that votes and
        buttons on it know the question.
        """
        verdict = answer.verdict
        if verdict is None or self.store is None:
            return answer
        best = verdict.best
        answer_id = verdict.answer.entry.id if verdict.answer else None
        carries_reply = message_id is not None and answer.status in (Status.ANSWERED, Status.SUGGEST, Status.PARTIAL)
        question_id = await self.store.record_ask(
            Ask(
                question=answer.question,
                status=answer.status.value,
                entry_id=answer_id,
                origin=origin,
                reply_message_id=message_id if carries_reply else None,
                queue=answer.status in queue,
                best_score=verdict.score if best else None,
                best_entry_id=best.entry.id if best else None,
            )
        )
        if question_id is None:
            return answer
        log.info("queued unanswered question #%d (best score %.3f)", question_id, answer.score)
        return replace(answer, logged_question_id=question_id)

    async def record_post(self, message_id: int, question: str, entry_id: str, origin: Origin) -> None:
        """Remember an entry posted on request (by a mentor or a "did you mean" choice), so votes on it count."""
        if self.store is not None:
            await self.store.record_answer_post(message_id, question, entry_id, origin)

    async def posted_question(self, message_id: int) -> str | None:
        """The question behind a message in which the bot posted an answer or suggestions, if it recorded one."""
        if self.store is None:
            return None
        post = await self.store.answer_post(message_id)
        return post.question if post else None

    async def record_vote(self, message_id: int, entry_id: str, user_id: int, vote: int, origin: Origin) -> VoteOutcome:
        """Store a member's vote on a posted answer; a 👎 queues the question behind it for the editors."""
        if self.store is None:
            raise RuntimeError("votes need a store")
        return await self.store.record_vote(
            message_id=message_id,
            entry_id=entry_id,
            question=await self.posted_question(message_id) or "",
            user_id=user_id,
            vote=vote,
            origin=origin,
        )

    async def answer(self, question: str, origin: Origin, *, role: str | None = None) -> Answer:
        """Judge a question (for the chosen `role`, if any), count it, and queue it when the bot cannot answer it."""
        return await self.record(await self.judge_in_turn(question, role=role), origin)

    async def reload(self, path: Path) -> KnowledgeBase:
        """Load and index the knowledge again, off the event loop; on any error the old knowledge stays live."""
        knowledge, retriever, role_index = await asyncio.to_thread(_load_and_fit, path)
        self.replace_knowledge(knowledge, retriever, role_index)
        settle_long_lived_objects()
        log.info("reloaded %d entries from %s", len(knowledge.entries), path)
        return knowledge

    async def recheck_open_questions(self, scope: Scope | None) -> list[tuple[int, str]]:
        """Mark the open unanswered questions of a scope that the knowledge now answers; return (question, entry)."""
        if self.store is None:
            return []
        resolved = []
        for question in await self.store.questions(scope=scope, status="open"):
            if question.kind != "unanswered":
                continue
            verdict = (await self.judge_in_turn(question.text)).verdict
            if verdict is not None and verdict.answer is not None:
                await self.store.resolve(question.id, verdict.answer.entry.id, scope=scope)
                resolved.append((question.id, verdict.answer.entry.id))
        return resolved


def _load_and_fit(path: Path) -> tuple[KnowledgeBase, TfidfRetriever, RoleIndex]:
    knowledge = load_knowledge(path)
    retriever = fit_retriever(knowledge)
    return knowledge, retriever, RoleIndex.fit(knowledge, retriever)
