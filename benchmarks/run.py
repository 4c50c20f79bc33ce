"""The command line: run every benchmark, print the Markdown report and write benchmarks/results.md."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.breakdown import StepTime, run_breakdown
from benchmarks.common import DATA, KNOWLEDGE, RESULTS, ROOT, load_clinc, progress
from benchmarks.grouping import grouping_quality, render_grouping, run_grouping
from benchmarks.quality import leaked_queries, load_stackfaq, run_clinc, run_stackfaq
from benchmarks.report import Results, machine, now, render
from benchmarks.responsiveness import ColdStart, LoopLag, cold_start, run_loop_lag
from benchmarks.speed import SpeedSettings, run_speed
from benchmarks.synthetic import make_queries
from bot.config import Config
from bot.core.answering import Answerer
from bot.core.knowledge import KnowledgeBase, load_knowledge

FULL_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (200,)
LOOP_SEED = 4242
BREAKDOWN_SEED = 99


@dataclass(frozen=True)
class Plan:
    """How much of everything to run."""

    quick: bool
    sizes: tuple[int, ...]
    speed: SpeedSettings
    stackfaq_limit: int | None
    clinc_limit: int | None
    burst: int
    cold_runs: int
    breakdown_questions: int


def parse_sizes(text: str) -> tuple[int, ...]:
    """Comma-separated entry counts, with an optional k suffix: '1000,10k,100k'."""
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        value = int(float(part[:-1]) * 1000) if part.endswith("k") else int(part)
        if value < 10:
            raise argparse.ArgumentTypeError(f"a knowledge size must be at least 10 entries, got {part}")
        sizes.append(value)
    return tuple(sizes)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The benchmark's command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="faqbot quality and speed benchmarks")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and samples (the smoke test uses this)")
    parser.add_argument("--sizes", type=parse_sizes, help="synthetic knowledge sizes, e.g. 1000,10k,100k")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"the Markdown report (default {RESULTS})")
    parser.add_argument("--jobs", type=int, help="speed workers at once (default 1; more skews timings)")
    return parser.parse_args(argv)


def make_plan(args: argparse.Namespace) -> Plan:
    """Full or quick settings, with --sizes and --jobs applied."""
    if args.quick:
        speed = SpeedSettings(
            queries=30,
            min_queries=10,
            warmup=5,
            budget_s=2.0,
            rank_bm25_min_queries=5,
            rank_bm25_budget_s=1.0,
            in_process=True,
        )
        plan = Plan(
            True, QUICK_SIZES, speed, stackfaq_limit=40, clinc_limit=60, burst=20, cold_runs=1, breakdown_questions=30
        )
    else:
        plan = Plan(
            False,
            FULL_SIZES,
            SpeedSettings(),
            stackfaq_limit=None,
            clinc_limit=None,
            burst=200,
            cold_runs=3,
            breakdown_questions=1000,
        )
    if args.sizes is not None:
        plan = replace(plan, sizes=args.sizes)
    if args.jobs is not None:
        plan = replace(plan, speed=replace(plan.speed, jobs=args.jobs))
    return plan


def measure_loop(plan: Plan, role: KnowledgeBase, answerer: Answerer, offtopic: Sequence[str]) -> list[LoopLag]:
    """Event-loop lag while the role answerer handles bursts of perturbed role questions and off-topic ones."""
    progress("event loop lag: bursts of %d questions", plan.burst)
    questions = [q.text for q in make_queries(role, 2 * plan.burst + 50, offtopic, seed=LOOP_SEED)]
    bursts = (questions[: plan.burst], questions[plan.burst : 2 * plan.burst])
    return run_loop_lag(answerer, bursts, questions[2 * plan.burst :])


def measure_breakdown(plan: Plan, role: KnowledgeBase, answerer: Answerer, offtopic: Sequence[str]) -> list[StepTime]:
    """The answer path step by step on the role knowledge, next to bm25s, on questions like the speed ones."""
    progress("where the time goes: %d questions", plan.breakdown_questions)
    questions = [q.text for q in make_queries(role, plan.breakdown_questions, offtopic, seed=BREAKDOWN_SEED)]
    return run_breakdown(answerer, questions)


def measure_cold_start(plan: Plan) -> ColdStart:
    """Cold start of `faqbot ask`, run after the rest so nothing else competes for the CPU."""
    progress("cold start: %d run(s) of faqbot ask", plan.cold_runs)
    return cold_start(plan.cold_runs)


def run(plan: Plan, started: float) -> Results:
    """Run every benchmark of the plan."""
    load_start = os.getloadavg()[0]
    offtopic = load_clinc()
    role = load_knowledge(KNOWLEDGE)
    with ThreadPoolExecutor(max_workers=1) as background:
        # --quick times the cold start alongside the rest: its figures don't matter, the smoke test's time does.
        cold_future = background.submit(cold_start, plan.cold_runs) if plan.quick else None
        progress("quality: StackFAQ")
        stackfaq = run_stackfaq(plan.stackfaq_limit)
        all_queries = load_stackfaq().queries
        leaks = leaked_queries(all_queries)
        answerer = Answerer.build(role, Config().retrieval, store=None)
        loop = measure_loop(plan, role, answerer, offtopic)
        progress("quality: CLINC150 false answers")
        clinc = run_clinc(answerer, offtopic if plan.clinc_limit is None else offtopic[: plan.clinc_limit])
        breakdown = measure_breakdown(plan, role, answerer, offtopic)
        cold = cold_future.result() if cold_future is not None else measure_cold_start(plan)
    progress("speed: role knowledge and synthetic sizes %s", ", ".join(f"{size:,}" for size in plan.sizes))
    with tempfile.TemporaryDirectory(prefix="faqbot-bench-") as directory:
        speed = run_speed(role, plan.sizes, Path(directory), plan.speed, offtopic)
    return Results(
        date=now(),
        quick=plan.quick,
        machine=machine(),
        stackfaq=stackfaq,
        stackfaq_total_queries=len(all_queries),
        leaks=leaks,
        clinc=clinc,
        speed=speed,
        breakdown=breakdown,
        cold=cold,
        loop=loop,
        runtime_s=time.perf_counter() - started,
        load_start=load_start,
        load_end=os.getloadavg()[0],
    )


def quality_across_knowledge_bases() -> str:
    """`faqbot eval`'s table, bars and learning curve (default settings), the risk-coverage and learning-curve PNGs."""
    from bot.evaluation.corpora import all_corpora
    from bot.evaluation.crosseval import evaluate, plot_risk_coverage, report, risk_coverage
    from bot.evaluation.learning import CURVE_CORPUS, curve_report, learning_curve, plot_learning_curve

    progress("quality across knowledge bases (faqbot eval)")
    gate = Config().retrieval
    corpora = all_corpora(KNOWLEDGE, ROOT / "eval" / "questions.yaml", DATA)
    evaluation = evaluate(corpora, gate)
    plot_risk_coverage(risk_coverage(evaluation, gate, "test"), gate, ROOT / "docs" / "risk-coverage.png")
    progress("learning curve (faqbot eval): resolving the tuning half's questions")
    curve = learning_curve(next(corpus for corpus in corpora if corpus.name == CURVE_CORPUS), gate)
    plot_learning_curve(curve, ROOT / "docs" / "learning-curve.png")
    return (
        "## Answer quality across knowledge bases (faqbot eval)\n\n"
        + report(evaluation, gate)
        + "\n\n### Learning curve (faqbot eval)\n\n"
        + curve_report(curve, evaluation.get(CURVE_CORPUS, "test"))
        + "\n\n![Learning curve](../docs/learning-curve.png)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the report to stdout and write it to --output."""
    started = time.perf_counter()
    args = parse_args(argv)
    plan = make_plan(args)
    results = run(plan, started)
    report = render(results) + render_grouping(run_grouping(results.quick), grouping_quality())
    if not plan.quick:
        report += "\n" + quality_across_knowledge_bases() + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    sys.stdout.write(report)
    progress("done in %.0f s; wrote %s", results.runtime_s, args.output)
    return 0


def cli() -> int:
    """Entry point of `python -m benchmarks`: progress on standard error, then `main`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("bot").setLevel(logging.WARNING)
    return main()
