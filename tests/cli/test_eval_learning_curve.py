"""`faqbot eval` prints the learning curve (text and --json) and draws it with --curve-plot.

The command's five knowledge bases are replaced by one six-entry knowledge under their names, so the run takes
seconds; the real figures are `faqbot eval`'s and `make bench`'s.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.knowledge import KnowledgeBase, load_knowledge
from bot.core.retriever import TfidfRetriever
from bot.evaluation import corpora, crosseval, learning
from bot.evaluation.corpora import Corpus, Question, without_questions
from bot.evaluation.learning import CURVE_CORPUS, CURVE_SHARES

KNOWLEDGE = """
role: Lighthouse Keeper
entries:
  - id: duty-lamp
    title: Keeping the lamp lit
    section: Duties
    text: The keeper trims the wick and polishes the lens every evening before dusk.
  - id: duty-fog
    title: Sounding the fog signal
    section: Duties
    text: When visibility drops below two miles the keeper starts the foghorn and keeps it sounding until the fog lifts.
  - id: faq-salary
    title: How much does a lighthouse keeper earn?
    section: Frequently asked questions
    text: Keepers earn a modest wage plus free lodging in the tower cottage.
    questions: [what is the pay of a keeper]
"""
PARTS = {
    "tuning": (
        Question("who sounds the horn when it gets foggy", frozenset({"duty-fog"})),
        Question("who polishes the glass at night", frozenset({"duty-lamp"})),
        Question("what is the capital of france"),
    ),
    "test": (
        Question("who sounds the horn when it is foggy?", frozenset({"duty-fog"})),
        Question("how much do keepers get paid", frozenset({"faq-salary"})),
        Question("best pizza topping?"),
    ),
}
NAMES = ("role eval", CURVE_CORPUS, "StackFAQ", "CLINC150 as FAQ", "CLINC150 off-domain vs role")


@pytest.fixture
def small_corpora(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`faqbot eval` measures the six-entry knowledge under every knowledge base's name (bare for the curve's)."""
    (tmp_path / "lighthouse.yaml").write_text(textwrap.dedent(KNOWLEDGE), encoding="utf-8")
    knowledge = load_knowledge(tmp_path)

    def small(*_: object) -> list[Corpus]:
        return [
            Corpus(name, without_questions(knowledge) if name == CURVE_CORPUS else knowledge, PARTS) for name in NAMES
        ]

    monkeypatch.setattr(corpora, "all_corpora", small)
    # Each knowledge is indexed once (the four corpora beside the curve's share one; the curve's first point is the
    # bare corpus's own index): the refits after teaching are the product's own (`Answerer.learn`).
    fitted: dict[int, TfidfRetriever] = {}
    fit = crosseval.fit_retriever

    def fit_once(knowledge: KnowledgeBase) -> TfidfRetriever:
        if id(knowledge) not in fitted:
            fitted[id(knowledge)] = fit(knowledge)
        return fitted[id(knowledge)]

    monkeypatch.setattr(crosseval, "fit_retriever", fit_once)
    monkeypatch.setattr(learning, "fit_retriever", fit_once)


def test_eval_json_has_the_learning_curve_and_the_plot_is_drawn(
    small_corpora: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    plot = tmp_path / "learning-curve.png"
    assert main(["eval", "--json", "--curve-plot", str(plot)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    curves = [record["learning_curve"] for record in records if "learning_curve" in record]
    assert len(curves) == 1 and len(records) == 2 * len(NAMES) + 1
    curve = curves[0]
    assert (curve["corpus"], curve["taught_part"], curve["reported_part"]) == (CURVE_CORPUS, "tuning", "test")
    assert [point["taught_share"] for point in curve["points"]] == list(CURVE_SHARES)
    assert [point["resolved"] for point in curve["points"]] == [0, 0, 1, 2]  # round(0.25 * 2) == 0
    untaught = next(r for r in records if r.get("corpus") == CURVE_CORPUS and r.get("part") == "test")
    assert curve["points"][0]["outcomes"] == {key: untaught[key] for key in curve["points"][0]["outcomes"]}
    assert {bar["name"] for bar in curve["bars"]} == {
        "learning curve: answered right gain at 100% taught",
        "learning curve: answered wrong at 100% taught",
    }
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
