"""The machine description, the goals check and the Markdown report of a benchmark run."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from benchmarks.baselines import LABELS
from benchmarks.breakdown import StepTime
from benchmarks.quality import LEAK_SOURCES, ClincResult, QualityRow
from benchmarks.responsiveness import ColdStart, LoopLag
from benchmarks.speed import ROLE, SizeResult

PACKAGES = ("faqbot", "scikit-learn", "numpy", "scipy", "bm25s", "rank-bm25")
BASELINE_SYSTEMS = ("bm25s", "rank_bm25")
LARGE = 100_000
P_AT_1_GOAL = 0.80
ROLE_P99_GOAL_MS = 2.0
LARGE_P99_GOAL_MS = 20.0
LARGE_BUILD_GOAL_S = 10.0
LOOP_LAG_GOAL_MS = 5.0
RUNTIME_GOAL_S = 600.0


@dataclass(frozen=True)
class Machine:
    """Where the figures were measured."""

    cpu: str
    cores: int
    ram_gb: float
    python: str
    system: str
    packages: dict[str, str]


@dataclass(frozen=True)
class Results:
    """Everything one run measured."""

    date: datetime
    quick: bool
    machine: Machine
    stackfaq: list[QualityRow]
    stackfaq_total_queries: int
    leaks: list[str]
    clinc: ClincResult
    speed: list[SizeResult]
    breakdown: list[StepTime]
    cold: ColdStart
    loop: list[LoopLag]
    runtime_s: float
    load_start: float
    load_end: float


@dataclass(frozen=True)
class Goal:
    """One goal of the issue and whether this run met it (None: not measured in this run)."""

    name: str
    measured: str
    met: bool | None


def _proc_field(path: str, key: str) -> str:
    """The first `key: value` line's value in a /proc file, or '?'."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def _version(package: str) -> str:
    """An installed package's version, or 'not installed'."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> Machine:
    """CPU model, usable cores, RAM, Python and package versions of this machine."""
    memory_kb = _proc_field("/proc/meminfo", "MemTotal").split()[0]
    return Machine(
        cpu=_proc_field("/proc/cpuinfo", "model name"),
        cores=len(os.sched_getaffinity(0)),
        ram_gb=int(memory_kb) / 1024**2 if memory_kb.isdigit() else float("nan"),
        python=platform.python_version(),
        system=platform.platform(),
        packages={package: _version(package) for package in PACKAGES},
    )


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def _size(results: Results, entries: int) -> SizeResult | None:
    """The synthetic size with exactly this many entries, if it was run."""
    return next((s for s in results.speed if s.label != ROLE and s.entries == entries), None)


def _role(results: Results) -> SizeResult:
    """The role-knowledge row."""
    return next(s for s in results.speed if s.label == ROLE)


def _as_fast_as_bm25s(results: Results) -> Goal:
    """faqbot's p50 and p99 no higher than bm25s's at every size."""
    worst, worst_ratio = "", 0.0
    for size in results.speed:
        faqbot, bm25s = size.results["faqbot"], size.results["bm25s"]
        for name, ours, theirs in (("p50", faqbot.p50_ms, bm25s.p50_ms), ("p99", faqbot.p99_ms, bm25s.p99_ms)):
            ratio = ours / theirs if theirs else float("inf")
            if ratio > worst_ratio:
                worst_ratio = ratio
                worst = f"{size.label}: {name} {ours:.2f} ms vs bm25s {theirs:.2f} ms"
    return Goal(
        "at least as fast as bm25s (p50 and p99, every size)", f"worst {worst} ({worst_ratio:.1f}x)", worst_ratio <= 1
    )


def _quality_goals(results: Results) -> list[Goal]:
    """P@1 on StackFAQ, and no StackFAQ query in the bot."""
    faqbot = next(row for row in results.stackfaq if row.system == "faqbot")
    return [
        Goal(f"StackFAQ P@1 >= {P_AT_1_GOAL:.2f}", f"{faqbot.p_at_1:.3f}", faqbot.p_at_1 >= P_AT_1_GOAL),
        Goal(
            "no StackFAQ query in knowledge, synonyms or settings",
            f"{len(results.leaks)} of {results.stackfaq_total_queries:,} found",
            not results.leaks,
        ),
    ]


def _latency_goal(name: str, size: SizeResult | None, limit_ms: float) -> Goal:
    """faqbot's wall-clock p99 at one size against a limit (CPU-time p99 shown alongside)."""
    if size is None:
        return Goal(name, "not run in this run", None)
    result = size.results["faqbot"]
    return Goal(name, f"{result.p99_ms:.2f} ms (CPU time {result.cpu_p99_ms:.2f} ms)", result.p99_ms <= limit_ms)


