"""The answer path shared by the CLI and Discord: small talk, retrieval, the gate, and logging what it can't answer."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core import replies
from bot.core.gate import ConfidenceGate, Hit, Status, Verdict
from bot.core.knowledge import Entry, KnowledgeBase, Phrasing, load_knowledge
from bot.core.retriever import SynonymError, TfidfRetriever
from bot.core.roles import RoleIndex, RoleSearch, check_configured_roles, with_role_aliases
from bot.core.text import question_text
from bot.errors import KnowledgeError
from bot.folding import name_key, question_key
from bot.store import Ask, Learned, Origin, Scope, Store, VoteOutcome

log = logging.getLogger(__name__)

SEARCH_DEPTH = 8
# What reaches the editors' queue from Discord: "I don't know" and the unsure replies (a "did you mean", a partial
# answer), marked unsure. The command line (an editor trying questions out) queues only what was not known.
QUEUED = frozenset({Status.UNKNOWN, Status.PARTIAL, Status.SUGGEST})
QUEUED_NOT_KNOWN = frozenset({Status.UNKNOWN, Status.PARTIAL})
UNSURE = frozenset({Status.PARTIAL, Status.SUGGEST})

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
        named = knowledge.files_with_synonym(error.term) if isinstance(error, SynonymError) else ()
        files = ", ".join(str(path) for path in named or knowledge.files) or "the knowledge"
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


# How often a running bot reads the learned phrasings (follow_teaching) to take up what other processes sharing its
# database taught, moved or forgot: other shards' bots and the command line.
TEACHING_CHECK_SECONDS = 15.0


class LoopLock:
    """An asyncio.Lock of the running event loop, made anew for a new loop (a lock is bound to one; tests run many)."""

    def __init__(self) -> None:
        self._held: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    def __call__(self) -> asyncio.Lock:
        """The running loop's lock."""
        loop = asyncio.get_running_loop()
        if self._held is None or self._held[0] is not loop:
            self._held = (loop, asyncio.Lock())
        return self._held[1]


@dataclass(frozen=True)
class Indexes:
    """The knowledge with the phrasings taught everywhere and its indexes, plus one role index per teaching server."""

    knowledge: KnowledgeBase
    retriever: TfidfRetriever
    role_index: RoleIndex
    servers: dict[int, RoleIndex]
    taught: dict[int, dict[str, str]]  # per server (0: everywhere), each folded learned question -> its entry id
    learned: int = hash(())  # learned_key of the phrasings fitted in


def learned_key(learned: Sequence[Learned]) -> int:
    """Which learned phrasings (by id, server and entry) an index set was fitted with, to see when they changed."""
    return hash(tuple((item.id, item.guild_id, item.entry_id) for item in learned))


