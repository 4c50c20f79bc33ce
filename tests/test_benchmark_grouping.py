"""The grouping benchmark runs and reports its table (speed is measured by `make bench`, never asserted here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import grouping  # noqa: E402


def test_the_grouping_benchmark_groups_paraphrases_and_renders_its_table(tmp_path: Path, monkeypatch) -> None:
    texts = ["how do I bake sourdough bread", "how to bake sourdough bread", "is there parking at the office"]
    data = tmp_path / "train.json"
    data.write_text(json.dumps({"train": [{"text": text, "intent": "x"} for text in texts * 400]}), encoding="utf-8")
    monkeypatch.setattr(grouping, "QUICK_SIZES", (3,))

    rows = grouping.run_grouping(quick=True, data=data)
    report = grouping.render_grouping(rows)

    assert [(row.questions, row.groups) for row in rows] == [(3, 2)]  # the two bread questions are one group
    assert "| 3 |" in report and "## Grouping the editors' queue" in report


def test_grouping_quality_is_reported_per_half_at_the_default_threshold(tmp_path: Path) -> None:
    asked = {"how do I bake sourdough bread": "bread", "how to bake sourdough bread": "bread", "parking?": "parking"}
    train = [{"text": f"{text} {n}", "intent": intent} for n in range(20) for text, intent in asked.items()]
    data = tmp_path / "train.json"
    data.write_text(json.dumps({"train": train}), encoding="utf-8")

    quality = grouping.grouping_quality(data)
    report = grouping.render_grouping([grouping.GroupingRow(3, 0.1, 0.1, 0.1, 1.0, 2, 2)], quality)

    assert [(q.part, q.threshold) for q in quality] == [
        ("tuning", grouping.DEFAULT_THRESHOLD),
        ("tuning", grouping.EARLIER_THRESHOLD),
        ("test", grouping.DEFAULT_THRESHOLD),
        ("test", grouping.EARLIER_THRESHOLD),
    ]
    assert all(q.questions == 30 and 0 < q.purity <= 1 for q in quality)
    assert f"| test | {grouping.DEFAULT_THRESHOLD:.2f} | 30 |" in report


def test_without_the_data_set_the_section_says_it_was_skipped(tmp_path: Path) -> None:
    assert grouping.run_grouping(quick=True, data=tmp_path / "missing.json") == []
    assert "Skipped" in grouping.render_grouping([])