def _scale_goals(results: Results) -> list[Goal]:
    """Latency at role size and at 100k, and the index build at 100k."""
    large = _size(results, LARGE)
    build_name = f"index build <= {LARGE_BUILD_GOAL_S:g} s at 100k entries"
    if large is None:
        build = Goal(build_name, "not run in this run", None)
    else:
        seconds = large.results["faqbot"].build_s
        build = Goal(build_name, f"{seconds:.1f} s", seconds <= LARGE_BUILD_GOAL_S)
    return [
        _latency_goal(f"p99 <= {ROLE_P99_GOAL_MS:g} ms at role size", _role(results), ROLE_P99_GOAL_MS),
        _latency_goal(f"p99 <= {LARGE_P99_GOAL_MS:g} ms at 100k entries", large, LARGE_P99_GOAL_MS),
        build,
    ]


def _loop_goal(results: Results) -> Goal:
    """The event loop during a burst, questions arriving one per loop turn."""
    burst = results.loop[0]
    return Goal(
        f"event loop never blocked > {LOOP_LAG_GOAL_MS:g} ms in a burst of {burst.questions} questions",
        f"max lag {burst.max_ms:.2f} ms ({burst.scenario})",
        burst.max_ms <= LOOP_LAG_GOAL_MS,
    )


def _runtime_goal(results: Results) -> Goal:
    """The whole run's wall time (a --quick run does not count)."""
    runtime = f"{results.runtime_s / 60:.1f} min for `python -m benchmarks`"
    if results.quick:
        return Goal("`make bench` under 10 minutes", f"{runtime} (--quick)", None)
    return Goal("`make bench` under 10 minutes", runtime, results.runtime_s <= RUNTIME_GOAL_S)


def goals(results: Results) -> list[Goal]:
    """Each goal of the issue with this run's figure."""
    return [
        *_quality_goals(results),
        *_scale_goals(results),
        _as_fast_as_bm25s(results),
        _loop_goal(results),
        _runtime_goal(results),
    ]


def _table(header: list[str], rows: list[list[str]], *, numeric: bool = True) -> list[str]:
    """A Markdown table; columns after the first are right-aligned when `numeric`."""
    rule = "---:" if numeric else "---"
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---", *[rule] * (len(header) - 1)]) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _status(goal: Goal) -> str:
    """A goal's verdict as a word."""
    return {True: "met", False: "**not met**", None: "not measured"}[goal.met]


def _ratio(ours: float, theirs: float) -> str:
    """faqbot's figure over the baseline's, as 'N.NNx'."""
    return f"{ours / theirs:.2f}x" if theirs else "n/a"


def _percent(value: float | None) -> str:
    """A share as a percentage, or a dash."""
    return "-" if value is None else f"{value:.1%}"


def machine_section(results: Results) -> list[str]:
    """Where and when."""
    m = results.machine
    packages = ", ".join(f"{name} {version}" for name, version in m.packages.items())
    return [
        "## Machine",
        "",
        *_table(
            ["", ""],
            [
                ["date", results.date.strftime("%Y-%m-%d %H:%M UTC")],
                ["CPU", f"{m.cpu}, {m.cores} cores usable"],
                ["RAM", f"{m.ram_gb:.1f} GB"],
                ["Python", f"{m.python} ({m.system})"],
                ["packages", packages],
                ["runtime", f"{results.runtime_s:.0f} s for the whole `python -m benchmarks` run"],
                [
                    "load average (1 min)",
                    f"{results.load_start:.2f} at the start, {results.load_end:.2f} at the end "
                    f"(other processes on the {m.cores} cores inflate wall-clock tails; CPU-time columns do not)",
                ],
            ],
            numeric=False,
        ),
    ]


def goals_section(results: Results) -> list[str]:
    """One line per goal: met or not, with the figure."""
    rows = [[goal.name, goal.measured, _status(goal)] for goal in goals(results)]
    return ["## Goals", "", *_table(["goal", "this run", "status"], rows, numeric=False)]


