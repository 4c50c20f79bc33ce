"""Outcomes of faqbot on several knowledge bases: answered right or wrong, partial, "did you mean", declined.

Each corpus is indexed once (its confidence model is learnt from its own knowledge and the package's off-topic
questions only, never from the corpus's questions) and both halves are judged with the default settings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core.answering import SEARCH_DEPTH, Answerer, fit_retriever, smalltalk_reply
from bot.core.gate import ConfidenceGate, SearchResults, Status, Verdict
from bot.evaluation.corpora import PARTS, SPLIT_SEED, Corpus, Question

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcomes:
    """Counts of what the bot did with one part of a corpus."""

    corpus: str
    part: str
    in_scope: int
    out_of_scope: int
    right: int  # in scope, answered with a right entry
    wrong: int  # answered with a wrong entry, or answered at all when out of scope
    wrong_out_of_scope: int  # of `wrong`: answers to out-of-scope questions
    suggest_right: int  # in scope, "did you mean" with a right entry first
    partial: int  # the bot said it has the topic but not the detail
    declined: int  # everything else: unknown, small talk, or suggestions without a right entry first
    top_right: int  # in scope, the top-ranked entry is right (P@1 numerator)

    @property
    def total(self) -> int:
        """All questions of the part."""
        return self.in_scope + self.out_of_scope

    def share(self, count: int, of: int | None = None) -> float:
        """A count as a share of the part (or of `of`)."""
        base = self.total if of is None else of
        return count / base if base else 0.0

    @property
    def right_share(self) -> float:
        """In-scope questions answered right, of the in-scope ones."""
        return self.share(self.right, self.in_scope)

    @property
    def wrong_share(self) -> float:
        """Wrong answers, of all questions."""
        return self.share(self.wrong)

    @property
    def precision_at_1(self) -> float:
        """In-scope questions whose top-ranked entry is right."""
        return self.share(self.top_right, self.in_scope)

    @property
    def answers_right(self) -> float:
        """Of the answers given, the share that is right."""
        return self.share(self.right, self.right + self.wrong)

    @property
    def out_of_scope_answered(self) -> float:
        """Out-of-scope questions answered, of the out-of-scope ones."""
        return self.share(self.wrong_out_of_scope, self.out_of_scope)

    @property
    def overall(self) -> float:
        """In-scope questions answered right plus out-of-scope ones not answered, over all."""
        return self.share(self.right + self.out_of_scope - self.wrong_out_of_scope)


TABLE_HEADER = (
    "| knowledge base | part | in/out of scope | answered right | answered wrong | did you mean, right first | partial "
    "| declined | P@1 | answers right | out of scope answered | overall |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def table_row(o: Outcomes) -> str:
    """One Markdown table row (shares of in-scope questions except `wrong`, `partial` and `declined`: of all)."""
    cells = [
        o.right_share,
        o.wrong_share,
        o.share(o.suggest_right, o.in_scope),
        o.share(o.partial),
        o.share(o.declined),
        o.precision_at_1,
        o.answers_right,
        o.out_of_scope_answered,
        o.overall,
    ]
    numbers = " | ".join(f"{cell:.3f}" for cell in cells)
    return f"| {o.corpus} | {o.part} | {o.in_scope}/{o.out_of_scope} | {numbers} |"


@dataclass(frozen=True)
class Judged:
    """One question's search results and verdict (None for small talk)."""

    question: Question
    results: SearchResults | None
    verdict: Verdict | None


def judge_all(answerer: Answerer, questions: Sequence[Question]) -> list[Judged]:
    """The answer path of `Answerer.judge` (small talk first, then retrieval and the gate), nothing logged."""
    judged = []
    for question in questions:
        if smalltalk_reply(question.text, answerer.knowledge.roles) is not None:
            judged.append(Judged(question, None, None))
            continue
        results = answerer.retriever.search(question.text, k=SEARCH_DEPTH)
        judged.append(Judged(question, results, answerer.gate.judge(results)))
    return judged


def count(corpus: str, part: str, judged: Sequence[Judged], gate: ConfidenceGate | None = None) -> Outcomes:
    """Tally the outcomes; with `gate`, judge the stored results again with it (for the risk-coverage curve)."""
    tally = dict.fromkeys(("right", "wrong", "wrong_oos", "suggest_right", "partial", "declined", "top_right"), 0)
    for item in judged:
        verdict = item.verdict
        if gate is not None and item.results is not None:
            verdict = gate.judge(item.results)
        ids = item.question.ids
        if item.results is not None and item.results.hits and item.results.hits[0].entry.id in ids:
            tally["top_right"] += 1
        status = verdict.status if verdict else Status.SMALLTALK
        best = verdict.best.entry.id if verdict and verdict.best else None
        if status is Status.ANSWERED and best in ids:
            tally["right"] += 1
        elif status is Status.ANSWERED:
            tally["wrong"] += 1
            tally["wrong_oos"] += not ids
        elif status is Status.SUGGEST and ids and verdict and verdict.alternatives[0].entry.id in ids:
            tally["suggest_right"] += 1
        elif status is Status.PARTIAL:
            tally["partial"] += 1
        else:
            tally["declined"] += 1
    in_scope = sum(item.question.in_scope for item in judged)
    return Outcomes(
        corpus,
        part,
        in_scope,
        len(judged) - in_scope,
        tally["right"],
        tally["wrong"],
        tally["wrong_oos"],
        tally["suggest_right"],
        tally["partial"],
        tally["declined"],
        tally["top_right"],
    )


@dataclass(frozen=True)
class Evaluation:
    """Every corpus's outcomes by part, the judged questions (for curves), and each index time in seconds."""

    outcomes: tuple[Outcomes, ...]
    judged: dict[str, dict[str, list[Judged]]]
    index_seconds: dict[str, float]

    def get(self, corpus: str, part: str) -> Outcomes:
        """The outcomes of one corpus part."""
        return next(o for o in self.outcomes if o.corpus == corpus and o.part == part)


