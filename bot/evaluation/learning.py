"""The learning curve: how much resolving queued questions to entries improves the answers, through the product path.

Starting from a knowledge base (the role page with every `questions:` removed), the in-scope questions of the tuning
half are asked, queued and resolved one by one to their labelled entries, as an editor resolves the queue from the
command line: a real SQLite store in a temporary folder, `bot.core.queue.resolve_question` (which refuses a text
that belongs to another entry) and `Answerer.learn` (which re-fits the indexes with every learned phrasing, as the
bot does after a resolve). At each point the test half is judged with `Answerer.judge`, the path members' questions
take, so a test question that is the very text of a taught one is answered the way the bot answers it. Nothing of
the test half is ever taught.
"""

from __future__ import annotations

import asyncio
import logging
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.core.answering import SEARCH_DEPTH, Answerer, fit_retriever
from bot.core.gate import ConfidenceGate, SearchResults
from bot.core.queue import resolve_question
from bot.evaluation.corpora import Corpus, Question
from bot.evaluation.crosseval import Bar, Judged, Outcomes, count
from bot.store import Origin, Store

log = logging.getLogger(__name__)

CURVE_CORPUS = "role, no questions"  # the corpus `faqbot eval` draws the curve on
CURVE_SEED = 7  # the order the tuning questions are resolved in; fixed before any measurement
CURVE_SHARES = (0.0, 0.25, 0.5, 1.0)
GAIN_BAR = 0.15  # issue 13: at least +0.15 answered right at 100% ...
WRONG_BAR = 0.03  # ... with answered wrong at most 3%


@dataclass(frozen=True)
class CurvePoint:
    """The reported half's outcomes after a share of the teaching questions was resolved."""

    share: float
    resolved: int  # teaching questions resolved to their entry so far
    refused: int  # teaching questions refused (their text belongs to another entry), not resolved
    learned: int  # learned phrasings the store holds (and the indexes were re-fitted with)
    outcomes: Outcomes
    index_seconds: float  # the re-fit at this point (the first point: the initial fit), calibration included


@dataclass(frozen=True)
class LearningCurve:
    """The curve of one corpus: taught from one part, reported on another, in a seeded order."""

    corpus: str
    taught_part: str
    reported_part: str
    seed: int
    points: tuple[CurvePoint, ...]
    taught: tuple[str, ...]  # every learned phrasing's text at the end, as the store holds them
    seconds: float

    @property
    def gain(self) -> float:
        """Answered right (of the in-scope questions) at the last point minus at the first."""
        return self.points[-1].outcomes.right_share - self.points[0].outcomes.right_share

    def bars(self) -> list[Bar]:
        """Issue 13's bars for the curve: the gain in answered right, and answered wrong, at the last point."""
        last = self.points[-1]
        taught = f"at {last.share:.0%} taught"
        return [
            Bar(f"learning curve: answered right gain {taught}", self.gain, GAIN_BAR, True),
            Bar(f"learning curve: answered wrong {taught}", last.outcomes.wrong_share, WRONG_BAR, False),
        ]

    def to_json(self) -> dict[str, Any]:
        """The --json record (under the key "learning_curve")."""
        points = []
        for point in self.points:
            o = point.outcomes
            points.append(
                {
                    "taught_share": point.share,
                    "resolved": point.resolved,
                    "phrasings": point.learned,
                    "refused": point.refused,
                    "right_share": o.right_share,
                    "wrong_share": o.wrong_share,
                    "suggest_right_share": o.share(o.suggest_right, o.in_scope),
                    "partial_share": o.share(o.partial),
                    "declined_share": o.share(o.declined),
                    "precision_at_1": o.precision_at_1,
                    "index_seconds": point.index_seconds,
                    "outcomes": asdict(o),
                }
            )
        bars = [{"name": b.name, "measured": b.measured, "limit": b.limit, "met": b.met} for b in self.bars()]
        return {
            "corpus": self.corpus,
            "taught_part": self.taught_part,
            "reported_part": self.reported_part,
            "seed": self.seed,
            "gain": self.gain,
            "seconds": self.seconds,
            "points": points,
            "bars": bars,
        }


