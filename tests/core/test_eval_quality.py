"""The labelled evaluation set is honest, and faqbot meets the quality bar on it with default settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.config import Config
from bot.core.answering import Answerer
from bot.core.knowledge import KnowledgeBase
from bot.core.text import default_stop_words
from bot.evaluation.baselines import bm25_predictor
from bot.evaluation.scoring import EvalSet, faqbot_predictor, load_eval_set, load_offdomain, score_system
from bot.folding import question_key as normalize_question

EVAL = Path(__file__).resolve().parents[2] / "eval"


@pytest.fixture(scope="module")
def eval_set(knowledge: KnowledgeBase) -> EvalSet:
    return load_eval_set(EVAL / "questions.yaml", knowledge)


def content_words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9]+", text.lower()) if word not in default_stop_words()}


def test_eval_set_is_large_enough_and_covers_every_entry(eval_set: EvalSet, knowledge: KnowledgeBase) -> None:
    assert len(eval_set.answerable) >= 150
    assert len(eval_set.offtopic) >= 40
    covered = set().union(*(question.ids for question in eval_set.answerable))
    assert covered == {entry.id for entry in knowledge.entries}


def test_a_quarter_of_eval_questions_share_no_content_word_with_their_answer(
    eval_set: EvalSet, knowledge: KnowledgeBase
) -> None:
    disjoint = 0
    for question in eval_set.answerable:
        answer_words = set().union(*(content_words(knowledge.get(i).text) for i in question.ids))
        disjoint += not (content_words(question.text) & answer_words)
    assert disjoint / len(eval_set.answerable) >= 0.25


def test_no_eval_question_is_in_the_knowledge(eval_set: EvalSet, knowledge: KnowledgeBase) -> None:
    phrasings = {normalize_question(q) for entry in knowledge.entries for q in (entry.title, *entry.questions)}
    asked = [q.text for q in eval_set.answerable] + list(eval_set.offtopic)
    assert [q for q in asked if normalize_question(q) in phrasings] == []
    raw = yaml.safe_load((EVAL / "questions.yaml").read_text())
    assert len({normalize_question(item["q"]) for item in raw["answerable"]}) == len(raw["answerable"])


def test_default_settings_meet_the_quality_bar(eval_set: EvalSet, knowledge: KnowledgeBase) -> None:
    """The answer-engine bar: overall accuracy >= 0.92, <= 2% false answers on CLINC150, clearly ahead of BM25.

    Measured (README, "Answer quality"): overall 0.924 (230 of 249), CLINC150 1.29%, wrong answers 1.6%.
    """
    offdomain = load_offdomain(EVAL / "clinc150-val-offdomain.json")
    assert len(offdomain) == 3100
    answerer = Answerer.build(knowledge, Config().retrieval, store=None)
    ours = score_system("faqbot", faqbot_predictor(answerer), eval_set, offdomain)
    bm25 = score_system("bm25", bm25_predictor(knowledge), eval_set, offdomain)
    assert ours.overall_accuracy >= 0.92
    assert ours.clinc_false_answer_rate is not None and ours.clinc_false_answer_rate <= 0.02
    assert ours.offtopic_abstention >= 0.95
    assert ours.wrong_answer_rate <= 0.05
    assert ours.overall_accuracy >= bm25.overall_accuracy + 0.1
    assert ours.mrr_at_5 >= 0.9
