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
    """An entry and how well it matches the question (0..1), with the evidence behind the score.

    - coverage: the share of the question's weight (IDF) that the entry's words account for;
    - concept: the cosine of the question and the entry's body in the concept (LSA) space;
    - kinship: the cosine of this entry's body and the best hit's body in that space (1 for the best itself).
    """

    entry: Entry
    score: float
    coverage: float = 1.0
    concept: float = 1.0
    kinship: float = 1.0


@dataclass(frozen=True)
class SearchResults:
    """Ranked hits for one question, best first."""

    query: str
    hits: tuple[Hit, ...]
    term_count: int = 0
    names_role: bool = False
    votes: float = 1.0  # the best hit's share of the question's closest phrasings (their summed similarity)
    channels: float = 1.0  # the share of single-evidence rankings (phrasing, body, coverage, concept) that agree
    confidence: float | None = None  # the calibrated P(best hit is right), from a calibrated retriever
    detail_terms: tuple[str, ...] = ()  # correctly spelt words of the question that the knowledge never uses
    topic: SearchResults | None = None  # the same search without `detail_terms`: what the question is about

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
    PARTIAL = "partial"  # the knowledge has the question's topic but not the detail it asks for
    UNKNOWN = "unknown"
    SMALLTALK = "smalltalk"


@dataclass(frozen=True)
class Verdict:
    """The gate's decision for one question: the status, the best match either way, and alternatives.

    For an answer the alternatives are related entries (kin of the best); for "did you mean" the candidates, best
    first; for `partial` the closest passage on the question's topic.
    """

    status: Status
    best: Hit | None
    alternatives: tuple[Hit, ...] = ()
    confidence: float = 0.0
    missing: tuple[str, ...] = ()  # for `partial`: the words of the detail the knowledge does not have

    @property
    def score(self) -> float:
        """The best match's score (0 when nothing matched)."""
        return self.best.score if self.best else 0.0

    @property
    def answer(self) -> Hit | None:
        """The hit to post, only when the gate is confident."""
        return self.best if self.status is Status.ANSWERED else None


# "Did you mean" is offered when the confidence is at least this share of `min_confidence`; a partial answer needs
# the question's topic (at least two content words) to reach half of it. Both follow the one setting.
SUGGEST_SHARE = 0.25
PARTIAL_SHARE = 0.5
# A runner-up is listed as related or as a candidate only when it scores at least this share of the best.
RELATED_SHARE = 0.5
# Two entries whose bodies are at least this close in the concept space say much the same thing (kin, not rivals):
# on the role page the glance item, the FAQ and a bullet about certifications are 0.42 to 0.51 apart, unrelated
# entries mostly 0.1 to 0.3. Set once from that page, not tuned on any eval.
KIN = 0.4


@dataclass(frozen=True)
class ConfidenceGate:
    """Answer when the calibrated confidence that the best hit is right reaches `min_confidence`.

    The confidence is learnt when the knowledge is indexed (bot.core.calibration), so one bar means the same on
    every knowledge base. Below it: a partial answer when the question's topic is clear but it asks for a detail
    the knowledge never mentions; "did you mean" when the best hit is plausible; otherwise nothing.
    min_confidence 0.74: the lowest bar (in 0.02 steps) at which every corpus's tuning half stayed within its
    wrong-answer limit (2%; 3% for the role without questions, 5% for CLINC150, 1% off-domain; README, "Answer
    quality"). Binding: CLINC150 off-domain against the role, 1.2% answered at 0.72, 0.8% at 0.74.
    """

    min_confidence: float = 0.74
    max_alternatives: int = 3

    def judge(self, results: SearchResults) -> Verdict:
        """Turn ranked hits and their confidence into answered / partial / suggest / unknown."""
        best = results.best
        if best is None:
            return Verdict(Status.UNKNOWN, None)
        confidence = results.confidence or 0.0
        if confidence >= self.min_confidence:
            related = tuple(hit for hit in results.hits[1:] if hit.kinship >= KIN and _near(hit, best))
            return Verdict(Status.ANSWERED, best, related[: self.max_alternatives], confidence)
        topic = results.topic
        if (
            topic is not None
            and topic.best is not None
            and topic.term_count >= 2
            and (topic.confidence or 0.0) >= PARTIAL_SHARE * self.min_confidence
        ):
            return Verdict(Status.PARTIAL, topic.best, (topic.best,), confidence, results.detail_terms)
        if confidence >= SUGGEST_SHARE * self.min_confidence:
            candidates = tuple(hit for hit in results.hits if _near(hit, best))
            return Verdict(Status.SUGGEST, best, candidates[: self.max_alternatives], confidence)
        return Verdict(Status.UNKNOWN, best, (), confidence)


def _near(hit: Hit, best: Hit) -> bool:
    return hit.score >= RELATED_SHARE * best.score
