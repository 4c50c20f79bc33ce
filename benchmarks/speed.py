"""Speed, memory and scale: each (knowledge size, system) measured by benchmarks.worker in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import KNOWLEDGE, ROOT, progress
from benchmarks.synthetic import Query, base_words, generate_entries, make_queries, to_knowledge, write_entries
from benchmarks.worker import SYSTEMS, SpeedResult, TimingOptions, measure
from bot.core.knowledge import KnowledgeBase

ROLE = "role"


@dataclass(frozen=True)
class SpeedSettings:
    """How much to measure: question counts, time budgets and where YAML loading stops."""

    queries: int = 1000
    min_queries: int = 300
    warmup: int = 50
    budget_s: float = 30.0
    rank_bm25_min_queries: int = 20
    rank_bm25_budget_s: float = 15.0
    yaml_limit: int = 1_000
    jobs: int = 1
    in_process: bool = False
    timeout_s: float = 1800.0


@dataclass(frozen=True)
class SizePlan:
    """One knowledge size to measure: where its entries and questions are on disk."""

    label: str
    entries: int
    faqbot_knowledge: Path
    baseline_knowledge: Path
    queries: Path


@dataclass
class SizeResult:
    """All systems' figures at one knowledge size."""

    label: str
    entries: int
    results: dict[str, SpeedResult] = field(default_factory=dict)


def write_queries(queries: Sequence[Query], path: Path) -> Path:
    """Save questions as JSON for the workers."""
    path.write_text(json.dumps([{"text": q.text, "expected": q.expected} for q in queries]), encoding="utf-8")
    return path


def plan_role(knowledge: KnowledgeBase, directory: Path, settings: SpeedSettings, offtopic: Sequence[str]) -> SizePlan:
    """The bundled role knowledge (`knowledge`), loaded by every worker itself through load_knowledge."""
    queries = make_queries(knowledge, settings.queries + settings.warmup, offtopic)
    path = write_queries(queries, directory / "queries-role.json")
    return SizePlan(ROLE, len(knowledge.entries), KNOWLEDGE, KNOWLEDGE, path)


def plan_synthetic(
    size: int, directory: Path, base: Sequence[str], settings: SpeedSettings, offtopic: Sequence[str]
) -> SizePlan:
    """Generate `size` entries; faqbot loads them from YAML up to yaml_limit, everything else from JSON directly."""
    entries = generate_entries(size, base)
    stem = directory / f"synthetic-{size}"
    direct = write_entries(entries, stem, as_yaml=False)
    faqbot_path = write_entries(entries, stem, as_yaml=True) if size <= settings.yaml_limit else direct
    queries = make_queries(to_knowledge(entries), settings.queries + settings.warmup, offtopic)
    return SizePlan(f"{size:,}", size, faqbot_path, direct, write_queries(queries, directory / f"queries-{size}.json"))


def timing_options(system: str, settings: SpeedSettings) -> TimingOptions:
    """The question counts and budget for one system (rank_bm25 gets a smaller share: it is slow at scale)."""
    rank_bm25 = system == "rank_bm25"
    return TimingOptions(
        warmup=settings.warmup,
        limit=settings.queries,
        min_queries=settings.rank_bm25_min_queries if rank_bm25 else settings.min_queries,
        budget_s=settings.rank_bm25_budget_s if rank_bm25 else settings.budget_s,
    )


def knowledge_for(system: str, plan: SizePlan) -> Path:
    """faqbot reads the YAML knowledge where there is one; the baselines always the same entries, directly."""
    return plan.faqbot_knowledge if system == "faqbot" else plan.baseline_knowledge


def worker_command(system: str, plan: SizePlan, settings: SpeedSettings) -> list[str]:
    """The command line of one worker process."""
    options = timing_options(system, settings)
    return [
        sys.executable,
        "-m",
        "benchmarks.worker",
        system,
        str(knowledge_for(system, plan)),
        str(plan.queries),
        f"--warmup={options.warmup}",
        f"--limit={options.limit}",
        f"--min-queries={options.min_queries}",
        f"--budget-s={options.budget_s}",
    ]


def run_worker(system: str, plan: SizePlan, settings: SpeedSettings) -> SpeedResult:
    """Measure one system at one size in a fresh process (or in this one, for --quick)."""
    if settings.in_process:
        result = measure(system, knowledge_for(system, plan), plan.queries, timing_options(system, settings))
    else:
        done = subprocess.run(
            worker_command(system, plan, settings),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=settings.timeout_s,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"worker {system} at {plan.label} failed: {done.stderr[-3000:]}")
        result = SpeedResult(**json.loads(done.stdout.strip().splitlines()[-1]))
    progress(
        "  %-9s %8s entries: build %.2f s, p50 %.3f ms, p99 %.3f ms over %d questions, peak RSS %.0f MB",
        system,
        plan.label,
        result.build_s,
        result.p50_ms,
        result.p99_ms,
        result.queries,
        result.peak_rss_mb,
    )
    return result


def plans(
    role: KnowledgeBase, sizes: Sequence[int], directory: Path, settings: SpeedSettings, offtopic: Sequence[str]
) -> list[SizePlan]:
    """The role knowledge first, then each synthetic size (built on the role's words), generated into `directory`."""
    base = base_words(role)
    result = [plan_role(role, directory, settings, offtopic)]
    for size in sizes:
        progress("generating %s synthetic entries", f"{size:,}")
        result.append(plan_synthetic(size, directory, base, settings, offtopic))
    return result


def run_speed(
    role: KnowledgeBase, sizes: Sequence[int], directory: Path, settings: SpeedSettings, offtopic: Sequence[str]
) -> list[SizeResult]:
    """Every system at every size, one fresh worker process each (`jobs` at a time; 1 for trustworthy timings)."""
    size_plans = plans(role, sizes, directory, settings, offtopic)
    jobs = [(plan, system) for plan in size_plans for system in SYSTEMS]
    with ThreadPoolExecutor(max_workers=max(settings.jobs, 1)) as pool:
        futures = [pool.submit(run_worker, system, plan, settings) for plan, system in jobs]
        measured = [future.result() for future in futures]
    results = {plan.label: SizeResult(plan.label, plan.entries) for plan in size_plans}
    for (plan, system), result in zip(jobs, measured, strict=True):
        results[plan.label].results[system] = result
    return list(results.values())