def fit_indexes(base: KnowledgeBase, learned: list[Learned]) -> Indexes:
    """Fit the global index set (files + phrasings taught everywhere) and one per server that taught any.

    A server's set holds the global phrasings and its own only, so no server's teaching reaches another's answers.
    """
    everywhere = [Phrasing(item.entry_id, item.text) for item in learned if item.guild_id is None]
    knowledge = base.with_phrasings(everywhere)
    retriever = fit_retriever(knowledge)
    servers: dict[int, RoleIndex] = {}
    for guild_id in dict.fromkeys(item.guild_id for item in learned if item.guild_id is not None):
        own = [Phrasing(item.entry_id, item.text, guild_id) for item in learned if item.guild_id == guild_id]
        server_knowledge = knowledge.with_phrasings(own)
        servers[guild_id] = RoleIndex.fit(server_knowledge, fit_retriever(server_knowledge))
    taught: dict[int, dict[str, str]] = {}
    for item in learned:
        if item.entry_id in knowledge.by_id:
            taught.setdefault(item.guild_id or 0, {})[question_key(item.text)] = item.entry_id
    return Indexes(knowledge, retriever, RoleIndex.fit(knowledge, retriever), servers, taught, learned_key(learned))


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
        self.base_knowledge = knowledge  # the knowledge files alone, without learned phrasings
        self.retriever = retriever
        self.role_index = role_index or RoleIndex.fit(knowledge, retriever)
        self.servers: dict[int, RoleIndex] = {}  # the index of each server that taught phrasings of its own
        self.taught: dict[int, dict[str, str]] = {}  # the learned questions themselves, per server (0: everywhere)
        self._learned = learned_key(())  # the learned phrasings the live indexes hold
        self.gate = gate
        self.store = store
        self._turns = LoopLock()  # questions judged one per loop turn
        # One refit at a time (learn, reload): each reads the phrasings and files after the one before it applied, so
        # a slow fit of older phrasings or older files never replaces a newer one.
        self._refits = LoopLock()
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
        self.base_knowledge, self.servers, self.taught = knowledge, {}, {}
        self._learned = learned_key(())
        self.queue_terms = {}

    def _apply(self, indexes: Indexes) -> None:
        """Swap in a fitted index set (under the refit lock)."""
        self.knowledge, self.retriever, self.role_index = indexes.knowledge, indexes.retriever, indexes.role_index
        self.servers, self.taught, self._learned = indexes.servers, indexes.taught, indexes.learned
        self.queue_terms = {}

    async def learn(self, store: Store | None = None) -> int:
        """Re-fit the indexes with every learned phrasing, off the event loop; the old ones answer meanwhile.

        `store` is where to read them when it is not the answerer's own (a read-only database on the command line).
        Nothing is fitted when the live indexes already hold exactly these phrasings. Returns how many they hold.
        """
        store = store or self.store
        if store is None:
            return 0
        async with self._refits():
            learned = await store.learned()
            if learned_key(learned) == self._learned:
                return len(learned)  # nothing taught or forgotten since: the live indexes are right
            indexes = await asyncio.to_thread(fit_indexes, self.base_knowledge, learned)
            self._apply(indexes)
        settle_long_lived_objects()
        log.info("indexes re-fitted with %d learned phrasing(s), %d server(s)", len(learned), len(indexes.servers))
        return len(learned)

    async def follow_teaching(self) -> bool:
        """Re-fit when the database's learned phrasings are not those the live indexes hold; whether it did.

        Another process sharing the database (a shard, a command-line resolve or removal) changes them without
        telling this one: called now and then, this is how its teaching reaches this process's answers.
        """
        if self.store is None:
            return False
        if learned_key(await self.store.learned()) == self._learned:
            return False
        await self.learn()  # reads them again under the refit lock: a read from before a local resolve never wins
        return True

    def index_for(self, guild_id: int | None) -> RoleIndex:
        """The role index a server's questions are judged with: its own when it taught any, else the global one."""
        return self.servers.get(guild_id, self.role_index) if guild_id else self.role_index

    def search(
        self,
        question: str,
        *,
        roles: Collection[str] | None = None,
        role: str | None = None,
        k: int = SEARCH_DEPTH,
        guild_id: int | None = None,
    ) -> RoleSearch:
        """Search the roles the question is for: `role` if chosen, else the roles it names, else `roles` (None: all)."""
        return self.index_for(guild_id).search(question, k, roles=roles, role=role)

    def judge(
        self,
        question: str,
        *,
        roles: Collection[str] | None = None,
        role: str | None = None,
        guild_id: int | None = None,
    ) -> Answer:
        """Decide what to do with a question, without side effects.

        `roles` are the roles the asking server covers (None: all), used when the question names none; `role` is
        the one a member chose, which wins over both. `guild_id` is the asking server (None: a DM or the command
        line), whose own learned phrasings count. Text without a letter or digit (punctuation, emoji, control
        characters), or with nothing but chat markup (mentions, @everyone), is not a question: it gets a short reply
        and, having no verdict, is neither counted nor queued.
        """
        if not question_key(question_text(question)):  # "@everyone" alone has letters, but no words of a question
            return Answer(question, Status.SMALLTALK, reply=replies.NO_WORDS)
        covered = {name_key(name) for name in roles or ()}
        greeted = tuple(known for known in self.knowledge.roles if name_key(known) in covered) or self.knowledge.roles
        reply = smalltalk_reply(question, greeted)
        if reply is not None:
            return Answer(question, Status.SMALLTALK, reply=reply)
        taught = self.taught_entry(question, guild_id, roles=roles, role=role)
        if taught is not None:  # editors said in so many words which entry answers this very question
            return Answer(question, Status.ANSWERED, Verdict(Status.ANSWERED, Hit(taught, 1.0), (), 1.0))
        judged = RoleIndex.judge(self.gate, self.search(question, roles=roles, role=role, guild_id=guild_id))
        return Answer(question, judged.verdict.status, judged.verdict, across_roles=judged.across_roles)

    def taught_entry(
        self,
        question: str,
        guild_id: int | None,
        *,
        roles: Collection[str] | None = None,
        role: str | None = None,
    ) -> Entry | None:
        """The entry editors resolved this very question to (in this server, or everywhere), if its role is asked."""
        key = question_key(question)
        entry_id = self.taught.get(guild_id or 0, {}).get(key) or self.taught.get(0, {}).get(key)
        entry = self.knowledge.get(entry_id) if entry_id else None
        if entry is None:
            return None
        wanted = [role] if role is not None else roles
        if wanted is not None and name_key(entry.role) not in {name_key(name) for name in wanted}:
            return None
        return entry

    async def judge_in_turn(
        self,
        question: str,
        *,
        roles: Collection[str] | None = None,
        role: str | None = None,
        guild_id: int | None = None,
    ) -> Answer:
        """Judge a question on the event loop, one question per loop turn, so that a burst never starves it.

        Questions take turns (first come, first served) and each gives the loop back before the next one starts:
        however many messages arrive at once, the loop is never busy with more than one question at a time, and
        heartbeats and other events run in between.
        """
        async with self._turns():
            answer = self.judge(question, roles=roles, role=role, guild_id=guild_id)
            await asyncio.sleep(0)
        return answer

    async def record(
        self,
        answer: Answer,
        origin: Origin,
        *,
        queue: frozenset[Status] = QUEUED_NOT_KNOWN,
        message_id: int | None = None,
    ) -> Answer:
        """Count a judged question, and queue it for the editors when its status is in `queue` (unsure ones marked).

        With `message_id`, the message that carries an answer or suggestions is remembered too, so that votes and
        buttons on it know the question. `origin.user_id` (Discord) is who asked, to tell them once it is resolved.
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
                unsure=answer.status in UNSURE,
            )
        )
        if question_id is None:
            return answer
        log.info("queued %s question #%d (best score %.3f)", answer.status.value, question_id, answer.score)
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

    async def reload(self, path: Path, guild_roles: Mapping[int, Sequence[str]] | None = None) -> KnowledgeBase:
        """Load and index the knowledge and learned phrasings again, off the event loop; on error the old stays.

        `guild_roles` are the roles servers are configured to cover: knowledge without one of them is refused, as at
        start-up, since that server would otherwise answer nothing.
        """
        async with self._refits():
            learned = await self.store.learned() if self.store is not None else []
            base, indexes = await asyncio.to_thread(_load_and_fit, path, learned)
            check_configured_roles(base, guild_roles or {})
            self.base_knowledge = base
            self._apply(indexes)
        settle_long_lived_objects()
        log.info("reloaded %d entries from %s", len(base.entries), path)
        return base

    async def recheck_open_questions(
        self,
        scope: Scope | None,
        roles_for: Callable[[int | None], Collection[str] | None] | None = None,
        taught_in: Callable[[int | None], int | None] | None = None,
    ) -> list[tuple[int, str]]:
        """Mark the open unanswered questions of a scope that the knowledge now answers; return (question, entry).

        Each question is judged as its server's members are answered: `roles_for(guild_id)` gives the roles that
        server covers (None: all), so a reload never answers from a role the asker's server does not cover, and
        `taught_in(guild_id)` the server whose taught phrasings count (a DM question: the home server's).
        """
        if self.store is None:
            return []
        resolved = []
        for question in await self.store.questions(scope=scope, status="open"):
            if question.kind != "unanswered":
                continue
            roles = roles_for(question.guild_id) if roles_for is not None else None
            taught = taught_in(question.guild_id) if taught_in is not None else question.guild_id
            verdict = (await self.judge_in_turn(question.text, roles=roles, guild_id=taught)).verdict
            if (
                verdict is not None
                and verdict.answer is not None
                and verdict.answer.entry.id != question.rejected_entry_id
            ):
                await self.store.resolve(question.id, verdict.answer.entry.id, scope=scope)
                resolved.append((question.id, verdict.answer.entry.id))
        return resolved


def _load_and_fit(path: Path, learned: list[Learned]) -> tuple[KnowledgeBase, Indexes]:
    base = load_knowledge(path)
    return base, fit_indexes(base, learned)
