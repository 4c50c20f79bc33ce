"""One speed measurement in a fresh process: load entries, build one system, time its questions, read peak RSS.

Run by benchmarks.speed as `python -m benchmarks.worker SYSTEM KNOWLEDGE QUERIES [options]`; prints one JSON object.
Each (size, system) gets its own process, so the peak RSS of one does not pollute the next.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.common import percentile_ms, proc_status_mb
from benchmarks.synthetic import to_knowledge
from bot.core.knowledge import KnowledgeBase, load_knowledge

SYSTEMS = ("faqbot", "bm25s", "rank_bm25")
DEPTH = 5


@dataclass(frozen=True)
class SpeedResult:
    """What one worker measured."""

    system: str
    entries: int
    loader: str
    load_s: float
    build_s: float
    queries: int
    p50_ms: float
    p99_ms: float
    cpu_p50_ms: float
    cpu_p99_ms: float
    mean_ms: float
    max_ms: float
    hit_at_1: float | None
    base_rss_mb: float
    peak_rss_mb: float


def load_entries(path: Path) -> tuple[KnowledgeBase, str, float]:
    """Load the knowledge: YAML (files or folders) through load_knowledge, JSON entry lists directly."""
    started = time.perf_counter()
    if path.suffix == ".json":
        knowledge = to_knowledge(json.loads(path.read_text(encoding="utf-8")))
        loader = "direct"
    else:
        knowledge = load_knowledge(path)
        loader = "load_knowledge"
    return knowledge, loader, time.perf_counter() - started


def builder(system: str) -> Callable[[KnowledgeBase], Callable[[str], str | None]]:
    """Import what the system needs (outside the timed build) and return its build function."""
    if system == "faqbot":
        from bot.config import Config
        from bot.core.answering import Answerer

        def build_faqbot(knowledge: KnowledgeBase) -> Callable[[str], str | None]:
            answerer = Answerer.build(knowledge, Config().retrieval, store=None)

            def ask(question: str) -> str | None:
                verdict = answerer.judge(question).verdict
                return verdict.best.entry.id if verdict is not None and verdict.best is not None else None

            return ask

        return build_faqbot
    from benchmarks.baselines import build_baseline, import_baseline

    import_baseline(system)

    def build_other(knowledge: KnowledgeBase) -> Callable[[str], str | None]:
        ids = [entry.id for entry in knowledge.entries]
        ranker = build_baseline(system, [entry.searchable_text for entry in knowledge.entries])

        def top(question: str) -> str | None:
            ranking = ranker.top(question, DEPTH)
            return ids[ranking[0]] if ranking else None

        return top

    return build_other


def time_questions(
    ask: Callable[[str], str | None], questions: Sequence[tuple[str, str | None]], min_count: int, budget_s: float
) -> tuple[list[int], list[int], float | None]:
    """Time each question (wall: perf_counter_ns; CPU: thread_time_ns), stopping once past the budget.

    At least `min_count` questions are timed whatever the budget. Also returns the share of answerable questions
    whose top hit is the entry the question was made from.
    """
    durations: list[int] = []
    cpu: list[int] = []
    hits = answerable = 0
    deadline = time.perf_counter_ns() + int(budget_s * 1e9)
    for text, expected in questions:
        if len(durations) >= min_count and time.perf_counter_ns() > deadline:
            break
        started, cpu_started = time.perf_counter_ns(), time.thread_time_ns()
        top = ask(text)
        durations.append(time.perf_counter_ns() - started)
        cpu.append(time.thread_time_ns() - cpu_started)
        if expected is not None:
            answerable += 1
            hits += top == expected
    return durations, cpu, (hits / answerable if answerable else None)


def reset_peak_rss() -> None:
    """Start the peak-RSS count afresh (Linux: writing 5 to clear_refs), so parsing YAML does not count."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


@dataclass(frozen=True)
class TimingOptions:
    """How many questions to warm up with and time, and the time budget for timing them."""

    warmup: int = 50
    limit: int = 1000
    min_queries: int = 300
    budget_s: float = 30.0


def measure(system: str, knowledge_path: Path, queries_path: Path, options: TimingOptions) -> SpeedResult:
    """Load, build (timed), warm up, then time up to `limit` questions (at least `min_queries`, budget allowing)."""
    knowledge, loader, load_s = load_entries(knowledge_path)
    questions = [(q["text"], q["expected"]) for q in json.loads(queries_path.read_text(encoding="utf-8"))]
    build = builder(system)
    reset_peak_rss()
    base_rss = proc_status_mb("VmRSS")
    started = time.perf_counter()
    ask = build(knowledge)
    build_s = time.perf_counter() - started
    for text, _ in questions[len(questions) - options.warmup :]:
        ask(text)
    measured = questions[: min(options.limit, max(len(questions) - options.warmup, 1))]
    durations, cpu, hit_at_1 = time_questions(ask, measured, options.min_queries, options.budget_s)
    return SpeedResult(
        system=system,
        entries=len(knowledge.entries),
        loader=loader,
        load_s=load_s,
        build_s=build_s,
        queries=len(durations),
        p50_ms=percentile_ms(durations, 50),
        p99_ms=percentile_ms(durations, 99),
        cpu_p50_ms=percentile_ms(cpu, 50),
        cpu_p99_ms=percentile_ms(cpu, 99),
        mean_ms=sum(durations) / len(durations) / 1e6,
        max_ms=max(durations) / 1e6,
        hit_at_1=hit_at_1,
        base_rss_mb=base_rss,
        peak_rss_mb=proc_status_mb("VmHWM"),
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The worker's command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker", description=__doc__)
    parser.add_argument("system", choices=SYSTEMS)
    parser.add_argument("knowledge", type=Path, help="a knowledge YAML file or folder, or a JSON list of entries")
    parser.add_argument("queries", type=Path, help="JSON list of {text, expected}; the last --warmup are warm-up")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--limit", type=int, default=1000, help="at most this many timed questions")
    parser.add_argument("--min-queries", type=int, default=300, help="time at least this many, budget or not")
    parser.add_argument("--budget-s", type=float, default=30.0, help="stop timing after this long (past the minimum)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the run to stderr")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the result as JSON on stdout."""
    args = parse_args(argv)
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    options = TimingOptions(args.warmup, args.limit, args.min_queries, args.budget_s)
    result = measure(args.system, args.knowledge, args.queries, options)
    if profiler is not None:
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
    sys.stdout.write(json.dumps(asdict(result)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