def quality_section(results: Results) -> list[str]:
    """StackFAQ ranking quality and CLINC150 false answers."""
    queries = results.stackfaq[0].queries
    rows = [
        [
            LABELS[row.system],
            f"{row.p_at_1:.3f}",
            f"{row.mrr_at_5:.3f}",
            _percent(row.answered_share),
            _percent(row.answered_accuracy),
        ]
        for row in results.stackfaq
    ]
    clinc = results.clinc
    return [
        "## Quality",
        "",
        f"### StackFAQ ({queries:,} queries over 125 entries)",
        "",
        *_table(["system", "P@1", "MRR@5", "answered by the gate", "accuracy of those answered"], rows),
        "",
        f"Leak check: {len(results.leaks)} of {results.stackfaq_total_queries:,} StackFAQ queries appear verbatim "
        f"(case and spacing ignored) in {', '.join(f'`{name}`' for name in LEAK_SOURCES)}.",
        "",
        f"### CLINC150 off-domain ({clinc.queries:,} queries, role knowledge)",
        "",
        *_table(
            ["system", "false-answer rate (status ANSWERED)"],
            [[LABELS["faqbot"], f"{clinc.rate:.2%} ({clinc.answered:,} of {clinc.queries:,})"]],
        ),
    ]


def _speed_rows(size: SizeResult) -> list[list[str]]:
    """One row per system at one size."""
    rows = []
    for system, result in size.results.items():
        loader = result.loader if result.loader == "direct" else f"{result.loader} {result.load_s:.1f} s"
        rows.append(
            [
                f"{size.label} ({size.entries:,})" if size.label == ROLE else size.label,
                system,
                loader,
                f"{result.build_s:.2f}",
                f"{result.p50_ms:.3f}",
                f"{result.p99_ms:.3f}",
                f"{result.cpu_p50_ms:.3f} / {result.cpu_p99_ms:.3f}",
                f"{result.peak_rss_mb:.0f}",
                f"{result.queries:,}",
                _percent(result.hit_at_1),
            ]
        )
    return rows


def _ratio_rows(size: SizeResult) -> list[list[str]]:
    """faqbot's figures divided by each baseline's at one size."""
    ours = size.results["faqbot"]
    rows = []
    for system in BASELINE_SYSTEMS:
        theirs = size.results[system]
        rows.append(
            [
                size.label,
                f"faqbot / {system}",
                _ratio(ours.build_s, theirs.build_s),
                _ratio(ours.p50_ms, theirs.p50_ms),
                _ratio(ours.p99_ms, theirs.p99_ms),
                _ratio(ours.peak_rss_mb, theirs.peak_rss_mb),
            ]
        )
    return rows


def yaml_estimate(results: Results) -> str:
    """How long load_knowledge would take at 100k entries, from the largest synthetic size it loaded."""
    loaded = [
        size.results["faqbot"]
        for size in results.speed
        if size.label != ROLE and size.results["faqbot"].loader == "load_knowledge"
    ]
    if not loaded:
        return "No synthetic size was loaded from YAML in this run."
    largest = max(loaded, key=lambda result: result.entries)
    rate = largest.entries / largest.load_s if largest.load_s else float("inf")
    return (
        f"`load_knowledge` read {largest.entries:,} synthetic entries from YAML in {largest.load_s:.1f} s "
        f"({rate:,.0f} entries/s): about {LARGE / rate:,.0f} s for {LARGE:,} entries at that rate."
    )


def speed_section(results: Results) -> list[str]:
    """Per size and system: load, build, latency, memory; then the ratios."""
    rows = [row for size in results.speed for row in _speed_rows(size)]
    ratios = [row for size in results.speed for row in _ratio_rows(size)]
    header = [
        "knowledge",
        "system",
        "loaded by",
        "build s",
        "p50 ms",
        "p99 ms",
        "CPU p50 / p99 ms",
        "peak RSS MB",
        "questions",
        "hit@1",
    ]
    return [
        "## Speed, memory, scale",
        "",
        *_table(header, rows),
        "",
        yaml_estimate(results),
        "",
        "Ratios (faqbot's figure divided by the baseline's: above 1 means faqbot is slower or bigger):",
        "",
        *_table(["knowledge", "ratio", "build", "p50", "p99", "peak RSS"], ratios),
    ]


def breakdown_section(results: Results) -> list[str]:
    """The answer path step by step on the role knowledge, next to bm25s's whole path."""
    whole = results.breakdown[0].mean_us if results.breakdown else 0.0
    rows = [
        [step.step, f"{step.mean_us:.1f}", _percent(step.mean_us / whole if whole else None)]
        for step in results.breakdown
    ]
    return [
        "## Where the time goes (role knowledge, one process)",
        "",
        *_table(["step", "mean µs per question", "of faqbot's whole path"], rows),
    ]


