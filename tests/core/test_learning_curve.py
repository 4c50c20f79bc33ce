"""The learning curve of `faqbot eval`: teaching from the tuning half only, through the editors' resolve and a store.

A small knowledge (six entries, one `questions:` line) keeps it fast; the full curve on the role is `faqbot eval`'s.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.config import Config
from bot.core.knowledge import load_knowledge
from bot.evaluation.corpora import Corpus, Question
from bot.evaluation.crosseval import evaluate
from bot.evaluation.learning import LearningCurve, curve_report, learning_curve, teaching_order
from bot.folding import question_key

KNOWLEDGE = """
role: Lighthouse Keeper
entries:
  - id: duty-lamp
    title: Keeping the lamp lit
    section: Duties
    text: The keeper trims the wick and polishes the lens every evening before dusk.
  - id: duty-log
    title: The logbook
    section: Duties
    text: Every passing ship, storm and repair is written in the logbook.
  - id: duty-fog
    title: Sounding the fog signal
    section: Duties
    text: When visibility drops below two miles the keeper starts the foghorn and keeps it sounding until the fog lifts.
  - id: faq-salary
    title: How much does a lighthouse keeper earn?
    section: Frequently asked questions
    text: Keepers earn a modest wage plus free lodging in the tower cottage.
  - id: faq-training
    title: What training does a keeper need?
    section: Frequently asked questions
    text: New keepers serve a year as assistant keeper and pass the maritime safety course.
  - id: faq-leave
    title: Holidays and time off
    section: Frequently asked questions
    text: Keepers take four weeks of leave a year while a relief keeper covers the station.
    questions: [when can I go on holiday]
"""

TUNING = (
    Question("who sounds the horn when it gets foggy", frozenset({"duty-fog"})),
    Question("how do I become a lighthouse keeper", frozenset({"faq-training"})),
    Question("what do keepers get paid", frozenset({"faq-salary", "faq-leave"}), "faq-salary"),
    Question("who polishes the glass at night", frozenset({"duty-lamp"})),
    Question("where are the passing ships written down", frozenset({"duty-log"})),
    Question("when can I go on holiday", frozenset({"duty-log"})),  # faq-leave's own question: an editor is refused
    Question("what is the capital of france"),  # off-topic: nothing to resolve it to
)
TEST = (
    Question("who sounds the horn when it is foggy?", frozenset({"duty-fog"})),
    Question("how much do lighthouse keepers get paid", frozenset({"faq-salary"})),
    Question("how do i become a keeper", frozenset({"faq-training"})),
    Question("who polishes the lens", frozenset({"duty-lamp"})),
    Question("best pizza topping?"),
    Question("how tall is mount everest"),
)
SHARES = (0.0, 0.5, 1.0)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    folder = tmp_path_factory.mktemp("curve-knowledge")
    (folder / "lighthouse.yaml").write_text(textwrap.dedent(KNOWLEDGE), encoding="utf-8")
    return Corpus("lighthouse", load_knowledge(folder), {"tuning": TUNING, "test": TEST})


@pytest.fixture(scope="module")
def curve(corpus: Corpus) -> LearningCurve:
    return learning_curve(corpus, Config().retrieval, shares=SHARES)


def test_only_tuning_half_questions_are_taught_and_none_of_the_test_half(curve: LearningCurve) -> None:
    taught = {question_key(text) for text in curve.taught}
    assert taught, "the curve taught nothing"
    assert taught.isdisjoint(question_key(q.text) for q in TEST)
    assert taught <= {question_key(q.text) for q in TUNING if q.in_scope}
    assert (curve.taught_part, curve.reported_part) == ("tuning", "test")


def test_a_question_that_is_another_entrys_is_refused_as_the_product_refuses_it(curve: LearningCurve) -> None:
    last = curve.points[-1]
    assert (last.resolved, last.refused, last.learned) == (5, 1, 5)
    assert question_key("when can I go on holiday") not in {question_key(text) for text in curve.taught}


def test_the_zero_point_is_the_knowledge_as_it_came_in_the_same_run(corpus: Corpus, curve: LearningCurve) -> None:
    untaught = evaluate([corpus], Config().retrieval, ("test",)).get("lighthouse", "test")
    first = curve.points[0]
    assert (first.share, first.resolved, first.learned) == (0.0, 0, 0)
    assert first.outcomes == untaught


def test_teaching_answers_close_paraphrases_and_never_loses_what_was_answered(curve: LearningCurve) -> None:
    right = [point.outcomes.right_share for point in curve.points]
    assert [point.share for point in curve.points] == list(SHARES)
    assert right[-1] >= right[0] + 0.25  # at least one more of the four in-scope test questions answered right
    assert min(right) >= right[0]
    assert all(point.outcomes.wrong_share == 0 for point in curve.points)  # nothing off-topic gets answered


def test_the_order_is_fixed_by_its_seed_and_holds_only_answerable_questions() -> None:
    assert teaching_order(TUNING) == teaching_order(TUNING)
    assert {q.text for q in teaching_order(TUNING)} == {q.text for q in TUNING if q.in_scope}
    assert [q.text for q in teaching_order(TUNING, seed=1)] != [q.text for q in teaching_order(TUNING, seed=2)]


def test_the_report_shows_every_point_and_the_issue_bars(curve: LearningCurve) -> None:
    text = curve_report(curve)
    assert [line.split(" | ")[0] for line in text.splitlines() if line.startswith("| ") and "%" in line[:7]] == [
        "| 0%",
        "| 50%",
        "| 100%",
    ]
    assert "learning curve: answered right gain at 100% taught" in text
    record = curve.to_json()
    assert [point["taught_share"] for point in record["points"]] == list(SHARES)
    assert record["gain"] == pytest.approx(curve.gain)


def test_teaching_and_reporting_the_same_half_is_refused(corpus: Corpus) -> None:
    with pytest.raises(ValueError, match="taught from one part and reported on another"):
        learning_curve(corpus, Config().retrieval, taught_part="test", reported_part="test")


def test_the_curve_plot_is_a_png(curve: LearningCurve, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from bot.evaluation.learning import plot_learning_curve

    plot_learning_curve(curve, tmp_path / "curve.png")
    assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
