"""Several roles at once: which roles a question names, one index per role, and one verdict across roles.

Each role is searched in an index of its own (its entries, the shared synonyms and its own), so loading another
role changes nothing in how a role's questions are scored, and an answer never comes from a role that was not
asked about. Role names are found from the knowledge alone: a role's name, its abbreviation, and its synonyms.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.core.gate import ConfidenceGate, Hit, SearchResults, Status, Verdict
from bot.core.knowledge import KnowledgeBase
from bot.core.retriever import TfidfRetriever
from bot.core.speller import english_words
from bot.core.text import default_stop_words
from bot.errors import KnowledgeError
from bot.folding import fold, name_key

log = logging.getLogger(__name__)

MIN_ABBREVIATION = 3


def abbreviations(role: str, texts: Sequence[str], stop_words: Collection[str]) -> tuple[str, ...]:
    """Short names of a role: the initials of its content words, and "Role Name (ABBR)" as the page writes it.

    Initials shorter than three letters or that are an English word ("set"), and a stop word written so ("(IT)"),
    are left out: they would be read where members mean something else.
    """
    words = [word for word in re.findall(r"[a-z0-9]+", fold(role)) if word not in stop_words]
    found = []
    initials = "".join(word[0] for word in words)
    if len(words) > 1 and len(initials) >= MIN_ABBREVIATION and initials not in english_words():
        found.append(initials)
    written = re.compile(rf"{re.escape(fold(role))}s? \(([a-z][a-z0-9]{{1,9}})\)")
    for text in texts:
        found += written.findall(fold(text))
    return tuple(short for short in dict.fromkeys(found) if short not in stop_words)  # "(IT)" is not read as "it"


def with_role_aliases(knowledge: KnowledgeBase) -> KnowledgeBase:
    """The knowledge with synonyms that also read each role's abbreviations (and their plurals) as its name."""
    synonyms = dict(knowledge.synonyms)
    stop_words = default_stop_words()
    for role in knowledge.roles:
        texts = [entry.text for entry in knowledge.entries if entry.role == role]
        forms = [form for short in abbreviations(role, texts, stop_words) for form in (short, short + "s")]
        aliases = [form for form in forms if form not in stop_words]  # "its" is no plural of "it"
        taken = {variant for variants in synonyms.values() for variant in variants}
        aliases = [alias for alias in aliases if alias not in taken]  # an editor's own synonym for it wins
        if aliases:
            term = fold(role)
            synonyms[term] = tuple(dict.fromkeys((*synonyms.get(term, ()), *aliases)))
    return knowledge if synonyms == knowledge.synonyms else replace(knowledge, synonyms=synonyms)


@dataclass(frozen=True)
class RoleSearch:
    """What one question was searched in: the roles it names, the roles searched, and each role's results."""

    named: tuple[str, ...]
    roles: tuple[str, ...]
    results: tuple[SearchResults, ...]

    @property
    def hits(self) -> tuple[Hit, ...]:
        """Every searched role's hits as one ranking, best first (ties keep role order)."""
        merged = [(hit, index) for index, result in enumerate(self.results) for hit in result.hits]
        merged.sort(key=lambda pair: -pair[0].score)
        return tuple(hit for hit, _ in merged)


@dataclass(frozen=True)
class RoleVerdict:
    """The gate's verdict across the searched roles; `across_roles` when it asks which role is meant."""

    verdict: Verdict
    across_roles: bool = False


