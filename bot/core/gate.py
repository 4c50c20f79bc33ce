"""The gate's vocabulary and the gate: what a search found, and whether to answer, suggest or abstain.

Plain dataclasses with no numerical dependencies, so that the config (and `faqbot --help`) can import them cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.knowledge import Entry


@dataclass(frozen=True)
class Hit:
    """An entry and how well it matches the question (0..1)."""

    entry: Entry
    score: float


@dataclass(frozen=True)
class SearchResults:
    """Ranked hits for one question, best first."""

    query: str
    hits: tuple[Hit, ...]
    term_count: int = 0
    names_role: bool = False

    @property
    def best(self) -> Hit | None:
        """The top hit, if any."""
        return self.hits[0] if self.hits else None

    @property
    def margin(self) -> float:
        """How far the top hit is ahead of the runner-up."""
        if not self.hits:
            return 0.0
        runner_up = self.hits[1].score if len(self.hits) > 1 else 0.0
        return self.hits[0].score - runner_up


class Status(StrEnum):
    """What the bot does with a question."""

    ANSWERED = "answered"
    SUGGEST = "suggest"
    UNKNOWN = "unknown"
    SMALLTALK = "smalltalk"


@dataclass(frozen=True)
class Verdict:
    """The gate's decision for one question: the status, the best match either way, and alternatives."""

    status: Status
    best: Hit | None
    alternatives: tuple[Hit, ...] = ()

    @property
    def score(self) -> float:
        """The best match's score (0 when nothing matched)."""
        return self.best.score if self.best else 0.0

    @property
    def answer(self) -> Hit | None:
        """The hit to post, only when the gate is confident."""
        return self.best if self.status is Status.ANSWERED else None


@dataclass(frozen=True)
class ConfidenceGate:
    """Answer only when the best match is strong and clearly ahead; suggest when it is plausible; else abstain.

    The bar depends on the evidence: a question that names the role is on topic, so a lower score will do; a
    question of one content word is thin evidence, so it must match very well; one that names the role and says one
    word more ("how much does a cloud TL make": "does") must clear the mean of those two bars.
    """

    answer_threshold: float = 0.14
    role_named_threshold: float = 0.08
    one_word_threshold: float = 0.4
    suggest_threshold: float = 0.07
    min_margin: float = 0.01
    max_alternatives: int = 3

    def threshold(self, results: SearchResults) -> float:
        """The score this question's best match needs for an answer."""
        if results.names_role and results.term_count <= 1:
            return (self.role_named_threshold + self.one_word_threshold) / 2
        if results.names_role:
            return self.role_named_threshold
        if results.term_count <= 1:
            return self.one_word_threshold
        return self.answer_threshold

    def judge(self, results: SearchResults) -> Verdict:
        """Turn ranked hits into answered / suggest / unknown."""
        best = results.best
        if best is None:
            return Verdict(Status.UNKNOWN, None)
        plausible = tuple(hit for hit in results.hits if hit.score >= self.suggest_threshold)
        if best.score >= self.threshold(results) and results.margin >= self.min_margin:
            return Verdict(Status.ANSWERED, best, plausible[1 : 1 + self.max_alternatives])
        if plausible:
            return Verdict(Status.SUGGEST, best, plausible[: self.max_alternatives])
        return Verdict(Status.UNKNOWN, best)