def teaching_order(questions: Sequence[Question], seed: int = CURVE_SEED) -> list[Question]:
    """The in-scope questions in the fixed seeded order an editor resolves them in."""
    teaching = [q for q in questions if q.in_scope]
    random.Random(seed).shuffle(teaching)  # noqa: S311 - a reproducible order, not a secret
    return teaching


def judge_as_members(answerer: Answerer, questions: Sequence[Question]) -> list[Judged]:
    """Each question through `Answerer.judge` (small talk, taught questions, retrieval, gate), nothing recorded.

    The ranking kept beside the verdict (for P@1) is the search the verdict was judged from.
    """
    judged = []
    for question in questions:
        answer = answerer.judge(question.text)
        if answer.verdict is None:
            judged.append(Judged(question, None, None))
            continue
        hits = answerer.search(question.text, k=SEARCH_DEPTH).hits
        judged.append(Judged(question, SearchResults(question.text, hits), answer.verdict))
    return judged


def learning_curve(
    corpus: Corpus,
    gate: ConfidenceGate,
    *,
    shares: Sequence[float] = CURVE_SHARES,
    seed: int = CURVE_SEED,
    taught_part: str = "tuning",
    reported_part: str = "test",
    advance: Callable[[int], None] | None = None,
) -> LearningCurve:
    """Resolve `taught_part`'s questions one by one and judge `reported_part` after each share of them.

    It runs an event loop of its own (the store is asynchronous): call it from synchronous code. The indexes are
    re-fitted at each point rather than after every resolve: a fit depends only on the phrasings learned and their
    order, so the points are what the bot would answer with after re-fitting at every resolve.
    """
    if taught_part == reported_part:
        raise ValueError("the curve is taught from one part and reported on another")
    return asyncio.run(_curve(corpus, gate, tuple(shares), seed, taught_part, reported_part, advance))


async def _curve(
    corpus: Corpus,
    gate: ConfidenceGate,
    shares: tuple[float, ...],
    seed: int,
    taught_part: str,
    reported_part: str,
    advance: Callable[[int], None] | None,
) -> LearningCurve:
    """The curve, with a store in a temporary folder that is gone afterwards."""
    started = time.perf_counter()
    order = teaching_order(corpus.parts[taught_part], seed)
    reported = corpus.parts[reported_part]
    points: list[CurvePoint] = []
    with tempfile.TemporaryDirectory(prefix="faqbot-curve-") as folder:
        async with await Store.open(Path(folder) / "curve.db") as store:
            fitted = time.perf_counter()
            answerer = Answerer(corpus.knowledge, fit_retriever(corpus.knowledge), gate, store)
            index_seconds = time.perf_counter() - fitted
            done = refused = 0
            for share in shares:
                target = round(share * len(order))
                while done < target:
                    refused += not await _resolve(store, corpus, order[done])
                    done += 1
                if points:  # the first point is the knowledge as it came, indexed above
                    fitted = time.perf_counter()
                    await answerer.learn()
                    index_seconds = time.perf_counter() - fitted
                outcomes = count(corpus.name, reported_part, judge_as_members(answerer, reported))
                learned = len(await store.learned())
                points.append(CurvePoint(share, done - refused, refused, learned, outcomes, index_seconds))
                log.info(
                    "%s: %d of %d resolved (%d learned): right %.3f, wrong %.3f",
                    corpus.name,
                    done,
                    len(order),
                    learned,
                    outcomes.right_share,
                    outcomes.wrong_share,
                )
                if advance is not None:
                    advance(1)
            taught = tuple(item.text for item in await store.learned())
    return LearningCurve(
        corpus.name, taught_part, reported_part, seed, tuple(points), taught, time.perf_counter() - started
    )


async def _resolve(store: Store, corpus: Corpus, question: Question) -> bool:
    """A member asks it from the command line, it is queued, and an editor resolves it to its entry; False: refused."""
    entry_id = question.editor_entry
    if entry_id is None:
        raise ValueError(f"an off-topic question has no entry to be resolved to: {question.text!r}")
    question_id = await store.log_unanswered(question.text, Origin(), best_score=None, best_entry_id=None)
    resolution = await resolve_question(store, corpus.knowledge, question_id, entry_id, scope=None)
    if resolution.entry is None:
        raise ValueError(f"{corpus.name}: no entry {entry_id!r} to resolve {question.text!r} to")
    return resolution.done