def evaluate(corpora: Sequence[Corpus], gate: ConfidenceGate, parts: Sequence[str] = PARTS) -> Evaluation:
    """Index each corpus once and judge its parts."""
    outcomes, judged, index_seconds = [], {}, {}
    for corpus in corpora:
        started = time.perf_counter()
        answerer = Answerer(corpus.knowledge, fit_retriever(corpus.knowledge), gate, store=None)
        index_seconds[corpus.name] = time.perf_counter() - started
        judged[corpus.name] = {}
        for part in parts:
            items = judge_all(answerer, corpus.parts[part])
            judged[corpus.name][part] = items
            outcomes.append(count(corpus.name, part, items))
        log.info(
            "%s: %d entries indexed in %.2f s", corpus.name, len(corpus.knowledge.entries), index_seconds[corpus.name]
        )
    return Evaluation(tuple(outcomes), judged, index_seconds)


CURVE_BARS = tuple(step / 40 for step in range(1, 40))


def risk_coverage(
    evaluation: Evaluation, gate: ConfidenceGate, part: str
) -> dict[str, list[tuple[float, float, float]]]:
    """Per corpus: (min_confidence, answered right, answered wrong) as the bar moves, on one part."""
    curves = {}
    for name, by_part in evaluation.judged.items():
        points = []
        for bar in CURVE_BARS:
            o = count(name, part, by_part[part], replace(gate, min_confidence=bar))
            points.append((bar, o.share(o.right), o.wrong_share))
        curves[name] = points
    return curves


def plot_risk_coverage(curves: dict[str, list[tuple[float, float, float]]], gate: ConfidenceGate, path: Path) -> None:
    """Draw share answered right against share answered wrong per knowledge base, the default bar marked."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        from bot.errors import FaqbotError

        raise FaqbotError("the plot needs matplotlib: pip install -e '.[bench]'") from None
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=110)
    for name, points in curves.items():
        right = [p[1] for p in points]
        wrong = [p[2] for p in points]
        (line,) = axes.plot(wrong, right, marker=".", label=name)
        default = min(points, key=lambda p: abs(p[0] - gate.min_confidence))
        axes.plot([default[2]], [default[1]], "o", color=line.get_color(), markersize=9, markerfacecolor="none")
    axes.axvline(0.02, color="grey", linestyle=":", linewidth=1)
    axes.set_xlabel("answered wrong (share of all questions)")
    axes.set_ylabel("answered right (share of all questions)")
    axes.set_title(f"Risk-coverage as min_confidence moves (test halves; circles: default {gate.min_confidence})")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


@dataclass(frozen=True)
class Bar:
    """One quality bar of issue 11 on a test half: what is measured, the limit, and whether it holds."""

    name: str
    measured: float
    limit: float
    at_least: bool

    @property
    def met(self) -> bool:
        """Whether the measured figure is on the right side of the limit."""
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit


def quality_bars(evaluation: Evaluation, part: str = "test") -> list[Bar]:
    """The answer-quality bars, measured on one part (the test halves are what is reported)."""
    role = evaluation.get("role eval", part)
    bare = evaluation.get("role, no questions", part)
    stack = evaluation.get("StackFAQ", part)
    clinc = evaluation.get("CLINC150 as FAQ", part)
    off = evaluation.get("CLINC150 off-domain vs role", part)
    return [
        Bar("role eval: overall", role.overall, 0.92, True),
        Bar("role eval: answered wrong", role.wrong_share, 0.02, False),
        Bar("role, no questions: answered right", bare.right_share, 0.70, True),
        Bar("role, no questions: answered wrong", bare.wrong_share, 0.03, False),
        Bar("StackFAQ: P@1", stack.precision_at_1, 0.82, True),
        Bar("StackFAQ: answers right", stack.answers_right, 0.95, True),
        Bar("CLINC150 as FAQ: in scope answered right", clinc.right_share, 0.60, True),
        Bar("CLINC150 as FAQ: answered wrong", clinc.wrong_share, 0.05, False),
        Bar("CLINC150 as FAQ: out of scope answered", clinc.out_of_scope_answered, 0.10, False),
        Bar("CLINC150 off-domain vs role: answered", off.wrong_share, 0.01, False),
    ]


def bars_table(bars: Sequence[Bar]) -> str:
    """The bars as a Markdown table."""
    lines = ["| bar (test halves) | measured | limit | met |", "|---|---|---|---|"]
    for bar in bars:
        sign = ">=" if bar.at_least else "<="
        lines.append(f"| {bar.name} | {bar.measured:.3f} | {sign} {bar.limit:.2f} | {'yes' if bar.met else 'no'} |")
    return "\n".join(lines)


def report(evaluation: Evaluation, gate: ConfidenceGate) -> str:
    """The whole Markdown report: outcomes per knowledge base and part, index times, and the bars."""
    lines = [
        f"Default settings (min_confidence {gate.min_confidence}); halves split with seed {SPLIT_SEED}; defaults were "
        "chosen on the tuning halves only, the test halves are what is reported.",
        "",
        TABLE_HEADER,
        *(table_row(o) for o in evaluation.outcomes),
        "",
        "index seconds (with calibration): "
        + ", ".join(f"{name} {seconds:.2f}" for name, seconds in evaluation.index_seconds.items()),
    ]
    if all(o.part in ("tuning", "test") for o in evaluation.outcomes) and any(
        o.part == "test" for o in evaluation.outcomes
    ):
        lines += ["", bars_table(quality_bars(evaluation))]
    return "\n".join(lines)
