"""Smoke test of the benchmarks: every code path on tiny sizes, and the report has its rows (no speed asserted)."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import pytest
import yaml
from data_helpers import public_data

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package; `python -m pytest` has it, bare `pytest` not
    sys.path.insert(0, str(ROOT))

from benchmarks.quality import DEPTH, LabelledQuery, leaked_queries, load_stackfaq, rank_scores  # noqa: E402
from benchmarks.run import main, parse_sizes  # noqa: E402
from benchmarks.speed import SpeedSettings, plan_role, run_worker  # noqa: E402
from benchmarks.synthetic import base_words, generate_entries, make_queries, write_entries  # noqa: E402
from bot.core.knowledge import load_knowledge  # noqa: E402


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    public_data()  # the report's quality part reads StackFAQ and CLINC150
    output = tmp_path_factory.mktemp("bench") / "results.md"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main(["--quick", "--sizes", "60", "--output", str(output)]) == 0
    return stdout.getvalue(), output.read_text(encoding="utf-8")


def table_rows(report: str, first_cell: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in report.splitlines()
        if line.startswith(f"| {first_cell}")
    ]


def test_the_report_is_printed_and_written(quick_report: tuple[str, str]) -> None:
    printed, written = quick_report
    assert printed == written
    for heading in (
        "## Machine",
        "## Goals",
        "## Quality",
        "## Speed, memory, scale",
        "## Cold start",
        "## Event loop",
    ):
        assert heading in written
    assert "Quick run" in written


def test_the_machine_is_described(quick_report: tuple[str, str]) -> None:
    _, report = quick_report
    for cell in ("date", "CPU", "RAM", "Python", "packages", "runtime"):
        assert table_rows(report, cell), cell
    assert "scikit-learn" in report and "bm25s" in report and "rank-bm25" in report


def test_stackfaq_has_faqbot_and_the_three_baselines_with_scores_between_0_and_1(quick_report: tuple[str, str]) -> None:
    _, report = quick_report
    for system in ("faqbot", "plain TF-IDF", "bm25s", "rank_bm25"):
        rows = [row for row in table_rows(report, system) if len(row) == 5]
        assert len(rows) == 1, system
        p_at_1, mrr = float(rows[0][1]), float(rows[0][2])
        assert 0 <= p_at_1 <= mrr <= 1
    assert table_rows(report, "faqbot (TfidfRetriever + gate)")[-1][1].endswith("of 60)")


def test_speed_rows_for_every_size_and_system_and_ratios(quick_report: tuple[str, str]) -> None:
    _, report = quick_report
    for size in ("role (", "60"):
        systems = [row[1] for row in table_rows(report, size) if len(row) == 10]
        assert systems == ["faqbot", "bm25s", "rank_bm25"], size
    ratios = [row[1] for row in table_rows(report, "60") if len(row) == 6]
    assert ratios == ["faqbot / bm25s", "faqbot / rank_bm25"]


def test_goals_cold_start_and_loop_lag_are_reported(quick_report: tuple[str, str]) -> None:
    _, report = quick_report
    for goal in ("StackFAQ P@1", "no StackFAQ query", "p99 <= 2 ms", "p99 <= 20 ms", "index build", "at least as fast"):
        assert table_rows(report, goal), goal
    assert table_rows(report, "event loop never blocked") and table_rows(report, "`make bench`")
    assert table_rows(report, "`python -m bot ask")[0][3] == "answered"
    assert len(table_rows(report, "one message per loop turn")) == 1
    assert len(table_rows(report, "all messages in one gateway read")) == 1


def test_the_time_breakdown_has_every_step_and_bm25s(quick_report: tuple[str, str]) -> None:
    _, report = quick_report
    assert "## Where the time goes" in report
    faqbot = table_rows(report, "faqbot: ")
    assert len(faqbot) == 5 and faqbot[0][2] == "100.0%"
    assert all(float(row[1]) > 0 for row in faqbot)  # no order asserted: a smoke test times too little for that
    bm25s = table_rows(report, "bm25s: whole path")
    assert len(bm25s) == 1 and float(bm25s[0][1]) > 0


def test_a_worker_process_measures_one_system(tmp_path: Path) -> None:
    knowledge = load_knowledge(ROOT / "knowledge")
    plan = plan_role(
        knowledge, tmp_path, SpeedSettings(queries=10, warmup=2), offtopic=["what is the weather tomorrow"]
    )
    settings = SpeedSettings(queries=10, min_queries=5, warmup=2, budget_s=1.0, in_process=False)
    result = run_worker("bm25s", plan, settings)
    assert result.system == "bm25s" and result.loader == "load_knowledge"
    assert 5 <= result.queries <= 10 and result.peak_rss_mb > 0 and result.p50_ms <= result.p99_ms


def test_synthetic_knowledge_is_reproducible_realistic_and_loads_through_the_loader(tmp_path: Path) -> None:
    base = base_words(load_knowledge(ROOT / "knowledge"))
    entries = generate_entries(30, base)
    assert entries == generate_entries(30, base)
    for entry in entries:
        assert 5 <= len(entry["title"].split()) <= 10
        assert 40 <= len(entry["text"].split()) <= 120
        assert 3 <= len(entry["questions"]) <= 6
        assert all(5 <= len(question.split()) <= 12 for question in entry["questions"])
    knowledge = load_knowledge(write_entries(entries, tmp_path / "synthetic", as_yaml=True))
    assert [entry.id for entry in knowledge.entries] == [entry["id"] for entry in entries]
    queries = make_queries(knowledge, 50, ["book a flight to paris"])
    assert len(queries) == 50 and {q.expected for q in queries} - {None} <= {e["id"] for e in entries}
    yaml.safe_load((tmp_path / "synthetic.yaml").read_text(encoding="utf-8"))


def test_metrics() -> None:
    queries = [LabelledQuery("q1", "a"), LabelledQuery("q2", "b"), LabelledQuery("q3", "c")]
    p_at_1, mrr = rank_scores([["a", "x"], ["x", "b"], ["x"] * DEPTH], queries)
    assert p_at_1 == pytest.approx(1 / 3) and mrr == pytest.approx(0.5)


def test_the_leak_check_finds_a_stackfaq_query_planted_in_knowledge(tmp_path: Path) -> None:
    public_data()
    stackfaq = load_stackfaq()
    assert len(stackfaq.entries) == 125 and len(stackfaq.queries) == 1249
    planted = stackfaq.queries[3]
    (tmp_path / "knowledge").mkdir()
    (tmp_path / "knowledge" / "role.yaml").write_text(f"questions:\n  - {planted.text.upper()}\n", encoding="utf-8")
    assert leaked_queries(stackfaq.queries[:10], tmp_path) == [planted.text]


def test_no_public_data_set_is_copied_into_the_repository() -> None:
    assert not (ROOT / "benchmarks" / "data").exists()
    assert not list((ROOT / "eval").glob("*.json"))


def test_sizes_accept_k_suffixes() -> None:
    assert parse_sizes("1000, 10k,100k") == (1000, 10_000, 100_000)
