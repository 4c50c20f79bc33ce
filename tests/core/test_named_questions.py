"""The issue's short questions about the role, asked the way members ask them, on the bundled knowledge."""

from __future__ import annotations

import pytest

from bot.config import Config
from bot.core.answering import Answerer
from bot.core.gate import Status
from bot.core.knowledge import KnowledgeBase


@pytest.fixture(scope="module")
def answerer(knowledge: KnowledgeBase) -> Answerer:
    return Answerer.build(knowledge, Config().retrieval, store=None)


@pytest.mark.parametrize("question", ["what does a tech lead do", "what does a TL do"])
def test_the_most_basic_question_about_the_role_is_answered_with_its_introduction(
    answerer: Answerer, question: str
) -> None:
    answer = answerer.judge(question)
    assert answer.status is Status.ANSWERED
    assert answer.verdict is not None and answer.verdict.best is not None
    assert answer.verdict.best.entry.id == "intro"


@pytest.mark.parametrize(
    ("question", "entries"),
    [
        ("is Go required", {"education-degree", "skill-scripting"}),
        ("IT background needed?", {"education-equivalent-experience", "education-degree", "glance-education"}),
    ],
)
def test_short_questions_about_what_is_required_rank_the_background_first(
    answerer: Answerer, question: str, entries: set[str]
) -> None:
    verdict = answerer.judge(question).verdict
    assert verdict is not None and verdict.best is not None and verdict.best.entry.id in entries


@pytest.mark.parametrize("question", ["how much do they make", "how much does a cloud technical lead make"])
def test_a_pay_question_the_page_has_no_figure_for_is_never_answered_outright(
    answerer: Answerer, question: str
) -> None:
    """The page says only that compensation is strong (no figure): "did you mean" that passage at most."""
    answer = answerer.judge(question)
    assert answer.status is not Status.ANSWERED
    if answer.status is Status.SUGGEST:
        assert answer.verdict is not None and answer.verdict.alternatives[0].entry.id == "outlook-demand"


@pytest.mark.parametrize("question", ["do TLs still *write* code?", "do TLs still __write__ code?"])
def test_markdown_emphasis_gets_the_answer_the_plain_question_gets(answerer: Answerer, question: str) -> None:
    plain = answerer.judge("do TLs still write code?")
    emphasised = answerer.judge(question)
    assert plain.status is emphasised.status is Status.ANSWERED
    assert plain.verdict is not None and emphasised.verdict is not None
    assert emphasised.verdict.best is not None and plain.verdict.best is not None
    assert emphasised.verdict.best.entry.id == plain.verdict.best.entry.id