class RoleIndex:
    """One fitted retriever per role, and the rules that pick the roles a question is answered from."""

    def __init__(self, retrievers: Mapping[str, TfidfRetriever]) -> None:
        self.retrievers = dict(retrievers)
        self._names = {role: self._name_stems(role, retriever) for role, retriever in self.retrievers.items()}

    @classmethod
    def fit(cls, knowledge: KnowledgeBase, whole: TfidfRetriever | None = None) -> RoleIndex:
        """Index each role on its own; a knowledge base of one role reuses `whole`, its retriever, when given."""
        roles = knowledge.roles
        if len(roles) == 1 and whole is not None:
            return cls({roles[0]: whole})
        retrievers = {}
        for role in roles:
            own = with_role_aliases(knowledge.for_role(role))
            try:
                retrievers[role] = TfidfRetriever().fit(own)
            except ValueError as error:
                files = ", ".join(str(path) for path in own.files) or role
                raise KnowledgeError(f"{files}: cannot be indexed: {error}") from None
        return cls(retrievers)

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles indexed, in file order."""
        return tuple(self.retrievers)

    @staticmethod
    def _name_stems(role: str, retriever: TfidfRetriever) -> frozenset[str]:
        return frozenset(retriever.stemmer_.stem(word) for word in retriever.normalizer_.content_words(role))

    def named(self, question: str) -> tuple[str, ...]:
        """The roles a question names: most of a role's name words (after its synonyms and abbreviations).

        A role is named when at least two of its name's words (all of a one-word name) are in the question. A role
        whose words found are only part of another named role's is left out ("senior data engineer" names Senior
        Data Engineer, not Data Engineer too); roles named by different words are all named ("SRE moving into a
        cloud TL role").
        """
        if len(self.retrievers) < 2:
            return ()
        found: dict[str, frozenset[str]] = {}
        for role, retriever in self.retrievers.items():
            name = self._names[role]
            stems = {retriever.stemmer_.stem(word) for word in retriever.normalizer_.content_words(question)}
            matched = name & stems
            if name and len(matched) >= min(2, len(name)):
                found[role] = frozenset(matched)
        return tuple(role for role, words in found.items() if not any(words < other for other in found.values()))

    def resolve(self, name: str) -> str | None:
        """The role called `name` (case, accents and spacing ignored), or None."""
        wanted = name_key(name)
        return next((role for role in self.retrievers if name_key(role) == wanted), None)

    def search(
        self, question: str, k: int, *, roles: Collection[str] | None = None, role: str | None = None
    ) -> RoleSearch:
        """Search the roles a question is for: the `role` chosen, else the roles it names, else `roles` (None: all)."""
        named = self.named(question)
        if role is not None:
            chosen = self.resolve(role)
            searched: tuple[str, ...] = (chosen,) if chosen else ()
        else:
            searched = self.answered_from(question, roles, named)
        results = tuple(self.retrievers[name].search(question, k=k) for name in searched)
        return RoleSearch(named, searched, results)

    def answered_from(
        self, question: str, roles: Collection[str] | None, named: tuple[str, ...] | None = None
    ) -> tuple[str, ...]:
        """The roles a question is answered from when no role is chosen: those it names, else `roles` (None: all)."""
        named = self.named(question) if named is None else named
        if named:
            return named
        if roles is None:
            return self.roles
        wanted = {name_key(name) for name in roles}
        return tuple(known for known in self.retrievers if name_key(known) in wanted)

    @staticmethod
    def judge(gate: ConfidenceGate, search: RoleSearch) -> RoleVerdict:
        """One verdict from each role's: answer when one role is confident, ask which role when several are.

        Roles are compared by the gate's calibrated confidence, which means the same in every role's index. When no
        role is confident: the partial answer of the surest role that has one, else every role's "did you mean"
        candidates (each role's best first), else nothing.
        """
        if not search.results:
            return RoleVerdict(Verdict(Status.UNKNOWN, None))
        verdicts = sorted((gate.judge(result) for result in search.results), key=lambda v: -v.confidence)
        if len(verdicts) == 1:
            return RoleVerdict(verdicts[0])
        confident = [v for v in verdicts if v.status is Status.ANSWERED]
        if len(confident) == 1:
            return RoleVerdict(confident[0])
        if confident:
            best = tuple(v.best for v in confident if v.best is not None)[: gate.max_alternatives]
            return RoleVerdict(Verdict(Status.SUGGEST, best[0], best, confident[0].confidence), across_roles=True)
        partial = [v for v in verdicts if v.status is Status.PARTIAL]
        if partial:
            return RoleVerdict(partial[0])
        suggesting = [v for v in verdicts if v.status is Status.SUGGEST]
        if suggesting:
            rounds = itertools.zip_longest(*(v.alternatives for v in suggesting))
            candidates = tuple(hit for row in rounds for hit in row if hit is not None)[: gate.max_alternatives]
            across = len({hit.entry.role for hit in candidates}) > 1
            top = suggesting[0]
            return RoleVerdict(Verdict(Status.SUGGEST, candidates[0], candidates, top.confidence), across_roles=across)
        return RoleVerdict(verdicts[0])


class UnheldRoleError(KnowledgeError):
    """A role a server is configured to cover that no knowledge file holds; `guild_id` is that server."""

    def __init__(self, guild_id: int, role: str, roles: Sequence[str]) -> None:
        super().__init__(
            f"discord.guilds.{guild_id}.roles: no knowledge file holds the role {role!r} (roles: {', '.join(roles)})"
        )
        self.guild_id = guild_id


def check_configured_roles(knowledge: KnowledgeBase, guild_roles: Mapping[int, Sequence[str]]) -> None:
    """Refuse a configured server role that no knowledge file holds, naming it and the roles there are."""
    known = {name_key(role) for role in knowledge.roles}
    for guild_id, roles in guild_roles.items():
        for role in roles:
            if name_key(role) not in known:
                raise UnheldRoleError(guild_id, role, knowledge.roles)
