"""The answer path shared by the CLI and Discord: small talk, retrieval, the gate, and logging what it can't answer."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.knowledge import KnowledgeBase
from bot.retrieval import ConfidenceGate, Status, TfidfRetriever, Verdict
from bot.storage import Origin, Store

log = logging.getLogger(__name__)

SEARCH_DEPTH = 8

_GREETING = re.compile(
    r"^(?:hi+|hey+|hello+|hiya|howdy|yo|sup|what'?s up|good (?:morning|afternoon|evening)|gm|greetings)"
    r"(?: there| all| everyone| folks| bot| faqbot)?$"
)
_THANKS = re.compile(
    r"^(?:(?:thanks?|thank you|thx|ty|tysm|cheers|much appreciated|appreciate it)"
    r"(?: (?:so|very) much| a lot| a bunch| again| bot| faqbot| mate| man)*|great|perfect|awesome|cool|nice|ok(?:ay)?)$"
)
_FAREWELL = re.compile(r"^(?:bye|goodbye|see (?:ya|you)|cya|later|good night|gn)(?: bot| faqbot)?$")


def smalltalk_reply(question: str) -> str | None:
    """A short friendly reply to a greeting, thanks or goodbye, or None when the text is a real question."""
    text = " ".join(re.sub(r"[^\w\s']", " ", question.casefold()).split())
    if _GREETING.match(text):
        return "Hi! Ask me anything about the Cloud Technical Lead role: duties, skills, certifications, career."
    if _THANKS.match(text):
        return "You're welcome! Ask again any time."
    if _FAREWELL.match(text):
        return "Bye! Come back with more questions any time."
    return None


@dataclass(frozen=True)
class Answer:
    """What the bot makes of one question: the gate's verdict, or a small-talk reply."""

    question: str
    status: Status
    verdict: Verdict | None = None
    reply: str | None = None
    logged_question_id: int | None = None

    @property
    def score(self) -> float:
        """The best match's score (0 for small talk)."""
        return self.verdict.score if self.verdict else 0.0


class Answerer:
    """Holds the live knowledge and retriever (swappable on reload) and answers questions with them."""

    def __init__(
        self, knowledge: KnowledgeBase, retriever: TfidfRetriever, gate: ConfidenceGate, store: Store | None
    ) -> None:
        self.knowledge = knowledge
        self.retriever = retriever
        self.gate = gate
        self.store = store

    @classmethod
    def build(cls, knowledge: KnowledgeBase, gate: ConfidenceGate, store: Store | None) -> Answerer:
        """Fit a retriever on the knowledge and pair it with the configured gate."""
        return cls(knowledge, TfidfRetriever().fit(knowledge), gate, store)

    def replace_knowledge(self, knowledge: KnowledgeBase, retriever: TfidfRetriever) -> None:
        """Swap in freshly loaded knowledge and its fitted retriever, in one step."""
        self.knowledge, self.retriever = knowledge, retriever

    def judge(self, question: str) -> Answer:
        """Decide what to do with a question, without side effects."""
        reply = smalltalk_reply(question)
        if reply is not None:
            return Answer(question, Status.SMALLTALK, reply=reply)
        verdict = self.gate.judge(self.retriever.search(question, k=SEARCH_DEPTH))
        return Answer(question, verdict.status, verdict)

    async def answer(self, question: str, origin: Origin, *, log_unanswered: bool = True) -> Answer:
        """Judge a question, count it, and log it for the editors when the bot cannot answer it."""
        answer = self.judge(question)
        if answer.verdict is None or self.store is None or not question.strip():
            return answer
        best = answer.verdict.best
        await self.store.record_ask(answer.status.value, best.entry.id if answer.verdict.answer else None, origin)
        if answer.status is not Status.UNKNOWN or not log_unanswered:
            return answer
        question_id = await self.store.log_unanswered(
            question,
            origin,
            best_score=answer.verdict.score if best else None,
            best_entry_id=best.entry.id if best else None,
        )
        log.info("logged unanswered question #%d (best score %.3f)", question_id, answer.score)
        return Answer(answer.question, answer.status, answer.verdict, logged_question_id=question_id)