TABLE_HEADER = (
    "| taught (share of the tuning half) | resolved | refused | phrasings learned | answered right | answered wrong "
    "| did you mean, right first | partial | declined | P@1 | index s |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def curve_table(curve: LearningCurve) -> str:
    """The curve as a Markdown table (right, "did you mean" and P@1 of the in-scope questions, the rest of all)."""
    lines = [TABLE_HEADER]
    for point in curve.points:
        o = point.outcomes
        cells = [o.right_share, o.wrong_share, o.share(o.suggest_right, o.in_scope), o.share(o.partial)]
        numbers = " | ".join(f"{cell:.3f}" for cell in [*cells, o.share(o.declined), o.precision_at_1])
        lines.append(
            f"| {point.share:.0%} | {point.resolved} | {point.refused} | {point.learned} | {numbers} "
            f"| {point.index_seconds:.2f} |"
        )
    return "\n".join(lines)


def curve_report(curve: LearningCurve, untaught: Outcomes | None = None) -> str:
    """The curve's Markdown section: what was taught and reported, the table, and its bars.

    `untaught` is the same corpus part judged by the cross-knowledge evaluation of the same run: the first point
    must be the same figures, and the text says whether it is.
    """
    first = curve.points[0].outcomes
    lines = [
        f"Learning curve on {curve.corpus!r}: its {curve.taught_part} half's in-scope questions resolved one by one "
        f"to their labelled entries (order seed {curve.seed}) through a SQLite store and the editors' resolve; "
        f"the {curve.reported_part} half ({first.in_scope}/{first.out_of_scope} in/out of scope) judged as members "
        f"ask it after each share. {curve.seconds:.1f} s.",
    ]
    if untaught is not None:
        same = "the same figures" if untaught == first else "DIFFERENT figures (a bug: the two paths disagree)"
        row = f"the {untaught.part} row of {untaught.corpus!r}"
        lines.append(f"The {curve.points[0].share:.0%} row against {row} in the table above: {same}.")
    lines += [
        "",
        curve_table(curve),
        "",
        "| bar | measured | limit | met |",
        "|---|---|---|---|",
    ]
    for bar in curve.bars():
        sign = ">=" if bar.at_least else "<="
        verdict = "yes" if bar.met else f"no (by {abs(bar.measured - bar.limit):.3f})"
        measured = f"{bar.measured:+.3f}" if bar.at_least else f"{bar.measured:.3f}"
        lines.append(f"| {bar.name} | {measured} | {sign} {bar.limit:.2f} | {verdict} |")
    return "\n".join(lines)


def plot_learning_curve(curve: LearningCurve, path: Path) -> None:
    """Draw answered right and answered wrong of the reported half against the share of the tuning half taught."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        from bot.errors import FaqbotError

        raise FaqbotError("the plot needs matplotlib: pip install -e '.[bench]'") from None
    shares = [point.share * 100 for point in curve.points]
    right = [point.outcomes.right_share for point in curve.points]
    wrong = [point.outcomes.wrong_share for point in curve.points]
    suggest = [point.outcomes.share(point.outcomes.suggest_right, point.outcomes.in_scope) for point in curve.points]
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=110)
    axes.plot(shares, right, marker="o", label="answered right (of in-scope)")
    axes.plot(shares, suggest, marker=".", linestyle="--", label='"did you mean", right first (of in-scope)')
    axes.plot(shares, wrong, marker="o", color="tab:red", label="answered wrong (of all)")
    axes.axhline(right[0] + GAIN_BAR, color="tab:blue", linestyle=":", linewidth=1, label="bar: +0.15 right")
    axes.axhline(WRONG_BAR, color="tab:red", linestyle=":", linewidth=1, label="bar: 3% wrong")
    axes.set_xlabel(f"share of the {curve.taught_part} half resolved to its entries (%)")
    axes.set_ylabel(f"share of the {curve.reported_part} half")
    axes.set_ylim(0, 1)
    axes.set_title(f"Learning curve: {curve.corpus} (order seed {curve.seed})")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