def responsiveness_section(results: Results) -> list[str]:
    """Cold start and event-loop lag."""
    cold = results.cold
    runs = ", ".join(f"{run:.2f}" for run in cold.runs_s)
    lag_rows = [
        [
            lag.scenario,
            str(lag.questions),
            f"{lag.max_ms:.2f}",
            f"{lag.p99_ms:.2f}",
            f"{lag.p50_ms:.3f}",
            f"{lag.burst_s:.2f}",
        ]
        for lag in results.loop
    ]
    return [
        "## Cold start",
        "",
        *_table(
            ["command", "median s", "runs s", "status"],
            [
                [
                    '`python -m bot ask --json --db <tmp> "how many years of experience?"`',
                    f"{cold.median_s:.2f}",
                    runs,
                    cold.status,
                ]
            ],
        ),
        "",
        "## Event loop lag while answering a burst (role knowledge)",
        "",
        *_table(["burst", "questions", "max lag ms", "p99 lag ms", "p50 lag ms", "burst s"], lag_rows),
    ]


NOTES = """## How it is measured

- Quality: StackFAQ entries are written to a temporary knowledge YAML file (title = thread question, text = answer,
  no `questions:`, no synonyms) and loaded with `load_knowledge`; faqbot is `Answerer.build(knowledge,
  Config().retrieval)`. P@1 and MRR@5 come from `retriever.search(question, k=5)`; the gate columns from
  `Answerer.judge`. Baselines index title + text of the same entries.
- Speed: each (knowledge, system) pair runs in a fresh process (`python -m benchmarks.worker`). Build = entries in
  memory to a fitted index (`Answerer.build`, i.e. `TfidfRetriever().fit`; for the baselines, corpus tokenisation
  plus indexing). Latency = `Answerer.judge(question)` (small talk check, retrieval, gate) per question with
  `time.perf_counter_ns` after a warm-up; for bm25s and rank_bm25 query tokenisation + `retrieve(k=5)` /
  `get_scores` + top 5. Baselines index everything faqbot reads of an entry (title, text, questions, tags).
  Questions: perturbed entry titles and questions (a word dropped or replaced, sometimes a typo) plus 10 % CLINC150
  queries; hit@1 = share of the perturbed ones whose top entry is their source (a sanity check, not a quality
  figure). Each system times up to 1,000 questions and stops early once past its time budget (30 s; rank_bm25: 15 s,
  it scores every document in Python) with at least 300 timed (rank_bm25: 20): the `questions` column says how many.
- Synthetic knowledge: fixed seed; the role knowledge's words plus pronounceable pseudo-words, the vocabulary
  growing with size (Heaps' law), Zipf-Mandelbrot word frequencies; each entry a title of 5-10 words, a text of
  40-120 words and 3-6 questions of 5-12 words drawn partly from a dozen topic words of its own. faqbot loads it
  from a YAML file through `load_knowledge` up to 1,000 entries (the `loaded by` column gives the time); larger
  sizes are built directly as `Entry` objects, because `load_knowledge` (libyaml, run twice per file: compose for
  line numbers, then load) would add tens of seconds (see the estimate under the table).
  The baselines read the same entries directly.
- Peak RSS: VmHWM of the worker process, reset after loading the entries (so the YAML parser's garbage does not
  count), so it is interpreter + libraries + entries + index + querying.
- Where the time goes: in the benchmark's own process, on 1,000 questions made like the speed questions, each step
  timed over three passes (mean per question, so the steps can be compared and subtracted). The faqbot rows after
  the first two are the search's first steps run alone: what `retriever.search` spends beyond them is scoring
  (the phrasing and body channels, coverage, the concept space) and ranking. bm25s indexes the same entries.
- Event loop: a fresh asyncio loop; one task per question calls `Answerer.judge` on the loop, as
  `bot/discord_app/cogs/members.py` does, while a monitor sleeps 1 ms at a time and records how late it wakes.
  "One message per loop turn": questions dispatched back to back, one per loop iteration; "all messages in one
  gateway read": all tasks created at once, so they run back to back with no chance for the loop in between (the
  worst case).
"""


def render(results: Results) -> str:
    """The whole report as Markdown."""
    title = "# faqbot benchmarks"
    lines = [title, "", "Written by `python -m benchmarks` (`make bench`); do not edit by hand."]
    if results.quick:
        lines += ["", "**Quick run (`--quick`): tiny sizes and samples, figures not meaningful.**"]
    lines += ["", *machine_section(results), "", *goals_section(results), "", *quality_section(results)]
    lines += ["", *speed_section(results), "", *breakdown_section(results)]
    lines += ["", *responsiveness_section(results), "", NOTES.rstrip()]
    return "\n".join(lines) + "\n"
